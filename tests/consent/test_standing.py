"""Where a member stands for a purpose (issue 13, found by a newcomer): a withdrawal reads 已撤回 — and a refusal
已拒绝, an expiry 已过期 — until a new record of the purpose is given, a request waiting again does not hide it;
an application's consent covers a review only where the review has no decided record of its own, and says so."""

from __future__ import annotations

import datetime as dt

from jiuzhu.consent import service
from jiuzhu.consent.service import Purpose
from jiuzhu.db import session_scope
from tests.consent.conftest import HEAD, HH, ON, SPOUSE

APP = Purpose("application", "dibao-2026-001")
REVIEW = Purpose("review", "2027")


def _ask(session, who, member, purpose=APP, on=ON):
    return service.request(session, who, household_no=HH, member=member, purpose=purpose, on=on)


def _member(session, name, purpose=APP, on=ON):
    return next(m for m in service.check_required(session, HH, purpose, on) if m.name == name)


def test_a_withdrawal_reads_withdrawn_while_a_new_request_waits_then_valid_once_given(world, caseworker, zh):
    with session_scope(world) as session:
        first = _ask(session, caseworker, SPOUSE)
        service.give(session, caseworker, first.record_id, on=ON)
        service.withdraw(session, caseworker, first.record_id, reason="不想查了")
        again = _ask(session, caseworker, SPOUSE)
        m = _member(session, "李秀英")
        assert (m.state, m.reason, m.record_id) == ("withdrawn", "已撤回", first.record_id)
        assert m.waiting_record_id == again.record_id
        assert m.valid_until is None  # a withdrawn consent has no "valid until" to show
        service.give(session, caseworker, again.record_id, on=ON)
        m = _member(session, "李秀英")
        assert (m.state, m.record_id, m.waiting_record_id) == ("valid", again.record_id, None)


def test_a_refusal_and_an_expiry_read_so_while_the_next_request_waits(world, caseworker, zh):
    with session_scope(world) as session:
        refused = _ask(session, caseworker, SPOUSE)
        service.refuse(session, caseworker, refused.record_id)
        _ask(session, caseworker, SPOUSE)
        assert (_member(session, "李秀英").state, _member(session, "李秀英").reason) == ("refused", "已拒绝")
        given = _ask(session, caseworker, HEAD)
        service.give(session, caseworker, given.record_id, on=ON)
        later = dt.date(2029, 6, 1)  # past the 36 months
        service.renew(session, caseworker, given.record_id)
        m = _member(session, "王德福", on=later)
        assert (m.state, m.reason) == ("expired", "已过期") and m.waiting_record_id is not None


def test_an_application_s_consent_covers_a_review_only_when_said_and_never_over_its_withdrawal(world, caseworker,
                                                                                                 zh):
    with session_scope(world) as session:
        app = _ask(session, caseworker, HEAD)
        service.give(session, caseworker, app.record_id, on=ON)
        covered = _member(session, "王德福", REVIEW)
        assert covered.state == "valid" and covered.record_id == app.record_id
        assert (covered.covered_by_kind, covered.covered_by_ref) == ("application", "dibao-2026-001")
        assert "申请时的授权" in covered.reason, covered.reason
        # the spouse gives for the review, then withdraws it; a later application's consent does not cover it
        review = _ask(session, caseworker, SPOUSE, REVIEW)
        service.give(session, caseworker, review.record_id, on=ON)
        assert _member(session, "李秀英", REVIEW).covered_by_kind is None  # its own record
        service.withdraw(session, caseworker, review.record_id, reason="撤回复核授权")
        later_app = _ask(session, caseworker, SPOUSE)
        service.give(session, caseworker, later_app.record_id, on=ON)
        m = _member(session, "李秀英", REVIEW)
        assert (m.state, m.reason, m.record_id) == ("withdrawn", "已撤回", review.record_id)
        assert _member(session, "李秀英").state == "valid"  # the application's own consent stands


def test_a_withdrawn_application_consent_is_said_for_its_reviews_and_a_review_never_covers_an_application(
        world, caseworker, zh):
    with session_scope(world) as session:
        app = _ask(session, caseworker, HEAD)
        service.give(session, caseworker, app.record_id, on=ON)
        service.withdraw(session, caseworker, app.record_id)
        m = _member(session, "王德福", REVIEW)
        assert m.state == "withdrawn" and m.covered_by_kind == "application" and m.reason.startswith("已撤回")
        review = _ask(session, caseworker, SPOUSE, REVIEW)
        service.give(session, caseworker, review.record_id, on=ON)
        assert _member(session, "李秀英", APP).state == "missing"
        assert _member(session, "李秀英", Purpose("spot_check")).state == "missing"
