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
from dataclasses import dataclass

from jiuzhu import workdays
from jiuzhu.i18n import N_, t

INVESTIGATION, DECISION, OVERALL, SPECIAL, REASONS, REVIEW = 3, 10, 30, 45, 3, 30
ORDER = ("breached", "unknown", "at_risk", "on_track")
STATUS_TITLES = {"on_track": N_("on track"), "at_risk": N_("at risk"), "breached": N_("breached"),
                 "unknown": N_("unknown (no official calendar)"), "met": N_("met")}
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
