"""What-if: a proposed new line changes who is eligible and what it costs, exactly."""

from decimal import Decimal

import pytest

from jiuzhu.errors import JiuzhuError
from jiuzhu.registry import service
from jiuzhu.rules.inputs.documents import frame_for
from jiuzhu.rules.whatif import compare, parse_change, reformed, run
from tests.conftest import FIELD_TEST_1
from tests.rules.test_evaluate import _single


def _frame(wages_list, month="2025-08"):
    """(before, after): the same frame twice — the lines these tests change are not read by the inputs."""
    docs = []
    for i, wages in enumerate(wages_list):
        data = _single(wages=wages)
        data["household_no"] = f"H-{i}"
        docs.append(service.parse_household(data, record=f"h{i}"))
    frame = frame_for(docs, month)
    return frame, frame


def test_raising_the_urban_line_to_800_adds_the_households_between_the_lines():
    frame = _frame(["700.00", "780.00", "799.99", "800.00", "900.00"])
    report = compare([frame], "2025-08", reformed([("dibao.line.urban", "2025-08-01", Decimal("800"))]))
    dibao = report.programmes["dibao"]
    assert report.households == 5
    assert (dibao.eligible_before, dibao.eligible_after) == (1, 3)
    assert (dibao.newly_eligible, dibao.no_longer_eligible) == (2, 0)
    assert dibao.cost_before_fen == 7000  # 770 − 700
    assert dibao.cost_after_fen == 10000 + 2000 + 1  # 800 − 700, 800 − 780, 800 − 799.99


def test_a_change_from_a_later_date_does_not_apply_now():
    frame = _frame(["780.00"])
    report = compare([frame], "2025-08", reformed([("dibao.line.urban", "2025-10-01", Decimal("800"))]))
    assert report.programmes["dibao"].eligible_after == 0


def test_the_baseline_is_left_untouched():
    reformed([("dibao.line.urban", "2025-08-01", Decimal("900"))])
    frame = _frame(["780.00"])
    report = compare([frame], "2025-08", reformed([("dibao.line.rural", "2025-08-01", Decimal("700"))]))
    assert report.programmes["dibao"].eligible_before == 0 and report.programmes["dibao"].eligible_after == 0


def test_unknown_parameters_and_bad_values_are_refused():
    with pytest.raises(JiuzhuError, match="no parameter named dibao.line.suburban"):
        reformed([("dibao.line.suburban", "2025-08-01", Decimal("800"))])
    with pytest.raises(JiuzhuError, match="is a group"):
        reformed([("dibao.line", "2025-08-01", Decimal("800"))])
    with pytest.raises(JiuzhuError, match="not a number"):
        parse_change("dibao.line.urban=eight hundred", "2025-08-01")
    assert parse_change("dibao.line.urban=800@2025-10-01", "2025-08-01") == (
        "dibao.line.urban", "2025-10-01", Decimal("800"))


# --- a reform's value reaches the inputs; the one function the faces call ------------------------------

LOOKBACK = FIELD_TEST_1 / "whatif-lookback-two-households.jsonl"


def _registry(tmp_path, path):
    from jiuzhu import migrate
    from jiuzhu.db import make_engine, session_scope
    from jiuzhu.rules.sources import file_households

    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    migrate.upgrade(engine)
    with session_scope(engine) as session:
        for batch in file_households(path):
            for doc in batch:
                service.put_household(session, doc, actor="t", reason="t")
    return engine


@pytest.mark.parametrize("where", ["file", "registry"])
def test_a_longer_look_back_window_is_read_by_the_input_preparation_too(tmp_path, where):
    """Field test 1: 12 months of look-back take in the head's 2,000-yuan months of 2024: 1 → 0 eligible."""
    source = {"source": LOOKBACK} if where == "file" else {"engine": _registry(tmp_path, LOOKBACK)}
    report = run(["dibao.income.lookback_months=12"], "2025-08", **source)
    dibao = report.programmes["dibao"]
    assert report.households == 2
    assert (dibao.eligible_before, dibao.eligible_after) == (1, 0)
    assert (dibao.cost_before_fen, dibao.cost_after_fen) == (77000, 0)
    assert (dibao.newly_eligible, dibao.no_longer_eligible) == (0, 1)
    assert report.changes == [{"name": "dibao.income.lookback_months", "start": "2025-08-01", "value": "12",
                               "first_month": "2025-08", "in_force": True}]


def test_the_inputs_read_the_window_of_the_system_given():
    docs = [doc for batch in _batches(LOOKBACK) for doc in batch]
    reform = reformed([("dibao.income.lookback_months", "2025-08-01", Decimal("12"))])
    assert frame_for(docs, "2025-08").persons["income_wages"][0] == 0  # Feb–Jul 2025: nothing earned, declared
    assert frame_for(docs, "2025-08", reform).persons["income_wages"][0] == 100000  # 6 × 2,000 over 12 months


def _batches(path):
    from jiuzhu.rules.sources import file_households

    return list(file_households(path))


def test_a_change_dated_inside_a_month_is_refused_naming_the_months_it_could_mean():
    with pytest.raises(JiuzhuError, match=r"write 2025-08-01 \(from 2025-08\) or 2025-09-01 \(from 2025-09\)"):
        run(["dibao.line.urban=800@2025-08-15"], "2025-08", source=LOOKBACK)


def test_a_change_dated_inside_a_month_is_refused_in_chinese(zh):
    with pytest.raises(JiuzhuError, match="2025-09-01") as error:
        parse_change("dibao.line.urban=800@2025-08-15", "2025-08-01")
    assert "每月" in error.value.message and "\n" not in error.value.message


def test_a_change_from_a_later_month_is_reported_as_not_yet_in_force():
    report = run(["dibao.line.urban=900@2025-10-01"], "2025-08", source=LOOKBACK)
    assert report.changes[0]["first_month"] == "2025-10" and not report.changes[0]["in_force"]
    assert report.programmes["dibao"].eligible_after == report.programmes["dibao"].eligible_before == 1


@pytest.mark.parametrize(("change", "says"), [
    ("dibao.line.suburban=800", "no parameter named dibao.line.suburban"),
    ("dibao.line=800", "dibao.line is a group of parameters, not one value: name one of dibao.line."),
    ("dibao.line.urban=eight hundred", "eight hundred is not a number"),
    ("dibao.line.urban=nan", "nan is not a number"),
    ("dibao.line.urban=-770", "dibao.line.urban is at least 0"),
    ("dibao.line.urban=770.001", "at most two decimals"),
    ("dibao.income.lookback_months=0", "dibao.income.lookback_months is at least 1"),
    ("dibao.income.lookback_months=1.5", "is a whole number"),
    ("tekun.working_ability.physical_max_grade=5", "is at most 4"),
    ("dibao.line.urban=800@2025-13-01", "is not a date"),
    ("dibao.line.urban", "write NAME=VALUE"),
])
def test_bad_changes_are_one_clear_line(change, says):
    with pytest.raises(JiuzhuError) as error:
        run([change], "2025-08", source=LOOKBACK)
    assert says in error.value.message and "\n" not in error.value.message


def test_a_month_that_is_not_one_is_refused():
    with pytest.raises(JiuzhuError, match="'2025-8' is not a month"):
        run(["dibao.line.urban=800"], "2025-8", source=LOOKBACK)


def test_a_month_before_the_law_in_force_is_one_clear_line():
    with pytest.raises(JiuzhuError, match="month 2019-01 is before the rules in force") as error:
        run(["dibao.line.urban=800"], "2019-01", source=LOOKBACK)
    assert error.value.field == "month"
