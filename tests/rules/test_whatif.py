"""What-if: a proposed new line changes who is eligible and what it costs, exactly."""

from decimal import Decimal

import pytest

from jiuzhu.errors import JiuzhuError
from jiuzhu.registry import service
from jiuzhu.rules.inputs.documents import frame_for
from jiuzhu.rules.system import rules
from jiuzhu.rules.whatif import compare, parse_change, reformed, run, value_range
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
    ("dibao.line.urban=-770", "dibao.line.urban is from 0 to 10,000,000"),
    ("dibao.line.urban=770.001", "at most two decimals"),
    ("dibao.income.lookback_months=0", "dibao.income.lookback_months is from 1 to 120"),
    ("dibao.income.lookback_months=1.5", "is a whole number"),
    ("tekun.working_ability.physical_max_grade=5", "is from 1 to 4"),
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


# --- every value has a declared range; large values run; the value and the change as people write them -------


@pytest.mark.parametrize(("change", "says"), [
    ("dibao.line.urban=1e30", "dibao.line.urban is from 0 to 10,000,000"),  # was InvalidOperation in quantize
    ("dibao.line.urban=1e99", "dibao.line.urban is from 0 to 10,000,000"),
    ("dibao.line.urban=-1e99", "dibao.line.urban is from 0 to 10,000,000"),
    ("dibao.line.urban=10000000.01", "dibao.line.urban is from 0 to 10,000,000"),
    ("dibao.line.urban=Infinity", "Infinity is not a number"),
    ("dibao.line.urban=-inf", "-inf is not a number"),
    ("dibao.line.urban=sNaN", "sNaN is not a number"),
    ("dibao.line.urban=1e-5", "at most two decimals"),
    ("dibao.property.business_capital_limit=1e12", "is from 0 to 999,999,999,999.99"),
    ("dibao.income.rigid_deduction_share=1.01", "is from 0 to 1"),
    ("margin.income_multiple=1001", "is from 0 to 1,000"),
    ("dibao.income.lookback_months=121", "is from 1 to 120"),
    ("tekun.care.full_min_failed=7", "is from 0 to 6"),
    ("orphan.with_dibao_or_tekun=3", "is from 0 to 2"),
    ("orphan.with_dibao_or_tekun=1.5", "is a whole number"),
])
def test_values_outside_their_declared_range_are_one_clear_line(change, says):
    with pytest.raises(JiuzhuError) as error:
        parse_change(change, "2025-08-01")
    assert says in error.value.message and "\n" not in error.value.message


def test_every_parameter_has_a_declared_range():
    from jiuzhu.rules.whatif import RANGE_OF, RANGES

    names = _parameter_names()
    assert len(names) > 30 and set(RANGE_OF) <= set(names)
    for name in names:
        lowest, highest = value_range(name)
        assert 0 <= lowest < highest, name
    assert {_unit(n) for n in names} <= set(RANGES), "a unit without a declared range"


def test_the_range_message_names_the_parameter_in_chinese(zh):
    with pytest.raises(JiuzhuError) as error:
        parse_change("dibao.line.urban=1e99", "2025-08-01")
    assert error.value.message == ("“dibao.line.urban=1e99”：dibao.line.urban（城市最低生活保障标准） "
                                   "的取值范围是 0 至 10,000,000")


@pytest.mark.parametrize(("written", "value"), [("1e2", "100"), ("1E+2", "100"), ("800.50", "800.50"), ("-0", "0"),
                                                 ("0800", "800"), ("1000000", "1000000")])
def test_a_value_is_shown_as_people_write_it(written, value):
    """``1e2`` is accepted as 100 and shown ``100`` (never ``1E+2``) in the change, the report and the title."""
    name, start, amount = parse_change(f"dibao.line.urban={written}", "2025-08-01")
    assert str(amount) == value
    report = run([f"dibao.line.urban={written}"], "2025-08", source=LOOKBACK)
    assert report.changes[0]["value"] == value
    assert report.reform == f"dibao.line.urban = {value} from 2025-08-01"


def test_the_changes_are_described_in_chinese(zh):
    report = run(["dibao.line.urban=1e2", "dibao.income.lookback_months=12@2025-09-01"], "2025-08", source=LOOKBACK)
    assert report.reform == ("dibao.line.urban（城市最低生活保障标准） 自2025年8月1日起调整为 100；"
                             "dibao.income.lookback_months（低保收入核算期：申请(或复核)当月之前的该月数，取月平均） "
                             "自2025年9月1日起调整为 12")
    assert "from" not in report.reform


def test_a_line_of_a_million_yuan_runs_on_the_registry(tmp_path):
    """10⁸ fen × 24 months overflowed DuckDB's 32-bit integers in the input preparation (exit 70)."""
    changes = ["dibao.line.urban=1000000", "dibao.line.rural=1000000"]
    report = run(changes, "2025-08", engine=_registry(tmp_path, LOOKBACK), scratch=tmp_path)
    assert report.households == 2 and report.programmes["dibao"].eligible_after == 2
    assert report.programmes["dibao"].cost_after_fen > 100_000_000  # a line of 10⁸ fen a person, less income
    assert report.programmes == run(changes, "2025-08", source=LOOKBACK).programmes


# Both twins, every parameter at the end of its range at once: nothing overflows (an int32 amount wraps
# silently to a negative one), and the documents and the registry give the same answer.


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    from jiuzhu import migrate
    from jiuzhu.db import make_engine, session_scope
    from jiuzhu.registry import models as m
    from jiuzhu.registry.bulk import load_snapshot
    from jiuzhu.synth import generate

    root = tmp_path_factory.mktemp("whatif-district")
    generate(district="500111", households=300, seed=5, out_dir=root / "synth", month="2025-08", months=12)
    engine = make_engine(f"sqlite:///{root / 'registry.db'}")
    migrate.upgrade(engine)
    load_snapshot(engine, root / "synth")
    with session_scope(engine, write=False) as session:
        docs = service.households_docs(session, list(session.query(m.Household).order_by(m.Household.id)))
    return engine, docs, root


@pytest.mark.parametrize("end", [0, 1], ids=["lowest", "highest"])
def test_every_parameter_at_the_end_of_its_range_runs_the_same_in_both_twins(district, end):
    from jiuzhu.rules.whatif import document_frames

    engine, docs, root = district
    changes = [f"{n}={value_range(n)[end]}" for n in _parameter_names()]
    on_registry = run(changes, "2025-08", engine=engine, scratch=root)
    parsed = [parse_change(c, "2025-08-01") for c in changes]
    reform = reformed(parsed)
    on_documents = compare(document_frames([docs], "2025-08", reform), "2025-08", reform, changes=parsed)
    assert on_registry.households == on_documents.households == len(docs)
    assert on_registry.programmes == on_documents.programmes
    for delta in on_registry.programmes.values():
        assert delta.cost_before_fen >= 0 and delta.cost_after_fen >= 0
    if end:  # ten million yuan a month: the money programmes pay more than before
        assert on_registry.programmes["dibao"].cost_after_fen > on_registry.programmes["dibao"].cost_before_fen
        assert on_registry.programmes["tekun"].cost_after_fen > on_registry.programmes["tekun"].cost_before_fen


def _parameter_names() -> list[str]:
    names: list[str] = []

    def walk(node, prefix=""):
        for key, child in node.children.items():
            walk(child, f"{prefix}{key}.") if hasattr(child, "children") else names.append(prefix + key)

    walk(rules().parameters)
    return names


def _unit(name: str) -> str:
    from jiuzhu.rules.whatif import _parameter

    return (_parameter(rules().parameters, name).metadata or {}).get("unit", "")


def _township_frames(wages_and_areas, month="2025-08"):
    docs = []
    for i, (wages, area) in enumerate(wages_and_areas):
        data = _single(wages=wages)
        data["household_no"], data["area_code"] = f"H-{i}", area
        docs.append(service.parse_household(data, record=f"h{i}"))
    from jiuzhu.rules.whatif import document_frames

    return document_frames([docs], month, reformed([("dibao.line.urban", "2025-08-01", Decimal("800"))]))


def test_each_township_gets_its_own_households_and_the_townships_add_up_to_the_whole():
    frames = _township_frames([("700.00", "500111001001"), ("780.00", "500111001002"), ("790.00", "500111002001"),
                               ("900.00", "500111002001")])
    report = compare(frames, "2025-08", reformed([("dibao.line.urban", "2025-08-01", Decimal("800"))]))
    assert set(report.townships) == {"500111001", "500111002"}
    first, second = report.townships["500111001"]["dibao"], report.townships["500111002"]["dibao"]
    assert (first.eligible_before, first.eligible_after, first.newly_eligible) == (1, 2, 1)
    assert (second.eligible_before, second.eligible_after, second.newly_eligible) == (0, 1, 1)
    assert second.cost_after_fen == 1000  # 800 − 790
    for key, whole in report.programmes.items():  # a partition: the townships' figures sum to the district's
        parts = [by[key] for by in report.townships.values()]
        for name in ("eligible_before", "eligible_after", "cost_before_fen", "cost_after_fen", "newly_eligible",
                     "no_longer_eligible"):
            assert sum(getattr(p, name) for p in parts) == getattr(whole, name), (key, name)
