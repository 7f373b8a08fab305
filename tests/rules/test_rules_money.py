"""Money is 64-bit through the rules: every amount variable is int64, the 2³¹-fen case is decided on the right
figures, and the rules' sums and comparisons equal Python's integer arithmetic up to the format's largest
amounts (Hypothesis)."""

import datetime as dt
import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jiuzhu.registry import service
from jiuzhu.rules.entities import MONEY_DTYPE, Money
from jiuzhu.rules.explain import evaluate
from jiuzhu.rules.simulation import MONEY_INPUT_MAX, Frame, build_simulation
from jiuzhu.rules.system import rules
from jiuzhu.rules.tri import TriState
from tests.conftest import FIELD_TEST_1
from tests.factories import id_number

FORMAT_MAX = 99_999_999_999_999  # fen: 999,999,999,999.99 yuan, the household format's largest amount
INCOMES = ("income_wages", "income_business", "income_property", "income_transfer", "income_pension",
           "income_unemployment")
COUNTS = {"age", "dibao_size", "household_size", "disability_grade", "residential_properties",
          "self_care_failed_activities", "months_above_line_through_work", "dibao_children_on_allowance",
          "dibao_members_pending"}


def test_every_amount_is_a_64_bit_money_variable_and_every_other_integer_a_state_or_a_count():
    for name, variable in rules().variables.items():
        if variable.unit == "fen":
            assert isinstance(variable, Money) and variable.dtype == MONEY_DTYPE, name
        elif variable.value_type is int:
            assert isinstance(variable, TriState) or name in COUNTS, f"{name}: money (unit fen), state or count?"
        assert not isinstance(variable, Money) or variable.unit == "fen", name


def test_inputs_defaults_and_results_of_money_are_int64():
    frame = Frame(period="2025-08", household_index=np.array([0, 0], dtype=np.int32),
                  persons={"birth_date": np.array(["1980-01-01", "1982-01-01"], dtype="datetime64[D]"),
                           "income_wages": np.array([2**31, 5], dtype=np.int64)},
                  households={"is_urban": np.array([True])})
    simulation = build_simulation(frame)
    for name in ("income_wages", "income_pension", "counted_income", "dibao_income", "dibao_amount"):
        assert simulation.calculate(name, "2025-08").dtype == np.int64, name
    assert list(simulation.calculate("counted_income", "2025-08")) == [2**31, 5]


@pytest.mark.parametrize("lang, text", [("en", "household income per person 21474836.48 yuan ≥ the minimum-living "
                                                "line 630.00 yuan"),
                                        ("zh", "家庭人均月收入 21474836.48 元 ≥ 低保标准 630.00 元")])
def test_wages_of_2_to_the_31_fen_are_income_not_an_overflow(lang, text):
    """Field test 1: 21,474,836.48 yuan of monthly wages evaluated as income per person 0.00, 低保 granted."""
    data = json.loads((FIELD_TEST_1 / "household-wages-2pow31-fen.json").read_text(encoding="utf-8"))
    result = evaluate([service.parse_household(data, record="case")], "2025-08", lang=lang)[0]
    dibao = next(p for p in result["programmes"] if p["programme"] == "dibao")
    assert dibao["status"] == "not_eligible" and dibao["monthly_amount"] == "0.00"
    income = next(c for c in dibao["conditions"] if c["condition"] == "dibao_income_test")
    assert income["result"] == "failed" and income["text"] == text
    assert result["total_monthly_amount"] == "0.00"


def test_the_largest_amounts_of_the_format_in_a_household_of_a_hundred():
    months = [f"2025-{m:02d}" for m in range(2, 8)]
    member = {"name": "测试", "relation": "other", "hukou": {"chongqing": True, "urban": True},
              "incomes": [{"month": m, "wages": "999999999999.99", "pension": "999999999999.99"} for m in months]}
    members = [{**member, "id_number": id_number(dt.date(1970, 1, 1 + i % 28), i, True)} for i in range(100)]
    members[0]["relation"] = "head"
    data = {"household_no": "BIG-1", "area_code": "500111119", "urban": True, "declared_on": "2025-08-05",
            "members": members}
    dibao = next(p for p in evaluate([service.parse_household(data, record="big")], "2025-08", "en")[0]["programmes"]
                 if p["programme"] == "dibao")
    income = next(c for c in dibao["conditions"] if c["condition"] == "dibao_income_test")
    assert dibao["status"] == "not_eligible"
    assert income["text"].startswith("household income per person 1999999999999.98 yuan ≥")


# Python's integers are the reference: the same law written without any bound.
def _expected(persons, household, line, share=Fraction(1), multiple=Fraction(3, 2), yearly=4_700_000,
              rigid_share=Fraction(3, 5)):
    clip = lambda v: max(min(v, MONEY_INPUT_MAX), -MONEY_INPUT_MAX)  # noqa: E731
    size = len(persons)
    counted = [sum(clip(p[k]) for k in INCOMES) for p in persons]
    gross = sum(counted)
    rmr = clip(household["rigid_medical_rehabilitation"])
    income = max(gross - (rmr * share.numerator) // share.denominator, 0)
    assets = sum(clip(p["financial_assets"]) for p in persons)
    spending = clip(household["rigid_spending_12_months"])
    this_month = clip(household["rigid_spending_this_month"])
    return {
        "counted_income": counted,
        "dibao_gross_income": gross,
        "dibao_income": income,
        "dibao_financial_assets": assets,
        "dibao_income_test": 2 if income < line * size else 0,
        "dibao_difference": max(line * size - income, 0),
        "dibao_income_per_capita": int(Fraction(income, size) + Fraction(1, 2)),
        "dibao_assets_per_capita": int(Fraction(assets, size) + Fraction(1, 2)),
        "margin_income_test": 2 if income < multiple * line * size else 0,
        "rigid_income_test": 2 if gross * 12 < yearly * size else 0,
        "rigid_spending_test": 2 if spending > rigid_share * 12 * gross else 0,
        "temporary_expenditure_need": max(this_month - max(income - line * size, 0), 0),
        "dibao_business_test": 2 if sum(clip(p["business_capital"]) for p in persons) <= 5_000_000 else 0,
    }


AMOUNT = st.one_of(st.integers(0, 10_000_000), st.integers(0, FORMAT_MAX), st.integers(0, 1000 * FORMAT_MAX),
                   st.just(FORMAT_MAX), st.just(2**31), st.just(2**31 - 1))
PERSON = st.fixed_dictionaries({**{k: AMOUNT for k in INCOMES}, "financial_assets": AMOUNT,
                                "business_capital": AMOUNT})
HOUSEHOLD_MONEY = ("rigid_medical_rehabilitation", "rigid_spending_12_months", "rigid_spending_this_month")
HOUSEHOLD = st.fixed_dictionaries(dict.fromkeys(HOUSEHOLD_MONEY, AMOUNT))


@settings(max_examples=60, deadline=None)
@given(households=st.lists(st.tuples(st.lists(PERSON, min_size=1, max_size=100), HOUSEHOLD), min_size=1, max_size=4))
@example(households=[([{**{k: FORMAT_MAX for k in INCOMES}, "financial_assets": 1000 * FORMAT_MAX,
                        "business_capital": FORMAT_MAX}] * 100,
                      {"rigid_medical_rehabilitation": FORMAT_MAX, "rigid_spending_12_months": 2000 * FORMAT_MAX,
                       "rigid_spending_this_month": FORMAT_MAX})])
@example(households=[([dict.fromkeys((*INCOMES, "financial_assets", "business_capital"), 0)] * 99
                       + [{**dict.fromkeys(INCOMES, FORMAT_MAX), "financial_assets": 2**62, "business_capital": 1}],
                       dict.fromkeys(HOUSEHOLD_MONEY, 0))] * 3)  # mostly zeros: the sparse sums
def test_int64_sums_and_comparisons_equal_python_integer_arithmetic(households):
    """Adults of 30 (no 特困, no add-on) in urban households, August 2025 (line 770.00): every money figure
    and every comparison of money equals the same law in unbounded Python integers."""
    index = np.repeat(np.arange(len(households), dtype=np.int32), [len(p) for p, _ in households])
    persons = [p for ps, _ in households for p in ps]
    frame = Frame(period="2025-08", household_index=index,
                  persons={"birth_date": np.full(len(persons), "1995-01-01", dtype="datetime64[D]"),
                           **{k: np.array([p[k] for p in persons], dtype=object)
                              for k in (*INCOMES, "financial_assets", "business_capital")}},
                  households={"is_urban": np.ones(len(households), dtype=bool),
                              **{k: np.array([h[k] for _, h in households], dtype=object) for k in HOUSEHOLD_MONEY}})
    simulation = build_simulation(frame)
    got = {name: simulation.calculate(name, "2025-08") for name in _expected(*households[0], 77000)}
    row = 0
    for h, (ps, household) in enumerate(households):
        expected = _expected(ps, household, 77000)
        assert [int(v) for v in got["counted_income"][row:row + len(ps)]] == expected.pop("counted_income")
        row += len(ps)
        for name, value in expected.items():
            assert int(got[name][h]) == value, (name, h)
