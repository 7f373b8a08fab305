"""Nothing lost, nothing half-changed: a ledger with bad rows changes only households whose every row is good.

A household with any rejected row — or linked to one: a row about one of its people under another 户编号,
a row without 户编号 sitting under it — reads back exactly as stored, its change log untouched.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from jiuzhu.db import session_scope
from jiuzhu.registry import models as m
from jiuzhu.registry import service
from jiuzhu.registry.ledger import export_ledger, import_ledger, read_sheet, spans
from jiuzhu.registry.ledger.columns import HEADERS
from tests.factories import households
from tests.registry.test_ledger import write_ledger, wrong_check_digit

OTHER_ID = "512126196001010197"  # valid, and nobody's in these registries


def documents(engine) -> dict[str, dict]:
    with session_scope(engine) as session:
        found = list(session.scalars(select(m.Household)))
        return {d.household_no: d.model_dump(mode="json") for d in service.households_docs(session, found)}


def changes_by_household(engine) -> Counter:
    with session_scope(engine) as session:
        return Counter(session.scalars(select(m.Change.household_no)))


def put_all(engine, data: list[dict]) -> None:
    with session_scope(engine) as session:
        for item in data:
            service.put_household(session, service.parse_household(item, record="gen"), actor="gen", reason="gen")


# Edits that a row can never survive, whatever its kind.
def _bad_grade(row: dict) -> None:
    row["残疾等级"] = "9"


def _negative(row: dict) -> None:
    row["工资性收入"] = "-5.00"


def _unknown_kind(row: dict) -> None:
    row["明细"] = "备注"


def _bad_id(row: dict) -> None:
    row["身份证号"] = wrong_check_digit(row["身份证号"]) if row["身份证号"] else OTHER_ID


def _no_household(row: dict) -> None:
    row["户编号"] = None


def _mistyped_household(row: dict) -> None:
    row["户编号"] = f"{row['户编号']}#"


BAD_EDITS = [_bad_grade, _negative, _unknown_kind, _bad_id, _no_household, _mistyped_household]


@st.composite
def registries(draw) -> list[dict]:
    data = [draw(households(n + 1)) for n in range(draw(st.integers(2, 4)))]
    ids = [mem["id_number"] for h in data for mem in h["members"]]
    assume(len(set(ids)) == len(ids))
    return data


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=registries(), suffix=st.sampled_from([".xlsx", ".csv"]), choices=st.data())
def test_only_households_whose_every_row_is_good_change(module_db, tmp_path_factory, data, suffix, choices):
    engine = module_db()
    put_all(engine, data)
    before, log_before = documents(engine), changes_by_household(engine)
    folder = tmp_path_factory.mktemp("partial")
    with session_scope(engine) as session:
        export_ledger(session, folder / f"all{suffix}", month="2025-07", unmask=True, actor="clerk")
    rows = [dict(zip(HEADERS, cells, strict=True)) for _, cells in read_sheet(folder / f"all{suffix}")[1:]]
    owners = [r["户编号"] for r in rows]
    bad = choices.draw(st.sets(st.integers(0, len(rows) - 1), max_size=3), label="bad rows")
    for index in bad:
        choices.draw(st.sampled_from(BAD_EDITS), label="edit")(rows[index])
    for index, row in enumerate(rows):  # good edits everywhere else: they apply where nothing is bad
        if index not in bad and row["明细"] == "成员" and choices.draw(st.booleans(), label="good edit"):
            row["行业"] = "新行业"
    report = _import(engine, write_ledger(folder / f"edited{suffix}", rows))

    spoiled = {owners[i] for i in bad} | _sat_under(rows)
    after, log_after = documents(engine), changes_by_household(engine)
    assert set(report.rejected_rows) >= {i + 2 for i in bad}
    for household_no, doc in before.items():
        if household_no in spoiled:
            assert after[household_no] == doc, household_no
            assert log_after[household_no] == log_before[household_no]
        else:
            assert household_no not in report.rejected_households
            edited = {r["姓名"] for r in rows if r["户编号"] == household_no and r.get("行业") == "新行业"}
            assert {mem["name"] for mem in after[household_no]["members"] if mem["sector"] == "新行业"} >= edited
    assert set(after) == set(before)


def _sat_under(rows: list[dict]) -> set[str]:
    """The households that a row without a well-formed 户编号 sits under (the last well-formed one above it): the
    import links them to that row (docs/ledger.md), so they are refused with it. A mistyped 户编号 on a household's
    first row makes it sit under the household before."""
    above, linked = None, set()
    for row in rows:
        number = row["户编号"]
        if number is not None and not str(number).endswith("#"):
            above = number
        elif above is not None and (row["身份证号"] or row["明细"] != "成员"):
            linked.add(above)
    return linked


def _import(engine, path: Path):
    with session_scope(engine) as session:
        return import_ledger(session, path, actor="clerk", reason="partial")


# ----------------------------------------------------------------------------- rows outside their household


def exported(engine, folder: Path) -> list[dict]:
    path = folder / "all.csv"
    with session_scope(engine) as session:
        export_ledger(session, path, month="2025-07", unmask=True, actor="clerk")
    return [dict(zip(HEADERS, cells, strict=True)) for _, cells in read_sheet(path)[1:]]


def _example_registry(module_db) -> tuple:
    from tests.registry.test_ledger import example, household

    engine = module_db()
    put_all(engine, [example()])
    return engine, household


@pytest.mark.parametrize("edit", [_no_household, _mistyped_household])
def test_a_person_row_outside_its_household_removes_nobody(module_db, tmp_path, edit):
    engine, household = _example_registry(module_db)
    before = documents(engine)
    rows = exported(engine, tmp_path)
    spouse = next(r for r in rows if r["姓名"] == "李秀英" and r["明细"] == "成员")
    edit(spouse)
    rows += household(2, 2, 50)  # another household, stored
    report = _import(engine, write_ledger(tmp_path / "edited.csv", rows))
    assert documents(engine)["500111119-000001"] == before["500111119-000001"]
    assert report.stored_households == 1 and "500111119-000001" in report.rejected_households
    spouse_row = rows.index(spouse) + 2
    assert [r.field for r in report.rejected if r.row == spouse_row] == ["户编号"]


def test_a_person_moving_under_a_bad_row_stays_where_stored(module_db, tmp_path):
    """The spouse moves (rows under a new 户编号) but a row of the new household is bad: neither changes."""
    engine, household = _example_registry(module_db)
    before = documents(engine)
    rows = exported(engine, tmp_path)
    for r in rows:
        if r["姓名"] == "李秀英":
            r["户编号"] = "500111119-000002"
    moved = [r for r in rows if r["户编号"] == "500111119-000002"]
    moved[0].update({"与户主关系": "户主", "残疾等级": "9"})
    report = _import(engine, write_ledger(tmp_path / "edited.csv", rows))
    assert documents(engine) == before and report.stored_households == 0
    reasons = {r.reason for r in report.rejected if r.household_no == "500111119-000001"}
    assert reasons == {f"household 500111119-000001 not stored because row {rows.index(moved[0]) + 2} was "
                       "rejected, which is about one of its people"}


def test_a_detail_row_without_household_number_holds_the_household_above(module_db, tmp_path):
    engine, household = _example_registry(module_db)
    before = documents(engine)
    rows = exported(engine, tmp_path)
    rigid = next(r for r in rows if r["明细"] == "刚性支出")
    rigid["户编号"] = None
    rigid["身份证号"] = None
    report = _import(engine, write_ledger(tmp_path / "edited.csv", rows))
    assert documents(engine) == before and report.stored_households == 0


# ----------------------------------------------------------------------------- merged cells across households

OWN_HEADERS = sorted(spans.OWN_HEADERS - {"户编号"})  # a household's own columns (the shared ones may span)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=registries(), choices=st.data())
def test_a_household_cell_merged_across_households_leaves_each_of_them_untouched(module_db, tmp_path_factory, data,
                                                                                choices):
    """A merged household cell running from one household's rows into another's: every household it touches is
    left exactly as stored and reported; the others take their good edits."""
    import openpyxl

    engine = module_db()
    put_all(engine, data)
    before, log_before = documents(engine), changes_by_household(engine)
    folder = tmp_path_factory.mktemp("merged")
    path = folder / "all.xlsx"
    with session_scope(engine) as session:
        export_ledger(session, path, month="2025-07", unmask=True, actor="clerk")
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    owners = [ws.cell(n, HEADERS.index("户编号") + 1).value for n in range(2, ws.max_row + 1)]
    first = choices.draw(st.integers(0, len(owners) - 2), label="first row")
    last = choices.draw(st.integers(first + 1, len(owners) - 1), label="last row")
    assume(len(set(owners[first:last + 1])) > 1)
    header = choices.draw(st.sampled_from(OWN_HEADERS), label="column")
    for n, owner in enumerate(owners, start=2):  # a good edit on every person's row
        if ws.cell(n, HEADERS.index("明细") + 1).value == "成员":
            ws.cell(n, HEADERS.index("行业") + 1).value = f"新行业{owner[-1]}"
    column = HEADERS.index(header) + 1
    ws.merge_cells(start_row=first + 2, start_column=column, end_row=last + 2, end_column=column)
    wb.save(path)
    report = _import(engine, path)

    touched = set(owners[first:last + 1])
    after, log_after = documents(engine), changes_by_household(engine)
    assert set(report.rejected_households) == touched
    assert {r.row for r in report.rejected if r.field == header} == set(range(first + 2, last + 3))
    for household_no, doc in before.items():
        if household_no in touched:
            assert after[household_no] == doc, household_no
            assert log_after[household_no] == log_before[household_no]
        else:
            assert {mem["sector"] for mem in after[household_no]["members"]} == {f"新行业{household_no[-1]}"}
