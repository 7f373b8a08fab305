"""The lists and workbooks name a living member to contact, say when the head (or the person) has died, and
never list a dead person as entitled (field test 1: households-head-died.json)."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pyarrow.parquet as pq
import pytest

from jiuzhu import migrate
from jiuzhu.db import make_engine, session_scope
from jiuzhu.discovery.flows import scan
from jiuzhu.discovery.lists import ENTITLED, NOT_ENTITLED
from jiuzhu.discovery.scan import RESULTS_P
from jiuzhu.registry import service
from tests.conftest import FIELD_TEST_1
from tests.factories import id_number

RURAL = {"chongqing": True, "urban": False}
GRADE_1 = {"category": "physical", "grade": 1, "valid_from": "2020-01-01", "valid_to": "2030-12-31"}
_seq = iter(range(1, 10_000))


def member(name: str, relation: str, born: str, **kw) -> dict:
    birth = dt.date.fromisoformat(born)
    return {"id_number": id_number(birth, next(_seq), male=len(name) % 2 == 0), "name": name, "relation": relation,
            "hukou": RURAL} | kw


def household(no: str, members: list[dict], **kw) -> dict:
    return {"household_no": no, "area_code": "500111119", "address": f"铁山镇测试村{no}号(合成)", "urban": False,
            "declared_on": "2025-08-03", "members": members} | kw


HOUSEHOLDS = [
    household("C-HEAD", [member("甲户主", "head", "1970-03-01", phone="13800000001"),
                         member("甲配偶", "spouse", "1972-05-01", phone="13800000002"),
                         member("甲孩子", "child", "2012-05-05", employment="student", school_level="primary")]),
    # Head dead, no spouse: the oldest living adult *counted* member, before an older one who is not counted.
    household("C-OLDEST", [member("乙户主", "head", "1960-01-01", death_date="2025-06-01"),
                           member("乙儿子", "child", "1990-01-01"),
                           member("乙母亲", "parent", "1945-02-02", phone="13800000003"),
                           member("乙祖母", "grandparent", "1930-03-03", counted=False,
                                  exclusion_reason="missing")]),
    # Head dead, only children left: the oldest child, and the entry says nobody adult is there.
    household("C-CHILDREN", [member("丙户主", "head", "1975-01-01", death_date="2025-05-05"),
                             member("丙大孩", "child", "2011-04-04", employment="student",
                                    school_level="junior_secondary"),
                             member("丙小孩", "child", "2015-06-06", employment="student", school_level="primary",
                                    disability=GRADE_1)]),
    # A disabled child: the person's entry names the child and is contacted through the head.
    household("C-CHILD", [member("丁户主", "head", "1980-01-01", phone="13800000004"),
                          member("丁孩子", "child", "2014-07-07", employment="student", school_level="primary",
                                 disability=GRADE_1)]),
    # Everybody has died, payments still running: 享而不应 names the head, nobody to contact.
    household("C-ALLDEAD", [member("戊户主", "head", "1940-01-01", death_date="2025-03-03")],
              enrolments=[{"programme": "dibao", "monthly_amount": "620.00", "start_date": "2024-01-01"}]),
    # Died after the month scanned: decided alive for 2025-08, but a dead person is never listed as entitled.
    household("C-LATER", [member("己户主", "head", "1965-01-01"),
                          member("己配偶", "spouse", "1966-01-01", death_date="2025-09-10", disability=GRADE_1)]),
]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    root = tmp_path_factory.mktemp("contacts")
    engine = make_engine(f"sqlite:///{root / 'r.db'}")
    migrate.upgrade(engine)
    field = json.loads((FIELD_TEST_1 / "households-head-died.json").read_text(encoding="utf-8"))
    with session_scope(engine) as session:
        for i, data in enumerate(field + HOUSEHOLDS):
            service.put_household(session, service.parse_household(data, record=str(i)), actor="t", reason="t")
    outcome = scan(engine, month="2025-08", home=root, actor="t", workers=1, workbooks="township")
    yield outcome
    engine.dispose()


def entries(outcome, household_no: str) -> list[dict]:
    return [r for r in outcome.findings.to_pylist() if r["household_no"] == household_no]


def test_the_field_case_names_the_living_spouse_and_says_the_head_died(scanned):
    (dibao,) = [r for r in entries(scanned, "T05-000002") if r["programme"] == "dibao"]
    assert dibao["list"] == ENTITLED
    assert (dibao["name"], dibao["contact_name"], dibao["contact_relation"]) == ("在世配偶", "在世配偶", "spouse")
    assert dibao["note"] == "户主已故（2025-07-10）" and dibao["address"] == "铁山镇测试村5组(合成)"
    assert all("已故户主" not in (r["name"], r["contact_name"]) for r in entries(scanned, "T05-000002"))
    # The spouse of T05-000001 died in the month: her care subsidy is to stop; her husband is the contact.
    (care,) = [r for r in entries(scanned, "T05-000001") if r["programme"] == "disability_care"]
    assert care["list"] == NOT_ENTITLED and care["name"] == "测试丁妻"
    assert (care["contact_name"], care["note"]) == ("测试丁", "本人已故（2025-08-15）")


def test_the_field_case_workbook_names_the_living_spouse(scanned):
    (path,) = scanned.workbooks
    assert path.exists() and path.name == "500111119-铁山镇-2025-08.xlsx"
    ws = openpyxl.load_workbook(path)["应享未享"]
    head = [c.value for c in ws[1]]
    rows = [dict(zip(head, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    (row,) = [r for r in rows if r["户编号"] == "T05-000002" and r["项目"] == "最低生活保障"]
    assert (row["姓名"], row["联系人"], row["提示"]) == ("在世配偶", "在世配偶", "户主已故（2025-07-10）")
    assert "已故户主" not in {v for r in rows for v in r.values()}


def test_a_living_head_is_the_contact(scanned):
    rows = entries(scanned, "C-HEAD")
    assert rows and {(r["contact_name"], r["contact_phone"], r["note"]) for r in rows} == {
        ("甲户主", "13800000001", None)}
    assert all(r["name"] == "甲户主" for r in rows if r["person_id"] is None)


def test_without_head_or_spouse_the_oldest_living_adult_counted_member(scanned):
    rows = entries(scanned, "C-OLDEST")
    assert rows
    assert {(r["contact_name"], r["contact_relation"]) for r in rows if r["person_id"] is None} == {
        ("乙母亲", "parent")}
    assert all("户主已故（2025-06-01）" in r["note"] for r in rows if r["person_id"] is None)
    assert all(r["name"] != "乙户主" for r in rows if r["list"] == ENTITLED)


def test_a_household_of_children_names_the_oldest_and_says_no_adult_is_there(scanned):
    rows = entries(scanned, "C-CHILDREN")
    assert rows
    for r in rows:
        assert r["contact_name"] == "丙大孩" and "户主已故（2025-05-05）" in r["note"]
        if r["person_id"] is not None and r["name"] != "丙大孩":
            assert "本人未成年，家中无在世成年成员" in r["note"]


def test_a_childs_entry_names_the_child_and_a_living_adult_to_contact(scanned):
    (care,) = [r for r in entries(scanned, "C-CHILD") if r["programme"] == "disability_care"]
    assert care["list"] == ENTITLED and care["name"] == "丁孩子" and care["id_number"] is not None
    assert (care["contact_name"], care["contact_relation"], care["contact_phone"]) == ("丁户主", "head",
                                                                                      "13800000004")
    assert care["note"] is None


def test_a_household_whose_members_all_died_names_the_head_and_nobody_to_contact(scanned):
    (dibao,) = entries(scanned, "C-ALLDEAD")
    assert dibao["list"] == NOT_ENTITLED and dibao["name"] == "戊户主"
    assert dibao["contact_name"] is None and dibao["contact_person_id"] is None
    assert dibao["note"] == "户主已故（2025-03-03）；家庭成员均已故，无人可联系"


def test_a_dead_person_is_never_listed_as_entitled(scanned):
    rows = scanned.findings.to_pylist()
    dead = {m["name"] for h in HOUSEHOLDS for m in h["members"] if m.get("death_date")} | {"测试丁妻", "已故户主"}
    assert not [r for r in rows if r["list"] == ENTITLED and r["name"] in dead]
    assert not [r for r in rows if r["list"] == ENTITLED and r["contact_name"] in dead]
    # The rules decide 己配偶 alive in 2025-08 (she died in September) and eligible for the living subsidy; she
    # is not listed, as nobody can enrol her now.
    persons = pq.read_table(scanned.folder / "snapshot" / "registry" / "persons.parquet").to_pylist()
    (her,) = [p["id"] for p in persons if p["name"] == "己配偶"]
    results = pq.read_table(scanned.folder / RESULTS_P).to_pylist()
    assert [r["disability_living_state"] for r in results if r["person_id"] == her] == [2]
    assert not [r for r in entries(scanned, "C-LATER") if r["person_id"] == her]


def test_every_contact_is_a_living_member_of_the_household(scanned):
    people = {m["name"]: (h["household_no"], m.get("death_date")) for h in HOUSEHOLDS for m in h["members"]}
    for r in scanned.findings.to_pylist():
        if r["contact_name"] in people:
            household_no, died = people[r["contact_name"]]
            assert household_no == r["household_no"] and died is None, r
