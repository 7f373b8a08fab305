"""The steps of a case (domain.md §5), each one ``service.move``: completeness, authorizations, verification, home
visit, proposal, 公示 and objections, decision, enrolment, notice. Shared by application and review cases where the
step is the same (authorizations, verification, notice); the review's own steps are in ``reviews.py``.

Enrolment (step 7, 社会救助暂行办法 art. 11 and the 低保 practice): from the first day of the month after the
approval, one registry enrolment per programme granted (per person for a person's programme) at the amount the
decision recorded, written through the household's document (``enrolments.py``: the registry's change log names the
case). Each is linked to the case (``case_enrolments``, UNIQUE): a rerun after a crash, or a second ``enrol``,
creates nothing twice; a programme the household (or person) is already enrolled in on that day is not started
again (the same need is never paid twice).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from jiuzhu import clock
from jiuzhu.access import Permission, Principal
from jiuzhu.casework import enrolments, notices, rules, service
from jiuzhu.casework.machine import next_state
from jiuzhu.casework.models import Application, Case
from jiuzhu.casework.service import move, text
from jiuzhu.consent import service as consents
from jiuzhu.errors import ConflictError, JiuzhuError, NotFoundError
from jiuzhu.i18n import N_, t
from jiuzhu.registry import search
from jiuzhu.verification.models import Verification

PUBLICITY_DAYS = 7  # 公示 7 days in the village or community (domain.md §5 step 4)
FINISHED = ("done", "incomplete")  # a failed verification informs nothing

ONE_NOTICE = N_("case {case}: the missing papers were already listed in the one notice of {day}; record them as "
                "handed in (resubmit)")
NOT_AUTHORIZED = N_("case {case}: not every member has authorized the verification: {members}")
VERIFICATION_NOT_FOUND = N_("verification {id} not found")
OTHER_HOUSEHOLD = N_("verification {id} is of household {other}, not of the case's household {household_no}")
NOT_FINISHED = N_("verification {id} is {status}: link it when it has finished (its report is what the case uses)")
TWO_STAFF = N_("case {case}: a home visit is made by at least two different staff (staff: {staff})")
FUTURE_VISIT = N_("case {case}: the visit's day {day} is in the future")
EARLY_VISIT = N_("case {case}: the visit's day {day} is before the case was received ({received})")
PUBLICITY_RUNNING = N_("case {case}: the public notice runs until {until}; decide from that day (7 days, objections "
                       "may be raised)")
NOTHING_TO_GRANT = N_("case {case}: the rules find none of the programmes asked for eligible ({programmes}): reject "
                      "it with written reasons")
NOT_ASKED = N_("case {case}: programme {programme} was not asked for or is not eligible")


def _app(session: Session, case: Case) -> Application | None:
    return session.get(Application, case.application_id) if case.application_id else None


def purpose(session: Session, case: Case) -> consents.Purpose:
    """What the members authorize: the application (its number), or the review (the case's number)."""
    app = _app(session, case)
    return consents.Purpose("application", app.application_no) if app else consents.Purpose("review", case.case_no)


# ----------------------------------------------------------------------------------------------- completeness

def check_complete(session: Session, principal: Principal, case_no: str, *, missing: list[str] | None = None,
                   expected_version: int | None = None) -> Case:
    """Complete: accepted on the spot. Incomplete: the ONE notice listing everything missing (一次性告知)."""
    case = service.get_case(session, principal, case_no, Permission.HANDLE_CASES)
    listed = [m for m in (text(x, "missing") for x in (missing or [])) if m]
    if not listed:
        return move(session, principal, case, "accept", expected_version=expected_version,
                    accepted_on=clock.today())
    return move(session, principal, case, "ask_missing", reason="；".join(listed), detail={"missing": listed},
                expected_version=expected_version, missing=listed)


def resubmit(session: Session, principal: Principal, case_no: str, *, expected_version: int | None = None) -> Case:
    """The papers the one notice listed are handed in: the file is complete, accepted today."""
    case = service.get_case(session, principal, case_no, Permission.HANDLE_CASES)
    return move(session, principal, case, "resubmit", detail={"missing": case.missing or []},
                expected_version=expected_version, accepted_on=clock.today())


# ----------------------------------------------------------------------------------------------- investigation

def authorize(session: Session, principal: Principal, case_no: str, *, expected_version: int | None = None) -> Case:
    """Every member who must authorize has a valid authorization for the case's purpose (consent.service)."""
    case = service.get_case(session, principal, case_no, Permission.HANDLE_CASES)
    members = consents.check_required(session, service.household_of(session, case), purpose(session, case),
                                      clock.today())
    missing = [m for m in members if not m.valid]
    if missing:
        next_state(case.kind, case.state, "authorize", case.case_no)  # a wrong state is said first
        raise ConflictError(t(NOT_AUTHORIZED, case=case_no, members="；".join(
            f"{m.name}（{m.id_number}）：{m.reason}" for m in missing)))
    return move(session, principal, case, "authorize", expected_version=expected_version,
                detail={"members": [m.record_id for m in members]})


def link_verification(session: Session, principal: Principal, case_no: str, verification_id: int, *,
                      expected_version: int | None = None) -> Case:
    """A finished verification (核对) of the case's household: its report informs the decision."""
    case = service.get_case(session, principal, case_no, Permission.HANDLE_CASES)
    v = session.get(Verification, verification_id)
    if v is None or not principal.covers(v.area_code):
        raise NotFoundError(t(VERIFICATION_NOT_FOUND, id=verification_id), field="verification")
    if v.household_id != case.household_id:
        raise JiuzhuError(t(OTHER_HOUSEHOLD, id=verification_id, other=v.household_no,
                            household_no=case.household_no), field="verification")
    if v.status not in FINISHED:
        raise ConflictError(t(NOT_FINISHED, id=verification_id, status=v.status))
    return move(session, principal, case, "verify", expected_version=expected_version, verification_id=v.id,
                investigation_on=case.investigation_on or clock.today(),
                detail={"verification": v.id, "report_sha256": v.report_sha256, "complete": v.complete})


def start_verification(session: Session, principal: Principal, case_no: str, *, as_of: dt.date | None = None,
                       expected_version: int | None = None) -> Case:
    """Ask the departments about the household (核对) for the case's purpose: the verification is queued (the
    runner asks; ``verification.service.start`` checks the permission and every member's authorization), and the
    timeline says so; ``verify`` links it once it has finished."""
    case = service.get_case(session, principal, case_no, Permission.HANDLE_CASES)
    if case.state not in VERIFYING:
        next_state(case.kind, case.state, "verify", case.case_no)  # refused, naming what is possible now
    from jiuzhu.verification import service as verifications

    started = verifications.start(session, principal, case.household_no, purpose(session, case), as_of=as_of)
    return service.note(session, principal, case, "start_verification", expected_version=expected_version,
                        detail={"verification": started.id})


VERIFYING = ("authorized", "reinvestigation")


def visit(session: Session, principal: Principal, case_no: str, *, staff: list[str], note: str | None = None,
          visited_on: dt.date | None = None, expected_version: int | None = None) -> Case:
    """The home visit (入户调查), made by at least two different staff: who, when, what they found."""
    case = service.get_case(session, principal, case_no, Permission.HANDLE_CASES)
    names = list(dict.fromkeys(s.strip() for s in staff if s and s.strip()))
    if len({n.casefold() for n in names}) < 2:
        raise JiuzhuError(t(TWO_STAFF, case=case_no, staff="、".join(names) or "-"), field="staff")
    day = visited_on or clock.today()
    if day > clock.today():
        raise JiuzhuError(t(FUTURE_VISIT, case=case_no, day=day.isoformat()), field="visited_on")
    if day < case.received_on:  # the visit investigates this application: it cannot come before it
        raise JiuzhuError(t(EARLY_VISIT, case=case_no, day=day.isoformat(), received=case.received_on.isoformat()),
                          field="visited_on")
    found = text(note, "note")
    return move(session, principal, case, "visit", reason=found, expected_version=expected_version,
                visit={"staff": names, "on": day.isoformat(), "note": found},
                investigation_on=case.investigation_on or day, detail={"staff": names, "on": day.isoformat()})


def propose(session: Session, principal: Principal, case_no: str, *, note: str | None = None,
            expected_version: int | None = None) -> Case:
    """The rules run on the household as the registry holds it now (after the verification and the visit): the
    proposed result, with the facts used and the rules' version (what the decision will record)."""
    case = service.get_case(session, principal, case_no, Permission.HANDLE_CASES)
    doc = search.household_for(session, principal, case.household_no, purpose="case_propose")
    outcome = rules.assess(doc, case.month)
    return move(session, principal, case, "propose", reason=text(note, "note"), expected_version=expected_version,
                proposal=outcome, facts=rules.facts_of(doc, case.month), rules_version=rules.version(),
                detail={"proposed": {p: outcome[p]["fen"] for p in case.programmes if p in outcome}})


def publish(session: Session, principal: Principal, case_no: str, *, expected_version: int | None = None) -> Case:
    """Posted for 7 days in the village or community (公示): names masked, household size, amounts."""
    case = service.get_case(session, principal, case_no, Permission.HANDLE_CASES)
    today = clock.today()
    until = today + dt.timedelta(days=PUBLICITY_DAYS)
    return move(session, principal, case, "publish", expected_version=expected_version, publicity_from=today,
                publicity_until=until, detail={"until": until.isoformat()})


def object_(session: Session, principal: Principal, case_no: str, *, objection: str, raised_by: str | None = None,
            expected_version: int | None = None) -> Case:
    """An objection during the 公示, recorded as said; the case goes back to investigation."""
    case = service.get_case(session, principal, case_no, Permission.HANDLE_CASES)
    said = text(objection, "objection", required=True, case=case_no)
    return move(session, principal, case, "object", reason=said, expected_version=expected_version,
                detail={"raised_by": text(raised_by, "raised_by")})


# ----------------------------------------------------------------------------------------------- decision

def approve(session: Session, principal: Principal, case_no: str, *, reasons: str | None = None,
            programmes: list[str] | None = None, expected_version: int | None = None) -> Case:
    """Approve the programmes asked for that the rules found eligible (or those named): the decision records the
    rules' version, the facts and the amounts (``outcome``)."""
    case = service.get_case(session, principal, case_no, Permission.DECIDE)
    today = clock.today()
    if case.state == "publicity" and case.publicity_until and today < case.publicity_until:
        raise ConflictError(t(PUBLICITY_RUNNING, case=case_no, until=case.publicity_until.isoformat()))
    eligible = {p: v for p, v in (case.proposal or {}).items()
                if p in case.programmes and v["status"] == "eligible" and v["fen"] is not None and v["fen"] > 0}
    if case.state == "publicity" and not eligible:
        raise ConflictError(t(NOTHING_TO_GRANT, case=case_no, programmes=", ".join(case.programmes)))
    chosen = programmes or list(eligible)
    for p in chosen:
        if p not in eligible:
            raise JiuzhuError(t(NOT_ASKED, case=case_no, programme=p), field="programmes")
    outcome = {p: eligible[p] for p in chosen}
    return move(session, principal, case, "approve", reason=text(reasons, "reasons"),
                expected_version=expected_version, decision="approve", decided_on=today,
                decided_by=principal.username[:60], reasons=text(reasons, "reasons"), outcome=outcome,
                detail={"granted": {p: v["fen"] for p, v in outcome.items()},
                        "rules": (case.rules_version or {}).get("sha256")})


def reject(session: Session, principal: Principal, case_no: str, *, reasons: str,
           expected_version: int | None = None) -> Case:
    """Reject with written reasons (the notice with them is due within 3 working days: limits.py)."""
    case = service.get_case(session, principal, case_no, Permission.DECIDE)
    why = text(reasons, "reasons", required=True, case=case_no)
    return move(session, principal, case, "reject", reason=why, expected_version=expected_version,
                decision="reject", decided_on=clock.today(), decided_by=principal.username[:60], reasons=why,
                outcome={})


def special(session: Session, principal: Principal, case_no: str, *, reason: str,
            expected_version: int | None = None) -> Case:
    """A special case (特殊情况): the whole procedure may take 45 working days instead of 30; the reason recorded."""
    case = service.get_case(session, principal, case_no, Permission.HANDLE_CASES)
    why = text(reason, "reason", required=True, case=case_no)
    return service.note(session, principal, case, "special", reason=why, expected_version=expected_version,
                        special_reason=why[:200])


# ----------------------------------------------------------------------------------------------- after

def first_of_next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def enrol(session: Session, principal: Principal, case_no: str, *, expected_version: int | None = None) -> Case:
    """The registry enrolments of an approved case, from the first day of the next month, written through the
    household's document (the registry's change log names the case). Idempotent: a case already enrolled is
    returned as it is; a crash before the end left nothing (one transaction)."""
    case = service.get_case(session, principal, case_no, Permission.HANDLE_CASES, lock=True)
    if case.decision == "approve" and case.state in ("enrolled", "closed"):
        return case
    start = first_of_next_month(case.decided_on or clock.today())
    made = []
    if case.state == "approved":
        data = enrolments.document(session, case)
        for programme, result in (case.outcome or {}).items():
            made += start_enrolments(session, case, data, programme, result, start, case.decided_on)
        if made:
            enrolments.save(session, principal, case, data, t(ENROLMENT))
    return move(session, principal, case, "enrol", expected_version=expected_version,
                detail={"started": made, "from": start.isoformat()})


ENROLMENT = N_("enrolment after approval")


def start_enrolments(session: Session, case: Case, data: dict, programme: str, result: dict, start: dt.date,
                     reviewed: dt.date | None, taper_from: str | None = None) -> list[str]:
    """Into the document ``data``: one enrolment per programme (per person for a person's programme) at the recorded
    amount from ``start``, each linked to the case; not one made before by the case (a rerun), nor one the
    household (or person) already receives on ``start`` (the same need is never paid twice)."""
    rows = [(None, result["fen"])] if not result.get("persons") else list(result["persons"].items())
    made = []
    for id_number, fen in rows:
        key = enrolments.person_key(session, id_number)
        if enrolments.linked(session, case, programme, key, "started") or enrolments.running(
                data, programme, id_number, start):
            continue
        data.setdefault("enrolments", []).append(enrolments.entry(programme, id_number, fen, start, reviewed,
                                                                   taper_from))
        enrolments.link(session, case, programme, key, "started", start, fen)
        made.append(f"{programme}:{key}")
    return made


def notify(session: Session, principal: Principal, case_no: str, *, expected_version: int | None = None) -> Case:
    """The notice to the resident (Chinese), kept with the case; the case is closed."""
    case = service.get_case(session, principal, case_no, Permission.HANDLE_CASES)
    body = notice_text(session, case)
    today = clock.today()
    return move(session, principal, case, "notify", expected_version=expected_version, notice=body,
                notified_on=today, closed_on=today, detail={"decision": case.decision})


def notice_text(session: Session, case: Case) -> str:
    from jiuzhu.casework import reviews

    if case.kind == "review":
        return reviews.notice_text(case)
    app = _app(session, case)
    common = {"household_no": case.household_no, "application": app.application_no if app else case.case_no,
              "programmes": notices.programme_names(case.programmes),
              "day": (case.decided_on or clock.today()).isoformat()}
    if case.decision == "approve":
        start = first_of_next_month(case.decided_on)
        granted = [p for p in case.programmes if p in (case.outcome or {})]
        refused = [p for p in case.programmes if p not in granted]
        common["programmes"] = notices.programme_names(granted)
        if refused:  # what was asked and not granted is said, with the written reasons, never left out
            return notices.notice(notices.GRANTED_IN_PART, start=start.isoformat(),
                                  amounts=notices.amounts(case.outcome or {}),
                                  refused=notices.programme_names(refused), reasons=case.reasons or "", **common)
        return notices.notice(notices.GRANTED, start=start.isoformat(), amounts=notices.amounts(case.outcome or {}),
                              **common)
    return notices.notice(notices.REJECTED, reasons=case.reasons or "", **common)
