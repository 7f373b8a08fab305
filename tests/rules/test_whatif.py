"""What-if: a proposed new line changes who is eligible and what it costs, exactly."""

from decimal import Decimal

import pytest

from jiuzhu.errors import JiuzhuError
from jiuzhu.registry import service
from jiuzhu.rules.inputs.documents import frame_for
from jiuzhu.rules.whatif import compare, parse_change, reformed
from tests.rules.test_evaluate import _single


def _frame(wages_list, month="2025-08"):
    docs = []
    for i, wages in enumerate(wages_list):
        data = _single(wages=wages)
        data["household_no"] = f"H-{i}"
        docs.append(service.parse_household(data, record=f"h{i}"))
    return frame_for(docs, month)


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
