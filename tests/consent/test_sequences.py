"""Property: over any sequence of operations on a member's consent, no status ever changes but by the transition
table, and once a record is decided its terms (and their SHA-256) never change."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.consent import service
from jiuzhu.consent.models import ConsentRecord
from jiuzhu.consent.service import Purpose
from jiuzhu.consent.states import TRANSITIONS
from jiuzhu.consent.terms import terms_of, terms_sha256
from jiuzhu.errors import ConflictError
from tests.consent.conftest import HEAD, HH, ON, principal

APP = Purpose("application", "p")
FAR = dt.date(2031, 1, 1)
OPS = ["request", "give", "refuse", "withdraw", "renew", "invalidate", "expire"]
ALLOWED = {(a, b) for a, moves in TRANSITIONS.items() for b in moves.values()}


def _apply(session: Session, op: str, who) -> None:
    latest = session.scalars(select(ConsentRecord.record_id).order_by(ConsentRecord.id.desc())).first()
    if op == "request":
        service.request(session, who, household_no=HH, member=HEAD, purpose=APP, on=ON)
    elif op == "expire":
        service.expire_due(session, on=FAR, actor="t")
    elif latest is None:
        return
    elif op == "give":
        service.give(session, who, latest, on=ON)
    elif op == "refuse":
        service.refuse(session, who, latest)
    elif op == "withdraw":
        service.withdraw(session, who, latest, reason="r")
    elif op == "renew":
        service.renew(session, who, latest)
    elif op == "invalidate":
        service.invalidate(session, who, latest, reason="wrong")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.sampled_from(OPS), max_size=14))
def test_statuses_move_only_by_the_table_and_decided_terms_never_change(sqlite_world, ops):
    who = principal()
    with Session(sqlite_world) as session:
        statuses: dict[str, str] = {}
        frozen: dict[str, tuple[dict, str]] = {}
        refused_ops = 0
        for op in ops:
            try:
                _apply(session, op, who)
            except ConflictError:
                refused_ops += 1
            for rec in session.scalars(select(ConsentRecord)):
                before = statuses.get(rec.record_id)
                assert before is None or before == rec.status or (before, rec.status) in ALLOWED, (op, before,
                                                                                                   rec.status)
                statuses[rec.record_id] = rec.status
                if rec.status != "requested" and rec.terms_sha256:
                    kept = frozen.setdefault(rec.record_id, (terms_of(rec), rec.terms_sha256))
                    assert (terms_of(rec), rec.terms_sha256) == kept
                    assert terms_sha256(rec) == rec.terms_sha256
        live = session.scalars(select(ConsentRecord).where(ConsentRecord.status == "given")).all()
        assert len(live) <= 1  # one consent given per person and purpose, at most
        session.rollback()
