"""A decision re-run from its record gives the same amounts whatever the registry says since (and says whether
the rules changed); time limits in working days, unknown (never a guess) when they reach a year without a
calendar; the state machine's law (Hypothesis): allowed actions keep the timeline a chain, refused ones change
nothing."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from jiuzhu.casework import limits, machine, rules, steps
from jiuzhu.casework.models import Case
from jiuzhu.db import session_scope
from jiuzhu.registry import service as registry
from tests.casework.test_journey import file_one, investigate
from tests.consent.conftest import HH


def test_rerun_from_the_record_gives_the_decided_amounts_after_the_registry_changed(world, worker, approver,
                                                                                    today, monkeypatch):
    app_no, case_no = file_one(world, worker)
    investigate(world, worker, today, app_no, case_no)
    today.set(dt.date(2026, 6, 8))
    with session_scope(world) as session:
        case = steps.approve(session, approver, case_no)
        decided, facts, version = case.outcome, case.facts, case.rules_version
    with session_scope(world) as session:  # the household's income rises a lot afterwards
        doc = registry.household_doc(session, session.scalars(select(registry.m.Household).where(
            registry.m.Household.household_no == HH)).one()).model_dump(mode="json")
        doc["members"][1]["incomes"] = [{"month": "2025-07", "wages": "9000.00"}]
        registry.put_household(session, registry.parse_household(doc, record=HH), actor="t", reason="raise")
    with session_scope(world) as session:
        now = rules.assess(registry.household_doc(session, session.scalars(select(registry.m.Household).where(
            registry.m.Household.household_no == HH)).one()), "2025-08")
    assert now["dibao"]["fen"] != decided["dibao"]["fen"]  # the registry's household no longer gets it
    again = rules.rerun(facts)
    assert {p: again[p] for p in decided} == decided
    assert rules.changed(version) is False
    monkeypatch.setattr(rules, "version", lambda: {**version, "sha256": "0" * 64})
    assert rules.changed(version) is True


class _Case:
    def __init__(self, **kw):
        self.kind, self.special_reason, self.decision = "application", None, None
        self.investigation_on = self.decided_on = self.notified_on = None
        self.__dict__.update(kw)


def test_limits_count_working_days_with_swapped_weekends():
    # accepted Friday 2026-09-18; Sunday 09-20 is a swapped working day (调休), so 3 working days end on 09-22
    case = _Case(accepted_on=dt.date(2026, 9, 18), received_on=dt.date(2026, 9, 18))
    found = {x.name: x for x in limits.limits_of(case, dt.date(2026, 9, 18)).limits}
    assert found["investigation"].due == dt.date(2026, 9, 22)
    assert found["investigation"].status == "on_track"  # 3 working days left
    on_the_eve = {x.name: x for x in limits.limits_of(case, dt.date(2026, 9, 21)).limits}
    assert on_the_eve["investigation"].status == "at_risk"  # 1 left: at most a fifth of 3, at least 1
    late = limits.limits_of(case, dt.date(2026, 9, 23))
    assert late.status == "breached" and late.status_title == "breached"


def test_a_limit_reaching_into_2027_is_unknown_with_the_reason(zh):
    case = _Case(accepted_on=dt.date(2026, 12, 1), received_on=dt.date(2026, 12, 1))
    standing = limits.limits_of(case, dt.date(2026, 12, 1))
    overall = next(x for x in standing.limits if x.name == "overall")
    assert overall.due is None and overall.status == "unknown" and "2027" in overall.reason
    assert "docs/casework.md" in overall.reason
    assert standing.status == "unknown" and standing.status_title == "未知（缺少官方工作日历）"
    assert next(x for x in standing.limits if x.name == "investigation").due == dt.date(2026, 12, 4)


ACTIONS = sorted({a for a, _, _ in machine.APPLICATION})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(ACTIONS), max_size=25))
def test_any_sequence_keeps_a_chain_and_refusals_change_nothing(sequence):
    state, chain = machine.INITIAL["application"], []
    for action in sequence:
        allowed = machine.allowed("application", state)
        try:
            after = machine.next_state("application", state, action)
        except machine.ActionRefused:
            assert action not in allowed
            continue
        assert action in allowed
        chain.append((state, after))
        state = after
    assert all(a[1] == b[0] for a, b in zip(chain, chain[1:], strict=False))
    assert state in machine.STATE_TITLES and (state != "closed" or not machine.allowed("application", state))


def test_the_case_row_is_unchanged_by_a_refused_action(world, worker, approver, today):
    _, case_no = file_one(world, worker)
    with session_scope(world) as session:
        before = {c.name: getattr(session.scalars(select(Case)).one(), c.name) for c in Case.__table__.columns}
        try:
            steps.approve(session, approver, case_no)
        except machine.ActionRefused:
            pass
        session.expire_all()
        after = {c.name: getattr(session.scalars(select(Case)).one(), c.name) for c in Case.__table__.columns}
    assert before == after


def test_a_limit_done_in_a_known_year_is_counted_even_if_its_due_day_is_unknown():
    case = _Case(accepted_on=dt.date(2026, 12, 1), received_on=dt.date(2026, 12, 1),
                 notified_on=dt.date(2026, 12, 10))
    overall = next(x for x in limits.limits_of(case, dt.date(2026, 12, 10)).limits if x.name == "overall")
    assert (overall.due, overall.status) == (None, "met") and "2027" in overall.reason
