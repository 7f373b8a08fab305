"""Storing households: changes are logged with who, when, why, old and new; nothing is half-written."""

import copy
import json

import pytest
from sqlalchemy import func, select

from jiuzhu.db import session_scope
from jiuzhu.errors import NotFoundError, RecordError
from jiuzhu.registry import models as m
from jiuzhu.registry import service


def _put(engine, data, actor="clerk", reason="test"):
    with session_scope(engine) as session:
        service.put_household(session, service.parse_household(data, record="t"), actor=actor, reason=reason)


def test_a_stored_household_reads_back_equal(engine, example_data):
    _put(engine, example_data)
    with session_scope(engine) as session:
        doc = service.household_doc(session, service.get_household(session, "500111119-000001"))
        areas = session.scalars(select(m.Area.code).order_by(m.Area.code)).all()
    assert doc.model_dump(mode="json") == service.parse_household(example_data, record="t").model_dump(mode="json")
    assert areas == ["500000", "500111", "500111119"]


def test_a_change_records_who_when_why_old_and_new(engine, example_data):
    _put(engine, example_data, actor="clerk-a", reason="application")
    changed = copy.deepcopy(example_data)
    changed["members"][1]["incomes"][1]["wages"] = "820.00"
    changed["members"][0]["disability"]["grade"] = 1
    _put(engine, changed, actor="clerk-b", reason="home visit 2025-08-03")
    with session_scope(engine) as session:
        changes = service.history(session, "500111119-000001")
    created, *updates = changes
    assert created.path == "(created)" and created.actor == "clerk-a"
    rows = {c.path: (json.loads(c.old_value), json.loads(c.new_value), c.actor, c.reason) for c in updates}
    head, spouse = example_data["members"][0]["id_number"], example_data["members"][1]["id_number"]
    assert rows == {
        f"members[{spouse}].incomes[2025-07].wages": ("0.00", "820.00", "clerk-b", "home visit 2025-08-03"),
        f"members[{head}].disability.grade": (2, 1, "clerk-b", "home visit 2025-08-03"),
    }
    assert all(c.at is not None for c in changes)


def test_storing_the_same_document_again_records_no_change(engine, example_data):
    _put(engine, example_data)
    _put(engine, example_data)
    with session_scope(engine) as session:
        assert [c.path for c in service.history(session, "500111119-000001")] == ["(created)"]


def test_a_person_already_in_another_household_is_refused_and_nothing_is_written(engine, example_data):
    _put(engine, example_data)
    other = copy.deepcopy(example_data)
    other["household_no"] = "500111119-000002"
    other["members"] = [copy.deepcopy(example_data["members"][3]), copy.deepcopy(example_data["members"][2])]
    other["members"][0]["relation"] = "head"
    other["rigid_spending"], other["enrolments"] = [], []
    with pytest.raises(RecordError) as info:
        _put(engine, other)
    assert info.value.field == "members[0].id_number"
    assert "already a member of household 500111119-000001" in info.value.reason
    with session_scope(engine) as session:
        assert session.scalar(select(func.count(m.Household.id))) == 1
        assert session.scalar(select(func.count(m.Person.id))) == 4


def test_a_member_who_leaves_keeps_their_person_record(engine, example_data):
    _put(engine, example_data)
    smaller = copy.deepcopy(example_data)
    left = smaller["members"].pop(2)
    _put(engine, smaller, reason="moved out")
    with session_scope(engine) as session:
        person = session.scalars(select(m.Person).where(m.Person.id_number == left["id_number"])).one()
        assert person.member is None
        paths = [c.path for c in service.history(session, "500111119-000001")]
    assert f"members[{left['id_number']}].name" in paths


def test_unknown_household_is_a_clear_error(engine):
    with session_scope(engine) as session, pytest.raises(NotFoundError, match="500111119-999999"):
        service.get_household(session, "500111119-999999")


def test_access_is_logged(engine):
    with session_scope(engine) as session:
        service.log_access(session, actor="auditor", action="view", subject="500111119-000001", unmasked=True)
    with session_scope(engine) as session:
        row = session.scalars(select(m.AccessLog)).one()
    assert (row.actor, row.action, row.subject, row.unmasked) == ("auditor", "view", "500111119-000001", True)
