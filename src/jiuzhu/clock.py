"""Today's date, and the bureau's clock, in one place.

    today()         the bureau's date (北京时间): the bound of every "not in the future" check and the day of
                    every filing (tests monkeypatch it; nothing else reads the system clock for a date)
    BUREAU_TIME     the zone every time is shown in: 北京时间, UTC+8 (Asia/Shanghai: China keeps no summer time)
    local(moment)   a stored moment (UTC; SQLite gives it back without its zone) in the bureau's zone
    local_text(m)   "2026-11-30 12:05（北京时间）": a time as the pages and messages show it, its zone said

Times are stored in UTC and given in UTC by the API (ISO 8601 with its offset); a person reads them in the
bureau's time, whatever zone the server's machine was set to, and is told so.
"""

from __future__ import annotations

import datetime as dt

from jiuzhu.i18n import N_, t

BUREAU_TIME = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
IN_BUREAU_TIME = N_("{time} (Beijing time)")


def today() -> dt.date:
    """Today in the bureau's time (北京时间), whatever zone the server's machine keeps: an application filed at
    02:10 on 1 December in Chongqing is filed on 1 December, and its time limits count from that day."""
    return dt.datetime.now(BUREAU_TIME).date()


def local(moment: dt.datetime | str) -> dt.datetime:
    """``moment`` (a datetime or an ISO 8601 text) in the bureau's zone; one without a zone is UTC, as stored."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(BUREAU_TIME)


def local_text(moment: dt.datetime | str | None) -> str:
    """The moment to the minute in the bureau's time, saying so ("" for none)."""
    if moment is None or moment == "":
        return ""
    return t(IN_BUREAU_TIME, time=f"{local(moment):%Y-%m-%d %H:%M}")


def local_day_start(day: dt.date) -> dt.datetime:
    """The first moment of ``day`` in the bureau's time (a date typed on a page means the bureau's day)."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=BUREAU_TIME)
