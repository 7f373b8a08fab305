"""What faces show (CLI, API, the web pages to come): a case with its timeline, allowed actions and time-limit
status; worklists of cases by state and by time-limit status; the 公示 list; an application with what the rules
said. Identifiers are masked (names on the 公示 list too: 王**); every read of a case is an audit row.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import Date, and_, func, literal, or_, select
from sqlalchemy import case as sa_case
from sqlalchemy.orm import Session

from jiuzhu import clock, paging
from jiuzhu.access import Permission, Principal
from jiuzhu.audit import service as audit
from jiuzhu.casework import actions, limits, machine, reviews, rules, service, words
from jiuzhu.casework.models import Application, Case
from jiuzhu.i18n import N_, language, t
from jiuzhu.money import format_yuan
from jiuzhu.registry import areas
from jiuzhu.registry import models as rm
from jiuzhu.registry.codes import PROGRAMME_SHORT, Programme


class EventView(BaseModel):
    seq: int
    at: dt.datetime
    on: dt.date
    actor: str
    action: str
    action_title: str
    from_state: str
    to_state: str
    to_state_title: str
    reason: str | None
    detail: dict | None


class LimitView(BaseModel):
    name: str
    title: str
    start: dt.date
    working_days: int
    due: dt.date | None
    done_on: dt.date | None
    status: str
    status_title: str
    reason: str | None


class AmountView(BaseModel):
    programme: str
    name: str
    status: str
    monthly_amount: str  # yuan, or "unknown" (未知): never 0 for unknown
    monthly_fen: int | None


class Choice(BaseModel):
    """An action that may be asked for now: ``jiuzhu case act NO ACTION``, ``POST /cases/{no}/actions/{action}``
    (or ``…/decisions/{action}`` when ``decision``)."""

    action: str
    title: str
    decision: bool


class CaseView(BaseModel):
    case_no: str
    kind: str
    kind_title: str
    application_no: str | None
    household_no: str
    area_code: str
    programmes: list[str]
    month: str
    state: str
    state_title: str
    version: int
    allowed: list[str]  # the state machine's triggers (accept, ask_missing …)
    next_actions: list[Choice]  # what a person asks for now, by the names the CLI and the API take
    received_on: dt.date
    accepted_on: dt.date | None
    missing: list[str] | None
    verification_id: int | None
    visit: dict | None
    publicity_from: dt.date | None
    publicity_until: dt.date | None
    proposal: list[AmountView]
    suggested: str | None  # a review's: keep, adjust or stop
    decision: str | None
    decided_on: dt.date | None
    decided_by: str | None
    reasons: str | None
    rules_version: dict | None
    rules_changed: bool | None  # the rules now differ from the version the proposal/decision used
    notice: str | None
    time_status: str
    time_status_title: str
    time_reason: str | None
    limits: list[LimitView]
    timeline: list[EventView]


class CaseSummary(BaseModel):
    case_no: str
    kind: str
    household_no: str
    area_code: str
    programmes: list[str]
    state: str
    state_title: str
    received_on: dt.date
    time_status: str
    time_status_title: str
    next_due: dt.date | None
    time_reason: str | None


class PublicityEntry(BaseModel):
    case_no: str
    area_code: str
    name: str  # masked: 王**
    household_size: int
    programmes: list[str]
    monthly_amount: str  # the total of the programmes granted: unknown when one of them is
    amounts: list[AmountView]  # each programme proposed for a grant, its amount (unknown stays unknown)
    amounts_text: str  # 低保 1,067.95 元；特困 … (未知 for an amount not known)
    publicity_from: dt.date
    publicity_until: dt.date


class ApplicationView(BaseModel):
    application_no: str
    case_no: str | None
    household_no: str
    area_code: str
    programmes: list[str]
    channel: str
    filed_by: str
    filed_for: str | None
    finding_id: int | None
    month: str
    filed_at: dt.datetime
    assessment: list[dict]


RESIDENT_LINK = N_("the resident, through an application link (居民自助)")


def actor_title(actor: str) -> str:
    """Who acted, as a caseworker reads it: an account's name, or the resident through a link (``link:<id>``)."""
    return t(RESIDENT_LINK) if actor.startswith("link:") else actor


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def _amounts(case: Case) -> list[AmountView]:
    out = []
    for p in case.programmes:
        r = (case.proposal or {}).get(p)
        if r is None:
            continue
        fen = r["fen"]
        out.append(AmountView(programme=p, name=Programme(p).words(), status=r["status"],
                              monthly_amount=format_yuan(fen), monthly_fen=fen))
    return out


PROGRAMME_AMOUNT = N_("{programme} {amount} yuan")
PROGRAMME_UNKNOWN = N_("{programme}: amount unknown")


def amounts_text(amounts: list[AmountView]) -> str:
    """Each programme's monthly amount in words: 低保 1,067.95 元；特困 未知 — the 公示 says what is granted for
    which programme, not a sum alone."""
    def name(a: AmountView) -> str:  # the short name staff write (低保, 特困) in Chinese
        return PROGRAMME_SHORT[Programme(a.programme)] if language() == "zh" else a.name

    return t("; ").join(t(PROGRAMME_AMOUNT, programme=name(a), amount=a.monthly_amount) if a.monthly_fen is not None
                        else t(PROGRAMME_UNKNOWN, programme=name(a)) for a in amounts) or "—"


def case_view(session: Session, principal: Principal, case_no: str) -> CaseView:
    """One case, its timeline and time limits (an audit row: the case names a household)."""
    case = service.get_case(session, principal, case_no)
    audit.append(session, actor=principal.username, action="case.view", subject=case.case_no,
                 area_code=case.area_code, detail={"household": case.household_no})
    return view(session, case)


def view(session: Session, case: Case) -> CaseView:
    standing = limits.limits_of(case, clock.today())
    app = session.get(Application, case.application_id) if case.application_id else None
    events = service.timeline(session, case)
    return CaseView(
        case_no=case.case_no, kind=case.kind, kind_title=machine.kind_title(case.kind),
        application_no=app.application_no if app else None,
        household_no=case.household_no, area_code=case.area_code, programmes=case.programmes, month=case.month,
        state=case.state, state_title=machine.state_title(case.state), version=case.version,
        allowed=machine.allowed(case.kind, case.state),
        next_actions=[Choice(action=a, title=machine.action_title(a), decision=a in actions.DECISIONS)
                      for a in machine.next_actions(case.kind, case.state)],
        received_on=case.received_on, accepted_on=case.accepted_on,
        missing=case.missing, verification_id=case.verification_id, visit=case.visit,
        publicity_from=case.publicity_from, publicity_until=case.publicity_until, proposal=_amounts(case),
        suggested=reviews.suggested(session, case) if case.kind == "review" and case.decision is None else None,
        decision=case.decision, decided_on=case.decided_on, decided_by=case.decided_by, reasons=case.reasons,
        rules_version=case.rules_version, rules_changed=rules.changed(case.rules_version), notice=case.notice,
        time_status=standing.status, time_status_title=standing.status_title, time_reason=standing.reason,
        limits=[LimitView(name=x.name, title=x.title, start=x.start, working_days=x.days, due=x.due,
                          done_on=x.done_on, status=x.status, status_title=x.status_title, reason=x.reason)
                for x in standing.limits],
        timeline=[EventView(seq=e.seq, at=clock.local(e.at), on=e.on, actor=actor_title(e.actor), action=e.action,
                            action_title=machine.action_title(e.action), from_state=e.from_state,
                            to_state=e.to_state, to_state_title=machine.state_title(e.to_state),
                            reason=e.reason, detail=e.detail) for e in events])


def summary(case: Case, today: dt.date) -> CaseSummary:
    standing = limits.limits_of(case, today)
    open_dues = [x.due for x in standing.limits if x.done_on is None and x.due is not None]
    return CaseSummary(case_no=case.case_no, kind=case.kind, household_no=case.household_no,
                       area_code=case.area_code, programmes=case.programmes, state=case.state,
                       state_title=machine.state_title(case.state), received_on=case.received_on,
                       time_status=standing.status, time_status_title=standing.status_title,
                       next_due=min(open_dues, default=None), time_reason=standing.reason)


class CasePage(BaseModel):
    """One page of a worklist: the rows, how many match in all (共 N 条), and how many of each time-limit status
    match the other filters (the page's tabs)."""

    items: list[CaseSummary]
    total: int
    page: int
    per_page: int
    counts: dict[str, int]


MAX_PER_PAGE = 500


def status_sql(today: dt.date):
    """The case's time-limit status on ``today`` in SQL, from its limit columns (``limits.status_on`` in Python;
    a property test holds both to ``limits.limits_of``)."""
    day = literal(today, Date)
    return sa_case(
        (or_(Case.limit_late.is_(True), and_(Case.limit_due.is_not(None), Case.limit_due < day)), "breached"),
        (Case.limit_unknown.is_(True), "unknown"),
        (and_(Case.limit_risk.is_not(None), Case.limit_risk <= day), "at_risk"),
        else_="on_track")


def _rank_sql(status):
    return sa_case(*((status == name, rank) for rank, name in enumerate(limits.ORDER)), else_=len(limits.ORDER))


def worklist(session: Session, principal: Principal, *, state: str | None = None, status: str | None = None,
             kind: str | None = None, include_closed: bool = False, area: str | None = None,
             household_no: str | None = None, page: int = 1, per_page: int = 50) -> CasePage:
    """The cases in the principal's area, by state, kind, area, household and/or time-limit status (breached
    first, then unknown, at risk, on track; the nearest due day first; then the case number), a page of them —
    filtered, sorted, counted and paged in SQL. ``state``/``status``/``kind`` as people write them
    (``casework.words``); an ``area`` outside the principal's is refused."""
    principal.require(Permission.READ_CASES)
    page, per_page = paging.check_page(page, per_page, most=MAX_PER_PAGE)
    query, sort = _worklist_query(session, principal, state=state, kind=kind, include_closed=include_closed,
                                  area=area, household_no=household_no)
    today = clock.today()
    state_of = status_sql(today)
    sub = query.with_only_columns(state_of.label("s")).subquery()
    counts = dict.fromkeys(limits.ORDER, 0)
    counts.update({s: n for s, n in session.execute(select(sub.c.s, func.count()).group_by(sub.c.s))})
    wanted = words.parse_status(status) if status else None
    if wanted:
        query = query.where(state_of == wanted)
    total = counts[wanted] if wanted else sum(counts.values())
    cases = session.scalars(query.order_by(*sort(state_of)).offset(paging.first_row(page, per_page))
                            .limit(per_page))
    return CasePage(items=[summary(c, today) for c in cases], total=total, page=page, per_page=per_page,
                    counts=counts)


def worklist_rows(session: Session, principal: Principal, *, most: int, status: str | None = None,
                  **filters) -> list[CaseSummary]:
    """Every case of a worklist (the same filters and order), at most ``most``: for an export."""
    principal.require(Permission.READ_CASES)
    query, sort = _worklist_query(session, principal, **filters)
    today = clock.today()
    state_of = status_sql(today)
    if status:
        query = query.where(state_of == words.parse_status(status))
    return [summary(c, today) for c in session.scalars(query.order_by(*sort(state_of)).limit(most))]


def _worklist_query(session: Session, principal: Principal, *, state: str | None = None, kind: str | None = None,
                    include_closed: bool = False, area: str | None = None, household_no: str | None = None):
    service.refresh_unknown(session)  # a calendar added since: the rows marked unknown are computed again
    query = select(Case).where(principal.area_clause(Case.area_code))
    if state:
        query = query.where(Case.state == words.parse_state(state))
    elif not include_closed:
        query = query.where(Case.state != "closed")
    if kind:
        query = query.where(Case.kind == words.parse_kind(kind))
    if area:  # a filter outside the reader's area is refused, as every list's (areas.check_within)
        code = areas.check_within(principal, area)
        query = query.where(Case.area_code.startswith(areas.prefix(code), autoescape=True))
    if household_no:
        query = query.where(Case.household_no == household_no.strip())

    def sort(state_of):
        return _rank_sql(state_of), Case.limit_due.is_(None), Case.limit_due, Case.case_no

    return query, sort


def publicity(session: Session, principal: Principal, *, area: str | None = None,
              on: dt.date | None = None) -> list[PublicityEntry]:
    """The 公示 list: cases posted and not yet decided, names masked, household size and the amounts proposed."""
    principal.require(Permission.READ_CASES)
    on = on or clock.today()
    query = select(Case).where(principal.area_clause(Case.area_code), Case.state == "publicity").order_by(Case.id)
    if area:  # a filter outside the reader's area is refused, as every list's (not an empty 公示 list)
        code = areas.check_within(principal, area)
        query = query.where(Case.area_code.startswith(areas.prefix(code), autoescape=True))
    out = []
    for case in session.scalars(query):
        head = session.execute(select(rm.Person.name).join(rm.Member, rm.Member.person_id == rm.Person.id).where(
            rm.Member.household_id == case.household_id).order_by(rm.Member.position).limit(1)).scalar()
        size = session.scalar(select(func.count()).select_from(rm.Member).where(
            rm.Member.household_id == case.household_id, rm.Member.counted.is_(True)))
        granted = [a for a in _amounts(case) if a.status == "eligible"]
        eligible = [a.monthly_fen for a in granted]
        fen = None if None in eligible else sum(eligible)  # an amount not known is unknown in the total, never 0
        out.append(PublicityEntry(case_no=case.case_no, area_code=case.area_code, name=mask_name(head or ""),
                                  household_size=size or 0, programmes=case.programmes,
                                  monthly_amount=format_yuan(fen), amounts=granted,
                                  amounts_text=amounts_text(granted), publicity_from=case.publicity_from,
                                  publicity_until=case.publicity_until))
    return out


def application_view(session: Session, app: Application) -> ApplicationView:
    case_no = session.scalar(select(Case.case_no).where(Case.application_id == app.id))
    return ApplicationView(application_no=app.application_no, case_no=case_no, household_no=app.household_no,
                           area_code=app.area_code, programmes=app.programmes, channel=app.channel,
                           filed_by=app.filed_by, filed_for=app.filed_for, finding_id=app.finding_id,
                           month=app.month, filed_at=app.filed_at, assessment=app.assessment)


class ApplicationSummary(BaseModel):
    application_no: str
    case_no: str | None
    case_state: str | None
    case_state_title: str | None
    household_no: str
    area_code: str
    programmes: list[str]
    channel: str
    filed_by: str
    filed_for: str | None  # masked: 王** or an ID number's first 6 and last 4
    filed_at: dt.datetime


class ApplicationPage(BaseModel):
    items: list[ApplicationSummary]
    total: int
    page: int
    per_page: int


def mask_filed_for(value: str | None) -> str | None:
    """帮代办's resident: an ID number as every ID number is shown, a name as on the 公示 list (王**)."""
    if not value:
        return value
    from jiuzhu.registry.privacy import mask_id

    text = value.strip()
    return mask_id(text) if len(text) >= 15 and text[:-1].isdigit() else mask_name(text)


def applications_list(session: Session, principal: Principal, *, area: str | None = None,
                      household_no: str | None = None, page: int = 1,
                      per_page: int = 50) -> ApplicationPage:
    """The applications of the principal's area, newest first, with their case and its state (a page)."""
    principal.require(Permission.READ_CASES)
    page, per_page = paging.check_page(page, per_page, most=MAX_PER_PAGE)
    query = _applications_query(principal, area=area, household_no=household_no)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.offset(paging.first_row(page, per_page)).limit(per_page)).all()
    return ApplicationPage(items=[_application_summary(a, c) for a, c in rows], total=total or 0, page=page,
                           per_page=per_page)


def applications_rows(session: Session, principal: Principal, *, most: int, **filters) -> list[ApplicationSummary]:
    """Every application of the list (the same filters and order), at most ``most``: for an export."""
    principal.require(Permission.READ_CASES)
    return [_application_summary(a, c) for a, c in session.execute(
        _applications_query(principal, **filters).limit(most)).all()]


def _applications_query(principal: Principal, *, area: str | None = None, household_no: str | None = None):
    query = (select(Application, Case).outerjoin(Case, Case.application_id == Application.id)
             .where(principal.area_clause(Application.area_code))
             .order_by(Application.filed_at.desc(), Application.id.desc()))
    if area:  # outside the reader's area: refused, as every list's filter
        code = areas.check_within(principal, area)
        query = query.where(Application.area_code.startswith(areas.prefix(code), autoescape=True))
    if household_no:
        query = query.where(Application.household_no == household_no.strip())
    return query


def _application_summary(app: Application, case: Case | None) -> ApplicationSummary:
    return ApplicationSummary(application_no=app.application_no, case_no=case.case_no if case else None,
                              case_state=case.state if case else None,
                              case_state_title=machine.state_title(case.state) if case else None,
                              household_no=app.household_no, area_code=app.area_code, programmes=app.programmes,
                              channel=app.channel, filed_by=app.filed_by, filed_for=mask_filed_for(app.filed_for),
                              filed_at=clock.local(app.filed_at))
