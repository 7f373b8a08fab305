"""Storing households: changes are logged with who, when, why, old and new; nothing is half-written."""

import copy
import json

import pytest
from sqlalchemy import func, select

from jiuzhu.db import session_scope
from jiuzhu.errors import NotFoundError, RecordError
from jiuzhu.registry import models as m
from jiuzhu.registry import service
from tests.audit import access_rows


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
        [row] = access_rows(session)
    assert (row.actor, row.action, row.subject, row.unmasked) == ("auditor", "view", "500111119-000001", True)



@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_export_is_logged_in_chinese_whatever_the_language(engine, lang):
    from jiuzhu.i18n import use_language

    with session_scope(engine) as session, use_language(lang):
        service.log_export(session, actor="clerk", file="a.xlsx", month="2025-08", area="500111119", households=2,
                           people=5, rows=9, unmasked=False)
        service.log_export(session, actor="clerk", file="b.jsonl", area=None, households=0, unmasked=True)
        service.log_export(session, actor="clerk", file="c.xlsx", area="500111119", unmasked=False,
                           entries={"应享未享": 3, "已解决": 0})
    with session_scope(engine) as session:
        logged = access_rows(session)
        rows = [(r.action, r.unmasked, r.subject) for r in logged]
    assert rows == [
        ("export", False, "导出 a.xlsx，2025年8月，区划 500111119，2 户，5 人，9 行；证件号码等已脱敏"),
        ("export", True, "导出 b.jsonl，全部区划，0 户；证件号码等未脱敏"),
        ("export", False, "导出 c.xlsx，区划 500111119，应享未享 3 条，已解决 0 条；证件号码等已脱敏")]


# --------------------------------------------------------------------------- reading for a person


def _load_case(engine, *names):
    from tests.conftest import FIELD_TEST_1

    for name in names:
        data = json.loads((FIELD_TEST_1 / name).read_text(encoding="utf-8"))
        _put(engine, data, reason=name)


def _access_log(engine) -> list[tuple]:
    with session_scope(engine) as session:
        return [(a.actor, a.action, a.subject, a.unmasked)
                for a in access_rows(session)]


def _identifiers(data: dict) -> list[str]:
    """Every identifier a household document holds, by the privacy module's list of where they are."""
    from jiuzhu.registry.privacy import IDENTIFIER_PATHS

    found: list[str] = []

    def walk(value, path):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}.{k}" if path else k)
        elif isinstance(value, list):
            for v in value:
                walk(v, f"{path}[]")
        elif path in IDENTIFIER_PATHS and isinstance(value, str):
            found.append(value)

    walk(data, "")
    return found


def test_a_household_is_shown_with_every_identifier_masked_and_the_log_says_so(engine):
    """Field cases household-masking-v1.json then -v2.json: the supporter's ID number and the disability
    certificate number were shown in full while the log said "masked"."""
    _load_case(engine, "household-masking-v1.json", "household-masking-v2.json")
    with session_scope(engine) as session:
        shown = service.read_household(session, "T13-000001", actor="clerk")
        full = service.read_household(session, "T13-000001", actor="auditor", unmask=True, purpose="review")
    secrets = _identifiers(full)
    assert {"512126195203032517", "51212619800404253X", "51212619520303251741", "512126195605052561"} <= set(secrets)
    text = json.dumps(shown, ensure_ascii=False)
    assert not [secret for secret in secrets if secret in text]
    assert shown["members"][0]["supporters"][0]["id_number"] == "512126********253X"
    assert shown["members"][0]["disability"]["certificate_no"] == "512126**********1741"
    assert shown["members"][0]["name"] == full["members"][0]["name"] == "测试寅"
    assert _access_log(engine) == [("clerk", "view", "T13-000001", False), ("auditor", "review", "T13-000001", True)]


def test_every_kind_of_identifier_is_masked(engine, example_data):
    head = example_data["members"][0]
    head["phone"] = "13812345678"
    head["supporters"][0]["id_number"] = "51212619800404253X"
    head["financial_assets"][0]["account"] = "6217000012345678"
    head["vehicles"][0]["plate"] = "渝A12345"
    head["real_estate"][0]["certificate_no"] = "渝2021大足区不动产权第0012345号"
    _put(engine, example_data)
    with session_scope(engine) as session:
        full = service.read_household(session, "500111119-000001", actor="t", unmask=True)
        shown = service.read_household(session, "500111119-000001", actor="t")
    secrets = _identifiers(full)
    assert len(secrets) >= 12  # members, supporter, certificates, account, plate, phone, references
    text = json.dumps(shown, ensure_ascii=False)
    assert not [secret for secret in secrets if secret in text]
    assert full == json.loads(json.dumps(service.parse_household(example_data, record="t").model_dump(mode="json")))


def test_history_masks_the_ids_in_paths_and_values_and_is_logged(engine):
    _load_case(engine, "household-masking-v1.json", "household-masking-v2.json")
    with session_scope(engine) as session:
        masked = service.read_history(session, "T13-000001", actor="clerk")
        full = service.read_history(session, "T13-000001", actor="auditor", unmask=True)
    assert [c["path"] for c in masked][0] == "(created)" and len(masked) == len(full) > 5
    text = json.dumps(masked, ensure_ascii=False)
    for secret in ("512126195605052561", "51212619800404253X", "51212619520303251741"):
        assert secret not in text
    assert "members[512126********2561].name" in {c["path"] for c in masked}
    assert {c["path"]: c["new"] for c in full}["members[512126195605052561].id_number"] == "512126195605052561"
    assert {c["path"]: c["new"] for c in masked}["members[512126********2561].id_number"] == "512126********2561"
    first = masked[1]
    assert set(first) == {"at", "actor", "reason", "path", "old", "new"}
    assert first["reason"] == "household-masking-v2.json" and first["at"].endswith("+00:00")
    assert _access_log(engine) == [("clerk", "history", "T13-000001", False),
                                   ("auditor", "history", "T13-000001", True)]


def test_reading_an_unknown_household_is_a_clear_error_and_logs_nothing(engine):
    with session_scope(engine) as session, pytest.raises(NotFoundError, match="X-1"):
        service.read_household(session, "X-1", actor="t")
    with session_scope(engine) as session, pytest.raises(NotFoundError, match="X-1"):
        service.read_history(session, "X-1", actor="t")
    assert _access_log(engine) == []


def test_storing_a_household_twice_unchanged_writes_nothing(engine, example_data):
    _put(engine, example_data)
    with session_scope(engine) as session:
        before = session.scalar(select(func.max(m.FinancialAsset.id)))
        hh, changed = service._put(session, service.parse_household(example_data, record="t"), actor="t",
                                   reason="again")
        assert not changed and hh.household_no == "500111119-000001"
        assert session.scalar(select(func.max(m.FinancialAsset.id))) == before  # nothing deleted and written again
