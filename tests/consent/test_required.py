"""Who must authorize (domain.md §6): adults personally, a guardian for a minor, nobody for an excluded member."""

from __future__ import annotations

import datetime as dt

from hypothesis import assume, given
from hypothesis import strategies as st

from jiuzhu.consent.required import MemberFacts, age_on, guardian_candidates, required

ON = dt.date(2026, 6, 1)


def member(pid, relation="head", birth=dt.date(1980, 1, 1), counted=True, death=None, position=0):
    return MemberFacts(person_id=pid, name=f"m{pid}", relation=relation, birth_date=birth, death_date=death,
                       counted=counted, position=position)


def test_adults_sign_themselves_minors_through_a_guardian_the_excluded_and_dead_not_at_all():
    members = [member(1), member(2, "spouse", position=1), member(3, "child", dt.date(2015, 6, 20), position=2),
               member(4, "child", dt.date(1990, 1, 1), counted=False, position=3),
               member(5, "parent", dt.date(1930, 1, 1), death=dt.date(2025, 1, 1), position=4)]
    needs = {r.member.person_id: (r.role, r.capacity_basis) for r in required(members, ON)}
    assert needs == {1: ("self", None), 2: ("self", None), 3: ("guardian", "minor")}


def test_eighteen_on_the_day_is_adult_the_day_before_is_not():
    birthday = dt.date(2008, 6, 1)
    assert required([member(1, birth=birthday)], ON)[0].role == "self"
    assert required([member(1, birth=birthday)], ON - dt.timedelta(days=1))[0].role == "guardian"


def test_a_child_of_the_head_has_head_and_spouse_as_guardians_a_grandchild_none_certain():
    members = [member(1), member(2, "spouse"), member(3, "child", dt.date(2015, 1, 1)),
               member(4, "grandchild", dt.date(2016, 1, 1))]
    assert [m.person_id for m in guardian_candidates(members, members[2], ON)] == [1, 2]
    assert guardian_candidates(members, members[3], ON) == []


@given(st.dates(dt.date(1920, 1, 1), dt.date(2026, 1, 1)), st.dates(dt.date(2000, 1, 1), dt.date(2030, 1, 1)))
def test_age_is_whole_years_lived(birth, on):
    assume(on >= birth)
    years = age_on(birth, on)
    assert years >= 0
    assert dt.date(birth.year + years, birth.month, 28 if (birth.month, birth.day) == (2, 29) else birth.day) <= on
