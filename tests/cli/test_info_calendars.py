"""``jiuzhu info`` tells the operator which years have an official working-day calendar, and which one is missing."""

from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner

from jiuzhu import workdays
from jiuzhu.cli.main import app


def test_info_names_the_calendar_years_and_the_missing_next_year(tmp_path, monkeypatch, zh):
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    monkeypatch.setattr("jiuzhu.clock.today", lambda: dt.date(2026, 11, 30))
    out = CliRunner().invoke(app, ["info", "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert 2026 in doc["calendar_years"] and 2004 in doc["calendar_years"]
    assert doc["calendar_missing"] == [2027]
    text = CliRunner().invoke(app, ["info"]).output
    assert "工作日历" in text and "2027 年：尚未公布" in text


def test_a_calendar_file_for_next_year_clears_the_warning(tmp_path, monkeypatch):
    folder = tmp_path / "cal"
    folder.mkdir()
    (folder / "2027.yaml").write_text("year: 2027\ndocument: test notice\nholidays: [2027-01-01]\n", encoding="utf-8")
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    monkeypatch.setenv("JIUZHU_CALENDARS", str(folder))
    monkeypatch.setattr("jiuzhu.clock.today", lambda: dt.date(2026, 11, 30))
    workdays._extra_years.cache_clear()
    try:
        doc = json.loads(CliRunner().invoke(app, ["info", "--json"]).output)
    finally:
        workdays._extra_years.cache_clear()
    assert doc["calendar_missing"] == [] and 2027 in doc["calendar_years"]
