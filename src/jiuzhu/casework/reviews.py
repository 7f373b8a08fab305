"""Reviews (复核, domain.md §4): when each enrolled household is due, and the review case's own steps.

Due: 12 months after the last review (or the start) for a stable household — nobody counted able to work: each
is 60 or older, under 16, or disabled (physical or visual grade 1–2, intellectual or mental grade 1–3) — 6
months otherwise [doc]. A review case takes the application's steps for authorizations (the application's consent
covers its reviews: consent parameter ``covers_reviews``) and verification, then the rules run again
(``propose``): the same amounts → continue; other amounts → adjust; nothing eligible → stop. Continue, adjust and
stop are decisions (``cases.decide``); adjust and stop need written reasons and end in a notice, like a grant.
``taper_from`` (低保 渐退期, income risen above the line through work): recorded on the 低保 enrolment the rules
read, so the current amount continues for the taper period where the rules give one.

``enact``: continue sets the review date; adjust ends the changed enrolments on the decision month's last day and
starts the new amounts on the next month's first; stop ends them. Every enrolment started or ended is linked to
the case (UNIQUE): a rerun creates nothing twice.
"""

from __future__ import annotations

import calendar
import datetime as dt

from pydantic import BaseModel, ConfigDict
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from jiuzhu import clock, months
from jiuzhu.access import Permission, Principal
from jiuzhu.casework import enrolments, notices, rules, service
from jiuzhu.casework.models import Case
from jiuzhu.casework.service import move, text
from jiuzhu.casework.steps import first_of_next_month, start_enrolments
from jiuzhu.consent.service import add_months
from jiuzhu.errors import ConflictError, JiuzhuError, NotFoundError
from jiuzhu.i18n import N_, t
from jiuzhu.registry import areas, search
from jiuzhu.registry import models as rm
from jiuzhu.registry import schemas as s

STABLE_MONTHS, OTHER_MONTHS = 12, 6
OUTCOMES = ("keep", "adjust", "stop")
NOT_ENROLLED = N_("household {household_no} has no current enrolment to review")
REVIEW_OPEN = N_("household {household_no} already has open review {case}")
NOT_FOUND = N_("household {household_no} is not in the registry")
BAD_OUTCOME = N_("unknown review outcome '{outcome}': use keep, adjust or stop")
ADJUST_NOTHING = N_("case {case}: the rules find nothing eligible any more: stop it, with written reasons")


class ReviewDue(BaseModel):
    """A household whose review falls due (the worklist's row; the API's answer as it is)."""

    model_config = ConfigDict(frozen=True)

    household_no: str
    area_code: str
    programmes: list[str]
    monthly_fen: int
    last_review: dt.date
    stable: bool
    interval_months: int
    due_on: dt.date
    overdue: bool


def able_to_work(person: rm.Person, on: dt.date) -> bool:
    age = months.age_on(person.birth_date, on)
    grade = person.disability_grade
    unable = (grade is not None and (grade <= 2 or (person.disability_category in ("intellectual", "mental")
                                                    and grade <= 3)))
    return 16 <= age < 60 and not unable


def stable(session: Session, household_id: int, on: dt.date) -> bool:
    people = session.scalars(select(rm.Person).join(rm.Member, rm.Member.person_id == rm.Person.id).where(
        rm.Member.household_id == household_id, rm.Member.counted.is_(True)))
    return not any(able_to_work(p, on) for p in people if p.death_date is None or p.death_date > on)


def _open_enrolments(session: Session, household_id: int, on: dt.date) -> list[rm.Enrolment]:
    return list(session.scalars(select(rm.Enrolment).where(
        rm.Enrolment.household_id == household_id,
        or_(rm.Enrolment.end_date.is_(None), rm.Enrolment.end_date >= on)).order_by(rm.Enrolment.id)))


def due(session: Session, principal: Principal, *, on: dt.date | None = None, within_days: int = 31,
        area: str | None = None) -> list[ReviewDue]:
    """The households whose review falls due by ``on`` + ``within_days`` and have no open review, soonest first."""
    principal.require(Permission.READ_CASES)
    on = on or clock.today()
    query = (select(rm.Household).join(rm.Enrolment, rm.Enrolment.household_id == rm.Household.id)
             .where(principal.area_clause(rm.Household.area_code),
                    or_(rm.Enrolment.end_date.is_(None), rm.Enrolment.end_date >= on)).distinct())
    if area:  # a filter outside the reader's area is refused (areas.check_within), as the 公示 list's
        code = areas.check_within(principal, area)
        query = query.where(rm.Household.area_code.startswith(areas.prefix(code), autoescape=True))
    reviewing = set(session.scalars(select(Case.household_id).where(Case.kind == "review", Case.state != "closed")))
    out = []
    for hh in session.scalars(query):
        if hh.id in reviewing:
            continue
        enrolments = _open_enrolments(session, hh.id, on)
        last = max(e.last_review or e.start_date for e in enrolments)
        steady = stable(session, hh.id, on)
        interval = STABLE_MONTHS if steady else OTHER_MONTHS
        due_on = add_months(last, interval)
        if due_on <= on + dt.timedelta(days=within_days):
            out.append(ReviewDue(household_no=hh.household_no, area_code=hh.area_code,
                                 programmes=sorted({e.programme for e in enrolments}),
                                 monthly_fen=sum(e.monthly_amount_fen for e in enrolments), last_review=last,
                                 stable=steady, interval_months=interval, due_on=due_on, overdue=due_on < on))
    return sorted(out, key=lambda r: (r.due_on, r.household_no))


def open_review(session: Session, principal: Principal, household_no: str, *, month: str | None = None) -> Case:
    """A review case of the household's current enrolments (state ``opened``)."""
    principal.require(Permission.HANDLE_CASES)
    hh = session.scalars(select(rm.Household).where(rm.Household.household_no == household_no)).one_or_none()
    if hh is None or not principal.covers(hh.area_code):
        raise NotFoundError(t(NOT_FOUND, household_no=household_no), field="household_no")
    today = clock.today()
    enrolments = _open_enrolments(session, hh.id, today)
    if not enrolments:
        raise ConflictError(t(NOT_ENROLLED, household_no=household_no))
    other = session.scalar(select(Case.case_no).where(Case.household_id == hh.id, Case.kind == "review",
                                                      Case.state != "closed"))
    if other:
        raise ConflictError(t(REVIEW_OPEN, household_no=household_no, case=other))
    month = months.check_month(month or months.month_of(today))
    programmes = list(dict.fromkeys(e.programme for e in enrolments))
    return service.open_case(session, principal, kind="review", household=hh, programmes=programmes, month=month)


def current(session: Session, case: Case, on: dt.date) -> dict[tuple[str, str], int]:
    """(programme, person's ID number or "-") → the monthly fen of the household's current enrolments."""
    out = {}
    for e in _open_enrolments(session, case.household_id, on):
        person = session.get(rm.Person, e.person_id).id_number if e.person_id else "-"
        out[(e.programme, person)] = e.monthly_amount_fen
    return out


def proposed_amounts(outcome: dict, programmes: list[str]) -> dict[tuple[str, str], int]:
    out = {}
    for p in programmes:
        r = outcome.get(p) or {}
        if r.get("status") != "eligible":
            continue
        if r.get("persons"):
            out.update({(p, idn): fen for idn, fen in r["persons"].items() if fen})
        elif r.get("fen"):
            out[(p, "-")] = r["fen"]
    return out


def propose(session: Session, principal: Principal, case_no: str, *, taper_from: str | None = None,
            expected_version: int | None = None) -> Case:
    """The rules again on the household now (``taper_from``: the 低保 taper's first month, recorded at review):
    the amounts, and what they suggest — keep, adjust or stop."""
    case = service.get_case(session, principal, case_no, Permission.HANDLE_CASES)
    doc = search.household_for(session, principal, case.household_no, purpose="case_propose")
    if taper_from:
        doc = with_taper(doc, months.check_month(taper_from, "taper_from"))
    outcome = rules.assess(doc, case.month)
    new = proposed_amounts(outcome, case.programmes)
    old = current(session, case, clock.today())
    suggested = "stop" if not new else "keep" if new == old else "adjust"
    return move(session, principal, case, "propose", expected_version=expected_version, proposal=outcome,
                facts=rules.facts_of(doc, case.month), rules_version=rules.version(),
                detail={"suggested": suggested, "taper_from": taper_from})


def with_taper(doc: s.Household, taper_from: str) -> s.Household:
    data = doc.model_dump(mode="json")
    for e in data.get("enrolments", []):
        if e["programme"] == "dibao" and not e.get("end_date"):
            e["taper_from"] = taper_from
    return s.Household.model_validate(data)


def suggested(session: Session, case: Case) -> str | None:
    if case.proposal is None:
        return None
    if any((case.proposal.get(p) or {}).get("status") == "needs_information" for p in case.programmes):
        return None  # the rules cannot say without the missing facts: nothing to suggest, least of all a stop
    new = proposed_amounts(case.proposal, case.programmes)
    return "stop" if not new else "keep" if new == current(session, case, clock.today()) else "adjust"


def decide(session: Session, principal: Principal, case_no: str, *, outcome: str, reasons: str | None = None,
           expected_version: int | None = None) -> Case:
    """Continue (keep), adjust or stop: a decision; adjust and stop with written reasons."""
    case = service.get_case(session, principal, case_no, Permission.DECIDE)
    if outcome not in OUTCOMES:
        raise JiuzhuError(t(BAD_OUTCOME, outcome=outcome), field="outcome")
    why = text(reasons, "reasons", required=outcome != "keep", case=case_no)
    new = proposed_amounts(case.proposal or {}, case.programmes) if outcome != "stop" else {}
    if outcome == "adjust" and not new and case.state == "proposed":
        raise ConflictError(t(ADJUST_NOTHING, case=case_no))
    granted = {f"{p}|{who}": fen for (p, who), fen in new.items()}
    return move(session, principal, case, outcome, reason=why, expected_version=expected_version, decision=outcome,
                decided_on=clock.today(), decided_by=principal.username[:60], reasons=why,
                outcome={"amounts": granted, "taper_from": _taper(case)},
                detail={"amounts": granted, "rules": (case.rules_version or {}).get("sha256")})


def _taper(case: Case) -> str | None:
    for e in ((case.facts or {}).get("household") or {}).get("enrolments", []):
        if e["programme"] == "dibao" and e.get("taper_from") and not e.get("end_date"):
            return e["taper_from"]
    return None


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def enact(session: Session, principal: Principal, case_no: str, *, expected_version: int | None = None) -> Case:
    """The decision applied to the household's enrolments, through its document (idempotent: see the module's
    docstring)."""
    case = service.get_case(session, principal, case_no, Permission.HANDLE_CASES, lock=True)
    if case.state in ("enacted", "closed"):
        return case
    if case.state not in ("continued", "adjusted", "stopped"):
        return move(session, principal, case, "enact")  # refused by the machine, naming the state
    decided = case.decided_on
    amounts = {tuple(k.split("|", 1)): fen for k, fen in (case.outcome or {}).get("amounts", {}).items()}
    taper = (case.outcome or {}).get("taper_from")
    data = enrolments.document(session, case)
    ended, started = [], []
    for e in list(data.get("enrolments", [])):
        if e["programme"] not in case.programmes or e not in enrolments.running(
                data, e["programme"], e.get("id_number"), decided):
            continue
        who = e.get("id_number") or "-"
        fen = amounts.pop((e["programme"], who), None)
        if fen == enrolments.fen_of(e):
            e["last_review"] = decided.isoformat()
            e["taper_from"] = taper if e["programme"] == "dibao" else e.get("taper_from")
            continue
        key = enrolments.person_key(session, e.get("id_number"))
        e["end_date"] = month_end(decided).isoformat()
        enrolments.link(session, case, e["programme"], key, "ended", month_end(decided), enrolments.fen_of(e))
        ended.append(f"{e['programme']}:{key}")
        if fen:
            amounts[(e["programme"], who)] = fen  # started again below at the new amount
    for (programme, who), fen in sorted(amounts.items()):
        result = {"fen": fen, "persons": {} if who == "-" else {who: fen}}
        started += start_enrolments(session, case, data, programme, result, first_of_next_month(decided), decided,
                                    taper_from=taper)
    enrolments.save(session, principal, case, data, t(ENACTED, outcome=case.decision))
    return move(session, principal, case, "enact", expected_version=expected_version,
                detail={"ended": ended, "started": started})


ENACTED = N_("review decided: {outcome}")


def notice_text(case: Case) -> str:
    day = (case.decided_on or clock.today()).isoformat()
    amounts = {}
    for key, fen in (case.outcome or {}).get("amounts", {}).items():
        programme = key.split("|", 1)[0]
        amounts.setdefault(programme, {"fen": 0})["fen"] += fen
    common = {"household_no": case.household_no, "case": case.case_no, "day": day}
    if case.decision == "keep":  # unchanged: the programmes kept, by name, when no new amount was worked out
        return notices.notice(notices.KEPT, amounts=notices.amounts(amounts) or notices.programme_names(
            case.programmes), **common)
    if case.decision == "adjust":
        return notices.notice(notices.ADJUSTED, start=first_of_next_month(case.decided_on).isoformat(),
                              amounts=notices.amounts(amounts), reasons=case.reasons or "", **common)
    return notices.notice(notices.STOPPED, end=month_end(case.decided_on).isoformat(), reasons=case.reasons or "",
                          **common)
