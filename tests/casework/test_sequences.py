"""The law of a case, on the real services (SQLite; Hypothesis): whatever actions staff try in whatever order, an
action that is refused changes nothing (the case's row, its timeline), and one that is done adds exactly one
timeline row, from the state the case was in to the state it is in, the version one more — so the timeline is
always a chain from ``received`` to the case's state, numbered 1, 2, 3 … without a gap."""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from jiuzhu.access import Role
from jiuzhu.casework import applications, service, steps
from jiuzhu.casework.models import Application, Case, CaseEvent
from jiuzhu.consent.service import Purpose
from jiuzhu.db import session_scope
from jiuzhu.errors import JiuzhuError
from jiuzhu.registry import models as rm
from tests.casework.conftest import HH, MONTH, START, finished_verification, give_consents, principal

WORKER, APPROVER = principal(Role.TOWNSHIP_CASEWORKER), principal(Role.TOWNSHIP_APPROVER)
ACTIONS = {
    "check": lambda s, no, v: steps.check_complete(s, WORKER, no),
    "check_missing": lambda s, no, v: steps.check_complete(s, WORKER, no, missing=["户口簿复印件"]),
    "resubmit": lambda s, no, v: steps.resubmit(s, WORKER, no),
    "authorize": lambda s, no, v: steps.authorize(s, WORKER, no),
    "verify": lambda s, no, v: steps.link_verification(s, WORKER, no, v),
    "visit": lambda s, no, v: steps.visit(s, WORKER, no, staff=["李明", "张华"]),
    "visit_alone": lambda s, no, v: steps.visit(s, WORKER, no, staff=["李明"]),
    "propose": lambda s, no, v: steps.propose(s, WORKER, no),
    "publish": lambda s, no, v: steps.publish(s, WORKER, no),
    "object": lambda s, no, v: steps.object_(s, WORKER, no, objection="有异议"),
    "approve": lambda s, no, v: steps.approve(s, APPROVER, no),
    "approve_by_worker": lambda s, no, v: steps.approve(s, WORKER, no),
    "reject": lambda s, no, v: steps.reject(s, APPROVER, no, reasons="不符合条件"),
    "special": lambda s, no, v: steps.special(s, WORKER, no, reason="需补充调查"),
    "enrol": lambda s, no, v: steps.enrol(s, WORKER, no),
    "notify": lambda s, no, v: steps.notify(s, WORKER, no),
    "stale": lambda s, no, v: steps.publish(s, WORKER, no, expected_version=0),
}


def _snapshot(engine, case_no: str) -> tuple[dict, list[tuple]]:
    with session_scope(engine, write=False) as session:
        case = session.scalars(select(Case).where(Case.case_no == case_no)).one()
        row = {c.name: getattr(case, c.name) for c in Case.__table__.columns}
        events = [(e.seq, e.action, e.from_state, e.to_state) for e in session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq))]
    return row, events


HAPPY = ["check", "authorize", "verify", "visit", "propose", "publish", "wait", "approve", "enrol", "notify"]


@st.composite
def sequences(draw) -> list[str]:
    """The way through (a prefix of it, so that deep states are reached) with other actions tried anywhere."""
    out = HAPPY[:draw(st.integers(0, len(HAPPY)))]
    for noise in draw(st.lists(st.sampled_from(sorted(ACTIONS) + ["wait"]), max_size=8)):
        out.insert(draw(st.integers(0, len(out))), noise)
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequences())
def test_any_sequence_of_actions_keeps_the_timeline_a_chain(sqlite_world, today, sequence):
    engine = sqlite_world
    today.set(START)
    with session_scope(engine) as session:
        hh = session.scalars(select(rm.Household).where(rm.Household.household_no == HH)).one()
        app = session.scalars(select(Application)).first()
        if app is None:  # the first example: one application, its authorizations, a finished verification
            app, _ = applications.file(session, WORKER, household_no=HH, programmes=["dibao"], channel="office",
                                       month=MONTH)
            give_consents(session, WORKER, Purpose("application", app.application_no), START)
        verification = finished_verification(session)
        case_no = service.open_case(session, WORKER, kind="application", household=hh, programmes=["dibao"],
                                    month=MONTH, application_id=app.id).case_no
    for action in sequence:
        if action == "wait":
            today.forward(8)
            continue
        row, events = _snapshot(engine, case_no)
        try:
            with session_scope(engine) as session:
                ACTIONS[action](session, case_no, verification)
        except JiuzhuError:
            assert _snapshot(engine, case_no) == (row, events), action  # refused: nothing changed
            continue
        after, later = _snapshot(engine, case_no)
        if action == "enrol" and later == events:
            continue  # an enrolment already made: nothing to do, nothing written
        assert later[:-1] == events and len(later) == len(events) + 1, action
        assert later[-1][2] == row["state"] and later[-1][3] == after["state"]
        assert after["version"] == row["version"] + 1
    row, events = _snapshot(engine, case_no)
    event(f"ended {row['state']}")
    assert [e[0] for e in events] == list(range(1, len(events) + 1)) and row["version"] == len(events)
    assert events[0][2] == "received" and events[-1][3] == row["state"]
    assert all(a[3] == b[2] for a, b in zip(events, events[1:], strict=False))
