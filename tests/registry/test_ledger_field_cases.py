"""The ledger cases of field test 1 (tests/cases/field_test_1/README.md), each giving what users expect."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.cell import Cell
from sqlalchemy import func, select

from jiuzhu.db import session_scope
from jiuzhu.registry import models as m
from jiuzhu.registry import service
from jiuzhu.registry.codes import Employment, Relation
from jiuzhu.registry.ledger import export_ledger, import_ledger, read_sheet
from jiuzhu.registry.ledger.columns import HEADERS
from tests.audit import access_rows
from tests.conftest import FIELD_TEST_1

MERGED = FIELD_TEST_1 / "ledger-merged-household-cells.xlsx"
CLEAN = FIELD_TEST_1 / "ledger-clean-same-households.xlsx"


def run_import(engine, path: Path):
    with session_scope(engine) as session:
        return import_ledger(session, path, actor="clerk", reason="field test")


def documents(engine) -> dict[str, dict]:
    with session_scope(engine) as session:
        found = list(session.scalars(select(m.Household)))
        return {d.household_no: d.model_dump(mode="json") for d in service.households_docs(session, found)}


def count(engine, table) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(table))


# ----------------------------------------------------------------------------- merged cells


def test_merged_cells_read_as_their_top_left_value(new_db):
    engine = new_db()
    report = run_import(engine, MERGED)
    assert report.rejected == [] and report.stored_households == 10 and report.stored_people == 32
    wb = openpyxl.load_workbook(MERGED)
    assert wb.active.merged_cells.ranges, "the case really has merged cells"
    docs = documents(engine)
    sizes = {no: len(doc["members"]) for no, doc in docs.items()}
    assert sum(sizes.values()) == 32 and sizes["500111119-000004"] == 6
    assert docs["500111119-000002"]["address"] == "大足区铁山镇第1社区幸福路165号22栋(合成数据)"


def test_merged_ledger_over_the_clean_one_changes_nobody(new_db):
    engine = new_db()
    assert run_import(engine, CLEAN).stored_people == 32
    before, changes = documents(engine), count(engine, m.Change)
    report = run_import(engine, MERGED)
    assert report.rejected == [] and report.stored_households == report.stored_people == 0
    assert len(report.unchanged) == 10  # the same households: said so, not "stored 10" again
    assert documents(engine) == before and count(engine, m.Change) == changes


# ----------------------------------------------------------------------------- merged cells across households


def merged(tmp_path: Path, *refs: str, edit=None) -> Path:
    """The clean ledger (households 1: rows 2–3, 2: row 4, 3: rows 5–7 …) with the ranges merged."""
    wb = openpyxl.load_workbook(CLEAN)
    ws = wb.active
    for ref in refs:
        ws.merge_cells(ref)
    if edit is not None:
        edit(ws)
    path = tmp_path / f"merged-{'-'.join(r.replace(':', '') for r in refs)}.xlsx"
    wb.save(path)
    return path


@pytest.mark.parametrize("ref,column", [("C3:C5", "家庭住址"), ("C2:C4", "家庭住址"), ("C4:C7", "家庭住址")])
def test_a_household_column_merged_across_households_rejects_each_of_them(new_db, tmp_path, zh, ref, column):
    engine = new_db()
    run_import(engine, CLEAN)
    before, changes = documents(engine), count(engine, m.Change)
    report = run_import(engine, merged(tmp_path, ref))
    first, last = (int(part[1:]) for part in ref.split(":"))
    touched = {"500111119-000001": [2, 3], "500111119-000002": [4], "500111119-000003": [5, 6, 7]}
    rejected = {no for no, rows in touched.items() if set(rows) & set(range(first, last + 1))}
    assert set(report.rejected_households) == rejected
    assert report.rejected_rows == sorted(n for no in rejected for n in touched[no])
    for r in report.rejected:
        if first <= r.row <= last:  # the range's own rows: the merge, its column, in Chinese
            assert r.field == column and f"合并单元格 {ref}（{column}）跨了" in r.reason
            assert r.household_no == next(no for no, rows in touched.items() if r.row in rows)
        else:  # the rest of each household it touches: not stored, whole
            assert "未入库" in r.reason
    after = documents(engine)
    assert {no: after[no] for no in rejected} == {no: before[no] for no in rejected}
    assert count(engine, m.Change) == changes


def test_a_merged_household_number_over_another_household_names_the_merge(new_db, tmp_path, zh):
    engine = new_db()
    run_import(engine, CLEAN)
    before = documents(engine)
    report = run_import(engine, merged(tmp_path, "A2:A4"))  # row 4 is household 2's (another address)
    assert report.rejected_rows == [2, 3, 4] and report.rejected_households == ["500111119-000001"]
    assert {r.field for r in report.rejected} == {"户编号"}
    assert all("合并单元格 A2:A4（户编号）跨了不止一户的行" in r.reason and "家庭住址" in r.reason
               for r in report.rejected)
    # rows 3 and 4 have no 户编号 of their own: reported under their row, not under household 1's number
    assert [(r.row, r.household_no) for r in report.rejected] == [(2, "500111119-000001"), (3, None), (4, None)]
    assert documents(engine) == before


def test_a_merged_household_number_over_rows_typing_another_number_or_two_heads(new_db, tmp_path):
    engine = new_db()

    def keep_typed(ws):  # a file from another program keeps the covered cell's own value
        ws._cells[(4, 1)] = Cell(ws, row=4, column=1, value="500111119-000002")

    report = run_import(engine, merged(tmp_path, "A2:A4", "C2:C4", edit=keep_typed))
    assert report.rejected_households == ["500111119-000001", "500111119-000002"]
    numbered = [(r.row, r.household_no) for r in report.rejected if r.field == "户编号"]
    assert numbered == [(2, "500111119-000001"), (3, None), (4, "500111119-000002")]
    assert "500111119-000001、500111119-000002" in report.rejected[0].reason
    # the address merged with it runs over both households too: its own reason, its own column
    assert [r.row for r in report.rejected if r.field == "家庭住址"] == [2, 3, 4]
    two_heads = run_import(new_db("two.db"), merged(tmp_path, "A2:A4", "C2:C4"))  # same address: the heads tell
    assert two_heads.rejected_rows == [2, 3, 4] and "2 heads of household (rows 2、4)" in two_heads.rejected[0].reason


@pytest.mark.parametrize("ref,column,key", [("D3:D4", "城乡类别", "urban"), ("B4:B5", "区划代码", "area_code"),
                                            ("E2:E4", "申报日期", "declared_on")])
def test_what_a_village_shares_merged_across_households_reads_as_the_top_left_value(new_db, tmp_path, ref, column,
                                                                                  key):
    """区划代码, 城乡类别 and 申报日期 merged down several households (as staff lay out a village): each household
    covered takes the top-left value; nothing is rejected."""
    engine = new_db()
    report = run_import(engine, merged(tmp_path, ref))
    assert report.rejected == [] and report.stored_households == 10
    first, last = (int(part[1:]) for part in ref.split(":"))
    top_left = openpyxl.load_workbook(CLEAN).active[ref.split(":")[0]].value
    rows = {"500111119-000001": [2, 3], "500111119-000002": [4], "500111119-000003": [5, 6, 7]}
    covered = {no for no, numbers in rows.items() if set(numbers) & set(range(first, last + 1))}
    docs = documents(engine)
    values = {str(docs[no].get(key)) for no in covered}
    assert len(values) == 1, (column, values)  # one value: the top-left cell's, read as that column reads it
    assert top_left is not None


def test_merges_within_one_household_still_read_as_their_top_left_value(new_db, tmp_path):
    engine = new_db()
    report = run_import(engine, merged(tmp_path, "A2:A3", "C2:C3", "A5:A7", "C5:C7", "D5:D7", "E2:E3"))
    assert report.rejected == [] and report.stored_households == 10


def test_a_rejected_row_in_a_merged_ledger_leaves_its_household_as_stored(new_db, tmp_path):
    engine = new_db()
    run_import(engine, CLEAN)
    before, changes = documents(engine), count(engine, m.Change)
    wb = openpyxl.load_workbook(MERGED)
    ws = wb.active
    column = {cell.value: cell.column for cell in ws[1]}
    id_number = ws.cell(9, column["身份证号"])
    id_number.value = id_number.value[:17] + ("1" if id_number.value[17] != "1" else "2")  # household 4: rows 8–13
    ws.cell(3, column["工资性收入"]).value = 20000  # and a good edit in household 1
    broken = tmp_path / "broken.xlsx"
    wb.save(broken)
    report = run_import(engine, broken)
    assert report.rejected_rows == [8, 9, 10, 11, 12, 13] and report.rejected_households == ["500111119-000004"]
    assert [r.field for r in report.rejected if r.row == 9] == ["身份证号"]
    assert all("not stored because row 9 was rejected" in r.reason for r in report.rejected if r.row != 9)
    after = documents(engine)
    assert after["500111119-000004"] == before["500111119-000004"]
    assert after["500111119-000001"]["members"][1]["incomes"][-1]["wages"] == "20000.00"
    assert sum(len(d["members"]) for d in after.values()) == 32 and count(engine, m.Change) == changes + 1


# ----------------------------------------------------------------------------- labels per vocabulary


def test_other_is_the_relation_other_and_round_trips(new_db, tmp_path):
    engine = new_db()
    report = run_import(engine, FIELD_TEST_1 / "ledger-relation-other.xlsx")
    # 顾明兵 alone in household 2 is 其他 (other), so that household has no head: refused, named
    assert [(r.row, r.field) for r in report.rejected] == [(4, "与户主关系")]
    assert "户主" in report.rejected[0].reason
    spouse = documents(engine)["500111119-000001"]["members"][1]
    assert spouse["employment"] == Employment.other.value
    out = tmp_path / "again.xlsx"
    with session_scope(engine) as session:
        export_ledger(session, out, month="2025-08", unmask=True, actor="clerk")
    rows = [dict(zip(HEADERS, cells, strict=True)) for _, cells in read_sheet(out)[1:]]
    assert next(r for r in rows if r["姓名"] == "胡桂芝")["就业状况"] == "其他"
    other = new_db("other.db")
    assert run_import(other, out).rejected == [] and documents(other) == documents(engine)
    assert Relation.parse("其他") is Relation.other


# ----------------------------------------------------------------------------- dated balances


def test_statements_of_one_account_are_a_history(new_db, tmp_path):
    engine = new_db()
    for month in ("2025-06", "2025-07"):
        report = run_import(engine, FIELD_TEST_1 / f"ledger-deposit-statement-{month}.csv")
        assert report.rejected == []
    head = documents(engine)["T12-000001"]["members"][0]
    assert [(a["as_of"], a["amount"]) for a in head["financial_assets"]] == [
        ("2025-06-30", "10000.00"), ("2025-07-31", "10500.00")]
    out = tmp_path / "aug.csv"
    with session_scope(engine) as session:
        export_ledger(session, out, month="2025-08", unmask=True, actor="clerk")
    rows = [dict(zip(HEADERS, cells, strict=True)) for _, cells in read_sheet(out)[1:]]
    person = next(r for r in rows if r["明细"] == "成员")
    assert (person["存款"], person["余额日期"]) == ("10500.00", "2025-08-31")  # the latest, not 20,500


# ----------------------------------------------------------------------------- formula-like text


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_formula_like_text_stays_text_and_round_trips(new_db, tmp_path, suffix):
    data = json.loads((FIELD_TEST_1 / "household-formula-like-text.json").read_text(encoding="utf-8"))
    source = new_db("source.db")
    with session_scope(source) as session:
        service.put_household(session, service.parse_household(data, record="case"), actor="t", reason="case")
    out = tmp_path / f"formula{suffix}"
    with session_scope(source) as session:
        export_ledger(session, out, month="2025-08", unmask=True, actor="clerk")
    if suffix == ".xlsx":
        ws = openpyxl.load_workbook(out).active
        names = [ws.cell(r, HEADERS.index("姓名") + 1) for r in (2, 3)]
        assert [(c.value, c.data_type) for c in names] == [("=1+2", "s"), ("-测试壬妻", "s")]
        assert ws.cell(2, HEADERS.index("家庭住址") + 1).data_type == "s"
    else:
        text = out.read_text(encoding="utf-8-sig")
        assert ",'=1+2," in text and ",'-测试壬妻," in text and "\"'=HYPERLINK(" in text
    target = new_db("target.db")
    assert run_import(target, out).rejected == []
    assert documents(target) == documents(source)
    assert documents(target)["T10-000001"]["members"][0]["name"] == "=1+2"


def test_an_unmasked_export_is_logged_truly(new_db, tmp_path):
    engine = new_db()
    run_import(engine, CLEAN)
    with session_scope(engine) as session:
        assert export_ledger(session, tmp_path / "x.xlsx", month="2025-08", area_code="500111119", unmask=True,
                             actor="clerk-9") == 10
    with session_scope(engine) as session:
        [log] = access_rows(session)
    assert (log.actor, log.action, log.unmasked) == ("clerk-9", "export", True)
    assert "10 户，32 人" in log.subject and log.subject.endswith("证件号码等未脱敏")
