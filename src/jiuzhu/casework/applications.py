"""Filing an application (domain.md §5 step 1; issue 14 item 1).

One application may ask for several programmes (一件事一次办). It comes by phone (the resident), at the office, or
帮代办: a community worker files it for a named resident of the household (``filed_for``), the worker's account
is ``filed_by``. ``from_entry`` files one from a 应享未享 entry of a scan in one step; the entry is then marked
"applied" (``discovery.worklists.record_outcome``, the application's number as the note) and cannot be turned into
a second application.

Filing evaluates the household for the month (the rules say which programmes apply: per programme eligible, not
eligible or needs information, with the explanation, ID numbers masked), keeps that assessment, and opens the
application's case (state ``received``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu import clock, months
from jiuzhu.access import Permission, Principal
from jiuzhu.casework import numbers, service, words
from jiuzhu.casework.models import CHANNELS, Application, Case
from jiuzhu.discovery import worklists
from jiuzhu.discovery.lists import ENTITLED
from jiuzhu.discovery.models import Finding
from jiuzhu.errors import ConflictError, JiuzhuError, NotFoundError
from jiuzhu.i18n import N_, language, t
from jiuzhu.registry import models as rm
from jiuzhu.registry import search
from jiuzhu.registry.codes import Programme, parse_programme
from jiuzhu.rules.explain import evaluate_one

NO_PROGRAMME = N_("the application asks for no programme: name at least one ({programmes})")
TWICE = N_("programme '{programme}' is asked for twice")
BAD_CHANNEL = N_("unknown channel '{channel}': use one of {channels}")
FOR_WHOM = N_("an application filed on a resident's behalf (帮代办) names the resident it is filed for: a member "
              "of household {household_no}")
NOT_A_MEMBER = N_("the resident filed for '{name}' is not a member of household {household_no}")
ENTRY_NOT_FOUND = N_("worklist entry {entry} not found")
NOT_UNCLAIMED = N_("worklist entry {entry} is not on the 应享未享 list: only an entitled household is invited to apply")
ENTRY_USED = N_("worklist entry {entry} was already turned into application {application}")
OPEN_ALREADY = N_("household {household_no} already has open case {case} for {programme}: finish it first")


def file(session: Session, principal: Principal, *, household_no: str, programmes: list[str], channel: str,
         filed_for: str | None = None, month: str | None = None, finding_id: int | None = None,
         by_link: bool = False) -> tuple[Application, Case]:
    """File an application and open its case. ``month``: the month the rules assess (default: this month).
    The channel ``resident`` (居民自助) is only the resident's own link's (``selfservice``, ``by_link``): staff
    cannot file an application as if the resident had."""
    principal.require(Permission.APPLY)
    asked = _programmes(programmes)
    if channel not in CHANNELS or (channel == "resident") != by_link:
        raise JiuzhuError(t(BAD_CHANNEL, channel=channel, channels=words.choices(words.CHANNEL_TITLES)),
                          field="channel")
    month = months.check_month(month or months.month_of(clock.today()))
    doc = search.household_for(session, principal, household_no, purpose="application")
    # the household's row locked (PostgreSQL; SQLite's writers take turns anyway): two filings for it at once are
    # taken one after the other, so the second sees the first's open case
    hh = session.scalars(select(rm.Household).where(rm.Household.household_no == household_no)
                         .with_for_update()).one()
    resident = _resident(session, hh, channel, filed_for)
    _no_open_case(session, hh, asked)
    assessment = assess(doc, month, asked)
    start = numbers.prefix("A", clock.today(), hh.area_code)
    app = numbers.insert_numbered(session, Application.application_no, start, lambda no: Application(
        application_no=no, household_id=hh.id, household_no=household_no, area_code=hh.area_code, programmes=asked,
        channel=channel, filed_by=principal.username[:60], filed_for=resident, finding_id=finding_id, month=month,
        assessment=assessment, filed_at=service.now()))
    case = service.open_case(session, principal, kind="application", household=hh, programmes=asked, month=month,
                             application_id=app.id, reason=None)
    return app, case


def assess(doc, month: str, asked: list[str]) -> list[dict]:
    """The rules' result for each programme (those asked first, flagged ``asked``), explained, in the reader's
    language, ID numbers masked: what the applicant and the worker see at filing."""
    result = evaluate_one(doc, month, lang=language())
    rows = []
    for p in result["programmes"]:
        rows.append({"programme": p["programme"], "name": p["name"], "asked": p["programme"] in asked,
                     "status": p["status"], "monthly_amount": p["monthly_amount"], "explanation": _explained(p)})
    return sorted(rows, key=lambda r: not r["asked"])


def _explained(p: dict) -> list[dict]:
    """Each condition in words, passed / failed / unknown, with its article; a person's programme per member
    (masked) — the evaluation's explanation, kept as shown at filing."""
    def line(c: dict, who: dict | None) -> dict:
        return {"member": who and who.get("member"), "name": who and who.get("name"), "result": c["result"],
                "text": c["text"], "reference": c.get("reference")}

    out = [line(c, None) for c in p.get("conditions", [])]
    out += [line(c, q) for q in p.get("persons", []) for c in q.get("conditions", [])]
    return out[:60]


def from_entry(session: Session, principal: Principal, entry_id: int, *, channel: str = "outreach",
               month: str | None = None, household_no: str | None = None,
               programmes: list[str] | None = None) -> tuple[Application, Case]:
    """An application for the 应享未享 entry's programme, its household, in one step; the entry marked applied.
    ``household_no`` / ``programmes``, when the person also typed them, must be the entry's: refused otherwise
    (an application for another household or programme than the one typed would pass unnoticed)."""
    principal.require(Permission.APPLY)
    finding = session.get(Finding, entry_id)
    if finding is None or not principal.covers(finding.area_code):
        raise NotFoundError(t(ENTRY_NOT_FOUND, entry=entry_id), field="entry")
    if finding.list != ENTITLED:
        raise JiuzhuError(t(NOT_UNCLAIMED, entry=entry_id), field="entry")
    used = session.scalar(select(Application.application_no).where(Application.finding_id == entry_id))
    if used is not None:
        raise ConflictError(t(ENTRY_USED, entry=entry_id, application=used))
    entry_household = session.get(rm.Household, finding.household_id).household_no
    if household_no and household_no.strip() != entry_household:
        raise JiuzhuError(t(ENTRY_OTHER, entry=entry_id, what=household_no.strip(), its=entry_household),
                          field="household_no")
    asked = [parse_programme(p, field="programmes").value for p in programmes or [] if p and p.strip()]
    if asked and asked != [finding.programme]:
        raise JiuzhuError(t(ENTRY_OTHER, entry=entry_id, what="、".join(asked), its=finding.programme),
                          field="programmes")
    household_no = entry_household
    app, case = file(session, principal, household_no=household_no, programmes=[finding.programme],
                     channel=channel, month=month, finding_id=entry_id)
    worklists.record_outcome(session, principal, entry_id, outcome="applied", note=app.application_no)
    return app, case


def get(session: Session, principal: Principal, application_no: str) -> Application:
    principal.require(Permission.READ_CASES)
    app = session.scalars(select(Application).where(Application.application_no == application_no)).one_or_none()
    if app is None or not principal.covers(app.area_code):
        raise NotFoundError(t(APPLICATION_NOT_FOUND, application=application_no), field="application")
    return app


APPLICATION_NOT_FOUND = N_("application {application} not found")
ENTRY_OTHER = N_("worklist entry {entry} is for {its}, not {what}: leave it out or give the entry's")


def _programmes(programmes: list[str]) -> list[str]:
    names = ", ".join(p.value for p in Programme)
    cleaned = [p.strip() for p in programmes if p and p.strip()]
    if not cleaned:
        raise JiuzhuError(t(NO_PROGRAMME, programmes=names), field="programmes")
    out = []
    for p in cleaned:
        code = parse_programme(p, field="programmes").value
        if code in out:
            raise JiuzhuError(t(TWICE, programme=code), field="programmes")
        out.append(code)
    return out


def _resident(session: Session, hh: rm.Household, channel: str, filed_for: str | None) -> str | None:
    """帮代办: the resident filed for (a member, by name or ID number), kept by name; other channels: as given."""
    who = (filed_for or "").strip()
    if channel != "proxy":
        return who[:60] or None
    if not who:
        raise JiuzhuError(t(FOR_WHOM, household_no=hh.household_no), field="filed_for")
    people = session.execute(select(rm.Person.name, rm.Person.id_number).join(
        rm.Member, rm.Member.person_id == rm.Person.id).where(rm.Member.household_id == hh.id)).all()
    for name, id_number in people:
        if who in (name, id_number):
            return name
    raise JiuzhuError(t(NOT_A_MEMBER, name=who, household_no=hh.household_no), field="filed_for")


def _no_open_case(session: Session, hh: rm.Household, asked: list[str]) -> None:
    """One open application case per household and programme: a second would decide the same thing twice."""
    for case in session.scalars(select(Case).where(Case.household_id == hh.id, Case.kind == "application",
                                                   Case.state.not_in(["closed", "rejected"]))):
        both = [p for p in asked if p in case.programmes]
        if both:
            raise ConflictError(t(OPEN_ALREADY, household_no=hh.household_no, case=case.case_no,
                                          programme=Programme(both[0]).words()))

