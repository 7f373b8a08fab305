"""The bureau's clock (``jiuzhu.clock``): every time a person reads is in 北京时间 (UTC+8) and says so, whatever zone
the server's machine is set to; stored times are UTC, with or without their zone."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.clock import local, local_day_start, local_text
from jiuzhu.i18n import use_language

MOMENT = dt.datetime(2026, 11, 30, 4, 5, tzinfo=dt.timezone.utc)


NEW_YORK = dt.timezone(dt.timedelta(hours=-5))


@pytest.mark.parametrize("stored", [MOMENT, MOMENT.replace(tzinfo=None), "2026-11-30T04:05:00+00:00",
                                    "2026-11-30T12:05:00+08:00", MOMENT.astimezone(NEW_YORK)])
def test_a_stored_moment_is_shown_in_beijing_time_saying_so(stored):
    with use_language("zh"):
        assert local_text(stored) == "2026-11-30 12:05（北京时间）"
    with use_language("en"):
        assert local_text(stored) == "2026-11-30 12:05 (Beijing time)"


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Europe/Berlin", "Asia/Shanghai"])
def test_the_server_s_own_zone_changes_nothing(monkeypatch, zone):
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        with use_language("zh"):
            assert local_text(MOMENT) == "2026-11-30 12:05（北京时间）"
    finally:
        monkeypatch.undo()
        time.tzset()


@given(st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1)))
def test_the_bureau_s_time_is_the_same_moment_eight_hours_ahead(naive):
    shown = local(naive)
    assert shown == naive.replace(tzinfo=dt.timezone.utc) and shown.utcoffset() == dt.timedelta(hours=8)
    assert shown.replace(tzinfo=None) - naive == dt.timedelta(hours=8)


def test_a_day_begins_at_midnight_in_beijing():
    assert local_day_start(dt.date(2026, 11, 30)) == dt.datetime(2026, 11, 29, 16, tzinfo=dt.timezone.utc)


def test_no_moment_no_text():
    assert local_text(None) == "" and local_text("") == ""


def test_today_is_the_bureau_s_date_whatever_the_machine_s_zone(monkeypatch):
    """At 18:10 UTC on 30 November it is 02:10 on 1 December in Chongqing: a filing then is of 1 December."""
    import datetime as dt

    from jiuzhu import clock

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            moment = dt.datetime(2026, 11, 30, 18, 10, tzinfo=dt.timezone.utc)
            return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)

    monkeypatch.setattr(clock.dt, "datetime", Frozen)
    assert clock.today() == dt.date(2026, 12, 1)
