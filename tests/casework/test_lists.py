"""The case worklist in SQL (issue 14, casework lists): the time-limit columns every action keeps give the status
``limits_of`` gives (Hypothesis, in Python and in SQL), the list is filtered, sorted, counted and paged by the
database, a calendar added later leaves no stale "unknown", and states and statuses are read as people write
them."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, delete, select

from jiuzhu import workdays
from jiuzhu.casework import limits, views, words
from jiuzhu.casework.models import Case
from jiuzhu.db import session_scope
from jiuzhu.errors import JiuzhuError
from jiuzhu.registry import models as rm
from tests.consent.conftest import HH, principal

D = dt.date
DAYS = st.dates(D(2026, 3, 1), D(2027, 3, 31))  # 2027: no official calendar (unknown) unless a test adds one


@st.composite
def case_dates(draw):
    """A case's dates as the procedure writes them (each step on or after the one before), or left undone."""
    kind = draw(st.sampled_from(["application", "review"]))
    received = draw(DAYS)
    later = [received]

    def step(optional=True):
        if optional and draw(st.booleans()):
            return None
        day = later[-1] + dt.timedelta(days=draw(st.integers(0, 80)))
        later.append(day)
        return day

    accepted = step() if kind == "application" else None
    investigation = step() if accepted else None
    decided = step() if accepted else None
    notified = step() if kind == "review" or decided else None
    return SimpleNamespace(kind=kind, received_on=received, accepted_on=accepted, investigation_on=investigation,
                           decided_on=decided, notified_on=notified,
                           special_reason=draw(st.sampled_from([None, "家庭情况复杂"])),
                           decision=draw(st.sampled_from([None, "approve", "reject"])) if decided else None)


@pytest.fixture(scope="module")
def bare_cases():
    """A database with only the cases table: the status SQL evaluated on one row at a time."""
    engine = create_engine("sqlite://")
    Case.__table__.create(engine)
    yield engine
    engine.dispose()


def _row(n: int, dates: SimpleNamespace, household_id: int = 1, area: str = "500111119001",
         state: str = "accepted", household_no: str = HH) -> Case:
    return Case(case_no=f"C-T-{n:06d}", kind=dates.kind, household_id=household_id, household_no=household_no,
                area_code=area, programmes=["dibao"], month="2025-08", state=state, version=1,
                received_on=dates.received_on, accepted_on=dates.accepted_on,
                investigation_on=dates.investigation_on, decided_on=dates.decided_on, notified_on=dates.notified_on,
                special_reason=dates.special_reason, decision=dates.decision,
                created_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc), **limits.columns(dates))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dates=case_dates(), today=DAYS)
def test_the_columns_give_the_status_limits_of_gives_in_python_and_in_sql(bare_cases, dates, today):
    expected = limits.limits_of(dates, today).status
    assert limits.status_on(limits.columns(dates), today) == expected
    with session_scope(bare_cases) as session:
        session.execute(delete(Case))
        session.add(_row(1, dates))
        session.flush()
        assert session.scalar(select(views.status_sql(today))) == expected


def _insert_many(engine, n: int) -> None:
    """``n`` cases with dates spread over 2026 (some reaching 2027, unknown) on the example household."""
    import random

    rng = random.Random(14)
    with session_scope(engine) as session:
        hh = session.scalars(select(rm.Household).where(rm.Household.household_no == HH)).one()
        for i in range(n):
            received = D(2026, 5, 1) + dt.timedelta(days=rng.randint(0, 230))
            accepted = received + dt.timedelta(days=rng.randint(0, 3)) if rng.random() < 0.9 else None
            decided = accepted + dt.timedelta(days=rng.randint(0, 30)) if accepted and rng.random() < 0.3 else None
            dates = SimpleNamespace(kind="application", received_on=received, accepted_on=accepted,
                                    investigation_on=accepted if accepted and rng.random() < 0.5 else None,
                                    decided_on=decided, notified_on=None, special_reason=None,
                                    decision="approve" if decided else None)
            session.add(_row(i, dates, household_id=hh.id, area=hh.area_code,
                             state=rng.choice(["accepted", "publicity", "verified"])))


def _reference(engine, today: D) -> list[tuple]:
    """The list as the old Python code sorted it: by status, the nearest due day, the case number."""
    with session_scope(engine) as session:
        rows = [views.summary(c, today) for c in session.scalars(select(Case))]
    return sorted(((r.case_no, r.time_status) for r in rows),
                  key=lambda r: (limits.ORDER.index(r[1]), _due(rows, r[0]) or D.max, r[0]))


def _due(rows, case_no):
    return next(r.next_due for r in rows if r.case_no == case_no)


def test_the_worklist_pages_in_sql_in_the_order_of_the_statuses(world, today):
    today.set(D(2026, 10, 20))
    _insert_many(world, 60)
    expected = _reference(world, today.day)
    reader = principal()
    seen, counts = [], None
    with session_scope(world) as session:
        for page in (1, 2, 3, 4, 5):
            found = views.worklist(session, reader, page=page, per_page=13)
            assert found.total == 60
            seen += [(r.case_no, r.time_status) for r in found.items]
            counts = found.counts
    assert seen == expected
    assert counts == {s: sum(1 for _, x in expected if x == s) for s in limits.ORDER}
    assert counts["breached"] and counts["unknown"] and counts["on_track"]  # the data reach each status
    with session_scope(world) as session:  # a status as people write it, counted and paged the same way
        late = views.worklist(session, reader, status="已超期", per_page=5)
        publicity = views.worklist(session, reader, state="公示中", status="breached", per_page=500)
    assert late.total == counts["breached"] and len(late.items) == 5
    assert {r.time_status for r in late.items} == {"breached"}
    assert publicity.items and {(r.state, r.time_status) for r in publicity.items} == {("publicity", "breached")}


def test_a_calendar_added_later_recomputes_the_cases_marked_unknown(world, today, tmp_path, monkeypatch):
    today.set(D(2026, 12, 15))
    dates = SimpleNamespace(kind="application", received_on=D(2026, 12, 14), accepted_on=D(2026, 12, 14),
                            investigation_on=D(2026, 12, 15), decided_on=None, notified_on=None,
                            special_reason=None, decision=None)
    with session_scope(world) as session:
        hh = session.scalars(select(rm.Household).where(rm.Household.household_no == HH)).one()
        session.add(_row(1, dates, household_id=hh.id, area=hh.area_code))
    with session_scope(world) as session:
        assert views.worklist(session, principal()).items[0].time_status == "unknown"  # 30 days reach 2027
    (tmp_path / "2027.yaml").write_text(
        "year: 2027\ndocument: test notice\nholidays: [2027-01-01]\nworkdays: []\n", encoding="utf-8")
    monkeypatch.setenv("JIUZHU_CALENDARS", str(tmp_path))
    workdays._extra_years.cache_clear()
    try:
        with session_scope(world) as session:
            found = views.worklist(session, principal(), status="unknown")
            assert found.total == 0  # the SQL reads the recomputed columns
            row = views.worklist(session, principal()).items[0]
        assert row.time_status == "on_track" and row.time_reason is None  # the 30 days end in 2027, known now
        with session_scope(world) as session:
            case = session.scalars(select(Case)).one()
            assert case.limit_unknown is False and "2027" in case.limit_years
    finally:
        monkeypatch.delenv("JIUZHU_CALENDARS")
        workdays._extra_years.cache_clear()


@pytest.mark.parametrize(("typed", "code"), [("publicity", "publicity"), ("公示中", "publicity"),
                                             ("Under Public Notice", "publicity"), (" 已受理 ", "accepted")])
def test_a_state_as_people_write_it(typed, code):
    assert words.parse_state(typed) == code


@pytest.mark.parametrize(("typed", "code"), [("breached", "breached"), ("已超期", "breached"),
                                             ("即将超期", "at_risk"), ("at risk", "at_risk"), ("正常", "on_track"),
                                             ("未知", "unknown"), ("unknown (no official calendar)", "unknown")])
def test_a_status_as_people_write_it(typed, code):
    assert words.parse_status(typed) == code


def test_a_wrong_word_is_one_chinese_line_listing_the_words(zh):
    with pytest.raises(JiuzhuError) as bad:
        words.parse_status("late")
    line = bad.value.message
    assert "\n" not in line and "late" in line and "已超期（breached）" in line and "即将超期（at_risk）" in line
    with pytest.raises(JiuzhuError) as bad:
        words.parse_state("公示")
    assert bad.value.field == "state" and "公示中（publicity）" in bad.value.message
    assert words.parse_kind("复核案件") == "review" and words.parse_kind("application") == "application"
