"""The ledger cases of field test 1 (tests/cases/field_test_1/README.md), each giving what users expect."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from jiuzhu.db import session_scope
from jiuzhu.registry import models as m
from jiuzhu.registry import service
from jiuzhu.registry.codes import Employment, Relation
from jiuzhu.registry.ledger import export_ledger, import_ledger, read_sheet
from jiuzhu.registry.ledger.columns import HEADERS
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
    assert report.rejected == [] and report.stored_people == 32
    assert documents(engine) == before and count(engine, m.Change) == changes


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
        [log] = session.scalars(select(m.AccessLog))
    assert (log.actor, log.action, log.unmasked) == ("clerk-9", "export", True)
    assert "10 户，32 人" in log.subject and log.subject.endswith("证件号码等未脱敏")
