"""Working days on the official calendar (domain.md §5, §12): the time limits of a case count them.

The State Council publishes each year's public holidays and swapped working weekends (调休) near the end of the
year before. Jiuzhu reads them from ``chinesecalendar`` (a maintained package that carries the published years,
2004–2026 in 1.11) and from the files of ``calendars/`` (one YAML file per year published after the package, with
the notice it comes from; an operator may add a folder of such files with ``JIUZHU_CALENDARS``). A day of a year
that neither knows is not guessed: ``CalendarUnknown`` says which year is missing, and a time limit that reaches
into it is "unknown" until the calendar is added.

    is_working_day(day)                 True on a working day (a weekday not a holiday, or a swapped weekend day)
    add_working_days(start, n)          the n-th working day after ``start`` (``start`` itself not counted)
    working_days_between(start, end)    working days after ``start`` up to and including ``end`` (0 if end <= start)
    known_years()                       the years with an official calendar
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import t

PACKAGED = Path(__file__).with_name("calendars")
MAX_WORKING_DAYS = 400  # the longest time limit of the procedure is 45 working days; a larger count is a mistake


class CalendarUnknown(JiuzhuError):
    """A day of a year whose official calendar Jiuzhu does not have (not yet published, or not added)."""

    code = "calendar_unknown"

    def __init__(self, year: int) -> None:
        super().__init__(t(
            "no official working-day calendar for {year} yet (国务院办公厅's holiday notice for {year}): time limits "
            "reaching into {year} are unknown until it is added (docs/casework.md, calendars)", year=year))
        self.year = year


@dataclass(frozen=True)
class Year:
    """A published year beyond the package: the weekdays off and the weekend days worked, with its notice."""

    year: int
    document: str
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]


def is_working_day(day: dt.date) -> bool:
    """Whether ``day`` is a working day; ``CalendarUnknown`` for a year without an official calendar."""
    extra = _extra_years().get(day.year)
    if extra is not None:
        return day in extra.workdays or (day.weekday() < 5 and day not in extra.holidays)
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # the package raises it for a year it does not carry: keep that visible
        raise CalendarUnknown(day.year) from None


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``start`` (``n`` >= 0; 0 gives ``start``). ``CalendarUnknown`` when the count
    reaches a year without an official calendar."""
    if not 0 <= n <= MAX_WORKING_DAYS:
        raise ValueError(f"a time limit of {n} working days is outside 0..{MAX_WORKING_DAYS}")
    day = start
    while n:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """How many working days lie after ``start`` up to and including ``end`` (0 when ``end`` <= ``start``)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count


def known_years() -> list[int]:
    """Every year with an official calendar, from the package and from the files."""
    import chinese_calendar

    first, last = (day.year for day in (min(chinese_calendar.holidays), max(chinese_calendar.holidays)))
    return sorted(set(range(first, last + 1)) | set(_extra_years()))


@functools.cache
def _extra_years() -> dict[int, Year]:
    folders = [PACKAGED] + [Path(p) for p in os.environ.get("JIUZHU_CALENDARS", "").split(os.pathsep) if p]
    years: dict[int, Year] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.yaml")):
            year = _read_year(path)
            years[year.year] = year
    return years


def _read_year(path: Path) -> Year:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        year = int(raw["year"])
        holidays = frozenset(_day(d) for d in raw.get("holidays") or ())
        workdays = frozenset(_day(d) for d in raw.get("workdays") or ())
        document = str(raw["document"]).strip()
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise JiuzhuError(t("calendar file {path}: {reason} (it needs year, document, holidays, workdays)",
                            path=path, reason=exc)) from None
    wrong = sorted(d for d in holidays | workdays if d.year != year)
    if wrong or not document:
        raise JiuzhuError(t("calendar file {path}: every day must lie in {year} and the notice it comes from must be "
                            "named (document)", path=path, year=year))
    return Year(year, document, holidays, workdays)


def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
