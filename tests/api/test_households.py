"""Household search and reading through the API: scoped by the account's area (outside it a household "is not in
the registry"), masked by default, unmasked only with the permission and a reason, every read an audit row."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from jiuzhu.access import Role
from jiuzhu.db import session_scope
from tests.api.conftest import LONGTANZI, TIESHAN, TIESHAN_VILLAGE, household
from tests.audit import access_rows

ALL_OF_TIESHAN = ["500111119-000001", "500111119-000002"]


def _numbers(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["household_no"] for item in response.json()["items"]]


def _audit(api) -> list:
    with session_scope(api.engine, write=False) as session:
        return access_rows(session)


def _member(api, no: str, position: int = 0) -> dict:
    from jiuzhu.registry import service

    with session_scope(api.engine, write=False) as session:
        return service.household_doc(session, service.get_household(session, no)).members[position].model_dump()


def test_a_township_user_finds_only_its_townships_households(registry):
    client = registry.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    response = client.get("/api/v1/households")
    assert _numbers(response) == ALL_OF_TIESHAN and response.json()["total"] == 2
    item = response.json()["items"][0]
    assert item["area_code"] == TIESHAN and item["members"] == 4 and "*" in item["head"]["id_number"]
    assert item["programmes"] == ["disability_care"]


def test_a_village_user_finds_only_its_village(registry):
    client = registry.user("cun.gan", Role.COMMUNITY_WORKER, TIESHAN_VILLAGE)
    assert _numbers(client.get("/api/v1/households")) == ["500111119-000002"]


def test_a_district_officer_finds_the_district_but_not_another(registry):
    client = registry.user("qu.ju", Role.DISTRICT_OFFICER, "500111")
    assert _numbers(client.get("/api/v1/households")) == ["500111001-000001", *ALL_OF_TIESHAN]


@pytest.mark.parametrize("query, expected", [
    ("name=", None),
    ("household_no=500111119-000002", ["500111119-000002"]),
    ("area=500111119S01", ["500111119-000002"]),
    ("programme=disability_care", ALL_OF_TIESHAN),
    ("programme=dibao", []),
])
def test_search_criteria(registry, query, expected):
    client = registry.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    response = client.get(f"/api/v1/households?{query}")
    if expected is None:
        assert response.status_code == 400 and response.json()["field"] == "name"
    else:
        assert _numbers(response) == expected


def test_search_by_name_part_and_by_whole_id_number(registry):
    client = registry.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    member = _member(registry, "500111119-000002", 1)
    assert _numbers(client.get(f"/api/v1/households?name={member['name'][1:]}")) == ALL_OF_TIESHAN  # same names
    assert _numbers(client.get(f"/api/v1/households?id_number={member['id_number']}")) == ["500111119-000002"]
    part = client.get(f"/api/v1/households?id_number={member['id_number'][:10]}")
    assert part.status_code == 400 and part.json()["field"] == "id_number"
    assert member["id_number"][:10] not in part.json()["message"][6:]  # masked in the answer too
    number = member["id_number"]
    mistyped = number[:-1] + ("0" if number[-1] != "0" else "1")  # a wrong check digit: said, not "0 found"
    wrong = client.get(f"/api/v1/households?id_number={mistyped}")
    assert wrong.status_code == 400 and wrong.json()["field"] == "id_number"
    assert "check digit" in wrong.json()["message"] and mistyped not in wrong.json()["message"]


def test_an_id_number_of_another_township_finds_nothing(registry):
    client = registry.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    other = _member(registry, "500111001-000001")["id_number"]
    response = client.get(f"/api/v1/households?id_number={other}")
    assert _numbers(response) == [] and response.json()["total"] == 0


def test_an_area_outside_the_account_is_refused_naming_it(registry, zh):
    client = registry.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    response = client.get(f"/api/v1/households?area={LONGTANZI}")
    assert response.status_code == 403 and LONGTANZI in response.json()["message"]
    outside = client.get("/api/v1/households?area=110101")  # Beijing: outside the installation's jurisdiction
    assert outside.status_code == 400 and outside.json()["field"] == "area"
    unknown_programme = client.get("/api/v1/households?programme=lottery")
    assert unknown_programme.status_code == 400 and "dibao" in unknown_programme.json()["message"]


def test_another_townships_household_is_not_found_the_same_as_a_missing_one(registry, zh):
    client = registry.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    other = client.get("/api/v1/households/500111001-000001")
    missing = client.get("/api/v1/households/500111001-999999")
    assert other.status_code == missing.status_code == 404
    assert other.json()["message"].replace("000001", "999999") == missing.json()["message"]
    for path in ("history", "evaluation"):
        assert client.get(f"/api/v1/households/500111001-000001/{path}").status_code == 404
    assert not [r for r in _audit(registry) if r.subject == "500111001-000001"]  # nothing was read


def test_a_household_is_masked_and_its_read_is_an_audit_row_with_its_area(registry):
    client = registry.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    response = client.get("/api/v1/households/500111119-000002")
    assert response.status_code == 200
    doc = response.json()
    full = _member(registry, "500111119-000002")["id_number"]
    assert full not in response.text and doc["members"][0]["id_number"] == full[:6] + "********" + full[-4:]
    rows = [r for r in _audit(registry) if r.subject == "500111119-000002"]
    assert [(r.actor, r.action, r.area_code, r.unmasked) for r in rows] == \
        [("tie.shan", "view", TIESHAN_VILLAGE, False)]


def test_unmasking_needs_the_permission(registry):
    client = registry.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    response = client.get("/api/v1/households/500111119-000002?unmask=true&reason=核对身份")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_unmasking_needs_a_reason_which_the_audit_log_keeps(registry, zh):
    client = registry.user("shen.he", Role.TOWNSHIP_APPROVER, TIESHAN)
    for query in ("unmask=true", "unmask=true&reason=%20%20"):
        refused = client.get(f"/api/v1/households/500111119-000002?{query}")
        assert refused.status_code == 400 and refused.json()["field"] == "reason"
        assert "理由" in refused.json()["message"]
    response = client.get("/api/v1/households/500111119-000002?unmask=true&reason=入户核对身份")
    assert response.status_code == 200
    assert response.json()["members"][0]["id_number"] == _member(registry, "500111119-000002")["id_number"]
    rows = [r for r in _audit(registry) if r.subject == "500111119-000002"]
    assert [(r.action, r.unmasked, r.reason) for r in rows] == [("view", True, "入户核对身份")]


def test_history_masked_and_unmasked(registry):
    approver = registry.user("shen.he", Role.TOWNSHIP_APPROVER, TIESHAN)
    changed = household("500111119-000002", TIESHAN_VILLAGE, 2, address="新地址")
    registry.put(changed)
    response = approver.get("/api/v1/households/500111119-000002/history")
    assert response.status_code == 200
    changes = response.json()["changes"]
    assert [c["path"] for c in changes] == ["(created)", "address"] and changes[1]["new"] == "新地址"
    unmasked = approver.get("/api/v1/households/500111119-000002/history?unmask=true&reason=复核")
    assert unmasked.status_code == 200 and unmasked.json()["unmasked"] is True
    rows = [r for r in _audit(registry) if r.subject == "500111119-000002" and r.action == "history"]
    assert [(r.unmasked, r.reason) for r in rows] == [(False, None), (True, "复核")]


def test_a_search_is_an_audit_row_with_the_id_number_masked(registry):
    client = registry.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    number = _member(registry, "500111119-000002")["id_number"]
    client.get(f"/api/v1/households?id_number={number}")
    rows = [r for r in _audit(registry) if r.action == "search"]
    assert len(rows) == 1 and number not in rows[0].subject and number[-4:] in rows[0].subject
    assert rows[0].area_code == TIESHAN


def test_roles_without_the_registry_are_refused(registry):
    admin = registry.user("admin.one", Role.ADMINISTRATOR, "500111")
    assert admin.get("/api/v1/households").status_code == 403
    assert admin.get("/api/v1/households/500111119-000001").status_code == 403


def test_areas_are_those_inside_the_account(registry):
    client = registry.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    response = client.get("/api/v1/areas")
    assert response.status_code == 200
    areas = {a["code"]: a for a in response.json()}
    assert set(areas) == {TIESHAN, TIESHAN_VILLAGE}
    assert areas[TIESHAN]["households"] == 2 and areas[TIESHAN_VILLAGE]["households"] == 1
    children = client.get(f"/api/v1/areas?parent={TIESHAN}").json()
    assert [a["code"] for a in children] == [TIESHAN_VILLAGE]


def test_pagination(registry):
    registry.put(*(household(f"500111119-1{i:05d}", TIESHAN, 5 + i) for i in range(5)))
    client = registry.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    first = client.get("/api/v1/households?per_page=3").json()
    second = client.get("/api/v1/households?per_page=3&page=2").json()
    beyond = client.get("/api/v1/households?per_page=3&page=9").json()
    assert first["total"] == second["total"] == 7 and len(first["items"]) == 3 and len(second["items"]) == 3
    assert beyond["items"] == [] and beyond["total"] == 7
    assert not {i["household_no"] for i in first["items"]} & {i["household_no"] for i in second["items"]}


def test_no_household_without_an_area_can_exist():
    """The schema allows none (the column is NOT NULL): the rule "a record without an area is visible to no
    area-scoped role" needs no row of the registry's households to test it; ``area_clause`` on NULL is false."""
    from jiuzhu.registry import models as m

    assert m.Household.__table__.c.area_code.nullable is False


@pytest.mark.postgres
def test_scoped_search_on_postgresql(api_any):
    api_any.put(household("500111119-000001", TIESHAN, 1), household("500111001-000001", LONGTANZI, 3))
    client = api_any.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    assert _numbers(client.get("/api/v1/households")) == ["500111119-000001"]
    assert client.get("/api/v1/households/500111001-000001").status_code == 404
    with session_scope(api_any.engine, write=False) as session:
        from jiuzhu.audit.models import AuditEntry

        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "search")).all()
