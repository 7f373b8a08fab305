"""The time limits of a case in working days on the official calendar (domain.md §5, §12; ``jiuzhu.workdays``).

An application case, from the day its file was accepted complete (a file waiting for missing papers has not
started its clock: the one notice says what is missing):

    investigation   starts within 3 working days (the first verification or home visit)
    decision        within 10 working days of the file
    overall         30 working days to the notice to the resident; 45 in a special case, with its reason recorded
    reasons         a rejection's written reasons (the notice) within 3 working days of the decision

A review case: overall 30 working days from its opening to the notice (our convention; domain.md names none).

Each limit is ``met`` (done in time), ``breached`` (done late, or not done and past its day), ``at_risk`` (not done,
at most a fifth of its working days left, at least 1), ``on_track``, or ``unknown`` when its day lies in a year
without an official calendar (``workdays.CalendarUnknown``: the reason says which year, never a guess) — unless it
was done on a day of a known year: the working days it took are counted (met or breached, the due day unknown). The
case's
status is the worst of its limits: breached, then unknown, then at risk, then on track.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from jiuzhu import workdays
from jiuzhu.i18n import N_, t

INVESTIGATION, DECISION, OVERALL, SPECIAL, REASONS, REVIEW = 3, 10, 30, 45, 3, 30
ORDER = ("breached", "unknown", "at_risk", "on_track")
STATUS_TITLES = {"on_track": N_("on track"), "at_risk": N_("at risk"), "breached": N_("breached"),
                 "unknown": N_("unknown (no official calendar)"), "met": N_("done in time")}
LIMIT_TITLES = {"investigation": N_("investigation starts (3 working days)"),
                "decision": N_("decision (10 working days)"), "overall": N_("whole procedure"),
                "reasons": N_("written reasons of a rejection (3 working days)")}


@dataclass(frozen=True)
class Limit:
    name: str
    title: str
    start: dt.date
    days: int
    due: dt.date | None  # None: unknown (``reason`` says why)
    done_on: dt.date | None
    status: str
    status_title: str
    reason: str | None = None


@dataclass(frozen=True)
class Standing:
    status: str
    status_title: str
    limits: list[Limit]
    reason: str | None  # the first unknown limit's reason


def limits_of(case, today: dt.date) -> Standing:
    """The case's limits and its status on ``today``."""
    wanted = _wanted(case)
    found = [limit(name, start, days, done, today) for name, start, days, done in wanted]
    statuses = ["on_track" if x.status == "met" else x.status for x in found] or ["on_track"]
    status = min(statuses, key=ORDER.index)
    reason = next((x.reason for x in found if x.status == "unknown"), None)
    return Standing(status, t(STATUS_TITLES[status]), found, reason)


def _wanted(case) -> list[tuple[str, dt.date, int, dt.date | None]]:
    if case.kind == "review":
        return [("overall", case.received_on, REVIEW, case.notified_on)]
    if case.accepted_on is None:
        return []
    start = case.accepted_on
    out = [("investigation", start, INVESTIGATION, case.investigation_on),
           ("decision", start, DECISION, case.decided_on),
           ("overall", start, SPECIAL if case.special_reason else OVERALL, case.notified_on)]
    if case.decision == "reject" and case.decided_on is not None:
        out.append(("reasons", case.decided_on, REASONS, case.notified_on))
    return out


def limit(name: str, start: dt.date, days: int, done_on: dt.date | None, today: dt.date) -> Limit:
    """One limit of ``days`` working days after ``start``, done on ``done_on`` (None: not yet), read on ``today``."""
    title = t(LIMIT_TITLES[name])
    try:
        due = workdays.add_working_days(start, days)
        status = _status(due, days, done_on, today)
    except workdays.CalendarUnknown as exc:
        status = _counted(start, days, done_on)  # done in a known year: the days it took can be counted
        return Limit(name, title, start, days, None, done_on, status, t(STATUS_TITLES[status]), exc.message)
    return Limit(name, title, start, days, due, done_on, status, t(STATUS_TITLES[status]))


def _counted(start: dt.date, days: int, done_on: dt.date | None) -> str:
    if done_on is None:
        return "unknown"
    try:
        return "met" if workdays.working_days_between(start, done_on) <= days else "breached"
    except workdays.CalendarUnknown:
        return "unknown"


def _status(due: dt.date, days: int, done_on: dt.date | None, today: dt.date) -> str:
    if done_on is not None:
        return "met" if done_on <= due else "breached"
    if today > due:
        return "breached"
    left = workdays.working_days_between(today, due)
    return "at_risk" if left <= max(1, days // 5) else "on_track"


# The worklist reads tens of thousands of cases: it filters, sorts and pages in SQL. A case's status on a day
# depends on that day only through its open limits whose due day is known (breached after the due day, at risk from
# the first day with at most a fifth of the working days left); everything else is fixed once the dates are. So
# the case keeps (``columns``, written by every action that records a date — casework.service._update — and by
# open_case): ``limit_late`` (a limit done late, or counted late), ``limit_unknown`` (a limit whose due day or count
# falls in a year without a calendar), ``limit_due`` (the nearest open due day), ``limit_risk`` (the first day an
# open limit is at risk) and ``limit_years`` (the calendar years known when computed: a row marked unknown computed
# with other years is recomputed before a list is read — a calendar added later, docs/casework.md).
def columns(case) -> dict:
    """The denormalised time-limit columns of ``case`` (anything with the case's date attributes)."""
    late = unknown = False
    dues, risks = [], []
    years = years_key()
    for _name, start, days, done_on in _wanted(case):
        try:
            due = _due(start, days, years)
        except workdays.CalendarUnknown:
            status = _counted(start, days, done_on)
            late, unknown = late or status == "breached", unknown or status == "unknown"
            continue
        if done_on is not None:
            late = late or done_on > due
        else:
            dues.append(due)
            risks.append(_risk(due, days, years))
    return {"limit_late": late, "limit_unknown": unknown, "limit_due": min(dues, default=None),
            "limit_risk": min(risks, default=None), "limit_years": years}


# Counting working days day by day costs about 1.6 ms for 30 of them; a district's cases share a few hundred start
# days, so the migration and a recomputation after a calendar is added remember them — keyed by the calendar years
# known (a new calendar is a new key). An unknown day raises and is not remembered.
@functools.lru_cache(maxsize=16384)
def _due(start: dt.date, days: int, years: str) -> dt.date:
    return workdays.add_working_days(start, days)


@functools.lru_cache(maxsize=16384)
def _risk(due: dt.date, days: int, years: str) -> dt.date:
    return risk_from(due, days)


def risk_from(due: dt.date, days: int) -> dt.date:
    """The first day a limit of ``days`` working days due on ``due`` is at risk: ``_status`` says at risk when the
    working days after today up to ``due`` are at most ``max(1, days // 5)``, i.e. from the (k+1)-th working day
    counted back from ``due`` (itself included). Those days lie between the start and ``due``: known years."""
    need, day = max(1, days // 5) + 1, due
    while True:
        if workdays.is_working_day(day):
            need -= 1
            if need == 0:
                return day
        day -= dt.timedelta(days=1)


def status_on(cols: dict, today: dt.date) -> str:
    """The status ``limits_of`` gives on ``today``, from the columns (the SQL of ``views.status_sql`` says the
    same; a property test holds them to ``limits_of``)."""
    if cols["limit_late"] or (cols["limit_due"] is not None and today > cols["limit_due"]):
        return "breached"
    if cols["limit_unknown"]:
        return "unknown"
    if cols["limit_risk"] is not None and today >= cols["limit_risk"]:
        return "at_risk"
    return "on_track"


def years_key() -> str:
    """The known calendar years in a short form (2004-2027), to tell when a row was computed with others."""
    years = workdays.known_years()
    runs: list[list[int]] = []
    for year in years:
        if runs and runs[-1][1] == year - 1:
            runs[-1][1] = year
        else:
            runs.append([year, year])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)[:200]
