"""Calendar months as "YYYY-MM" strings: their first and last days, and the months before one."""

from __future__ import annotations

import calendar
import datetime as dt


def month_start(month: str) -> dt.date:
    return dt.date(int(month[:4]), int(month[5:7]), 1)


def month_end(month: str) -> dt.date:
    year, mon = int(month[:4]), int(month[5:7])
    return dt.date(year, mon, calendar.monthrange(year, mon)[1])


def previous_months(month: str, count: int) -> list[str]:
    """The ``count`` months before ``month``, oldest first."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1
    return [f"{(index - k) // 12:04d}-{(index - k) % 12 + 1:02d}" for k in range(count, 0, -1)]
