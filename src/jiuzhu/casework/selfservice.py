"""申请救助 on the resident's own phone, without an account (issue 14 item 1: "filed by the resident on a phone").

The office (or a community worker, ``cases.apply``) issues a signed, expiring link for a registered household's
applicant (the head, or the member named) and sends it by SMS (copied by hand: nothing is sent from here). The
resident opens ``/a/{token}``, checks who they are (the last 6 characters of the applicant's ID number), chooses the
programmes, gives a contact phone and a short note, and submits: the application is filed through
``applications.file`` (channel ``resident``, 居民自助; filed for the applicant; ``filed_by`` is ``link:<id>``), and
its case opened. The receipt number is the application's number; ``/a/r/{progress token}`` shows the case's state
and next step in plain words (masked, nothing about staff).

The link is ``jiuzhu.signed_links`` (as consent's): only the token's SHA-256 is stored; one use; expiry; a newer
link for the same household revokes the older; ``MAX_FAILED_CHECKS`` wrong checks in a row lock it. Audited: the
issue (``casework.apply_link``), the first open (``…_open``), wrong checks (``…_failed`` / ``…_locked``) and the
submission (``…_used``). The faces commit, also after a wrong check (whose count must be kept).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from itsdangerous import BadSignature, URLSafeSerializer
from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from jiuzhu import clock, keys, months, signed_links
from jiuzhu.access import Permission, Principal
from jiuzhu.audit import service as audit
from jiuzhu.casework import applications, service
from jiuzhu.casework.models import Application, ApplicationLink, Case
from jiuzhu.casework.views import mask_name
from jiuzhu.errors import ConflictError, JiuzhuError, NotFoundError
from jiuzhu.i18n import N_, t
from jiuzhu.registry import models as rm
from jiuzhu.registry import search
from jiuzhu.registry import service as registry
from jiuzhu.registry.codes import Programme
from jiuzhu.registry.privacy import mask_phone
from jiuzhu.text import check_text

KEY_PURPOSE = "application-link"
PROGRESS_PURPOSE = "application-progress"
CHANNEL = "resident"
LINK_HOURS = 72  # a technical setting, not a figure of law: three days to open the SMS
MAX_LINK_HOURS = 720  # at most 30 days: the signature's own age limit
MAX_FAILED_CHECKS = signed_links.MAX_FAILED_CHECKS
ID_CHECK_CHARS = signed_links.ID_CHECK_CHARS
NOTE_MOST = 200
NOTE_TITLE = N_("what you want the office to know")


class LinkError(JiuzhuError):
    """A link that cannot be used; ``code`` says why; ``progress_token``: the progress page of the application
    already filed through it (used), so the page can lead the resident there."""

    def __init__(self, message: str, *, code: str, progress_token: str | None = None) -> None:
        super().__init__(message)
        self.code, self.progress_token = code, progress_token


LINK_MESSAGES = {**signed_links.LINK_MESSAGES,
                 "used": N_("this link has already been used: your application was received")}
NO_HEAD = N_("household {household_no} has no member who can apply: name one (member, by name or ID number)")
NOT_MEMBER = N_("'{member}' is not a member of household {household_no}")
PENDING = N_("your household's application for {programme} is already being handled: no need to apply again; "
             "untick it, or ask the office")
NO_CHOICE = N_("choose at least one kind of help")
BAD_PHONE = N_("contact phone: enter a mobile number of 11 digits or a landline number, such as 13800001234")
UNKNOWN_PROGRAMME = N_("unknown kind of help '{programme}'")
NO_PROGRESS = N_("no application found for this address: check that it was copied whole, or ask the office")
PHONE_SHAPE = re.compile(r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$")

# The papers the office usually asks for (the completeness check, domain.md §5 step 1), shown as a checklist: the
# office's one notice of what is missing is what counts; this is a reminder to have them ready.
COMMON_PAPERS = (N_("ID cards of every member of the household"), N_("household register (户口簿)"),
                 N_("bank card or passbook in the applicant's name"))
PAPERS = {
    "dibao": (N_("proof of every member's income (wages, pensions)"),),
    "margin": (N_("proof of every member's income (wages, pensions)"),),
    "tekun": (N_("proof of illness or disability, if any"),),
    "rigid_spending": (N_("bills of medical, schooling or other necessary costs"),),
    "temporary": (N_("proof of the sudden difficulty (hospital bills, a fire or accident report …)"),),
    "disability_living": (N_("disability certificate (残疾证)"),),
    "disability_care": (N_("disability certificate (残疾证)"),),
    "orphan": (N_("proof of the parents' death or disappearance"),),
    "unsupported_child": (N_("proof that the parents cannot raise the child"),),
}
# The case's state as the resident reads it: where it is, and what comes next (no staff, no internal words).
STEPS = {
    "received": (N_("received: the office checks that your papers are complete"),
                 N_("bring the papers on the checklist to the township (street) office, or wait for its call")),
    "incomplete": (N_("some papers are missing"),
                   N_("hand in the missing papers below at the township (street) office")),
    "investigating": (N_("being checked: your household's situation is verified, and staff may visit your home"),
                      N_("nothing to do now; keep your phone on: the office may call to arrange the visit")),
    "publicity": (N_("the proposed decision is posted for public notice (公示) for 7 days"),
                  N_("wait for the decision after the notice")),
    "approved": (N_("approved"), N_("the assistance starts from next month; a written notice follows")),
    "rejected": (N_("not approved"), N_("a written notice gives the reasons and how to object")),
    "closed": (N_("finished: the written notice was sent"), N_("keep the notice; ask the office if anything is "
                                                                 "unclear")),
}
STEP_OF = {"received": "received", "incomplete": "incomplete", "accepted": "investigating",
           "authorized": "investigating", "verified": "investigating", "visited": "investigating",
           "proposed": "investigating", "reinvestigation": "investigating", "publicity": "publicity",
           "approved": "approved", "enrolled": "approved", "rejected": "rejected", "closed": "closed"}


class Issued(BaseModel):
    household_no: str
    applicant: str  # masked: 王**
    url: str
    token: str
    expires_at: dt.datetime


class Choice(BaseModel):
    programme: str
    name: str
    hint: bool  # the rules say it may apply (eligible, or needs information) — a hint, never a promise


class Shown(BaseModel):
    applicant: str  # the applicant's name masked (王**): the SMS may be read by someone else before the check
    verified: bool = False  # the identity check passed: the rules' hints are shown
    choices: list[Choice]
    papers: list[str]
    papers_by_programme: dict[str, list[str]]
    expires_at: dt.datetime
    attempts_left: int


class Submitted(BaseModel):
    done: bool
    message: str | None = None
    attempts_left: int = MAX_FAILED_CHECKS
    locked: bool = False
    application_no: str | None = None
    progress_token: str | None = None


class Progress(BaseModel):
    application_no: str
    applicant: str  # masked
    filed_on: dt.date
    programmes: list[str]  # in words
    step: str
    where: str
    next: str
    missing: list[str]
    papers: list[str]


def issue_link(session: Session, principal: Principal, household_no: str, *, base_url: str,
               hours: int = LINK_HOURS, member: str | None = None) -> Issued:
    """A new link for the household's applicant (the head, or ``member`` by name or ID number); the household's
    earlier unused links revoked. ``{base_url}/a/{token}`` to send by SMS."""
    principal.require(Permission.APPLY)
    if not 1 <= hours <= MAX_LINK_HOURS:
        raise JiuzhuError(t(signed_links.BAD_HOURS, hours=hours, most=MAX_LINK_HOURS), field="hours")
    doc = search.household_for(session, principal, household_no, purpose="application_link")
    name, id_number = _applicant(doc, household_no, (member or "").strip())
    hh = session.scalars(select(rm.Household).where(rm.Household.household_no == household_no)).one()
    at = service.now()
    session.execute(update(ApplicationLink).where(
        ApplicationLink.household_id == hh.id, ApplicationLink.revoked_at.is_(None),
        ApplicationLink.used_at.is_(None)).values(revoked_at=at))
    link = ApplicationLink(household_id=hh.id, household_no=household_no, area_code=hh.area_code,
                           applicant_name=name, applicant_id_number=id_number,
                           token_sha256=signed_links.placeholder(), created_at=at,
                           created_by=principal.username[:60], expires_at=at + dt.timedelta(hours=hours),
                           failed_checks=0)
    session.add(link)
    session.flush()
    token = signed_links.new_token(KEY_PURPOSE, link.id)
    link.token_sha256 = signed_links.digest(token)
    session.flush()
    audit.append(session, actor=principal.username, action="casework.apply_link", subject=household_no,
                 area_code=hh.area_code, detail={"link": link.id, "hours": hours})
    return Issued(household_no=household_no, applicant=mask_name(name), url=f"{base_url.rstrip('/')}/a/{token}",
                  token=token, expires_at=signed_links.utc(link.expires_at))


def _applicant(doc, household_no: str, member: str) -> tuple[str, str]:
    alive = [m for m in doc.members if m.death_date is None]
    if member:
        for m in alive:
            if member in (m.name, m.id_number):
                return m.name, m.id_number
        raise JiuzhuError(t(NOT_MEMBER, member=member, household_no=household_no), field="member")
    for m in alive:
        if m.relation == "head":
            return m.name, m.id_number
    raise JiuzhuError(t(NO_HEAD, household_no=household_no), field="member")


def _link(session: Session, token: str, *, at: dt.datetime) -> ApplicationLink:
    """The link a token names (its row locked until the transaction ends: a double tap is taken once), or
    ``LinkError`` saying why it cannot be used."""
    try:
        link_id = signed_links.link_id(KEY_PURPOSE, token, max_hours=MAX_LINK_HOURS)
    except signed_links.Refused as exc:
        raise LinkError(t(LINK_MESSAGES[exc.code]), code=exc.code) from None
    link = session.scalars(select(ApplicationLink).where(ApplicationLink.token_sha256 == signed_links.digest(token))
                           .with_for_update().execution_options(populate_existing=True)).one_or_none()
    if link is None or link.id != link_id:
        raise LinkError(t(LINK_MESSAGES["tampered"]), code="tampered")
    code = signed_links.refusal(link, at=at)
    if code is not None:
        progress = _progress_of(session, link) if code == "used" else None
        raise LinkError(t(LINK_MESSAGES[code]), code=code, progress_token=progress)
    return link


def _progress_of(session: Session, link: ApplicationLink) -> str | None:
    no = session.scalar(select(Application.application_no).where(Application.id == link.application_id))
    return progress_token(no) if no else None


def open_link(session: Session, token: str, *, verified: bool = False) -> Shown:
    """What the phone page shows; the first open is recorded (and audited). The name is masked and the rules'
    hints (a fact about the household) are given only once the identity check has passed (``verified``, from
    ``confirm``): a forwarded SMS shows nothing of the household."""
    at = service.now()
    link = _link(session, token, at=at)
    if link.opened_at is None:
        link.opened_at = at
        session.flush()
        audit.append(session, actor=f"link:{link.id}", action="casework.apply_link_open",
                     subject=link.household_no, area_code=link.area_code, detail={"link": link.id})
    hints = _hints(session, link) if verified else set()
    choices = [Choice(programme=p.value, name=p.words(), hint=p.value in hints) for p in Programme]
    choices.sort(key=lambda c: not c.hint)  # what may apply first, the rest after, in the law's order
    return Shown(applicant=mask_name(link.applicant_name), verified=verified, choices=choices,
                 papers=[t(p) for p in COMMON_PAPERS],
                 papers_by_programme={k: [t(p) for p in v] for k, v in PAPERS.items()},
                 expires_at=signed_links.utc(link.expires_at), attempts_left=MAX_FAILED_CHECKS - link.failed_checks)


def _hints(session: Session, link: ApplicationLink) -> set[str]:
    """The programmes the rules find the household eligible for this month on what the office knows: a hint
    only — without amounts, and never a reason to hide a choice. Nothing when the rules cannot say (a programme
    that needs information is not hinted: most would be, for any household)."""
    hh = session.get(rm.Household, link.household_id)
    try:
        rows = applications.assess(registry.household_doc(session, hh), months.month_of(clock.today()), [])
    except JiuzhuError:
        return set()
    return {r["programme"] for r in rows if r["status"] == "eligible"}


def confirm(session: Session, token: str, identity_check: str) -> Submitted:
    """The identity check alone (the page's first step, before the hints are shown): a wrong one is counted and
    answered as ``submit`` answers it; ``done`` when it matches. Files nothing."""
    at = service.now()
    link = _link(session, token, at=at)
    return _refused(session, link, identity_check, at) or Submitted(
        done=True, attempts_left=MAX_FAILED_CHECKS - link.failed_checks)


def _refused(session: Session, link: ApplicationLink, identity_check: str, at: dt.datetime) -> Submitted | None:
    """The answer to an identity check that does not pass (a typing slip, or a wrong number counted); None when
    it passes."""
    check = signed_links.identity_check_text(identity_check)
    if check is None:
        return Submitted(done=False, message=t(signed_links.BAD_CHECK, chars=ID_CHECK_CHARS),
                         attempts_left=MAX_FAILED_CHECKS - link.failed_checks)
    if not signed_links.matches(check, link.applicant_id_number):
        return _failed_check(session, link, at)
    return None


def submit(session: Session, token: str, *, identity_check: str, programmes: list[str], phone: str,
           note: str = "", evidence: dict | None = None) -> Submitted:
    """File the resident's application after the identity check. A wrong check is counted and answered (not
    raised: the caller commits the count); a mistake in the form raises ``JiuzhuError`` naming the field, nothing
    kept; so does what ``applications.file`` refuses (an open case for the same programme …)."""
    at = service.now()
    link = _link(session, token, at=at)
    refused = _refused(session, link, identity_check, at)
    if refused is not None:
        return refused
    asked = _chosen(programmes)
    _not_pending(session, link, asked)
    contact = _phone(phone)
    said = check_text(note, "note", most=NOTE_MOST, title=t(NOTE_TITLE))
    actor = f"link:{link.id}"
    principal = Principal(username=actor, role=None, area_code=link.area_code, area_prefixes=(link.area_code,),
                          permissions=frozenset({Permission.APPLY, Permission.READ_REGISTRY}))
    app, case = applications.file(session, principal, household_no=link.household_no, programmes=asked,
                                  channel=CHANNEL, filed_for=link.applicant_name, by_link=True)
    link.used_at, link.application_id, link.failed_checks = at, app.id, 0
    link.contact_phone, link.note = contact, said or None
    session.flush()
    audit.append(session, actor=actor, action="casework.apply_link_used", subject=link.household_no,
                 area_code=link.area_code, detail={"link": link.id, "application": app.application_no,
                                                   "case": case.case_no, **(evidence or {})})
    return Submitted(done=True, application_no=app.application_no, progress_token=progress_token(app.application_no))


def _failed_check(session: Session, link: ApplicationLink, at: dt.datetime) -> Submitted:
    left = signed_links.count_failure(link, at=at)
    session.flush()
    audit.append(session, actor=f"link:{link.id}",
                 action="casework.apply_link_locked" if left <= 0 else "casework.apply_link_failed",
                 subject=link.household_no, area_code=link.area_code,
                 detail={"link": link.id, "failed_checks": link.failed_checks})
    return Submitted(done=False, message=signed_links.check_failed(left), attempts_left=left, locked=left <= 0)


def _not_pending(session: Session, link: ApplicationLink, asked: list[str]) -> None:
    """An application already being handled for one of the programmes: said in the resident's words (the filing's
    own check, which also holds two submissions at once, speaks to staff)."""
    for case in session.scalars(select(Case).where(Case.household_id == link.household_id,
                                                   Case.kind == "application",
                                                   Case.state.not_in(["closed", "rejected"]))):
        both = [p for p in asked if p in case.programmes]
        if both:
            raise ConflictError(t(PENDING, programme=Programme(both[0]).words()), field="programmes")


def _chosen(programmes: list[str]) -> list[str]:
    known = {p.value for p in Programme}
    out = []
    for p in (x.strip() for x in programmes if x and x.strip()):
        if p not in known:
            raise JiuzhuError(t(UNKNOWN_PROGRAMME, programme=p[:40]), field="programmes")
        if p not in out:  # a box ticked twice (a double tap) is one choice
            out.append(p)
    if not out:
        raise JiuzhuError(t(NO_CHOICE), field="programmes")
    return out


def _phone(value: str) -> str:
    """A mobile (11 digits, 1[3-9]…) or landline number (0 + area code + number), as typed on a phone's keyboard:
    full-width digits made half-width, spaces and a +86 prefix removed."""
    text = "".join(unicodedata.normalize("NFKC", value or "").split()).replace("—", "-")
    text = text.removeprefix("+86").removeprefix("86") if len(text) > 11 else text
    if not PHONE_SHAPE.match(text):
        raise JiuzhuError(t(BAD_PHONE), field="phone")
    return text


class Contact(BaseModel):
    application_no: str
    applicant: str  # masked
    phone: str  # in full for who handles the case (to call back), masked for other readers
    note: str | None
    filed_at: dt.datetime


def resident_contact(session: Session, principal: Principal, application_no: str) -> Contact:
    """What the resident gave with an application filed through a link — the contact phone and the note — for staff
    who may read the case (``cases.read``, inside their area: else "not found"). The phone is in full for who
    handles cases (``cases.handle``: it was given to be called back on), masked for other readers; a read is
    audited, and says whether the phone was shown in full."""
    app = applications.get(session, principal, application_no)
    link = session.scalars(select(ApplicationLink).where(ApplicationLink.application_id == app.id)).one_or_none()
    if link is None:
        raise NotFoundError(t(NO_CONTACT, application=application_no), field="application")
    full = principal.can(Permission.HANDLE_CASES)
    audit.append(session, actor=principal.username, action="casework.apply_contact_read", subject=app.household_no,
                 area_code=app.area_code, unmasked=full, detail={"application": application_no})
    phone = link.contact_phone or ""
    return Contact(application_no=application_no, applicant=mask_name(link.applicant_name),
                   phone=phone if full else mask_phone(phone), note=link.note,
                   filed_at=signed_links.utc(app.filed_at))


NO_CONTACT = N_("application {application} was not filed by the resident through a link: no contact given there")


def progress_token(application_no: str) -> str:
    """The progress page's token: the application's number, signed (no expiry: the resident keeps the page)."""
    return URLSafeSerializer(keys.secret(PROGRESS_PURPOSE), salt=PROGRESS_PURPOSE).dumps(application_no)


def progress(session: Session, token: str) -> Progress:
    """Where the application filed through a link stands, in plain words; ``NotFoundError`` for a token that is
    not ours or names no such application."""
    try:
        no = URLSafeSerializer(keys.secret(PROGRESS_PURPOSE), salt=PROGRESS_PURPOSE).loads(token)
    except BadSignature:
        raise NotFoundError(t(NO_PROGRESS)) from None
    app = session.scalars(select(Application).where(Application.application_no == str(no))).one_or_none()
    case = app and session.scalars(select(Case).where(Case.application_id == app.id)).one_or_none()
    if case is None:
        raise NotFoundError(t(NO_PROGRESS))
    where, then = STEPS[STEP_OF.get(case.state, "investigating")]
    if case.state == "closed" and case.decision == "reject":
        where, then = STEPS["rejected"]
    papers = [t(p) for p in COMMON_PAPERS] + [t(p) for code in app.programmes for p in PAPERS.get(code, ())]
    return Progress(application_no=app.application_no, applicant=mask_name(app.filed_for or ""),
                    filed_on=case.received_on, programmes=[Programme(p).words() for p in app.programmes],
                    step=STEP_OF.get(case.state, "investigating"), where=t(where), next=t(then),
                    missing=list(case.missing or []) if case.state == "incomplete" else [],
                    papers=list(dict.fromkeys(papers)))
