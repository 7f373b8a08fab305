"""Working days on the official calendar (domain.md §12), with 调休 and with a year not yet published."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu import workdays
from jiuzhu.errors import JiuzhuError

D = dt.date


@pytest.fixture(autouse=True)
def _fresh_years():
    workdays._extra_years.cache_clear()
    yield
    workdays._extra_years.cache_clear()


# The swapped working weekends of 2026 as the State Council's notice lists them (domain.md §12).
@pytest.mark.parametrize("day", ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"])
def test_a_swapped_weekend_day_is_a_working_day(day):
    day = D.fromisoformat(day)
    assert day.weekday() >= 5
    assert workdays.is_working_day(day)


def test_a_public_holiday_on_a_weekday_is_not_a_working_day():
    assert not workdays.is_working_day(D(2026, 10, 1))  # 国庆节, a Thursday
    assert workdays.is_working_day(D(2026, 9, 30))


def test_counting_skips_the_national_day_week_and_counts_its_swapped_saturday():
    # 2026-10-01..07 are off; 10-08 and 10-09 are working days, 10-10 (a Saturday) is worked.
    assert workdays.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert workdays.add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert workdays.working_days_between(D(2026, 9, 30), D(2026, 10, 10)) == 3


def test_zero_days_is_the_start_and_a_negative_count_is_refused():
    assert workdays.add_working_days(D(2026, 10, 3), 0) == D(2026, 10, 3)
    assert workdays.working_days_between(D(2026, 10, 10), D(2026, 10, 1)) == 0
    with pytest.raises(ValueError):
        workdays.add_working_days(D(2026, 1, 5), -1)


def test_a_year_without_a_published_calendar_is_an_error_naming_the_year_not_a_guess(zh):
    with pytest.raises(workdays.CalendarUnknown) as caught:
        workdays.add_working_days(D(2026, 12, 10), 30)  # reaches into 2027
    assert caught.value.year == 2027
    assert "2027" in caught.value.message and "没有" in caught.value.message
    assert caught.value.code == "calendar_unknown"


def test_a_calendar_file_adds_a_year_with_its_notice(tmp_path, monkeypatch):
    # A made-up year for the test only: 2030-01-02 off, 2030-01-05 (a Saturday) worked.
    (tmp_path / "2030.yaml").write_text(
        "year: 2030\ndocument: test notice\nholidays: [2030-01-01, 2030-01-02]\nworkdays: [2030-01-05]\n",
        encoding="utf-8")
    monkeypatch.setenv("JIUZHU_CALENDARS", str(tmp_path))
    assert 2030 in workdays.known_years()
    assert not workdays.is_working_day(D(2030, 1, 2))
    assert workdays.is_working_day(D(2030, 1, 5))
    assert not workdays.is_working_day(D(2030, 1, 6))  # a Sunday not swapped
    assert workdays.add_working_days(D(2029, 12, 31), 2) == D(2030, 1, 4)  # counting reads only 2030's days
    with pytest.raises(workdays.CalendarUnknown):
        workdays.add_working_days(D(2030, 12, 30), 5)  # 2031 is in no file


def test_a_calendar_file_with_a_day_of_another_year_or_no_notice_is_refused(tmp_path, monkeypatch):
    (tmp_path / "2030.yaml").write_text("year: 2030\ndocument: ''\nholidays: [2031-01-01]\n", encoding="utf-8")
    monkeypatch.setenv("JIUZHU_CALENDARS", str(tmp_path))
    with pytest.raises(JiuzhuError, match="2030.yaml"):
        workdays.is_working_day(D(2030, 1, 2))


@settings(max_examples=60, deadline=None)
@given(start=st.dates(D(2004, 1, 1), D(2026, 10, 1)), n=st.integers(0, 45))
def test_counting_back_the_days_added_gives_the_count(start, n):
    end = workdays.add_working_days(start, n)
    assert workdays.working_days_between(start, end) == n
    assert n == 0 or workdays.is_working_day(end)
