"""Calendar months as "YYYY-MM" strings: their first and last days, their number, and the months before one.

The month arithmetic of the rules' inputs is defined here once; ``jiuzhu.rules.inputs.facts`` writes its SQL
twin (``month_number_sql``) and a test holds the two equal.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import t

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"  # also the household format's (JSON Schema)
MONTH_RE = re.compile(MONTH_PATTERN)
EARLIEST_MONTH = "1900-01"  # no date or month of the registry lies before it


def check_month(month: str, field: str | None = "month") -> str:
    """``month`` if it is a calendar month written YYYY-MM (from ``EARLIEST_MONTH``); otherwise one line naming
    it (``field``: the input it was given as). The one format check of a month; ``rules.law.check_month`` adds
    the law in force. A month well written but too early says so (not "write it as YYYY-MM")."""
    if not isinstance(month, str) or not MONTH_RE.match(month.strip()):
        raise JiuzhuError(t("month '{month}' is not a month: write it as YYYY-MM, e.g. 2025-08", month=month),
                          field=field)
    month = month.strip()
    if month < EARLIEST_MONTH:
        raise JiuzhuError(t("month {month} is too early: the registry holds no fact before {earliest}",
                            month=month, earliest=EARLIEST_MONTH), field=field)
    return month


def check_not_future(month: str, field: str | None = "month") -> str:
    """``month`` unless it is after the current month (``clock.today()``): the registry holds today's facts, so
    a scan or a ledger of a later month would decide on facts nobody has declared yet (a future month is for
    planning: evaluate and what-if take one). One line saying the latest month allowed."""
    from jiuzhu import clock

    month = check_month(month, field)
    current = month_of(clock.today())
    if month > current:
        raise JiuzhuError(t("month {month} is after the current month: the registry holds today's facts; the "
                            "latest month allowed is {current}", month=month, current=current), field=field)
    return month


def month_start(month: str) -> dt.date:
    return dt.date(int(month[:4]), int(month[5:7]), 1)


def month_end(month: str) -> dt.date:
    year, mon = int(month[:4]), int(month[5:7])
    return dt.date(year, mon, calendar.monthrange(year, mon)[1])


def month_number(month: str) -> int:
    """Year × 12 + month: consecutive months are consecutive numbers."""
    return int(month[:4]) * 12 + int(month[5:7])


def month_of_number(number: int) -> str:
    return f"{(number - 1) // 12:04d}-{(number - 1) % 12 + 1:02d}"


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous_months(month: str, count: int) -> list[str]:
    """The ``count`` months before ``month``, oldest first."""
    n = month_number(month)
    return [month_of_number(n - k) for k in range(count, 0, -1)]


def age_on(birth: dt.date, on: dt.date) -> int:
    """Whole years on ``on``: the birthdays on or before it (a 29 February birthday falls on 1 March)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
