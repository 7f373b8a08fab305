"""The consent service on both backends: who must sign, every transition, frozen terms, area scope, audit rows."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from jiuzhu.access import Role
from jiuzhu.audit import service as audit
from jiuzhu.audit.models import AuditEntry
from jiuzhu.consent import service
from jiuzhu.consent.models import ConsentRecord, FrozenTermsError
from jiuzhu.consent.service import Purpose
from jiuzhu.consent.terms import terms_sha256
from jiuzhu.db import session_scope
from jiuzhu.errors import ConflictError, ForbiddenError, JiuzhuError, NotFoundError
from tests.consent.conftest import ADULT_CHILD, EXCLUDED, HEAD, HH, MINOR, ON, OTHER, SPOUSE, principal

APP = Purpose("application", "dibao-2026-001")


def _states(session) -> dict[str, str]:
    return {m.name: m.state for m in service.check_required(session, HH, APP, ON)}


def _request_all(session, who):
    made, skipped = service.request_required(session, who, household_no=HH, purpose=APP, on=ON)
    return {r.person_name: r for r in made}, skipped


def test_who_must_sign_and_a_minor_defaults_to_a_parent(world, caseworker):
    with session_scope(world) as session:
        assert _states(session) == {"王德福": "missing", "李秀英": "missing", "王浩": "missing",
                                    "王小雨": "guardian_missing"}
        made, skipped = _request_all(session, caseworker)
        assert skipped == []
        assert set(made) == {"王德福", "李秀英", "王浩", "王小雨"}  # 王强 is excluded (prison): he signs nothing
        minor = made["王小雨"]
        assert (minor.signer_role, minor.capacity_basis, minor.signer_name) == ("guardian", "minor", "王德福")
        assert minor.person_id_number == "500111********0055"  # masked
        assert made["王德福"].signer_role == "self"


def test_refusals_of_who_signs(world, caseworker):
    with session_scope(world) as session:
        def ask(member, **kw):
            return service.request(session, caseworker, household_no=HH, member=member, purpose=APP, on=ON, **kw)
        with pytest.raises(JiuzhuError) as exc:
            ask(EXCLUDED)
        assert exc.value.field == "member"
        with pytest.raises(JiuzhuError) as exc:
            ask(MINOR, signer_role="self")
        assert exc.value.field == "signer_role"
        with pytest.raises(JiuzhuError) as exc:
            ask(HEAD, signer_role="proxy", signer_name="张三", signer_id_number=ADULT_CHILD, proxy_reason="  ")
        assert exc.value.field == "proxy_reason"
        with pytest.raises(JiuzhuError) as exc:
            ask(HEAD, signer_role="guardian", signer=SPOUSE)
        assert exc.value.field == "capacity_basis"
        with pytest.raises(JiuzhuError) as exc:
            ask(HEAD, signer_role="guardian", signer=SPOUSE, capacity_basis="no_capacity")
        assert exc.value.field == "authority_document"
        with pytest.raises(JiuzhuError):
            ask(HEAD, signer_role="proxy", signer=HEAD, proxy_reason="不识字")
        with pytest.raises(JiuzhuError) as exc:  # 书面委托: the written authorization, not only its reason
            ask(HEAD, signer_role="proxy", signer=ADULT_CHILD, proxy_reason="卧床不能签字")
        assert exc.value.field == "authority_document"
        proxy = ask(HEAD, signer_role="proxy", signer=ADULT_CHILD, proxy_reason="卧床不能签字",
                    authority_document="委托书-1")
        assert (proxy.signer_role, proxy.proxy_reason, proxy.signer_name) == ("proxy", "卧床不能签字", "王浩")
        guardian = ask(SPOUSE, signer_role="guardian", signer=HEAD, capacity_basis="no_capacity",
                       authority_document="(2026)渝0111民特12号")
        assert guardian.capacity_basis == "no_capacity"
        with pytest.raises(ConflictError):
            ask(HEAD)  # a request is already waiting for this purpose


def test_give_makes_valid_and_every_member_valid_opens_the_gate(world, caseworker):
    with session_scope(world) as session:
        made, _ = _request_all(session, caseworker)
        for r in made.values():
            service.give(session, caseworker, r.record_id, evidence={"form": "scan-1.pdf"}, on=ON)
        assert set(_states(session).values()) == {"valid"}
        assert len(service.require_all_valid(session, HH, APP, ON)) == 4
        given = service.get_record(session, caseworker, made["王德福"].record_id)
        assert given.receipt_no.startswith("SQ-") and given.valid_from == ON
        assert given.valid_until == dt.date(2029, 5, 31)  # 36 months, the placeholder figure
        # an application's consent covers the reviews while valid (parameter covers_reviews)
        review = service.check_required(session, HH, Purpose("review", "2027"), dt.date(2027, 6, 1))
        assert {m.state for m in review} == {"valid"}
        assert {m.state for m in service.check_required(session, HH, APP, dt.date(2029, 6, 1))} == {"expired"}


def test_withdrawal_refusal_and_expiry_are_read_by_the_gate(world, caseworker):
    with session_scope(world) as session:
        made, _ = _request_all(session, caseworker)
        for r in made.values():
            service.give(session, caseworker, r.record_id, on=ON)
        service.withdraw(session, caseworker, made["李秀英"].record_id, reason="不想查了")
        states = _states(session)
        assert states["李秀英"] == "withdrawn" and states["王德福"] == "valid"
        with pytest.raises(ConflictError) as exc:
            service.require_all_valid(session, HH, APP, ON)
        assert "李秀英" in exc.value.message
        again = service.request(session, caseworker, household_no=HH, member=SPOUSE, purpose=APP, on=ON)
        service.refuse(session, caseworker, again.record_id)
        assert _states(session)["李秀英"] == "refused"
        assert service.expire_due(session, on=dt.date(2029, 6, 1), actor="t") == 3
        assert _states(session)["王德福"] == "expired"  # written: final, whatever day is asked


def test_transitions_not_in_the_table_are_refused(world, caseworker):
    with session_scope(world) as session:
        made, _ = _request_all(session, caseworker)
        rid = made["王德福"].record_id
        with pytest.raises(ConflictError):
            service.withdraw(session, caseworker, rid)  # requested → withdrawn: not a transition
        with pytest.raises(ConflictError):
            service.renew(session, caseworker, rid)
        service.refuse(session, caseworker, rid)
        for act in (lambda: service.give(session, caseworker, rid), lambda: service.refuse(session, caseworker, rid),
                    lambda: service.withdraw(session, caseworker, rid),
                    lambda: service.invalidate(session, caseworker, rid, reason="x")):
            with pytest.raises(ConflictError):
                act()


def test_renewal_is_a_new_record_and_ends_the_old_when_given(world, caseworker):
    with session_scope(world) as session:
        made, _ = _request_all(session, caseworker)
        old = service.give(session, caseworker, made["王德福"].record_id, on=ON)
        new = service.renew(session, caseworker, old.record_id)
        assert new.supersedes == old.record_id and new.status == "requested"
        assert _states(session)["王德福"] == "valid"  # still the old one's, until the renewal is given
        service.give(session, caseworker, new.record_id, on=dt.date(2027, 1, 1))
        old_now = service.get_record(session, caseworker, old.record_id)
        assert old_now.status == "renewed" and old_now.renewed_by == new.record_id
        assert old_now.terms_sha256 == old.terms_sha256


def test_terms_are_frozen_once_given_by_the_guard(world, caseworker):
    with session_scope(world) as session:
        made, _ = _request_all(session, caseworker)
        rid = service.give(session, caseworker, made["王德福"].record_id, on=ON).record_id

    def attempt(change) -> None:
        with pytest.raises(FrozenTermsError), session_scope(world) as session:
            change(session.scalars(select(ConsentRecord).where(ConsentRecord.record_id == rid)).one(), session)
            session.flush()

    for field, value in (("purpose_ref", "other"), ("valid_until", dt.date(2040, 1, 1)),
                         ("categories", ["income"]), ("signer_name", "某人"), ("notice_sha256", "0" * 64)):
        attempt(lambda rec, _s, field=field, value=value: setattr(rec, field, value))
    attempt(lambda rec, _s: setattr(rec, "evidence", []))
    attempt(lambda rec, s: s.delete(rec))
    with session_scope(world) as session:
        rec = session.scalars(select(ConsentRecord).where(ConsentRecord.record_id == rid)).one()
        assert rec.terms_sha256 == terms_sha256(rec) and rec.purpose_ref == APP.ref


def test_area_scope_and_permissions(world, caseworker):
    with session_scope(world) as session:
        made, _ = _request_all(session, caseworker)
        rid = made["王德福"].record_id
        elsewhere = principal(Role.TOWNSHIP_CASEWORKER, "500111120")
        with pytest.raises(NotFoundError):
            service.household_consents(session, elsewhere, HH)
        with pytest.raises(NotFoundError):
            service.get_record(session, elsewhere, rid)
        with pytest.raises(NotFoundError):
            service.give(session, elsewhere, rid)
        assert service.household_consents(session, elsewhere, OTHER).records == []
        auditor = principal(Role.AUDITOR)
        assert len(service.household_consents(session, auditor, HH, purpose=APP).records) == 4
        with pytest.raises(ForbiddenError):
            service.give(session, auditor, rid)
        worker = principal(Role.COMMUNITY_WORKER, "500111119")
        assert service.give(session, worker, rid, on=ON).status == "given"


def test_every_transition_is_an_audit_row(world, caseworker):
    with session_scope(world) as session:
        made, _ = _request_all(session, caseworker)
        rid = made["王德福"].record_id
        service.give(session, caseworker, rid, on=ON)
        service.withdraw(session, caseworker, rid, reason="搬走")
        audit.write_pending(session)
        rows = session.execute(select(AuditEntry.action, AuditEntry.area_code, AuditEntry.reason)
                               .where(AuditEntry.subject == rid).order_by(AuditEntry.seq)).all()
        assert [r.action for r in rows] == ["consent.request", "consent.give", "consent.withdraw"]
        assert rows[0].area_code == "500111119" and rows[2].reason == "搬走"
    with session_scope(world) as session:
        assert audit.verify(session).ok


def test_every_consent_action_has_a_title(zh):
    actions = ["consent." + a for a in ("view", "request", "give", "refuse", "withdraw", "expire", "renew",
                                        "invalidate", "link", "link_open", "link_failed", "link_locked")]
    assert all(audit.action_title(a) != a for a in actions)
    assert audit.action_title("consent.withdraw") == "登记撤回授权"


def test_the_database_refuses_a_proxy_without_reason_and_a_guardian_without_basis(world, caseworker):
    from sqlalchemy.exc import IntegrityError

    with session_scope(world) as session:
        rid = service.request(session, caseworker, household_no=HH, member=HEAD, purpose=APP, on=ON).record_id
    for changes in ({"signer_role": "proxy", "proxy_reason": None}, {"signer_role": "proxy", "proxy_reason": ""},
                    {"signer_role": "guardian", "capacity_basis": None}):
        with pytest.raises(IntegrityError), session_scope(world) as session:
            rec = session.scalars(select(ConsentRecord).where(ConsentRecord.record_id == rid)).one()
            for key, value in changes.items():
                setattr(rec, key, value)
            session.flush()


def test_two_decisions_at_once_take_turns(world, caseworker):
    from tests.concurrency import together

    with session_scope(world) as session:
        rid = service.request(session, caseworker, household_no=HH, member=HEAD, purpose=APP, on=ON).record_id

    def work(k):
        with session_scope(world) as session:
            act = service.give if k % 2 == 0 else service.refuse
            return act(session, caseworker, rid).status

    results, errors = together(4, work)
    assert len([r for r in results if r]) == 1 and len(errors) == 3, (results, errors)
    assert all(isinstance(e, ConflictError) for e in errors), errors


def test_two_requests_at_once_one_conflict(world, caseworker):
    from tests.concurrency import together

    def work(_k):
        with session_scope(world) as session:
            return service.request(session, caseworker, household_no=HH, member=SPOUSE, purpose=APP, on=ON)

    results, errors = together(3, work)
    assert len([r for r in results if r]) == 1 and len(errors) == 2, (results, errors)
    assert all(isinstance(e, ConflictError) for e in errors), errors


def test_a_long_lived_session_sees_a_withdrawal_committed_elsewhere(world, caseworker):
    """The verification keeps its session between queries: the gate must read the withdrawal, not the record it
    loaded before (sessions here keep loaded objects across commits)."""
    with session_scope(world) as session:
        rid = service.request(session, caseworker, household_no=HH, member=HEAD, purpose=APP, on=ON).record_id
        service.give(session, caseworker, rid, on=ON)
    with session_scope(world) as runner:
        held = runner.scalars(select(ConsentRecord)).all()  # loaded objects the runner still holds
        assert _states(runner)["王德福"] == "valid"
        runner.commit()  # the verification ends each step's transaction (SQLite reads a snapshot inside one)
        with session_scope(world) as other:
            service.withdraw(session=other, principal=caseworker, record_id=rid)
        assert _states(runner)["王德福"] == "withdrawn" and held[0].status == "withdrawn"


def test_a_receipt_number_drawn_twice_is_drawn_again(world, caseworker, monkeypatch):
    """Receipt numbers are unique: a number already held is never issued again (it stopped a day's bulk import)."""
    with session_scope(world) as session:
        made, _ = _request_all(session, caseworker)
        first, second = list(made.values())[:2]
        service.give(session, caseworker, first.record_id, evidence={"form": "scan-1.pdf"}, on=ON)
        held = service.get_record(session, caseworker, first.record_id).receipt_no
        drawn = iter([held, held, "SQ-20250601-NEW001"])
        monkeypatch.setattr(service, "receipt_number", lambda at: next(drawn))
        service.give(session, caseworker, second.record_id, evidence={"form": "scan-2.pdf"}, on=ON)
        assert service.get_record(session, caseworker, second.record_id).receipt_no == "SQ-20250601-NEW001"
