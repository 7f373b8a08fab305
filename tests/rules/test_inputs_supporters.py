"""特困's "no able legal supporter" covers the whole class of 民法典 arts. 1059, 1067, 1074 and 1075, from household
members (their kinship worked out from both relations to the head) and supporter rows alike; unknown stays
unknown; both twins agree (each case is also stored, snapshotted and prepared by DuckDB)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from jiuzhu.registry import service
from jiuzhu.rules.batch import evaluate_frame
from jiuzhu.rules.inputs.documents import frame_for
from tests.conftest import FIELD_TEST_1
from tests.factories import id_number
from tests.rules.test_inputs_twins import store_and_compare

MONTH = "2025-08"
ON = dt.date(2025, 8, 31)


def born(age: int, month: int = 3) -> dt.date:
    return dt.date(ON.year - age, month, 1)


def member(age: int, seq: int, relation: str, male: bool = True, **extra) -> dict:
    birth = born(age)
    out = {"id_number": id_number(birth, seq, male), "name": f"成员{seq}", "relation": relation,
           "hukou": {"chongqing": True, "urban": True}}
    out.update(extra)
    return out


def household(*members: dict, declared: str | None = "2025-08-05", **extra) -> dict:
    return {"household_no": "H-1", "area_code": "500111119", "urban": True, "declared_on": declared,
            "members": list(members), **extra}


def inputs(data: dict, month: str = MONTH):
    frame = frame_for([service.parse_household(data, record="t")], month)
    able, known = frame.persons["has_able_supporter"], frame.persons["supporters_known"]
    return [(bool(a), bool(k)) for a, k in zip(able, known, strict=True)]


ABLE, NONE_KNOWN, UNKNOWN = (True, True), (False, True), (False, False)


def test_field_case_a_58_year_old_spouse_supports_the_60_year_old_head(tmp_path):
    """household-tekun-spouse-able.json, 2025-08: not 特困 (art. 1059); the household gets 低保 940.00."""
    data = json.loads((FIELD_TEST_1 / "household-tekun-spouse-able.json").read_text(encoding="utf-8"))
    frame = frame_for([service.parse_household(data, record="t")], MONTH)
    assert list(frame.persons["has_able_supporter"]) == [True, True]
    result = evaluate_frame(frame)
    assert result["tekun_state"][0] == 0 and result["tekun_amount"][0] == 0
    assert result["dibao_state"][0] == 2 and result["dibao_amount"][0] == 94000
    store_and_compare(tmp_path, [data], MONTH)


CASES = {
    # art. 1059: a spouse aged 70+ with low income and assets (known: the household declared) is unable, a
    # spouse of 66 outside 低保 is able (art. 11 names 60+ only with 低保) …
    "spouse 72, low income, declared": (household(member(66, 1, "head"), member(72, 2, "spouse", False)),
                                        [NONE_KNOWN, ABLE]),
    # … and whether the 72-year-old is unknown when their income is (no declaration, no income months)
    "spouse 72, income unknown": (household(member(66, 1, "head"), member(72, 2, "spouse", False),
                                            declared=None), [UNKNOWN, ABLE]),
    # 低保 aged 60+ is unable (art. 11 (二)): enrolled alone (单人保); the 58-year-old is not yet 60 …
    "spouse 62 in 低保 alone": (household(member(62, 1, "head"), member(58, 2, "spouse", False),
                                         enrolments=[{"programme": "dibao", "id_number": id_number(born(62), 1, True),
                                                      "monthly_amount": "100.00", "start_date": "2025-01-01"}]),
                               [ABLE, NONE_KNOWN]),
    # … the 低保 of the household they share is not a fact about the supporter apart from the person
    "spouses 62 and 64 in the household's 低保": (
        household(member(62, 1, "head"), member(64, 2, "spouse", False),
                  enrolments=[{"programme": "dibao", "id_number": None, "monthly_amount": "100.00",
                               "start_date": "2025-01-01"}]),
        [ABLE, ABLE]),
    # 特困 at any age is unable (art. 11 (一))
    "spouse 50 in 特困": (household(member(62, 1, "head"), member(50, 2, "spouse", False),
                                  enrolments=[{"programme": "tekun", "id_number": id_number(born(50), 2, False),
                                               "monthly_amount": "100.00", "start_date": "2025-01-01"}]),
                        [NONE_KNOWN, ABLE]),
    # art. 1074: an able grandparent of a minor whose parents are not in the household …
    "grandparent 55 of a minor": (household(member(55, 1, "head"), member(10, 2, "grandchild", False)),
                                  [NONE_KNOWN, ABLE]),
    # … owes nothing to an adult grandchild; an adult grandchild supports the grandparent, but not a student
    # (without the means: 有负担能力的孙子女)
    "grandchild 25 of a grandparent 80": (household(member(80, 1, "head"), member(25, 2, "grandchild", False)),
                                          [ABLE, NONE_KNOWN]),
    "a student grandchild 20": (household(member(80, 1, "head"),
                                          member(20, 2, "grandchild", False, school_level="undergraduate")),
                                [NONE_KNOWN, NONE_KNOWN]),
    # head's parent ↔ head's child: grandparent and grandchild; the head in prison supports nobody, and a
    # grandparent owes an adult grandchild nothing
    "the head's child supports the head's parent": (
        household(member(45, 1, "head", counted=False, exclusion_reason="prison"), member(20, 2, "child"),
                  member(75, 3, "parent", False)),
        [ABLE, NONE_KNOWN, ABLE]),
    # art. 1075 ¶1: an adult elder sibling supports a minor sibling, not the reverse
    "elder sibling 25 of a minor": (household(member(25, 1, "head"), member(12, 2, "sibling", False)),
                                    [NONE_KNOWN, ABLE]),
    # art. 1075 ¶2: a younger adult sibling owes support only if raised by the elder: not recorded, unknown
    "younger sibling 50 of the head 65": (household(member(65, 1, "head"), member(50, 2, "sibling")),
                                          [UNKNOWN, NONE_KNOWN]),
    # art. 1067: a parent supports an adult child who cannot live independently (grade 1 physical disability);
    # that child, severely disabled with low income, is unable to support the parent (art. 11 (三))
    "parent 50 of a disabled adult child": (
        household(member(50, 1, "head"), member(25, 2, "child", disability={"category": "physical", "grade": 1})),
        [NONE_KNOWN, ABLE]),
    # … but not an adult child who can
    "parent 50 of an adult child": (household(member(50, 1, "head"), member(25, 2, "child")), [ABLE, NONE_KNOWN]),
    # a dead member supports nobody
    "a dead spouse": (household(member(66, 1, "head"), member(50, 2, "spouse", False, death_date="2025-03-01")),
                      [NONE_KNOWN]),
    # in-laws owe nothing: the head's spouse and the head's parent
    "spouse and the head's parent": (household(member(40, 1, "head", counted=False, exclusion_reason="missing"),
                                               member(40, 2, "spouse", False), member(70, 3, "parent")),
                                     [ABLE, NONE_KNOWN, NONE_KNOWN]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_supporters_of_each_relation(tmp_path, name):
    data, expected = CASES[name]
    assert inputs(data) == expected, name
    store_and_compare(tmp_path, [data], MONTH)


def row(relation: str, status: str = "able", **extra) -> dict:
    return {"name": "外地亲属", "id_number": None, "relation": relation, "status": status, **extra}


ROW_CASES = {
    "an able child elsewhere": (member(70, 1, "head", supporters=[row("child")]), ABLE),
    "an unable child elsewhere": (member(70, 1, "head", supporters=[row("child", "prison")]), NONE_KNOWN),
    "a relation outside the law's list": (member(70, 1, "head", supporters=[row("other")]), NONE_KNOWN),
    "a grandparent owes an adult nothing": (member(30, 1, "head", supporters=[row("grandparent")]), NONE_KNOWN),
    "a grandparent supports a minor": (member(15, 1, "head", supporters=[row("grandparent")]), ABLE),
    "a parent owes a self-reliant adult nothing": (member(30, 1, "head", supporters=[row("parent")]), NONE_KNOWN),
    "a parent supports an adult student": (member(20, 1, "head", school_level="undergraduate",
                                                  supporters=[row("parent")]), ABLE),
    # a status history: able in January, dead since July
    "a supporter who died": (member(70, 1, "head", supporters=[row("child", as_of="2025-01-10"),
                                                                row("child", "deceased", as_of="2025-07-02")]),
                             NONE_KNOWN),
}


@pytest.mark.parametrize("name", list(ROW_CASES))
def test_supporter_rows(tmp_path, name):
    person, expected = ROW_CASES[name]
    data = household(person, declared=None)
    assert inputs(data) == [expected], name
    store_and_compare(tmp_path, [data], MONTH)


def test_a_supporter_row_counts_from_its_date_and_the_latest_status_holds():
    history = [row("child", "able", as_of="2025-03-15"), row("child", "deceased", as_of="2025-07-02")]
    data = household(member(70, 1, "head", supporters=history), declared=None)
    assert inputs(data, "2025-02") == [UNKNOWN]  # no status yet, nothing declared
    assert inputs(data, "2025-06") == [ABLE]
    assert inputs(data, "2025-08") == [NONE_KNOWN]
