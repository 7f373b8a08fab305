"""What faces show (CLI, API, the web pages to come): a case with its timeline, allowed actions and time-limit
status; worklists of cases by state and by time-limit status; the 公示 list; an application with what the rules
said. Identifiers are masked (names on the 公示 list too: 王**); every read of a case is an audit row.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jiuzhu import clock
from jiuzhu.access import Permission, Principal
from jiuzhu.audit import service as audit
from jiuzhu.casework import limits, machine, rules, service
from jiuzhu.casework.models import Application, Case
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import N_, t
from jiuzhu.money import format_yuan
from jiuzhu.registry import models as rm
from jiuzhu.registry.codes import Programme

BAD_STATUS = N_("unknown time-limit status '{status}': use one of {statuses}")
BAD_STATE = N_("unknown case state '{state}': use one of {states}")


class EventView(BaseModel):
    seq: int
    at: dt.datetime
    on: dt.date
    actor: str
    action: str
    action_title: str
    from_state: str
    to_state: str
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


class CaseView(BaseModel):
    case_no: str
    kind: str
    application_no: str | None
    household_no: str
    area_code: str
    programmes: list[str]
    month: str
    state: str
    state_title: str
    version: int
    allowed: list[str]
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
    monthly_amount: str
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


def case_view(session: Session, principal: Principal, case_no: str) -> CaseView:
    """One case, its timeline and time limits (an audit row: the case names a household)."""
    case = service.get_case(session, principal, case_no)
    audit.append(session, actor=principal.username, action="case.view", subject=case.case_no,
                 area_code=case.area_code, detail={"household": case.household_no})
    return view(session, case)


def view(session: Session, case: Case) -> CaseView:
    from jiuzhu.casework import reviews

    standing = limits.limits_of(case, clock.today())
    app = session.get(Application, case.application_id) if case.application_id else None
    events = service.timeline(session, case)
    return CaseView(
        case_no=case.case_no, kind=case.kind, application_no=app.application_no if app else None,
        household_no=case.household_no, area_code=case.area_code, programmes=case.programmes, month=case.month,
        state=case.state, state_title=machine.state_title(case.state), version=case.version,
        allowed=machine.allowed(case.kind, case.state), received_on=case.received_on, accepted_on=case.accepted_on,
        missing=case.missing, verification_id=case.verification_id, visit=case.visit,
        publicity_from=case.publicity_from, publicity_until=case.publicity_until, proposal=_amounts(case),
        suggested=reviews.suggested(session, case) if case.kind == "review" and case.decision is None else None,
        decision=case.decision, decided_on=case.decided_on, decided_by=case.decided_by, reasons=case.reasons,
        rules_version=case.rules_version, rules_changed=rules.changed(case.rules_version), notice=case.notice,
        time_status=standing.status, time_status_title=standing.status_title, time_reason=standing.reason,
        limits=[LimitView(name=x.name, title=x.title, start=x.start, working_days=x.days, due=x.due,
                          done_on=x.done_on, status=x.status, status_title=x.status_title, reason=x.reason)
                for x in standing.limits],
        timeline=[EventView(seq=e.seq, at=clock.local(e.at), on=e.on, actor=e.actor, action=e.action,
                            action_title=machine.action_title(e.action), from_state=e.from_state,
                            to_state=e.to_state, reason=e.reason, detail=e.detail) for e in events])


def summary(case: Case, today: dt.date) -> CaseSummary:
    standing = limits.limits_of(case, today)
    open_dues = [x.due for x in standing.limits if x.done_on is None and x.due is not None]
    return CaseSummary(case_no=case.case_no, kind=case.kind, household_no=case.household_no,
                       area_code=case.area_code, programmes=case.programmes, state=case.state,
                       state_title=machine.state_title(case.state), received_on=case.received_on,
                       time_status=standing.status, time_status_title=standing.status_title,
                       next_due=min(open_dues, default=None), time_reason=standing.reason)


def worklist(session: Session, principal: Principal, *, state: str | None = None, status: str | None = None,
             kind: str | None = None, include_closed: bool = False, limit: int = 500) -> list[CaseSummary]:
    """The cases in the principal's area, by state and/or time-limit status (breached first, then unknown, at risk,
    on track; the nearest due day first)."""
    principal.require(Permission.READ_CASES)
    if status is not None and status not in limits.ORDER:
        raise JiuzhuError(t(BAD_STATUS, status=status, statuses=", ".join(limits.ORDER)), field="status")
    if state is not None and state not in machine.STATE_TITLES:
        raise JiuzhuError(t(BAD_STATE, state=state, states=", ".join(machine.STATE_TITLES)), field="state")
    query = select(Case).where(principal.area_clause(Case.area_code)).order_by(Case.id)
    if state:
        query = query.where(Case.state == state)
    elif not include_closed:
        query = query.where(Case.state != "closed")
    if kind:
        query = query.where(Case.kind == kind)
    today = clock.today()
    rows = [summary(c, today) for c in session.scalars(query.limit(limit))]
    if status:
        rows = [r for r in rows if r.time_status == status]
    far = dt.date.max
    return sorted(rows, key=lambda r: (limits.ORDER.index(r.time_status), r.next_due or far, r.case_no))


def publicity(session: Session, principal: Principal, *, area: str | None = None,
              on: dt.date | None = None) -> list[PublicityEntry]:
    """The 公示 list: cases posted and not yet decided, names masked, household size and the amounts proposed."""
    principal.require(Permission.READ_CASES)
    on = on or clock.today()
    query = select(Case).where(principal.area_clause(Case.area_code), Case.state == "publicity").order_by(Case.id)
    if area:
        query = query.where(Case.area_code.startswith(area, autoescape=True))
    out = []
    for case in session.scalars(query):
        head = session.execute(select(rm.Person.name).join(rm.Member, rm.Member.person_id == rm.Person.id).where(
            rm.Member.household_id == case.household_id).order_by(rm.Member.position).limit(1)).scalar()
        size = session.scalar(select(func.count()).select_from(rm.Member).where(
            rm.Member.household_id == case.household_id, rm.Member.counted.is_(True)))
        fen = sum((a.monthly_fen or 0) for a in _amounts(case) if a.status == "eligible")
        out.append(PublicityEntry(case_no=case.case_no, area_code=case.area_code, name=mask_name(head or ""),
                                  household_size=size or 0, programmes=case.programmes,
                                  monthly_amount=format_yuan(fen), publicity_from=case.publicity_from,
                                  publicity_until=case.publicity_until))
    return out


def application_view(session: Session, app: Application) -> ApplicationView:
    case_no = session.scalar(select(Case.case_no).where(Case.application_id == app.id))
    return ApplicationView(application_no=app.application_no, case_no=case_no, household_no=app.household_no,
                           area_code=app.area_code, programmes=app.programmes, channel=app.channel,
                           filed_by=app.filed_by, filed_for=app.filed_for, finding_id=app.finding_id,
                           month=app.month, filed_at=app.filed_at, assessment=app.assessment)
