"""The receipt of a decision (回执): what a member keeps, proves the terms, and lets them withdraw later.

``receipt_token(receipt_no)`` is the address part of the receipt page (``/c/r/<token>``, no expiry: the member may
withdraw years later, long after the 72-hour link is gone): ``itsdangerous.URLSafeSerializer`` over the receipt
number, key purpose "consent-receipt". ``receipt(…)`` gives the receipt document — the Kantara consent receipt's
fields (version, jurisdiction, timestamp, collection method, receipt id, controller, purposes, PII categories,
sources, notice, termination) — and ``mac``, HMAC-SHA256 of its canonical JSON with the same key: a printed receipt
can be checked against the office's key (``check_mac``). ``withdraw_by_receipt`` asks the identity check again;
``MAX_FAILED_CHECKS`` wrong checks within a day refuse further tries that day (counted in the audit log).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu import clock, keys
from jiuzhu.audit import service as audit
from jiuzhu.consent import service
from jiuzhu.consent.links import BAD_CHECK, ID_CHECK_CHARS, MAX_FAILED_CHECKS, LinkError, identity_check_text, matches
from jiuzhu.consent.models import ConsentRecord
from jiuzhu.consent.schemas import LinkDecision
from jiuzhu.consent.states import Status
from jiuzhu.consent.terms import canonical
from jiuzhu.errors import NotFoundError
from jiuzhu.i18n import N_, t
from jiuzhu.registry import models as rm
from jiuzhu.registry.privacy import mask_id

KEY_PURPOSE = "consent-receipt"
VERSION = "jiuzhu-receipt-1"
FAILED = "consent.receipt_failed"
NO_RECEIPT = N_("no receipt with this address: check that it was copied whole")
TOO_MANY = N_("too many wrong identity checks today: try again tomorrow, or ask the office")
WRONG_ID = N_("the last {chars} characters of the ID number do not match: {left} attempts left today")


def _key() -> bytes:
    return keys.secret(KEY_PURPOSE)


def receipt_token(receipt_no: str) -> str:
    return URLSafeSerializer(_key(), salt=KEY_PURPOSE).dumps(receipt_no)


def _record(session: Session, token: str, *, lock: bool = False) -> ConsentRecord:
    try:
        receipt_no = URLSafeSerializer(_key(), salt=KEY_PURPOSE).loads(token)
    except BadSignature:
        raise NotFoundError(t(NO_RECEIPT)) from None
    query = select(ConsentRecord).where(ConsentRecord.receipt_no == str(receipt_no))
    rec = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if rec is None:
        raise NotFoundError(t(NO_RECEIPT))
    return rec


def document(session: Session, rec: ConsentRecord) -> dict:
    """The receipt's fields (ID numbers masked), without its ``mac``."""
    person = session.get(rm.Person, rec.person_id)
    return {
        "version": VERSION, "jurisdiction": "CN", "receipt_no": rec.receipt_no, "record_id": rec.record_id,
        "consent_timestamp": _utc_text(rec.decided_at), "collection_method": rec.method,
        "status_at_decision": "given" if rec.valid_from else "refused",
        "controller": {"code": rec.controller_code, "name": rec.controller_name},
        "subject": {"name": person.name, "id_number": mask_id(person.id_number)},
        "signer": {"role": rec.signer_role, "name": rec.signer_name,
                   "id_number": rec.signer_id_number and mask_id(rec.signer_id_number)},
        "purpose": {"kind": rec.purpose_kind, "ref": rec.purpose_ref}, "legal_basis": rec.legal_basis,
        "categories": rec.categories, "sources": rec.sources,
        "notice": {"version": rec.notice_version, "sha256": rec.notice_sha256},
        "valid_from": rec.valid_from and rec.valid_from.isoformat(),
        "valid_until": rec.valid_until and rec.valid_until.isoformat(),
        "terms_sha256": rec.terms_sha256,
        "termination": "withdraw at any time on this receipt's page or at the office",
    }


def _utc_text(at: dt.datetime | None) -> str | None:
    if at is None:
        return None
    return (at.replace(tzinfo=dt.timezone.utc) if at.tzinfo is None else at.astimezone(dt.timezone.utc)).isoformat(
        timespec="seconds")


def mac(doc: dict) -> str:
    return hmac.new(_key(), canonical(doc), hashlib.sha256).hexdigest()


def check_mac(doc: dict, given: str) -> bool:
    return hmac.compare_digest(mac(doc), given)


def receipt(session: Session, token: str) -> dict:
    """The receipt page's content: the document, its ``mac``, the record's status now, and whether it may still be
    withdrawn."""
    rec = _record(session, token)
    doc = document(session, rec)
    status = service.effective_status(rec, clock.today())
    return {"receipt": doc, "mac": mac(doc), "status": str(status), "may_withdraw": status == Status.given}


def withdraw_by_receipt(session: Session, token: str, *, identity_check: str, reason: str = "",
                        evidence: dict | None = None) -> LinkDecision:
    """The member withdraws from the receipt page, after the identity check (as ``links.decide_by_link``: a wrong
    check is counted and answered, not raised, so the caller's commit keeps it)."""
    rec = _record(session, token, lock=True)
    since = service.now() - dt.timedelta(days=1)
    failures = len(audit.recent(session, subject=rec.record_id, actions=[FAILED], since=since))
    if failures >= MAX_FAILED_CHECKS:
        raise LinkError(t(TOO_MANY), code="locked")
    check = identity_check_text(identity_check)
    if check is None:  # a slip of typing: the format said, not counted
        return LinkDecision(decided=False, record_id=rec.record_id, malformed=True,
                            attempts_left=MAX_FAILED_CHECKS - failures, message=t(BAD_CHECK, chars=ID_CHECK_CHARS))
    if not matches(check, rec.signer_id_number):
        audit.append(session, actor=f"receipt:{rec.receipt_no}", action=FAILED, subject=rec.record_id,
                     area_code=rec.area_code)
        left = MAX_FAILED_CHECKS - failures - 1
        return LinkDecision(decided=False, record_id=rec.record_id, attempts_left=left,
                            message=t(WRONG_ID, chars=ID_CHECK_CHARS, left=left))
    service.withdraw_record(session, rec, actor=f"receipt:{rec.receipt_no}", reason=reason,
                            evidence={"via": "receipt", "id_check": f"last{ID_CHECK_CHARS}", **(evidence or {})})
    return LinkDecision(decided=True, record_id=rec.record_id, status=rec.status, receipt_no=rec.receipt_no,
                        terms_sha256=rec.terms_sha256, attempts_left=MAX_FAILED_CHECKS)
