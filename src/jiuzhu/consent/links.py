"""Signed, expiring links for a member far away: issue one, open it, decide through it.

The token, its hash, the identity check and the lock are ``jiuzhu.signed_links`` (shared with casework's
self-service application), with the key of purpose "consent-link": it cannot be forged nor edited, and it carries
its own time; only its SHA-256 is stored. A link serves one decision; a new link for the same record revokes the
previous one; ``MAX_FAILED_CHECKS`` wrong identity checks in a row lock it.

The phone page (web) calls ``open_link`` to show what is asked, then ``decide_by_link``; the session's commit is
the face's, also after a failed identity check, whose count must be kept (``decide_by_link`` returns, it does
not raise, for that one).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from jiuzhu import signed_links
from jiuzhu.access import Permission, Principal
from jiuzhu.audit import service as audit
from jiuzhu.consent import notices, parameters, service
from jiuzhu.consent.models import ConsentLink, ConsentNotice, ConsentRecord
from jiuzhu.consent.schemas import LinkDecision, LinkIssued, LinkPage
from jiuzhu.consent.states import Status
from jiuzhu.errors import ConflictError, JiuzhuError
from jiuzhu.i18n import N_, t

KEY_PURPOSE = "consent-link"
LINK_HOURS = 72  # a technical setting, not a figure of law: three days to reach a member far away
MAX_LINK_HOURS = 720  # at most 30 days: the signature's own age limit (the row's expires_at is the link's)
MAX_FAILED_CHECKS = signed_links.MAX_FAILED_CHECKS
ID_CHECK_CHARS = signed_links.ID_CHECK_CHARS  # the last characters of the signer's ID number (open question 2)


class LinkError(JiuzhuError):
    """A link that cannot be used: ``code`` says why (tampered, expired, used, locked, revoked, decided);
    ``receipt_no``: the receipt of the decision already made through it or otherwise (used, decided), so the page
    can lead the member to it."""

    def __init__(self, message: str, *, code: str, receipt_no: str | None = None) -> None:
        super().__init__(message)
        self.code, self.receipt_no = code, receipt_no


LINK_MESSAGES = {
    **signed_links.LINK_MESSAGES,
    "used": N_("this link has already been used: your decision is recorded"),
    "decided": N_("this authorization is no longer waiting for a decision"),
}
WRONG_ID, LOCKED_NOW, BAD_CHECK = signed_links.WRONG_ID, signed_links.LOCKED_NOW, signed_links.BAD_CHECK
BAD_HOURS = signed_links.BAD_HOURS
NOT_WAITING = N_("consent record {record} is not waiting for a decision: a link can only be sent for a request")
CHECK_SHAPE = signed_links.CHECK_SHAPE
identity_check_text = signed_links.identity_check_text
matches = signed_links.matches


NO_SIGNER_ID = N_("consent record {record} has no ID number of its signer: a link needs one for the identity check")


def issue_link(session: Session, principal: Principal, record_id: str, *, base_url: str,
               hours: int = LINK_HOURS) -> LinkIssued:
    """A new link for a waiting request (the previous one revoked): ``{base_url}/c/{token}`` and its expiry."""
    if not 1 <= hours <= MAX_LINK_HOURS:
        raise JiuzhuError(t(BAD_HOURS, hours=hours, most=MAX_LINK_HOURS), field="hours")
    rec = service._record(session, principal, record_id, Permission.CONSENT_MANAGE)
    if rec.status != Status.requested:
        raise ConflictError(t(NOT_WAITING, record=record_id))
    if not rec.signer_id_number:
        raise ConflictError(t(NO_SIGNER_ID, record=record_id))
    at = service.now()
    session.execute(update(ConsentLink).where(ConsentLink.consent_id == rec.id, ConsentLink.revoked_at.is_(None),
                                              ConsentLink.used_at.is_(None)).values(revoked_at=at))
    link = ConsentLink(consent_id=rec.id, token_sha256=signed_links.placeholder(), created_at=at,
                       created_by=principal.username, expires_at=at + dt.timedelta(hours=hours), failed_checks=0)
    session.add(link)
    session.flush()
    token = signed_links.new_token(KEY_PURPOSE, link.id)
    link.token_sha256 = signed_links.digest(token)
    session.flush()
    service._log(session, principal.username, "consent.link", rec, detail={"link": link.id, "hours": hours})
    return LinkIssued(record_id=record_id, url=f"{base_url.rstrip('/')}/c/{token}", token=token,
                      expires_at=link.expires_at)


def _link(session: Session, token: str, *, at: dt.datetime) -> tuple[ConsentLink, ConsentRecord]:
    """The link a token names, or ``LinkError`` saying why it cannot be used."""
    link_id = _link_id(token)
    # Locked until the transaction ends: two decisions sent at once (a double tap) are taken one after the other,
    # and the second finds the link used (SQLite: the write lock does the same).
    link = session.scalars(select(ConsentLink).where(ConsentLink.token_sha256 == signed_links.digest(token))
                           .with_for_update().execution_options(populate_existing=True)).one_or_none()
    if link is None or link.id != link_id:
        raise LinkError(t(LINK_MESSAGES["tampered"]), code="tampered")
    rec = session.get(ConsentRecord, link.consent_id, with_for_update=True, populate_existing=True)
    code = signed_links.refusal(link, at=at)
    if code is not None:
        raise LinkError(t(LINK_MESSAGES[code]), code=code, receipt_no=rec.receipt_no if code == "used" else None)
    if rec.status != Status.requested:
        raise LinkError(t(LINK_MESSAGES["decided"]), code="decided", receipt_no=rec.receipt_no)
    return link, rec


def _link_id(token: str) -> int:
    try:
        return signed_links.link_id(KEY_PURPOSE, token, max_hours=MAX_LINK_HOURS)
    except signed_links.Refused as exc:
        raise LinkError(t(LINK_MESSAGES[exc.code]), code=exc.code) from None


_utc = signed_links.utc


def open_link(session: Session, token: str, *, language: str = "zh") -> LinkPage:
    """What the phone page shows for ``token`` (the notice in ``language`` when there is one); marks it opened."""
    at = service.now()
    link, rec = _link(session, token, at=at)
    if link.opened_at is None:
        link.opened_at = at
        session.flush()
        service._log(session, f"link:{link.id}", "consent.link_open", rec, detail={"link": link.id})
    notice = _notice_text(session, rec, language)
    person = service.view(session, rec)
    return LinkPage(record_id=rec.record_id, controller_name=rec.controller_name, person_name=person.person_name,
                    signer_name=rec.signer_name, signer_role=rec.signer_role, purpose_kind=rec.purpose_kind,
                    purpose_ref=rec.purpose_ref, legal_basis=rec.legal_basis, categories=rec.categories,
                    sources=rec.sources, notice_title=notice.title, notice_body=notice.body,
                    notice_version=rec.notice_version, notice_sha256=rec.notice_sha256,
                    validity_months=int(parameters.value("validity_months", at.date())),
                    expires_at=_utc(link.expires_at), attempts_left=MAX_FAILED_CHECKS - link.failed_checks)


def _notice_text(session: Session, rec: ConsentRecord, language: str) -> ConsentNotice:
    """The notice the record was made under; its translation of the same version if asked and known (the record
    keeps the hash of the Chinese text, which is the one agreed to)."""
    shown = session.get(ConsentNotice, rec.notice_id)
    if language == shown.language:
        return shown
    other = session.scalars(select(ConsentNotice).where(
        ConsentNotice.code == shown.code, ConsentNotice.version == shown.version,
        ConsentNotice.language == language)).one_or_none()
    if other is None and shown.version == notices.VERSION and language in notices.TEXTS:
        other = service.current_notice(session, language)
    return other or shown


def decide_by_link(session: Session, token: str, *, accept: bool, identity_check: str,
                   evidence: dict | None = None) -> LinkDecision:
    """The member's decision through the link, after the identity check (the last 6 characters of the signer's ID
    number). A wrong check is counted and answered (``decided`` false, attempts left), the link locked at the
    limit; the caller commits either way. ``evidence``: what the page knows (ip, user agent, shown_at)."""
    at = service.now()
    link, rec = _link(session, token, at=at)
    check = identity_check_text(identity_check)
    if check is None:  # not counted: a slip of typing is not a guess
        return LinkDecision(decided=False, record_id=rec.record_id, malformed=True,
                            attempts_left=MAX_FAILED_CHECKS - link.failed_checks,
                            message=t(BAD_CHECK, chars=ID_CHECK_CHARS))
    if not matches(check, rec.signer_id_number):
        return _failed_check(session, link, rec)
    link.used_at = at
    link.failed_checks = 0
    actor = f"link:{link.id}"
    service.decide(session, rec, accept=accept, method="remote_link", actor=actor,
                   evidence={"link_id": link.id, "id_check": f"last{ID_CHECK_CHARS}", **(evidence or {})})
    return LinkDecision(decided=True, record_id=rec.record_id, status=rec.status, receipt_no=rec.receipt_no,
                        terms_sha256=rec.terms_sha256, attempts_left=MAX_FAILED_CHECKS)


def _failed_check(session: Session, link: ConsentLink, rec: ConsentRecord) -> LinkDecision:
    left = signed_links.count_failure(link, at=service.now())
    session.flush()
    action = "consent.link_locked" if left <= 0 else "consent.link_failed"
    audit.append(session, actor=f"link:{link.id}", action=action, subject=rec.record_id, area_code=rec.area_code,
                 detail={"link": link.id, "failed_checks": link.failed_checks})
    return LinkDecision(decided=False, record_id=rec.record_id, attempts_left=left,
                        message=signed_links.check_failed(left))


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as an inline ``<svg>`` (segno; nothing fetched from elsewhere; error correction M: a
    printed or photographed code with a smudge still reads)."""
    import segno

    return segno.make(url, error="m").svg_inline(scale=4)


def write_qr(url: str, path) -> None:
    """The QR code of ``url`` as an SVG file, written whole (to print, or to send with the link)."""
    import segno

    from jiuzhu.files import atomic_output

    with atomic_output(path) as tmp:
        segno.make(url, error="m").save(str(tmp), kind="svg", scale=8)
