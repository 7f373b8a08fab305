"""Money to scale: a small synthetic 大足 of 2023 pays, per resident, what the real district reported
(3.1亿元 for 低保, 特困 and 临时救助, domain.md §9) within 15 %. The full-scale figure is computed by
``python -m jiuzhu.synth.scale`` (docs/synthetic-data.md)."""

from __future__ import annotations

import json

import pytest

from jiuzhu.synth import scale


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    """40,000 people of 大足 (seed 2) for 2023-08 and 2023-12: close to the full-scale figure (docs)."""
    work = tmp_path_factory.mktemp("scale")
    return work, scale.year_2023(work, people=40_000, seed=2)


def test_a_year_of_2023_is_within_15_percent_of_the_districts_report(year):
    _, money = year
    assert abs(money.ratio - 1) <= scale.TOLERANCE, scale.table(money, "tests/synth/test_money_to_scale.py")


def test_recipients_per_resident_are_those_the_calibration_documents(year):
    """低保 about 6 % of residents (what the report implies at amounts of about 58 % of the line); 特困 0.3-1.1 %
    (nationally 0.34 % of residents at the end of 2020, 0.88 % of rural ones: a mostly rural district lies
    between; docs/synthetic-data.md); 临时救助 a small part of the money."""
    _, money = year
    assert 0.05 <= money.shares["dibao"] <= 0.08, money.shares
    assert 0.003 <= money.shares["tekun"] <= 0.011, money.shares
    assert money.total("tekun") < 0.5 * money.total("dibao")
    assert 0 < money.total("temporary") < 0.12 * money.sum
    assert money.total("emergency") > 0 and money.total("expenditure") > 0


def test_the_year_is_paid_at_the_lines_in_force_before_and_after_september(year):
    work, money = year
    assert [m.month for m in money.months] == ["2023-08", "2023-12"]
    lines = {}
    for m in money.months:
        manifest = json.loads((work / f"500111-2-{m.month}" / "manifest.json").read_text(encoding="utf-8"))
        lines[m.month] = (manifest["parameters"]["dibao.line.urban"], manifest["parameters"]["dibao.line.rural"],
                          manifest["parameters"]["tekun.basic_living"])
    assert lines == {"2023-08": ("717", "581", "932"), "2023-12": ("735", "600", "955")}


def test_emergencies_recur_every_month_and_expenditure_aid_once_a_year():
    month = scale.MonthMoney(month="2023-08", persons=1000, households=400, dibao_fen=100_000, dibao_persons=60,
                             tekun_fen=50_000, tekun_persons=8, emergency_fen=30_000, emergency_households=1,
                             expenditure_fen=12_000, expenditure_households=3)
    money = scale.year_money([(month, 12)], residents=1000)
    assert money.total("dibao") == pytest.approx(12_000)       # 1,000 yuan a month, 12 months
    assert money.total("tekun") == pytest.approx(6_000)
    assert money.total("emergency") == pytest.approx(3_600)    # a new emergency every month
    assert money.total("expenditure") == pytest.approx(120)    # the same households, once
    assert money.sum == pytest.approx(12_000 + 6_000 + 3_600 + 120)
    assert money.shares["dibao"] == pytest.approx(0.06) and money.shares["emergency"] == pytest.approx(0.012)
    with pytest.raises(AssertionError):
        scale.year_money([(month, 8)])
