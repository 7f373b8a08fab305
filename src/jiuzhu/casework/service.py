"""Moving a case along (domain.md §5): every action is one conditional UPDATE of the case, one row of its
timeline (who, when, from which state to which, why) and one row of the audit log.

Every function takes the session and the ``access.Principal``; it checks the permission (reading
``cases.read``, acting ``cases.handle``, deciding ``cases.decide``) and the area (a case outside it is "not
found"). The transaction is the caller's (a command, a request). ``expected_version``: the version the actor
read (a page sends it back); an action on a case changed meanwhile is refused (``StaleCase``), as is the second of
two actions at once — the UPDATE is conditional on the version read (docs/casework.md, concurrency).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from jiuzhu import clock
from jiuzhu.access import Permission, Principal
from jiuzhu.audit import service as audit
from jiuzhu.casework import limits, machine, numbers, words
from jiuzhu.casework.models import Case, CaseEvent
from jiuzhu.errors import ConflictError, JiuzhuError, NotFoundError
from jiuzhu.i18n import N_, t
from jiuzhu.registry import models as rm

NOT_FOUND = N_("case {case} not found")
STALE = N_("case {case} was changed by someone else meanwhile (now version {version}, you read {read}): reload it "
           "and try again")
REASON_NEEDED = N_("case {case}: {what} must be written")
TEXT_LENGTH = 2000


class StaleCase(ConflictError):
    """The case changed since the actor read it (another staff member acted first): nothing changed."""

    code = "stale_case"


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def get_case(session: Session, principal: Principal, case_no: str,
             permission: Permission = Permission.READ_CASES, *, lock: bool = False) -> Case:
    """The case, if the principal may ``permission`` and it lies in the principal's area; else "not found".
    ``lock``: its row locked until the transaction ends (PostgreSQL; SQLite's writers take turns anyway) — for the
    steps that write other rows before the case's (enrolments): a second run at once waits, then finds them."""
    principal.require(permission)
    query = select(Case).where(Case.case_no == case_no).execution_options(populate_existing=True)
    case = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if case is None or not principal.covers(case.area_code):
        raise NotFoundError(t(NOT_FOUND, case=case_no), field="case")
    return case


def open_case(session: Session, principal: Principal, *, kind: str, household: rm.Household, programmes: list[str],
              month: str, application_id: int | None = None, reason: str | None = None) -> Case:
    """A new case in its first state, its first timeline row (``file`` or ``open``) written."""
    today = clock.today()
    start = numbers.prefix("C" if kind == "application" else "R", today, household.area_code)
    state = machine.INITIAL[kind]
    case = numbers.insert_numbered(session, Case.case_no, start, lambda no: Case(
        case_no=no, kind=kind, application_id=application_id, household_id=household.id,
        household_no=household.household_no, area_code=household.area_code, programmes=list(programmes),
        month=month, state=state, version=1, received_on=today, created_at=now(),
        **limits.columns(SimpleNamespace(kind=kind, received_on=today, **dict.fromkeys(LIMIT_DATES[2:])))))
    action = "file" if kind == "application" else "open"
    _event(session, principal, case, action, state, state, reason, {"programmes": list(programmes), "month": month})
    return case


def move(session: Session, principal: Principal, case: Case, action: str, *, reason: str | None = None,
         detail: dict | None = None, expected_version: int | None = None, **changes) -> Case:
    """``action`` on ``case``: the state machine says where it leads (or refuses it); the case's row is updated only
    if its version is still the one read; a timeline row and an audit row are written."""
    before = case.state
    target = machine.next_state(case.kind, before, action, case.case_no)
    _update(session, case, expected_version, state=target, **changes)
    _event(session, principal, case, action, before, target, reason, detail)
    return case


def note(session: Session, principal: Principal, case: Case, action: str, *, reason: str | None = None,
         detail: dict | None = None, expected_version: int | None = None, **changes) -> Case:
    """A timeline row that does not change the state (a special case's reason …), under the same version check."""
    _update(session, case, expected_version, **changes)
    _event(session, principal, case, action, case.state, case.state, reason, detail)
    return case


def _update(session: Session, case: Case, expected_version: int | None, **changes) -> None:
    read = case.version
    if expected_version is not None and expected_version != read:
        raise StaleCase(t(STALE, case=case.case_no, version=read, read=expected_version))
    values = {**changes, **_limit_columns(case, changes)}
    result = session.execute(update(Case).where(Case.id == case.id, Case.version == read)
                             .values(version=read + 1, **values).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # another transaction moved it after we read it
        current = session.scalar(select(Case.version).where(Case.id == case.id))
        raise StaleCase(t(STALE, case=case.case_no, version=current, read=read))
    session.expire(case)
    session.refresh(case)


def _limit_columns(case: Case, changes: dict) -> dict:
    """The time-limit columns after ``changes`` (the one place a case's dates change: every action comes here)."""
    after = SimpleNamespace(**{name: changes.get(name, getattr(case, name)) for name in LIMIT_DATES})
    return limits.columns(after)


LIMIT_DATES = ("kind", "received_on", "accepted_on", "investigation_on", "decided_on", "notified_on",
               "special_reason", "decision")


def refresh_unknown(session: Session) -> int:
    """Recompute the cases marked unknown with other calendar years than those known now (a calendar added since:
    their days may be known now); how many. Before a list is read: the list's SQL then holds."""
    key = limits.years_key()
    stale = session.scalars(select(Case).where(Case.limit_unknown.is_(True), or_(
        Case.limit_years.is_(None), Case.limit_years != key))).all()
    for case in stale:  # not a new version nor a timeline row: nothing about the case changed, only the calendar
        session.execute(update(Case).where(Case.id == case.id).values(**limits.columns(case))
                        .execution_options(synchronize_session=False))
        session.expire(case)
    return len(stale)


def _event(session: Session, principal: Principal, case: Case, action: str, before: str, after: str,
           reason: str | None, detail: dict | None) -> None:
    session.add(CaseEvent(case_id=case.id, seq=case.version, at=now(), on=clock.today(),
                          actor=principal.username[:60], action=action, from_state=before, to_state=after,
                          reason=reason, detail=detail))
    session.flush()
    audit.append(session, actor=principal.username, action=f"case.{action}", subject=case.case_no,
                 area_code=case.area_code, reason=reason and reason[:200],
                 detail={"household": case.household_no, "from": before, "to": after, "version": case.version,
                         **(detail or {})})


def text(value: str | None, field: str, *, required: bool = False, case: str = "") -> str | None:
    """A free text of an action, trimmed: at most 2000 characters; ``required``: not empty."""
    value = (value or "").strip() or None
    if value is None and required:
        raise JiuzhuError(t(REASON_NEEDED, case=case, what=words.field_title(field)), field=field)
    if value is not None and len(value) > TEXT_LENGTH:
        raise JiuzhuError(t(TOO_LONG, field=words.field_title(field), chars=TEXT_LENGTH), field=field)
    return value


TOO_LONG = N_("{field} is too long: at most {chars} characters")


def timeline(session: Session, case: Case) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)))


def household_of(session: Session, case: Case) -> rm.Household:
    return session.get(rm.Household, case.household_id)
