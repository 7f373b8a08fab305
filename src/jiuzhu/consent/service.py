"""Consent records: request, give, refuse, withdraw, renew, invalidate, expire; who has authorized.

Every function that reads or changes a record takes the session and the ``access.Principal``: reading needs
``registry.read`` and changing ``consent.manage``, both only inside the principal's area (a record outside it is
"not found", revealing nothing). Every transition goes through ``states.next_status`` and is one row of the
tamper-evident audit log (``consent.request``, ``consent.give`` …). Outputs mask ID numbers (registry.privacy).

``check_required`` is the verification's gate: it takes no principal (the verification checked its own) and
returns, per member who must authorize, valid or why not; call it before starting and before every query, so
that a withdrawal stops the queries after it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jiuzhu import clock
from jiuzhu.access import Permission, Principal
from jiuzhu.audit import service as audit
from jiuzhu.consent import notices, parameters, signers, standing, states
from jiuzhu.consent import required as req
from jiuzhu.consent.models import PURPOSES, ConsentNotice, ConsentRecord
from jiuzhu.consent.schemas import HouseholdConsents, MemberConsent, RecordView
from jiuzhu.consent.states import Event, Status
from jiuzhu.consent.terms import terms_sha256
from jiuzhu.errors import ConflictError, JiuzhuError, NotFoundError
from jiuzhu.i18n import N_, t
from jiuzhu.registry import areas
from jiuzhu.registry import models as rm
from jiuzhu.registry.privacy import mask_id

NOTICE_ACTOR = "jiuzhu"


@dataclass(frozen=True)
class Purpose:
    """What a consent serves: ``kind`` (application, review, spot_check) and ``ref`` (the application or review it
    is for; issue 14 will point it at a case)."""

    kind: str
    ref: str = ""


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# --------------------------------------------------------------------------------------------------- notices

def current_notice(session: Session, language: str = "zh") -> ConsentNotice:
    """The notice of this version (``notices.VERSION``) in ``language``, written on first use (by whichever of two
    first uses at once commits first)."""
    query = select(ConsentNotice).where(ConsentNotice.code == notices.CODE, ConsentNotice.version == notices.VERSION,
                                        ConsentNotice.language == language)
    found = session.scalars(query).one_or_none()
    if found is not None:
        return found
    try:
        with session.begin_nested():
            return _new_notice(session, language)
    except IntegrityError:
        return session.scalars(query).one()


def _new_notice(session: Session, language: str) -> ConsentNotice:
    title, body = notices.TEXTS[language]
    notice = ConsentNotice(code=notices.CODE, version=notices.VERSION, language=language, title=title, body=body,
                           sha256=hashlib.sha256(body.encode("utf-8")).hexdigest(), legal_basis=notices.LEGAL_BASIS,
                           categories=list(notices.CATEGORIES), sources=list(notices.SOURCES), created_at=now(),
                           created_by=NOTICE_ACTOR)
    session.add(notice)
    session.flush()
    return notice


# --------------------------------------------------------------------------------------------------- reading

def _household(session: Session, principal: Principal | None, household_no: str) -> rm.Household:
    hh = session.scalars(select(rm.Household).where(rm.Household.household_no == household_no)).one_or_none()
    if hh is None or (principal is not None and not principal.covers(hh.area_code)):
        raise NotFoundError(t(HOUSEHOLD_NOT_FOUND, household_no=household_no))
    return hh


HOUSEHOLD_NOT_FOUND = N_("household {household_no} is not in the registry")
RECORD_NOT_FOUND = N_("consent record {record} not found")


def _members(session: Session, hh: rm.Household) -> list[tuple[req.MemberFacts, rm.Person]]:
    rows = session.execute(select(rm.Member, rm.Person).join(rm.Person, rm.Person.id == rm.Member.person_id)
                           .where(rm.Member.household_id == hh.id).order_by(rm.Member.position))
    return [(req.MemberFacts(person_id=p.id, name=p.name, relation=mem.relation, birth_date=p.birth_date,
                             death_date=p.death_date, counted=mem.counted, position=mem.position), p)
            for mem, p in rows]


def _record(session: Session, principal: Principal, record_id: str, permission: Permission) -> ConsentRecord:
    principal.require(permission)
    query = select(ConsentRecord).where(ConsentRecord.record_id == record_id)
    if permission == Permission.CONSENT_MANAGE:  # a change: locked, so two at once are taken one after the other
        query = query.with_for_update().execution_options(populate_existing=True)
    rec = session.scalars(query).one_or_none()
    if rec is None or not principal.covers(rec.area_code):
        raise NotFoundError(t(RECORD_NOT_FOUND, record=record_id))
    return rec


def get_record(session: Session, principal: Principal, record_id: str) -> RecordView:
    """One record (ID numbers masked); its reading is logged."""
    rec = _record(session, principal, record_id, Permission.READ_REGISTRY)
    _log(session, principal.username, "consent.view", rec)
    return view(session, rec)


def effective_status(rec: ConsentRecord, on: dt.date) -> str:
    """The status on ``on``: a given record past its last valid day is expired even before that is written."""
    return Status(standing.effective_status(rec, on))


def view(session: Session, rec: ConsentRecord, on: dt.date | None = None) -> RecordView:
    person = session.get(rm.Person, rec.person_id)
    hh = session.get(rm.Household, rec.household_id)
    status = effective_status(rec, on or clock.today())
    return RecordView(
        record_id=rec.record_id, household_no=hh.household_no, area_code=rec.area_code, person_name=person.name,
        person_id_number=mask_id(person.id_number), signer_role=rec.signer_role, signer_name=rec.signer_name,
        signer_id_number=rec.signer_id_number and mask_id(rec.signer_id_number), signer_relation=rec.signer_relation,
        capacity_basis=rec.capacity_basis, authority_document=rec.authority_document, proxy_reason=rec.proxy_reason,
        controller_code=rec.controller_code, controller_name=rec.controller_name, purpose_kind=rec.purpose_kind,
        purpose_ref=rec.purpose_ref, legal_basis=rec.legal_basis, categories=rec.categories, sources=rec.sources,
        notice_version=rec.notice_version, notice_sha256=rec.notice_sha256, method=rec.method, status=rec.status,
        effective_status=status, status_title=states.status_title(status), requested_at=rec.requested_at,
        requested_by=rec.requested_by, decided_at=rec.decided_at, valid_from=rec.valid_from,
        valid_until=rec.valid_until, withdrawn_at=rec.withdrawn_at, withdrawal_reason=rec.withdrawal_reason,
        end_reason=rec.end_reason, supersedes=_record_id(session, rec.supersedes_id),
        renewed_by=_record_id(session, rec.renewed_by_id), receipt_no=rec.receipt_no,
        terms_sha256=rec.terms_sha256, evidence=list(rec.evidence or []))


def _record_id(session: Session, pk: int | None) -> str | None:
    return None if pk is None else session.get(ConsentRecord, pk).record_id


def household_consents(session: Session, principal: Principal, household_no: str, *,
                       purpose: Purpose | None = Purpose("application"), on: dt.date | None = None
                       ) -> HouseholdConsents:
    """Who must authorize ``purpose`` and whether they have, and every record of the household (the 授权 tab,
    ``jiuzhu consent list``); the reading is logged. ``purpose=None``: the purpose of the household's newest
    record (the one being worked on), else the application."""
    principal.require(Permission.READ_REGISTRY)
    hh = _household(session, principal, household_no)
    records = session.scalars(select(ConsentRecord).where(ConsentRecord.household_id == hh.id)
                              .order_by(ConsentRecord.id)).all()
    if purpose is None:
        purpose = Purpose(records[-1].purpose_kind, records[-1].purpose_ref) if records else Purpose("application")
    _check_purpose(purpose)  # an unknown purpose is refused, not answered "nobody authorized it"
    on = on or clock.today()
    members = check_required(session, hh, purpose, on)
    audit.append(session, actor=principal.username, action="consent.view", subject=household_no,
                 area_code=hh.area_code, detail={"records": len(records)})
    return HouseholdConsents(household_no=household_no, purpose_kind=purpose.kind, purpose_ref=purpose.ref, on=on,
                             all_valid=all(m.valid for m in members), members=members,
                             records=[view(session, r, on) for r in records])


# --------------------------------------------------------------------------------------------- who has signed

STATE_REASONS = {
    "valid": N_("authorized"), "missing": N_("not authorized"), "refused": N_("refused"),
    "withdrawn": N_("withdrawn"), "expired": N_("expired"), "guardian_missing": N_("guardian has not signed"),
}
# Said whenever an application's consent is read for a review or spot check (standing.py): never silently.
COVERED = N_("{state} (the application's authorization, which covers its reviews and spot checks)")


def check_required(session: Session, household: rm.Household | str, purpose: Purpose | tuple[str, str],
                   on_date: dt.date) -> list[MemberConsent]:
    """Per member who must authorize ``purpose`` on ``on_date``: valid, or why not (未授权 / 已拒绝 / 已撤回 /
    已过期 / 监护人未签; standing.py says how it is read). Reads only; the verification calls it before it starts
    and before every query."""
    hh = _household(session, None, household) if isinstance(household, str) else household
    purpose = purpose if isinstance(purpose, Purpose) else Purpose(*purpose)
    facts = _members(session, hh)
    people = {f.person_id: p for f, p in facts}
    records = _records_by_person(session, [f.person_id for f, _ in facts])
    covers = bool(parameters.value("covers_reviews", on_date))
    return [_member_consent(standing.standing(records.get(need.member.person_id, []), need, purpose.kind,
                                              purpose.ref, on_date, covers=covers),
                            need, people[need.member.person_id])
            for need in req.required([f for f, _ in facts], on_date)]


def _member_consent(found: standing.Standing, need: req.Requirement, person: rm.Person) -> MemberConsent:
    rec, by = found.record, found.covered_by
    reason = t(STATE_REASONS[found.state])
    return MemberConsent(
        person_id=need.member.person_id, name=need.member.name, id_number=mask_id(person.id_number),
        role_needed=need.role, state=found.state, reason=t(COVERED, state=reason) if by else reason,
        record_id=rec.record_id if rec else None,
        # the last valid day of a valid or an expired consent; a withdrawn or refused one has none to show
        valid_until=rec.valid_until if rec and found.state in ("valid", "expired") else None,
        waiting_record_id=found.waiting.record_id if found.waiting else None,
        covered_by_kind=by.purpose_kind if by else None, covered_by_ref=by.purpose_ref if by else None)


def require_all_valid(session: Session, household: rm.Household | str, purpose: Purpose | tuple[str, str],
                      on_date: dt.date) -> list[MemberConsent]:
    """``check_required``, or ``ConflictError`` naming each member whose authorization is not valid."""
    members = check_required(session, household, purpose, on_date)
    missing = [m for m in members if not m.valid]
    if missing:
        raise ConflictError(t(NOT_ALL_AUTHORIZED, members="；".join(f"{m.name}：{m.reason}" for m in missing)))
    return members


NOT_ALL_AUTHORIZED = N_("not every member has authorized the verification: {members}")


def given_purposes(session: Session, person_ids: list[int], on: dt.date) -> list[Purpose]:
    """The purposes (kind, reference) that authorizations given by these people serve on ``on``: what a refusal for
    another purpose can point to (a verification must name the purpose its members authorized)."""
    out = {Purpose(r.purpose_kind, r.purpose_ref or "")
           for records in _records_by_person(session, person_ids).values() for r in records
           if effective_status(r, on) == Status.given}
    return sorted(out, key=lambda p: (p.kind, p.ref))


def _records_by_person(session: Session, person_ids: list[int]) -> dict[int, list[ConsentRecord]]:
    """The records as the database holds them now: ``populate_existing`` overwrites records this session loaded
    before (its objects outlive commits), so a withdrawal committed elsewhere is read."""
    out: dict[int, list[ConsentRecord]] = {}
    for r in session.scalars(select(ConsentRecord).where(ConsentRecord.person_id.in_(person_ids))
                             .order_by(ConsentRecord.id).execution_options(populate_existing=True)):
        out.setdefault(r.person_id, []).append(r)
    return out


# --------------------------------------------------------------------------------------------------- request

def request(session: Session, principal: Principal, *, household_no: str, member: str, purpose: Purpose,
            signer_role: str | None = None, signer: str | None = None, signer_name: str | None = None,
            signer_id_number: str | None = None, signer_relation: str | None = None,
            capacity_basis: str | None = None, authority_document: str | None = None,
            proxy_reason: str | None = None, on: dt.date | None = None) -> RecordView:
    """Ask ``member`` (an ID number) of the household to authorize ``purpose``: a record ``requested``.

    ``signer_role`` defaults to who must sign (``self``, or ``guardian`` for a minor); a guardian or proxy is a
    member of the household (``signer``: their ID number) or named (``signer_name`` and ``signer_id_number``); a
    minor's guardian defaults to the parent the household's relations make certain."""
    principal.require(Permission.CONSENT_MANAGE)
    hh = _household(session, principal, household_no)
    on = on or clock.today()
    _check_purpose(purpose)
    facts = _members(session, hh)
    need = signers.needed(facts, member, on)
    signed_by = signers.signer(facts, need, on, role=signer_role or need.role, signer=signer, name=signer_name,
                        id_number=signer_id_number, relation=signer_relation, capacity_basis=capacity_basis,
                        document=authority_document, proxy_reason=proxy_reason)
    _refuse_duplicate(session, need.member.person_id, purpose)
    rec = _new_record(session, principal, hh, need.member.person_id, purpose, signed_by)
    _log(session, principal.username, "consent.request", rec)
    return view(session, rec, on)


def request_required(session: Session, principal: Principal, *, household_no: str, purpose: Purpose,
                     on: dt.date | None = None) -> tuple[list[RecordView], list[str]]:
    """A request for every member who must authorize and has neither a valid authorization nor one waiting, with
    the default signer. Returns the records made and, one line each, the members it could not ask (a minor with
    no certain parent in the household: ``request`` with the guardian named)."""
    principal.require(Permission.CONSENT_MANAGE)
    hh = _household(session, principal, household_no)
    on = on or clock.today()
    _check_purpose(purpose)
    waiting = _waiting_people(session, hh, purpose)
    made, skipped = [], []
    for m in check_required(session, hh, purpose, on):
        if m.valid or m.person_id in waiting:
            continue
        try:
            person = session.get(rm.Person, m.person_id)
            made.append(request(session, principal, household_no=household_no, member=person.id_number,
                                purpose=purpose, on=on))
        except JiuzhuError as exc:
            skipped.append(f"{m.name}：{exc.message}")
    return made, skipped


def _waiting_people(session: Session, hh: rm.Household, purpose: Purpose) -> set[int]:
    return set(session.scalars(select(ConsentRecord.person_id).where(
        ConsentRecord.household_id == hh.id, ConsentRecord.status == Status.requested,
        ConsentRecord.purpose_kind == purpose.kind, ConsentRecord.purpose_ref == purpose.ref)))


def _check_purpose(purpose: Purpose) -> None:
    if purpose.kind not in PURPOSES:
        raise JiuzhuError(t(BAD_PURPOSE, kind=purpose.kind, kinds=", ".join(PURPOSES)), field="purpose")
    if len(purpose.ref) > 100:
        raise JiuzhuError(t(TOO_LONG, what="purpose_ref", chars=100), field="purpose_ref")


BAD_PURPOSE = N_("unknown purpose '{kind}': use one of {kinds}")
TOO_LONG = N_("{what} is too long: at most {chars} characters")


def _refuse_duplicate(session: Session, person_id: int, purpose: Purpose) -> None:
    live = session.scalars(select(ConsentRecord).where(
        ConsentRecord.person_id == person_id, ConsentRecord.purpose_kind == purpose.kind,
        ConsentRecord.purpose_ref == purpose.ref, ConsentRecord.status.in_([Status.requested, Status.given]))).first()
    if live is not None:
        raise ConflictError(t(ALREADY_LIVE, record=live.record_id, status=states.status_title(live.status)))


ALREADY_LIVE = N_("this member already has consent record {record} for this purpose ({status}): withdraw, renew "
                  "or invalidate it first")


def _new_record(session: Session, principal: Principal, hh: rm.Household, person_id: int, purpose: Purpose,
                s: signers.Signer, supersedes: ConsentRecord | None = None) -> ConsentRecord:
    notice = current_notice(session)
    controller = hh.area_code[:9]
    rec = ConsentRecord(
        record_id=f"CR-{uuid.uuid4()}", household_id=hh.id, person_id=person_id, area_code=hh.area_code,
        signer_role=s.role, signer_person_id=s.person_id, signer_name=s.name, signer_id_number=s.id_number,
        signer_relation=s.relation, capacity_basis=s.capacity_basis, authority_document=s.document,
        proxy_reason=s.proxy_reason, controller_code=controller, controller_name=areas.area_name(controller),
        purpose_kind=purpose.kind, purpose_ref=purpose.ref, legal_basis=notice.legal_basis,
        categories=list(notice.categories), sources=list(notice.sources), notice_id=notice.id,
        notice_version=notice.version, notice_sha256=notice.sha256, status=Status.requested, requested_at=now(),
        requested_by=principal.username, evidence=[], supersedes_id=supersedes.id if supersedes else None)
    try:
        with session.begin_nested():  # two requests at once: the second meets the unique index, said as a conflict
            session.add(rec)
    except IntegrityError:
        raise ConflictError(t(ALREADY_WAITING)) from None
    return rec


ALREADY_WAITING = N_("this member already has a request waiting for this purpose")


# ------------------------------------------------------------------------------------------------ transitions

def give(session: Session, principal: Principal, record_id: str, *, method: str = "in_person",
         evidence: dict | None = None, on: dt.date | None = None) -> RecordView:
    """The person (or their guardian or proxy) authorized, in person or on a signed paper form (``evidence``: the
    form's scan reference or SHA-256, a witness …): valid from ``on`` for the validity period."""
    _check_method(method, evidence)
    rec = _record(session, principal, record_id, Permission.CONSENT_MANAGE)
    decide(session, rec, accept=True, method=method, actor=principal.username, evidence=evidence or {}, on=on)
    return view(session, rec, on)


def _check_method(method: str, evidence: dict | None) -> None:
    if method not in ("in_person", "paper"):
        raise JiuzhuError(t(BAD_METHOD, method=method), field="method")
    if method == "paper" and not str((evidence or {}).get("form") or "").strip():
        raise JiuzhuError(t(PAPER_NEEDS_FORM), field="form")  # the paper is the evidence: without it, nothing


BAD_METHOD = N_("unknown method '{method}': use in_person or paper (a link records remote_link itself)")
PAPER_NEEDS_FORM = N_("a decision on a paper form needs the form: give its scan's file name, reference or SHA-256")


def refuse(session: Session, principal: Principal, record_id: str, *, method: str = "in_person",
           evidence: dict | None = None) -> RecordView:
    """The person refused: final (a later change of mind is a new request)."""
    _check_method(method, evidence)
    rec = _record(session, principal, record_id, Permission.CONSENT_MANAGE)
    decide(session, rec, accept=False, method=method, actor=principal.username, evidence=evidence or {})
    return view(session, rec)


def decide(session: Session, rec: ConsentRecord, *, accept: bool, method: str, actor: str, evidence: dict,
           on: dt.date | None = None) -> None:
    """Give or refuse ``rec`` (the caseworker's ``give``/``refuse`` and a link's decision): the terms are set and
    hashed, a receipt number issued; a renewal's given record ends the one it renews."""
    event = Event.give if accept else Event.refuse
    status = states.next_status(rec.status, event, record=rec.record_id)
    on = on or clock.today()
    at = now()
    if accept:
        rec.valid_from = on
        rec.valid_until = add_months(on, int(parameters.value("validity_months", on))) - dt.timedelta(days=1)
        _end_renewed(session, rec, actor)
    rec.method, rec.decided_at, rec.decided_by = method, at, actor[:60]
    rec.receipt_no = _unused_receipt_number(session, at)
    rec.terms_sha256 = terms_sha256(rec)
    rec.evidence = [*(rec.evidence or []), {"event": str(event), "at": at.isoformat(), "by": actor, "method": method,
                                            "notice_sha256": rec.notice_sha256, **evidence}]
    rec.status = status
    session.flush()
    _log(session, actor, f"consent.{event}", rec, detail={"receipt_no": rec.receipt_no})


def _end_renewed(session: Session, rec: ConsentRecord, actor: str) -> None:
    """The record this one renews becomes ``renewed`` (before this one is given: one given per purpose)."""
    if rec.supersedes_id is None:
        return
    old = session.get(ConsentRecord, rec.supersedes_id)
    if not states.allowed(old.status, Event.renew):
        return  # withdrawn or invalidated meanwhile: nothing left to end
    old.status = states.next_status(old.status, Event.renew, record=old.record_id)
    old.renewed_by_id, old.ended_at, old.ended_by = rec.id, now(), actor[:60]
    session.flush()
    _log(session, actor, "consent.renew", old, detail={"renewed_by": rec.record_id})


def withdraw(session: Session, principal: Principal, record_id: str, *, reason: str = "",
             evidence: dict | None = None) -> RecordView:
    """The person withdrew: no query is sent after this (``check_required`` reads it); what was fetched stays."""
    rec = _record(session, principal, record_id, Permission.CONSENT_MANAGE)
    withdraw_record(session, rec, actor=principal.username, reason=reason, evidence=evidence or {})
    return view(session, rec)


def withdraw_record(session: Session, rec: ConsentRecord, *, actor: str, reason: str, evidence: dict) -> None:
    rec.status = states.next_status(effective_status(rec, clock.today()), Event.withdraw, record=rec.record_id)
    at = now()
    rec.withdrawn_at, rec.withdrawn_by, rec.withdrawal_reason = at, actor[:60], reason.strip()[:200] or None
    rec.evidence = [*(rec.evidence or []), {"event": "withdraw", "at": at.isoformat(), "by": actor, **evidence}]
    session.flush()
    _log(session, actor, "consent.withdraw", rec, reason=rec.withdrawal_reason)


def invalidate(session: Session, principal: Principal, record_id: str, *, reason: str) -> RecordView:
    """A record made in error (wrong signer, wrong purpose …) ends; the correction is a new record."""
    rec = _record(session, principal, record_id, Permission.CONSENT_MANAGE)
    if not reason.strip():
        raise JiuzhuError(t(REASON_NEEDED), field="reason")
    rec.status = states.next_status(rec.status, Event.invalidate, record=rec.record_id)
    rec.ended_at, rec.ended_by, rec.end_reason = now(), principal.username, reason.strip()[:200]
    session.flush()
    _log(session, principal.username, "consent.invalidate", rec, reason=rec.end_reason)
    return view(session, rec)


REASON_NEEDED = N_("give the reason")


def renew(session: Session, principal: Principal, record_id: str) -> RecordView:
    """A new request with the same subject, signer and purpose under the current notice (``supersedes``); the old
    record stays valid until the new one is given, then reads ``renewed``."""
    old = _record(session, principal, record_id, Permission.CONSENT_MANAGE)
    states.next_status(effective_status(old, clock.today()), Event.renew, record=old.record_id)
    purpose = Purpose(old.purpose_kind, old.purpose_ref)
    if session.scalars(select(ConsentRecord.id).where(
            ConsentRecord.person_id == old.person_id, ConsentRecord.status == Status.requested,
            ConsentRecord.purpose_kind == purpose.kind, ConsentRecord.purpose_ref == purpose.ref)).first():
        raise ConflictError(t(RENEWAL_WAITING, record=old.record_id))
    s = signers.Signer(old.signer_role, old.signer_person_id, old.signer_name, old.signer_id_number,
                       old.signer_relation, old.capacity_basis, old.authority_document, old.proxy_reason)
    hh = session.get(rm.Household, old.household_id)
    rec = _new_record(session, principal, hh, old.person_id, purpose, s, supersedes=old)
    _log(session, principal.username, "consent.request", rec, detail={"renews": old.record_id})
    return view(session, rec)


RENEWAL_WAITING = N_("a request for the same person and purpose as {record} is already waiting")


def expire_due(session: Session, *, on: dt.date, actor: str) -> int:
    """Write ``expired`` on every given record whose last valid day is before ``on`` (before a verification
    starts, and periodically); one audit row each. Returns how many."""
    due = session.scalars(select(ConsentRecord).where(ConsentRecord.status == Status.given,
                                                      ConsentRecord.valid_until < on)).all()
    for rec in due:
        rec.status = states.next_status(rec.status, Event.expire, record=rec.record_id)
        rec.ended_at, rec.ended_by = now(), actor[:60]
        _log(session, actor, "consent.expire", rec)
    session.flush()
    return len(due)


# ----------------------------------------------------------------------------------------------------- helpers

def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (the 31st becomes the month's last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U to misread


def _unused_receipt_number(session: Session, at: dt.datetime) -> str:
    """A receipt number no record holds yet. A day's numbers are drawn from about a billion, so two drawn alike
    is rare but not impossible: tens of thousands given in a day (a district's paper forms) made it happen once
    in three days. Drawn again until unused (the UNIQUE index still guards two transactions at the same instant)."""
    while True:
        number = receipt_number(at)
        if session.scalar(select(ConsentRecord.id).where(ConsentRecord.receipt_no == number)) is None:
            return number


def receipt_number(at: dt.datetime) -> str:
    """SQ-20260105-7K3M9Q: the day (Beijing time) and 6 random characters (about a billion a day)."""
    day = clock.local(at)
    return f"SQ-{day:%Y%m%d}-{''.join(secrets.choice(RECEIPT_ALPHABET) for _ in range(6))}"


def _log(session: Session, actor: str, action: str, rec: ConsentRecord, *, reason: str | None = None,
         detail: dict | None = None) -> None:
    audit.append(session, actor=actor, action=action, subject=rec.record_id, area_code=rec.area_code, reason=reason,
                 detail={"status": rec.status, "purpose": f"{rec.purpose_kind}:{rec.purpose_ref}",
                         "signer_role": rec.signer_role, **(detail or {})})
