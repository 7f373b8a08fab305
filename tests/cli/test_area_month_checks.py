"""--area outside the jurisdiction, a bad JIUZHU_JURISDICTION, and months after the current one or too early
(findings 4 and 6 of the newcomer test): one line each, the reason named, nothing done."""

from __future__ import annotations

import datetime as dt

import pytest

from jiuzhu import clock
from jiuzhu.config import jurisdiction
from jiuzhu.errors import ConfigurationError, JiuzhuError
from jiuzhu.months import check_month, check_not_future
from jiuzhu.registry.areas import check_served


@pytest.fixture
def november_2026(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 11, 30))


def test_a_month_after_the_current_one_is_refused_saying_the_latest_allowed(november_2026, zh):
    assert check_not_future("2026-11") == "2026-11"
    with pytest.raises(JiuzhuError) as caught:
        check_not_future("2099-01")
    assert caught.value.message == "月份 2099-01 晚于本月：登记库记的是当前情况，最晚只能选 2026-11"
    assert caught.value.field == "month"


def test_a_month_before_the_earliest_is_too_early_not_badly_written(zh):
    with pytest.raises(JiuzhuError) as caught:
        check_month("1899-01")
    assert caught.value.message == "月份 1899-01 太早：登记库中没有 1900-01 以前的情况"
    assert "YYYY-MM" not in caught.value.message


@pytest.mark.parametrize("area", ["110101", "110000", "510000"])
def test_an_area_outside_the_jurisdiction_is_refused_as_such(area, zh):
    with pytest.raises(JiuzhuError) as caught:
        check_served(area)
    assert caught.value.message.startswith(f"区划 {area} 不在本登记库的辖区（500000 重庆市）内")
    assert caught.value.field == "area"


def test_the_whole_jurisdiction_and_its_parts_are_served():
    for area in ("500000", "500111", "500111119", "500111119S01"):
        assert check_served(area) == area


@pytest.mark.parametrize("value", ["abc", "5000", "999999", "500000,abc"])
def test_a_bad_jurisdiction_is_a_configuration_error_naming_the_setting(value, monkeypatch, zh):
    from jiuzhu.registry import areas

    monkeypatch.setenv("JIUZHU_JURISDICTION", value)
    with pytest.raises(ConfigurationError) as caught:  # its form (config), or no official area (the registry)
        areas.jurisdiction()
    assert caught.value.message.startswith(f"JIUZHU_JURISDICTION=“{value}”")
    assert jurisdiction(strict=False)  # the error edge still reads the settings


def test_the_cli_refuses_them_in_one_line(tmp_path, monkeypatch, zh):
    from typer.testing import CliRunner

    from jiuzhu.cli.main import app
    from tests.conftest import EXAMPLE

    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["import", str(EXAMPLE)]).exit_code == 0
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 11, 30))
    for args, code, text in [
        (["scan", "--month", "2099-01"], 2, "--month: 月份 2099-01 晚于本月"),
        (["export", "x.xlsx", "--month", "2099-01"], 2, "--month: 月份 2099-01 晚于本月"),
        (["scan", "--month", "1899-01"], 2, "--month: 月份 1899-01 太早"),
        (["scan", "--area", "110101"], 2, "--area: 区划 110101 不在本登记库的辖区"),
        (["export", "x.jsonl", "--area", "110101"], 2, "--area: 区划 110101 不在本登记库的辖区"),
    ]:
        result = runner.invoke(app, args)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert result.exit_code == code, (args, result.output)
        assert len(lines) == 1 and text in lines[0], (args, result.output)
    monkeypatch.setenv("JIUZHU_JURISDICTION", "abc")
    result = runner.invoke(app, ["scan"])
    assert result.exit_code == 3 and "JIUZHU_JURISDICTION" in result.output
