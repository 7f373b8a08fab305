"""The shared definitions of the rules' inputs (rules/inputs/facts.py): the mappings cover their vocabularies,
the kinship table is consistent both ways, and every rule written twice (Python and SQL) gives the same answer
over every combination of its inputs."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace

import duckdb
import pyarrow as pa
import pytest

from jiuzhu import months
from jiuzhu.registry.codes import ExclusionReason, Relation, SupporterStatus
from jiuzhu.rules.inputs import facts as f
from jiuzhu.rules.whatif import MONEY_HIGHEST, reformed

P = f.InputParameters.of("2025-08")


def _sql_over(rows: list[dict], expression: str) -> list:
    con = duckdb.connect()
    con.register("grid", pa.Table.from_pylist(rows))
    out = [r[0] for r in con.execute(f"SELECT {expression} FROM grid ORDER BY i").fetchall()]
    con.close()
    return out


def test_the_vocabularies_are_covered():
    assert set(f.PARENT_STATUS_OF) == set(SupporterStatus)
    assert set(f.PARENT_STATUS_OF.values()) <= set(f.PARENT_STATUSES)
    assert set(f.EXCLUDED_PARENT) <= set(ExclusionReason)
    assert set(f.STATUS_RANK) == {s.value for s in SupporterStatus}
    assert set(f.ROW_KINSHIP) <= set(Relation)


def test_the_codes_of_the_enums_are_the_rules_own_indexes():
    """Both twins code a disability category and a parent's status by these lists: the enums' index in the rules."""
    from jiuzhu.registry.codes import DisabilityCategory
    from jiuzhu.rules.system import rules

    variables = rules().variables
    for variable, names in (("disability_category", f.DISABILITY_CATEGORIES), ("father_status", f.PARENT_STATUSES),
                            ("mother_status", f.PARENT_STATUSES)):
        assert {m.index: m.name for m in variables[variable].possible_values} == dict(enumerate(names))
    assert {c.value for c in DisabilityCategory} <= set(f.DISABILITY_CATEGORIES)


def test_kinship_reads_the_same_both_ways():
    for (a, b), (kin, certain) in f.KINSHIP.items():
        assert f.KINSHIP[(b, a)] == (f.INVERSE[kin], certain), (a, b)
    # Every pair of the vocabulary is decided: related as the table says, or owing nothing.
    assert (Relation.head, Relation.spouse) in f.KINSHIP and (Relation.spouse, Relation.parent) not in f.KINSHIP
    assert f.KINSHIP[(Relation.child, Relation.parent)] == (f.Kin.grandparent, True)  # head's parent ↔ head's child
    assert f.KINSHIP[(Relation.parent, Relation.child)] == (f.Kin.grandchild, True)
    assert not any(Relation.other in pair or Relation.child_in_law in pair and Relation.head in pair
                   for pair in f.KINSHIP)


def test_duty_in_sql_is_the_python_rule():
    rows = []
    for i, (kin, certain, d_age, dependent, s_age, older, school) in enumerate(itertools.product(
            list(f.Kin), [True, False], [5, 17, 18, 40, 75], [True, False], [10, 17, 18, 50], [True, False],
            [True, False])):
        rows.append(dict(i=i, kin=kin.value, certain=certain, d_age=d_age, dependent=dependent, s_age=s_age,
                         older=older, school=school, expected=f.duty(kin, certain, d_age, dependent, s_age, older,
                                                                     school)))
    got = _sql_over(rows, f.duty_sql("kin", "certain", "d_age", "dependent", "s_age", "older", "school"))
    assert got == [r["expected"] for r in rows]
    assert {r["expected"] for r in rows} == {f.NO, f.MAYBE, f.YES}


def test_a_supporter_rows_duty_in_sql_is_the_python_rule():
    rows = [dict(i=i, relation=r.value, d_age=age, dependent=dep,
                 expected=f.row_duty(f.ROW_KINSHIP.get(r), age, dep))
            for i, (r, age, dep) in enumerate(itertools.product(list(Relation), [3, 17, 18, 66], [True, False]))]
    assert _sql_over(rows, f.row_duty_sql("relation", "d_age", "dependent")) == [r["expected"] for r in rows]


# The largest line a what-if accepts (10⁹ fen, below 2³¹) times the most months: beyond 32 bits, where DuckDB
# typed the line's literal and overflowed ("Overflow in multiplication of INT32 (100000000 * 24)").
HIGHEST_LINE = int(MONEY_HIGHEST * 100)
LARGE = replace(P, line_urban_fen=HIGHEST_LINE, line_rural_fen=HIGHEST_LINE - 1, tekun_assets_months=120,
                disposable_urban_fen=HIGHEST_LINE * 12, disposable_rural_fen=HIGHEST_LINE)


@pytest.mark.parametrize("parameters", [P, f.InputParameters.of("2024-08"), LARGE],
                         ids=["2025-08", "no disposable income", "a 2^31-scale line"])
def test_a_members_ability_in_sql_is_the_python_rule(parameters):
    rows = []
    grid = itertools.product([True, False], [True, False], [17, 18, 59, 60, 69, 70, 85], [True, False],
                             [True, False], [True, False], [True, False], [True, False], [0, 300_000, 10**12],
                             [True, False], [0, 10**9, HIGHEST_LINE * 120, HIGHEST_LINE * 120 + 1])
    for i, (alive, counted, age, tekun, dibao, severe, urban, ik, income, ak, assets) in enumerate(grid):
        facts = f.SupporterFacts(alive, counted, age, tekun, dibao, severe, urban, ik, income, ak, assets)
        rows.append(dict(i=i, **facts.__dict__, expected=f.member_ability(facts, parameters)))
    sql = f.member_ability_sql(parameters, alive="alive", counted="counted", age="age", tekun="tekun",
                               dibao="dibao", severe="severe", urban="urban", income_known="income_known",
                               income="income_fen", assets_known="assets_known", assets="assets_fen")
    assert _sql_over(rows, sql) == [r["expected"] for r in rows]
    assert {r["expected"] for r in rows} == {f.NO, f.MAYBE, f.YES}


def test_cannot_live_independently_in_sql_is_the_python_rule():
    strict = replace(P, physical_max_grade=1)
    for p in (P, strict):
        rows = [dict(i=i, in_school=school, category=c, grade=g,
                     expected=f.cannot_live_independently(school, c, g, p))
                for i, (school, c, g) in enumerate(itertools.product([True, False], f.DISABILITY_CATEGORIES,
                                                                     range(0, 5)))]
        assert _sql_over(rows, f.cannot_live_independently_sql("in_school", "category", "grade", p)) == \
            [r["expected"] for r in rows]


def test_month_arithmetic_in_sql_is_the_python_one():
    months_ = [f"{y}-{m:02d}" for y in (1999, 2024, 2025) for m in range(1, 13)]
    rows = [dict(i=i, month=m) for i, m in enumerate(months_)]
    assert _sql_over(rows, f.month_number_sql("month")) == [months.month_number(m) for m in months_]
    births = [dt.date(2000, 2, 29), dt.date(1960, 8, 31), dt.date(1960, 9, 1), dt.date(2007, 8, 31)]
    for on in (dt.date(2025, 8, 31), dt.date(2025, 2, 28), dt.date(2024, 2, 29)):
        rows = [dict(i=i, birth=b) for i, b in enumerate(births)]
        assert _sql_over(rows, f.age_sql("birth", on)) == [months.age_on(b, on) for b in births]
    assert months.previous_months("2025-02", 3) == ["2024-11", "2024-12", "2025-01"]


def test_the_input_parameters_come_from_the_system_given():
    reform = reformed([("dibao.income.lookback_months", "2025-08-01", 12), ("dibao.line.rural", "2025-08-01", 700)])
    mine = f.InputParameters.of("2025-08", reform)
    assert (P.lookback_months, mine.lookback_months) == (6, 12)
    assert (P.line_rural_fen, mine.line_rural_fen) == (63000, 70000)
    assert len(mine.window) == 12 and mine.window[-1] == "2025-07"
    assert f.InputParameters.of("2025-07", reform) == f.InputParameters.of("2025-07")  # not yet in force


def test_money_in_the_generated_sql_is_64_bits():
    """Literals of fen are BIGINT whatever their size; a money column is read as 64 bits."""
    assert _sql_over([dict(i=0)], f"{f.sql_fen(10**9)} * 120") == [120 * 10**9]
    assert _sql_over([dict(i=0, x=10**9)], f"{f.sql_bigint('CAST(x AS INTEGER)')} * 24") == [24 * 10**9]
    assert f.sql_fen(None) == "NULL"
