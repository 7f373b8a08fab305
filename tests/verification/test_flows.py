"""One verification of a household against the department simulator on loopback: started under consent, its
queries audited before anything is sent, every source's items recorded (a source down: unknown, never 0), a
withdrawal after T1 stopping every later attempt."""

from __future__ import annotations

import json
from collections import defaultdict

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from jiuzhu.audit import service as audit
from jiuzhu.audit.models import AuditEntry
from jiuzhu.consent import service as consents
from jiuzhu.db import session_scope
from jiuzhu.errors import ForbiddenError, NotFoundError
from jiuzhu.registry.privacy import mask_id
from jiuzhu.verification import flows, service
from jiuzhu.verification.models import Verification, VerificationItem, VerificationQuery
from jiuzhu.verification.service import ConsentRequiredError
from tests.verification.conftest import AS_OF, load_world, principal


def start(world, **kw):
    with session_scope(world.engine) as session:
        return service.start(session, principal(world.area_code), world.household_no, "review", AS_OF, **kw)


def queries(engine, vid) -> list[VerificationQuery]:
    with session_scope(engine, write=False) as session:
        return list(session.scalars(select(VerificationQuery).where(VerificationQuery.verification_id == vid)))


def items(engine, vid) -> list[VerificationItem]:
    with session_scope(engine, write=False) as session:
        return list(session.scalars(select(VerificationItem).where(VerificationItem.verification_id == vid)))


def audit_rows(engine, action: str) -> list[dict]:
    with session_scope(engine, write=False) as session:
        return [json.loads(r.detail) for r in session.scalars(select(AuditEntry).where(AuditEntry.action == action))]


def records(sim, name: str) -> list[dict]:
    return pq.read_table(sim.data / "departments" / f"{name}.parquet").to_pylist()


def test_every_source_answers_the_verification_is_done_and_its_items_are_the_departments_records(
        engine, district, simulator):
    world = load_world(engine, district)
    view = start(world)
    assert view.status == "queued"
    status = flows.run_here(engine, view.id, exchange=simulator.exchange())
    assert status == "done"
    with session_scope(engine) as session:
        done = service.get(session, principal(world.area_code), view.id)
        frozen = service.report(session, principal(world.area_code), view.id)
    assert done.complete is True and done.unknown_sources == [] and len(done.sources) == 37
    assert all(s.status == "answered" and s.attempts >= 1 for s in done.sources)
    assert frozen["complete"] is True and done.report_sha256 == service.report_hash(frozen)
    # 经办人: no account of that name here, so the command line's operator, said so — never blank
    assert frozen["requested_by"] and frozen["requested_by"] in frozen["requested_by_name"]
    assert frozen["requested_by_name"] != frozen["requested_by"]
    got = items(engine, view.id)
    assert not [i for i in got if i.status == "unknown"]
    person = {m["id_number"]: m["person_id"] for m in world.members}
    # Wages: exactly the social-security records of the members in the window asked.
    wages = {(i.person_id, i.month, i.ref): i.value_fen for i in got if i.item == "wage"}
    expected = {(person[r["id_number"]], r["month"], r["employer_uscc"]): r["wage_fen"]
                for r in records(simulator, "social_security")
                if r["id_number"] in person and view.window_from <= r["month"] <= view.window_to}
    assert wages == expected
    # Deposits: every bank's accounts of the members, with their balances.
    deposits = {(i.person_id, i.ref): i.value_fen for i in got if i.item == "deposit.balance"}
    assert deposits == {(person[r["id_number"]], r["account_no"]): r["balance_fen"]
                        for r in records(simulator, "banks") if r["id_number"] in person}
    # A department with nothing on a member says so: a "none" row, no value.
    nones = [i for i in got if i.status == "none"]
    assert nones and all(i.value_fen is None and i.item == "" for i in nones)
    # Each item carries the consent it was fetched under.
    consent_of = {m["person_id"]: m["consent_id"] for m in world.members}
    assert all(i.consent_id == consent_of[i.person_id] for i in got)


def test_every_query_has_its_audit_row_committed_with_the_consents_and_the_asker_and_the_log_verifies(
        engine, district, simulator):
    world = load_world(engine, district)
    view = start(world)
    flows.run_here(engine, view.id, exchange=simulator.exchange())
    rows = audit_rows(engine, "verification.query")
    by_kind = {r["kind"]: r for r in rows if r["verification"] == view.id}
    qs = queries(engine, view.id)
    assert set(by_kind) == {q.kind for q in qs}  # one row per source kind (12 banks: one "bank" row)
    assert len(rows) == len(by_kind)
    for q in qs:
        assert by_kind[q.kind]["endpoints"][q.endpoint] == q.request_id
    consents_named = {m["consent"] for m in by_kind["tax"]["members"]}
    assert consents_named == {m["consent_id"] for m in world.members}
    assert all("*" in m["member"] for m in by_kind["tax"]["members"])  # masked
    with session_scope(engine, write=False) as session:
        actors = set(session.scalars(select(AuditEntry.actor).where(AuditEntry.action == "verification.query")))
        assert actors == {principal(world.area_code).username}
        assert audit.verify(session).ok


def test_nothing_is_sent_before_the_queries_and_their_audit_rows_are_committed(engine, district, simulator):
    world = load_world(engine, district)
    view = start(world)
    seen = {}

    def after_t1(prepared):  # between T1's commit and the first send: read from another transaction
        seen["queries"] = len(queries(engine, view.id))
        seen["audit"] = len([r for r in audit_rows(engine, "verification.query") if r["verification"] == view.id])
        seen["decisions"] = len([d for d in simulator.decisions() if d["request_id"] in
                                 {q.request_id for q in prepared.queries}])

    flows.run_here(engine, view.id, exchange=simulator.exchange(), after_prepare=after_t1)
    assert seen["queries"] == 37 and seen["audit"] > 0 and seen["decisions"] == 0


def test_a_source_down_leaves_its_items_unknown_never_zero_and_the_others_whole(engine, district, simulator):
    world = load_world(engine, district)
    view = start(world)
    down = {"bank.cqrcb": {"url": "http://127.0.0.1:9", "attempts": 2, "backoff_initial": 0.01}}
    status = flows.run_here(engine, view.id, exchange=simulator.exchange(**down))
    assert status == "incomplete"
    with session_scope(engine) as session:
        done = service.get(session, principal(world.area_code), view.id)
    assert done.complete is False and done.unknown_sources == ["bank.cqrcb"]
    failed = next(s for s in done.sources if s.endpoint == "bank.cqrcb")
    assert failed.status == "failed" and failed.error_code == "unreachable" and failed.attempts == 2
    got = items(engine, view.id)
    unknown = [i for i in got if i.endpoint == "bank.cqrcb"]
    assert {i.person_id for i in unknown} == {m["person_id"] for m in world.members}
    assert all(i.status == "unknown" and i.value_fen is None and i.value_num is None and i.value_text is None
               for i in unknown)
    others = defaultdict(set)
    for i in got:
        if i.endpoint != "bank.cqrcb":
            others[i.endpoint].add(i.status)
    assert len(others) == 36 and all("unknown" not in s for s in others.values())


def test_the_database_refuses_an_unknown_item_with_a_value(engine, district, simulator):
    world = load_world(engine, district)
    view = start(world)
    flows.run_here(engine, view.id, exchange=simulator.exchange())
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        with session_scope(engine) as session:
            some = session.scalars(select(VerificationItem).where(VerificationItem.verification_id == view.id,
                                                                  VerificationItem.value_fen.is_not(None))).first()
            some.status = "unknown"


def test_a_withdrawal_after_t1_stops_every_later_attempt_about_that_member(engine, district, simulator):
    world = load_world(engine, district)
    view = start(world)
    withdrawn = world.members[-1]
    first = {}

    def withdraw(prepared):
        first.update({q.endpoint: q.request_id for q in prepared.queries})
        with session_scope(engine) as session:
            consents.withdraw(session, principal(world.area_code), withdrawn["consent_id"], reason="不再同意")

    status = flows.run_here(engine, view.id, exchange=simulator.exchange(), after_prepare=withdraw)
    assert status == "incomplete"
    qs = queries(engine, view.id)
    # Every query went without the member: the next generation, a new request id; the first never sent.
    assert {q.status for q in qs} == {"answered"} and {q.generation for q in qs} == {2}
    assert all(withdrawn["person_id"] not in {x["person_id"] for x in q.subjects} for q in qs)
    decisions = simulator.decisions()
    assert not [d for d in decisions if d["request_id"] in set(first.values())]
    assert not [d for d in decisions if withdrawn["consent_id"] in (d.get("consents") or [])]
    assert {q.request_id for q in qs} <= {d["request_id"] for d in decisions}
    # Each new request's audit row was written, naming the consent that ended.
    audited = {rid for r in audit_rows(engine, "verification.query") if r["verification"] == view.id
               for rid in r["endpoints"].values()}
    assert {q.request_id for q in qs} <= audited
    theirs = [i for i in items(engine, view.id) if i.person_id == withdrawn["person_id"]]
    assert len(theirs) == 37 and {(i.status, i.reason) for i in theirs} == {("unknown", "consent_ended")}
    others = [i for i in items(engine, view.id) if i.person_id != withdrawn["person_id"]]
    assert others and "unknown" not in {i.status for i in others}
    # The report says why: the authorization ended — not 'refused', not 'missing from the answer'.
    with session_scope(engine) as session:  # in the language the verification was started in (English here)
        report = service.report(session, principal(world.area_code), view.id)
    assert {s["reason"] for s in report["sources"]} == {
        "1 member(s) not asked: their authorization ended (withdrawn) after the verification began"}
    mine = next(m for m in report["members"] if m["member"] == mask_id(withdrawn["id_number"]))
    assert {u["reason"] for u in mine["unknown"]} == {
        "not asked: the member's authorization ended (withdrawn) after the verification began"}


def test_when_every_member_withdraws_after_t1_nothing_is_sent(engine, district, simulator):
    world = load_world(engine, district)
    view = start(world)

    def withdraw(prepared):
        with session_scope(engine) as session:
            for m in world.members:
                consents.withdraw(session, principal(world.area_code), m["consent_id"], reason="不再同意")

    status = flows.run_here(engine, view.id, exchange=simulator.exchange(), after_prepare=withdraw)
    assert status == "incomplete"
    qs = queries(engine, view.id)
    assert {q.status for q in qs} == {"skipped"} and {q.generation for q in qs} == {1}
    assert not [d for d in simulator.decisions() if d["request_id"] in {q.request_id for q in qs}]
    assert {(i.status, i.reason) for i in items(engine, view.id)} == {("unknown", "consent_ended")}
    with session_scope(engine) as session:
        report = service.report(session, principal(world.area_code), view.id)
    assert {s["reason"] for s in report["sources"]} == {
        "not asked: the members' authorizations ended (withdrawn) after the verification began"}


def test_a_start_without_every_consent_is_refused_naming_each_member_masked(engine, district, zh):
    world = load_world(engine, district, consent=False)
    with pytest.raises(ConsentRequiredError) as caught:
        start(world)
    message = caught.value.message
    assert caught.value.code == "consent_required" and "\n" not in message
    assert "未授权" in message
    for m in world.members:
        assert m["name"] in message and m["id_number"] not in message
    assert message.count("*") >= len(world.members)
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(Verification.id)) is None  # nothing queued


def test_one_verification_at_a_time_per_household_and_only_for_who_may(engine, district, simulator):
    from jiuzhu.access import Role
    from jiuzhu.errors import ConflictError

    world = load_world(engine, district)
    first = start(world)
    with pytest.raises(ConflictError) as caught:
        start(world)
    assert str(first.id) in caught.value.message
    with session_scope(engine) as session:
        with pytest.raises(ForbiddenError):
            service.start(session, principal(world.area_code, Role.COMMUNITY_WORKER), world.household_no, "review")
        with pytest.raises(NotFoundError):
            service.start(session, principal("500111999"), world.household_no, "review")
        with pytest.raises(NotFoundError):
            service.get(session, principal("500111999"), first.id)
        auditor = principal(world.area_code, Role.AUDITOR)
        assert service.get(session, auditor, first.id).id == first.id
    flows.run_here(engine, first.id, exchange=simulator.exchange())
    assert start(world).id != first.id  # after it ended, a new one may start


def test_a_start_for_another_reference_than_the_one_authorized_says_which_was(engine, district, zh):
    """Consents given for the review "" (load_world), a verification for review "2026年复核": refused, and the
    refusal names the purpose the members did authorize, so the caseworker can name it."""
    world = load_world(engine, district)
    with session_scope(engine) as session, pytest.raises(ConsentRequiredError) as caught:
        service.start(session, principal(world.area_code), world.household_no,
                      consents.Purpose("review", "2026年复核"), AS_OF)
    message = caught.value.message
    assert "未授权" in message and "review" in message and "2026年复核" not in message and "\n" not in message
    from jiuzhu.i18n import use_language

    with use_language("en"), session_scope(engine) as session, pytest.raises(ConsentRequiredError) as caught:
        service.start(session, principal(world.area_code), world.household_no,
                      consents.Purpose("review", "2026年复核"), AS_OF)
    english = caught.value.message
    assert "review" in english and not set("；（）：“”、") & set(english), english  # English punctuation in English
