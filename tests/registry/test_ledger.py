"""Ledger (台账) import and export: .xlsx and CSV, rejections by row and column, merge, masking, round trip.

Every ledger here is synthetic and built in the test (the builder below); the
ID numbers are valid (stdnum) but belong to nobody.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from stdnum.cn import ric

from jiuzhu.db import session_scope
from jiuzhu.errors import JiuzhuError, RecordError
from jiuzhu.registry import models as m
from jiuzhu.registry import schemas as s
from jiuzhu.registry import service
from jiuzhu.registry.codes import INCOME_LABELS, AssetKind, DisabilityCategory, Employment, Programme, VehicleKind
from jiuzhu.registry.ledger import export_ledger, import_ledger, read_sheet
from jiuzhu.registry.ledger.cells import decimal_of, parse_date, parse_month, parse_yuan
from jiuzhu.registry.ledger.columns import HEADERS
from jiuzhu.registry.validation import mask_id
from tests.audit import access_rows

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
EXAMPLE = ROOT / "docs" / "examples" / "household.json"

# ----------------------------------------------------------------------------- synthetic builder

# 大足's county codes by the years stdnum's table accepts them (domain.md §8).
DAZU = [("512126", 1900, 1982), ("510230", 1983, 1996), ("500225", 1997, 2010), ("500111", 2011, 2030)]
SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = ["德福", "秀英", "浩", "小雨", "建国", "桂芳", "明", "华", "军", "丽", "志强", "玉兰"]


def make_id(birth: dt.date, seq: int, male: bool) -> str:
    area = next(code for code, start, end in DAZU if start <= birth.year <= end)
    first17 = f"{area}{birth:%Y%m%d}{seq % 500 * 2 + (1 if male else 0):03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def wrong_check_digit(id_number: str) -> str:
    digits = "0123456789X"
    return id_number[:17] + digits[(digits.index(id_number[17]) + 1) % 11]


def person(i: int, household_no: str, relation: str, *, area: str = "500111119", urban: bool = False,
           **cells) -> dict:
    """A ledger row (header → cell) for synthetic person number ``i``."""
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=(i * 97) % 27000)
    male = i % 2 == 0
    row = {
        "户编号": household_no, "区划代码": area, "家庭住址": f"示例村{household_no[-3:]}号(合成数据)",
        "城乡类别": "城市" if urban else "农村", "与户主关系": relation,
        "姓名": SURNAMES[i % 10] + GIVEN[i % 12], "身份证号": make_id(birth, i, male),
        "是否共同生活": "是", "户籍是否重庆": "是", "户籍城乡": "农村", "就业状况": "务农",
        "收入月份": "2025-07", "工资性收入": f"{(i * 37) % 2000}.{i % 100:02d}", "存款": "1,200.00",
    }
    row.update(cells)
    return row


def household(n: int, size: int, first: int, **cells) -> list[dict]:
    no = f"500111119-{n:06d}"
    relations = ["户主", "配偶", "子女", "子女", "父母", "孙子女", "兄弟姐妹"]
    return [person(first + k, no, relations[k % len(relations)], **cells) for k in range(size)]


def write_ledger(path: Path, rows: list[dict], headers: list[str] = HEADERS, encoding: str = "utf-8-sig") -> Path:
    """A ledger file as staff would keep it: .xlsx (cells as given) or CSV (text)."""
    if path.suffix == ".xlsx":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(headers)
        for row in rows:
            ws.append([row.get(h) for h in headers])
        wb.save(path)
    else:
        with path.open("w", encoding=encoding, newline="") as out:
            writer = csv.writer(out)
            writer.writerow(headers)
            writer.writerows([["" if row.get(h) is None else row.get(h) for h in headers] for row in rows])
    return path


def ledger_dicts(path: Path) -> list[dict]:
    """The rows of an exported ledger as header → cell."""
    return [dict(zip(HEADERS, cells, strict=True)) for _, cells in read_sheet(path)[1:]]


def person_row(rows: list[dict], name: str) -> dict:
    """The person's own row (明细 成员) of ``name``."""
    return next(r for r in rows if r["姓名"] == name and r["明细"] == "成员")


def count(engine, table) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(table))


def stored(engine, household_no: str) -> s.Household:
    with session_scope(engine) as session:
        return service.household_doc(session, service.get_household(session, household_no))


def put(engine, data: dict) -> None:
    with session_scope(engine) as session:
        service.put_household(session, service.parse_household(data, record="test"), actor="test", reason="setup")


def run_import(engine, path: Path):
    with session_scope(engine) as session:
        return import_ledger(session, path, actor="clerk", reason="ledger import")


def run_export(engine, path: Path, **kwargs) -> int:
    kwargs = {"month": "2025-07", "actor": "clerk", **kwargs}
    with session_scope(engine) as session:
        return export_ledger(session, path, **kwargs)


def example() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- the Done-when check

BAD_ROWS = {
    # data index → (cells to change, the column the report must name)
    13: ({"身份证号": "wrong check digit"}, "身份证号"),
    57: ({"出生日期": "1901-01-01"}, "出生日期"),
    102: ({"区划代码": "500111999"}, "区划代码"),
    230: ({"工资性收入": "12.345"}, "工资性收入"),
    311: ({"与户主关系": "表哥"}, "与户主关系"),
    404: ({"残疾类别": "肢体", "残疾等级": 5}, "残疾等级"),
    519: ({"收入月份": "2025-13"}, "收入月份"),
    650: ({"性别": "sex disagreeing"}, "性别"),
    778: ({"进食": "能", "穿衣": "能", "上下床": "不能", "如厕": "能", "室内行走": "能"}, "洗澡"),
    951: ({"是否共同生活": "否"}, "不计入原因"),
}


def generated_rows(total: int) -> list[dict]:
    """``total`` valid rows of households of 1 to 6 people."""
    sizes = [4, 3, 5, 2, 1, 6, 3, 4, 2, 5]
    rows: list[dict] = []
    n = 0
    while len(rows) < total:
        size = min(sizes[n % len(sizes)], total - len(rows))
        rows += household(n + 1, size, len(rows))
        n += 1
    return rows


def thousand_rows() -> list[dict]:
    rows = generated_rows(1000)
    for index, (change, _) in BAD_ROWS.items():
        row = rows[index]
        assert row["与户主关系"] != "户主", "bad rows are members, so their households survive"
        for header, value in change.items():
            if value == "wrong check digit":
                value = wrong_check_digit(row["身份证号"])
            elif value == "sex disagreeing":
                value = "女" if int(row["身份证号"][16]) % 2 else "男"
            row[header] = value
    return rows


def test_thousand_rows_ten_bad_rows_reject_their_households_whole(new_db, tmp_path):
    """Nothing half-stored: each bad row is reported with its own column and reason, the other rows of its
    household with why the household was not stored; every other household is stored."""
    rows = thousand_rows()
    path = write_ledger(tmp_path / "台账.xlsx", rows)
    engine = new_db()
    report = run_import(engine, path)

    bad_households = {rows[index]["户编号"] for index in BAD_ROWS}
    in_bad = [i for i, r in enumerate(rows) if r["户编号"] in bad_households]
    own = {index + 2: column for index, (_, column) in BAD_ROWS.items()}
    got = [(r.row, r.field) for r in report.rejected]
    assert got == [(i + 2, own.get(i + 2, "户编号")) for i in in_bad]
    assert report.stored_people == 1000 - len(in_bad)
    assert report.stored_households == len({r["户编号"] for r in rows}) - 10
    assert count(engine, m.Member) == 1000 - len(in_bad) == count(engine, m.Person)
    by_row = {r.row: r for r in report.rejected}
    assert "check digit" in by_row[15].reason
    assert "disagrees with the ID number" in by_row[59].reason
    assert "500111999" in by_row[104].reason
    assert "more than two decimal" in by_row[232].reason
    assert "表哥" in by_row[313].reason
    assert "4" in by_row[406].reason
    assert "2025-13" in by_row[521].reason
    assert "all or none" in by_row[780].reason
    assert all(r.household_no == rows[r.row - 2]["户编号"] for r in report.rejected)
    head_row = next(i for i in in_bad if rows[i]["户编号"] == rows[13]["户编号"])
    assert by_row[head_row + 2].reason == f"household {rows[13]['户编号']} not stored because row 15 was rejected"
    with session_scope(engine) as session:
        numbers = set(session.scalars(select(m.Household.household_no)))
    assert not numbers & bad_households


def test_report_csv_and_counts(new_db, tmp_path, zh):
    rows = household(1, 3, 0) + household(2, 2, 10)
    rows[2]["残疾等级"] = 5
    rows[2]["残疾类别"] = "肢体"
    engine = new_db()
    report = run_import(engine, write_ledger(tmp_path / "l.csv", rows))
    out = tmp_path / "rejected.csv"
    report.write_csv(out)
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    assert lines[0] == ["行号", "户编号", "字段", "原因"]
    assert [line[:3] for line in lines[1:]] == [["2", "500111119-000001", "户编号"],
                                               ["3", "500111119-000001", "户编号"],
                                               ["4", "500111119-000001", "残疾等级"]]
    assert lines[1][3] == "户 500111119-000001 未入库：因第 4 行被拒绝"  # reasons in the user's language
    assert (report.stored_households, report.stored_people, report.rejected_rows) == (1, 2, [2, 3, 4])
    assert report.rejected_households == ["500111119-000001"]


# ----------------------------------------------------------------------------- cells and encodings


@pytest.mark.parametrize("cell, expected", [
    (612.4, "612.40"), (300, "300.00"), (0.1 + 0.2, "0.30"), ("1,234.50", "1234.50"), (" 12.5 ", "12.50"),
    ("0", "0.00"), (1234567.89, "1234567.89"), (612.4000000001, "612.40"),
])
def test_amounts_accepted(cell, expected):
    assert parse_yuan(cell) == expected


@pytest.mark.parametrize("cell", [1.005, 612.401, "12.345", "1,23.40", "12,34", "abc", True, float("nan"), "1.2.3",
                                  "-80.00", -0.01, "#N/A"])
def test_amounts_refused(cell):
    with pytest.raises(ValueError):
        parse_yuan(cell)


def test_decimal_of_keeps_exact_value():
    assert decimal_of(0.07) == Decimal("0.07") and decimal_of(19.99) == Decimal("19.99")


def test_dates_and_months():
    assert parse_date("2025-07-31") == parse_date("2025/7/31") == parse_date(dt.datetime(2025, 7, 31)) \
        == parse_date("20250731") == dt.date(2025, 7, 31)
    assert parse_month("2025/7") == parse_month(dt.datetime(2025, 7, 1)) == parse_month("2025-07") == "2025-07"
    for bad in ("2025-02-30", "31/07/2025"):
        with pytest.raises(ValueError):
            parse_date(bad)
    for bad in ("2025-13", dt.datetime(2025, 7, 15), "July"):
        with pytest.raises(ValueError):
            parse_month(bad)


def test_gb18030_csv(new_db, tmp_path):
    rows = household(1, 3, 0) + household(2, 2, 10)
    path = write_ledger(tmp_path / "gbk.csv", rows, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # the fallback is really exercised
    engine = new_db()
    report = run_import(engine, path)
    assert report.rejected == [] and report.stored_people == 5
    doc = stored(engine, "500111119-000001")
    assert [mem.name for mem in doc.members] == [r["姓名"] for r in rows[:3]]
    assert doc.address == rows[0]["家庭住址"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8"])
def test_utf8_csv_with_and_without_bom(new_db, tmp_path, encoding):
    rows = household(1, 2, 0)
    path = write_ledger(tmp_path / "u.csv", rows, encoding=encoding)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    engine = new_db()
    report = run_import(engine, path)
    assert report.rejected == [] and report.stored_people == 2
    assert stored(engine, "500111119-000001").members[0].name == rows[0]["姓名"]


def test_excel_date_and_number_cells(new_db, tmp_path):
    rows = household(1, 3, 0)
    head, spouse, child = rows
    head.update({"区划代码": 500111119, "出生日期": None, "残疾类别": "肢体", "残疾等级": 2.0,
                 "残疾证有效期起": dt.datetime(2021, 5, 1), "残疾证有效期止": "2031/4/30",
                 "收入月份": dt.datetime(2025, 7, 1), "工资性收入": 612.4, "养老金": 300, "存款": "1,234.50",
                 "住房用途": "住宅", "住房面积": 86.5, "享受项目": "最低生活保障", "月救助金额": 630,
                 "享受起始日期": dt.datetime(2024, 1, 1)})
    spouse["出生日期"] = dt.datetime.combine(ric.get_birth_date(spouse["身份证号"]), dt.time())
    spouse["享受项目"], spouse["月救助金额"], spouse["享受起始日期"] = "最低生活保障", 630.0, "2024-01-01"
    child.update({"户编号": "500111119-000002", "与户主关系": "户主"})  # a household of its own, refused whole
    child["身份证号"] = int(child["身份证号"][:15])  # typed into a number cell: Excel keeps 15 digits
    engine = new_db()
    report = run_import(engine, write_ledger(tmp_path / "cells.xlsx", rows))
    assert [(r.row, r.field) for r in report.rejected] == [(4, "身份证号")]
    assert "text" in report.rejected[0].reason
    doc = stored(engine, "500111119-000001")
    h = doc.members[0]
    assert doc.area_code == "500111119"
    assert h.disability.grade == 2 and h.disability.valid_from == dt.date(2021, 5, 1)
    assert h.disability.valid_to == dt.date(2031, 4, 30)
    assert h.incomes[0].month == "2025-07" and h.incomes[0].wages == Decimal("612.40")
    assert h.incomes[0].pension == Decimal("300.00") and h.incomes[0].business_net is None
    assert h.financial_assets[0].amount == Decimal("1234.50")
    assert h.financial_assets[0].as_of == dt.date(2025, 7, 31)
    assert h.real_estate[0].floor_area_m2 == Decimal("86.50")
    [dibao] = doc.enrolments  # listed on two rows, counted once
    assert (dibao.programme, dibao.id_number, dibao.monthly_amount, dibao.start_date) == (
        Programme.dibao, None, Decimal("630.00"), dt.date(2024, 1, 1))


def test_headers_tolerate_spacing_units_and_title_rows(new_db, tmp_path):
    rows = household(1, 2, 0)
    headers = [h.replace("工资性收入", "工资性收入（元）").replace("优抚金(不计入)", "优抚金") for h in HEADERS]
    renamed = [{**r, "工资性收入（元）": r["工资性收入"], "优抚金": "50"} for r in rows]
    path = tmp_path / "titled.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["铁山镇低保台账(合成数据)"])
    ws.append([" " + h if i % 2 else h for i, h in enumerate(headers)] + ["备注"])
    for r in renamed:
        ws.append([r.get(h) for h in headers] + ["note"])
    wb.save(path)
    engine = new_db()
    report = run_import(engine, path)
    assert report.rejected == [] and report.stored_people == 2
    assert any("备注" in w for w in report.warnings)
    income = stored(engine, "500111119-000001").members[0].incomes[0]
    assert income.wages == Decimal(rows[0]["工资性收入"]) and income.youfu == Decimal("50.00")


def test_missing_required_column_refuses_the_file(new_db, tmp_path):
    headers = [h for h in HEADERS if h != "姓名"]
    path = write_ledger(tmp_path / "l.csv", household(1, 1, 0), headers=headers)
    with pytest.raises(RecordError) as err:
        run_import(new_db(), path)
    assert err.value.field == "姓名"


# ----------------------------------------------------------------------------- households as a whole


def test_household_level_rejections(new_db, tmp_path):
    no_head = household(1, 2, 0)
    no_head[0]["与户主关系"] = "子女"
    two_heads = household(2, 3, 10)
    two_heads[2]["与户主关系"] = "户主"
    disagree = household(3, 3, 20)
    disagree[0]["区划代码"] = "500111120"  # the head's row is the odd one out: the other two agree
    lost_head = household(4, 2, 30)
    lost_head[0]["身份证号"] = wrong_check_digit(lost_head[0]["身份证号"])
    merged_cells = household(5, 3, 40)
    for row in merged_cells[1:]:  # household columns filled on the first row only, as with merged cells
        row.update({"区划代码": None, "家庭住址": None, "城乡类别": None})
    dibao_disagree = household(6, 2, 50, **{"享受项目": "最低生活保障", "享受起始日期": "2024-01-01"})
    dibao_disagree[0]["月救助金额"], dibao_disagree[1]["月救助金额"] = "630", "600"
    good = household(7, 2, 60)
    rows = no_head + two_heads + disagree + lost_head + merged_cells + dibao_disagree + good
    engine = new_db()
    report = run_import(engine, write_ledger(tmp_path / "h.xlsx", rows))

    got = [(r.row, r.household_no[-1], r.field) for r in report.rejected]
    assert got == [
        (2, "1", "与户主关系"), (3, "1", "与户主关系"),
        (4, "2", "与户主关系"), (5, "2", "与户主关系"), (6, "2", "与户主关系"),
        (7, "3", "区划代码"), (8, "3", "区划代码"), (9, "3", "区划代码"),
        (10, "4", "身份证号"), (11, "4", "户编号"),
        (15, "6", "月救助金额"), (16, "6", "月救助金额"),
    ]
    by_row = {r.row: r.reason for r in report.rejected}
    assert "no row is its 户主" in by_row[2]
    assert by_row[11] == "household 500111119-000004 not stored because row 10 was rejected"
    assert "rows 4, 6" in by_row[5]
    assert "500111120 disagrees with 500111119 on row 8" in by_row[7] and "(row 7)" in by_row[9]
    assert "600.00" in by_row[16] and "630.00" in by_row[16]
    assert report.stored_households == 2 and report.stored_people == 5
    merged = stored(engine, "500111119-000005")
    assert merged.area_code == "500111119" and len(merged.members) == 3
    assert merged.address == merged_cells[0]["家庭住址"]


def test_duplicate_id_in_the_file_rejects_the_later_row(new_db, tmp_path):
    rows = household(1, 2, 0) + household(2, 2, 10)
    rows[3]["身份证号"] = rows[1]["身份证号"]
    engine = new_db()
    report = run_import(engine, write_ledger(tmp_path / "d.csv", rows))
    assert [(r.row, r.field) for r in report.rejected] == [(4, "户编号"), (5, "身份证号")]
    assert "row 3" in report.rejected[1].reason
    assert report.stored_people == 2


def test_savepoint_isolates_a_household_the_database_refuses(new_db, tmp_path):
    engine = new_db()
    put(engine, example())  # 王德福's household, 500111119-000001
    clash = household(2, 3, 0)
    clash[1]["身份证号"] = "512126196009180027"  # 李秀英, already a member of 500111119-000001
    rows = household(1, 2, 100, **{"户编号": "500111119-000009"}) + clash + household(3, 2, 200)
    report = run_import(engine, write_ledger(tmp_path / "s.csv", rows))

    assert [(r.row, r.field) for r in report.rejected] == [(4, "身份证号"), (5, "身份证号"), (6, "身份证号")]
    by_row = {r.row: r.reason for r in report.rejected}
    assert "already a member of household 500111119-000001" in by_row[5]
    assert "row 5" in by_row[4] and "not stored" in by_row[4]
    assert report.stored_households == 2 and report.stored_people == 4
    with session_scope(engine) as session:
        numbers = set(session.scalars(select(m.Household.household_no)))
    assert numbers == {"500111119-000001", "500111119-000009", "500111119-000003"}
    assert len(stored(engine, "500111119-000001").members) == 4  # the other household is untouched
    assert count(engine, m.Person) == 4 + 4


def test_the_caller_owns_the_transaction(new_db, tmp_path):
    engine = new_db()
    path = write_ledger(tmp_path / "l.csv", household(1, 2, 0) + household(2, 1, 5))
    with pytest.raises(RuntimeError):
        with session_scope(engine) as session:
            assert import_ledger(session, path, actor="clerk", reason="r").stored_households == 2
            raise RuntimeError("the caller fails after the import")
    assert count(engine, m.Household) == 0 and count(engine, m.Change) == 0


# ----------------------------------------------------------------------------- merge with the registry


def rich_example() -> dict:
    data = example()
    head = data["members"][0]
    head["financial_assets"].append({"kind": "deposit", "institution": "中国邮政储蓄银行", "amount": "800.00",
                                     "as_of": "2025-07-31"})
    head["vehicles"].insert(0, {"kind": "motorcycle", "plate": "渝B12345", "value": "900.00",
                                "mobility_for_disabled": False})
    return data


def test_reimport_merges_keeps_other_months_and_facts(new_db, tmp_path):
    engine = new_db()
    put(engine, rich_example())
    path = tmp_path / "export.csv"
    run_export(engine, path, unmask=True)
    changes_before = count(engine, m.Change)

    # Unchanged ledger: nothing changes, detail the ledger cannot show is kept.
    report = run_import(engine, path)
    assert report.rejected == [] and count(engine, m.Change) == changes_before

    # Edit it: new July wages for the spouse, the grandchild 王小雨 leaves, a new child joins.
    rows = ledger_dicts(path)
    person_row(rows, "李秀英")["工资性收入"] = "520.00"
    rows = [r for r in rows if r["姓名"] != "王小雨"]
    newcomer = person(7, "500111119-000001", "子女", **{"家庭住址": rows[0]["家庭住址"], "工资性收入": "1500"})
    rows.append(newcomer)
    report = run_import(engine, write_ledger(tmp_path / "edited.csv", rows))
    assert report.rejected == [] and report.stored_people == 4

    doc = stored(engine, "500111119-000001")
    wanted = rich_example()
    head, spouse = doc.members[0], doc.members[1]
    assert [mem.name for mem in doc.members] == ["王德福", "李秀英", "王浩", newcomer["姓名"]]
    assert [(i.month, i.wages) for i in spouse.incomes] == [("2025-06", Decimal("450.00")),
                                                            ("2025-07", Decimal("520.00"))]
    assert head.incomes[0].month == "2025-06" and head.incomes[0].business_net == Decimal("300.00")
    assert [p.name for p in head.supporters] == [p["name"] for p in wanted["members"][0]["supporters"]]
    assert [(a.institution, a.amount) for a in head.financial_assets] == [
        ("重庆农村商业银行", Decimal("3200.50")), ("中国邮政储蓄银行", Decimal("800.00"))]
    assert [(v.plate, v.kind) for v in head.vehicles] == [("渝B12345", VehicleKind.motorcycle),
                                                         (None, VehicleKind.mobility_vehicle)]
    assert head.self_care.assessed_on == dt.date(2025, 3, 10)
    assert [r.amount for r in doc.rigid_spending] == [Decimal("1830.25")]
    assert [(e.programme, e.last_review) for e in doc.enrolments] == [
        (Programme.disability_care, dt.date(2025, 1, 15))]
    with session_scope(engine) as session:
        paths = [c.path for c in service.history(session, "500111119-000001")][changes_before:]
    assert "members[512126196009180027].incomes[2025-07].wages" in paths
    assert not any("[2025-06]" in p or p.startswith(("rigid_spending", "enrolments", "members[512126195804120037]"))
                   for p in paths)


def test_rejected_row_leaves_the_stored_household_exactly_as_it_was(new_db, tmp_path):
    engine = new_db()
    put(engine, example())
    before, changes = stored(engine, "500111119-000001"), count(engine, m.Change)
    path = tmp_path / "e.csv"
    run_export(engine, path, unmask=True)
    rows = ledger_dicts(path)
    person_row(rows, "王德福")["残疾等级"] = "5"  # the head's row is rejected, ID intact
    person_row(rows, "王浩")["身份证号"] = wrong_check_digit(person_row(rows, "王浩")["身份证号"])
    person_row(rows, "李秀英")["工资性收入"] = "520.00"  # a good edit, not applied: nothing is half-changed
    report = run_import(engine, write_ledger(tmp_path / "bad.csv", rows))
    assert report.stored_households == 0 and report.stored_people == 0
    assert report.rejected_rows == list(range(2, len(rows) + 2))  # every row of the household, listed
    own = {(r.row, r.field) for r in report.rejected if r.field != "户编号"}
    head_row = rows.index(person_row(rows, "王德福")) + 2
    wang_hao = [i + 2 for i, r in enumerate(rows) if r["姓名"] == "王浩"]
    assert (head_row, "残疾等级") in own and (wang_hao[0], "身份证号") in own
    others = [r for r in report.rejected if r.field == "户编号"]
    assert all(r.reason.startswith("household 500111119-000001 not stored because row") for r in others)
    assert stored(engine, "500111119-000001") == before and count(engine, m.Change) == changes


def test_a_person_moving_between_households_of_the_ledger(new_db, tmp_path):
    engine = new_db()
    put(engine, example())
    path = tmp_path / "e.csv"
    run_export(engine, path, unmask=True)
    rows = ledger_dicts(path)
    moving = [r for r in rows if r["姓名"] == "王浩"]  # 王浩 sets up his own household, listed first
    for r in moving:
        r["户编号"] = "500111119-000002"
    person_row(moving, "王浩").update({"与户主关系": "户主", "家庭住址": "示例村5组1号(合成数据)"})
    staying = [r for r in rows if r["姓名"] != "王浩"]
    report = run_import(engine, write_ledger(tmp_path / "move.csv", moving + staying))
    assert report.rejected == [] and report.stored_households == 2
    assert [mem.name for mem in stored(engine, "500111119-000002").members] == ["王浩"]
    assert [mem.name for mem in stored(engine, "500111119-000001").members] == ["王德福", "李秀英", "王小雨"]
    assert stored(engine, "500111119-000002").members[0].incomes[0].award == Decimal("500.00")


def hand_kept(rows: list[dict]) -> tuple[list[dict], list[str]]:
    """An exported ledger as township staff keep it: the persons' rows only, without the 明细 column."""
    return [r for r in rows if r["明细"] == "成员"], [h for h in HEADERS if h != "明细"]


def test_changed_slot_replaces_only_the_item_shown(new_db, tmp_path):
    engine = new_db()
    put(engine, rich_example())
    path = tmp_path / "e.xlsx"
    run_export(engine, path, unmask=True)
    rows, headers = hand_kept(ledger_dicts(path))
    assert rows[0]["存款"] == 4000.5  # both deposits of 2025-07-31 (two accounts), as a total
    assert rows[0]["机动车类型"] == "残疾人代步车"  # the largest of the two vehicles
    rows[0]["存款"] = 5000
    rows[0]["机动车价值"] = 2000
    report = run_import(engine, write_ledger(tmp_path / "e2.xlsx", rows, headers=headers))
    assert report.rejected == []
    head = stored(engine, "500111119-000001").members[0]
    assert [(a.institution, a.amount) for a in head.financial_assets] == [(None, Decimal("5000.00"))]
    assert [(v.kind, v.plate, v.value) for v in head.vehicles] == [
        (VehicleKind.motorcycle, "渝B12345", Decimal("900.00")),
        (VehicleKind.mobility_vehicle, None, Decimal("2000.00"))]


def test_a_summary_that_disagrees_with_its_detail_rows_is_refused(new_db, tmp_path):
    """With detail rows, the person's row only shows them: an edit there alone is refused, saying why."""
    engine = new_db()
    put(engine, rich_example())
    before = stored(engine, "500111119-000001")
    path = tmp_path / "e.xlsx"
    run_export(engine, path, unmask=True)
    rows = ledger_dicts(path)
    head_row = person_row(rows, "王德福")
    head_row["存款"] = 5000
    head_row["机动车价值"] = 2000
    report = run_import(engine, write_ledger(tmp_path / "e2.xlsx", rows))
    culprit = [r for r in report.rejected if r.row == rows.index(head_row) + 2]
    assert [r.field for r in culprit] == ["存款"] and "金融资产" in culprit[0].reason
    assert stored(engine, "500111119-000001") == before


def test_absent_optional_columns_keep_stored_values(new_db, tmp_path):
    engine = new_db()
    put(engine, example())
    path = tmp_path / "full.csv"
    run_export(engine, path, unmask=True)
    keep = ["户编号", "区划代码", "城乡类别", "与户主关系", "姓名", "身份证号", "就业状况"]
    rows, _ = hand_kept(ledger_dicts(path))
    rows[0]["就业状况"] = "无劳动能力"
    report = run_import(engine, write_ledger(tmp_path / "few.csv", rows, headers=keep))
    assert report.rejected == []
    doc = stored(engine, "500111119-000001")
    head = doc.members[0]
    assert head.employment == Employment.unable_to_work
    assert head.disability.category == DisabilityCategory.physical and head.incomes[1].business_net == 280
    assert doc.address == example()["address"]


# ----------------------------------------------------------------------------- export


def test_export_masks_by_default_and_logs_access(new_db, tmp_path):
    engine = new_db()
    put(engine, example())
    masked = tmp_path / "masked.xlsx"
    assert run_export(engine, masked, actor="clerk-1") == 1
    sheet = read_sheet(masked)
    ids = [cells[HEADERS.index("身份证号")] for _, cells in sheet[1:]]
    assert ids[0] == mask_id("512126195804120037") == "512126********0037"
    assert all("*" in i for i in ids)
    assert "*" in sheet[1][1][HEADERS.index("残疾证号")]

    wb = openpyxl.load_workbook(masked)
    ws = wb.active
    assert ws.freeze_panes == "A2" and ws["A1"].font.b
    assert ws.cell(2, HEADERS.index("身份证号") + 1).number_format == "@"

    run_export(engine, tmp_path / "full.csv", actor="clerk-2", unmask=True)
    with session_scope(engine) as session:
        log = [(a.actor, a.action, a.unmasked) for a in access_rows(session)]
    assert log == [("clerk-1", "export", False), ("clerk-2", "export", True)]
    assert "512126195804120037" in (tmp_path / "full.csv").read_text(encoding="utf-8-sig")

    other = new_db("other.db")
    with pytest.raises(JiuzhuError, match=r"masked\.xlsx: the ledger was exported with masked identifiers"):
        run_import(other, masked)  # the whole file, once (as a masked JSON export), not row by row
    assert count(other, m.Household) == 0


def test_export_filters_by_area(new_db, tmp_path):
    engine = new_db()
    put(engine, example())
    other = example()
    other.update(household_no="500103011-000001", area_code="500103011", urban=True)
    for i, mem in enumerate(other["members"]):
        birth = dt.date.fromisoformat(f"{mem['id_number'][6:10]}-{mem['id_number'][10:12]}-{mem['id_number'][12:14]}")
        mem["id_number"] = make_id(birth, 300 + i, int(mem["id_number"][16]) % 2 == 1)
    other["rigid_spending"] = other["enrolments"] = []
    put(engine, other)
    path = tmp_path / "yz.csv"
    assert run_export(engine, path, area_code="500103", unmask=True) == 1
    rows = read_sheet(path)[1:]
    assert {cells[0] for _, cells in rows} == {"500103011-000001"} and rows[0][1][3] == "城市"


def test_export_enrolments_on_rows(new_db, tmp_path):
    data = example()
    data["enrolments"] += [
        {"programme": "dibao", "monthly_amount": "1260.00", "start_date": "2024-03-01"},
        {"programme": "dibao", "monthly_amount": "1000.00", "start_date": "2022-03-01", "end_date": "2024-02-29"},
        {"programme": "disability_living", "id_number": data["members"][0]["id_number"],
         "monthly_amount": "90.00", "start_date": "2024-01-01"},
    ]
    engine = new_db()
    put(engine, data)
    path = tmp_path / "enrol.csv"
    run_export(engine, path, unmask=True)
    shown = [(r["享受项目"], r["月救助金额"]) for r in ledger_dicts(path) if r["明细"] == "成员"]
    assert shown == [("重度残疾人护理补贴", "100.00")] + [("最低生活保障", "1260.00")] * 3

    fresh = new_db("fresh.db")  # the 享受救助 rows carry every enrolment: all come back
    assert run_import(fresh, path).rejected == []
    assert stored(fresh, "500111119-000001").enrolments == stored(engine, "500111119-000001").enrolments

    rows, headers = hand_kept(ledger_dicts(path))  # a hand-kept ledger has what the persons' rows show
    by_hand = new_db("by_hand.db")
    assert run_import(by_hand, write_ledger(tmp_path / "hand.csv", rows, headers=headers)).rejected == []
    enrolments = stored(by_hand, "500111119-000001").enrolments
    assert sorted((e.programme.value, e.id_number is None) for e in enrolments) == [
        ("dibao", True), ("disability_care", False)]


# ----------------------------------------------------------------------------- round trip


def round_trip(new_db, tmp_path, suffix: str, tag: str, source) -> tuple[list, list]:
    first, second = tmp_path / f"{tag}-1{suffix}", tmp_path / f"{tag}-2{suffix}"
    run_export(source, first, unmask=True)
    target = new_db(f"{tag}-target.db")
    report = run_import(target, first)
    assert report.rejected == []
    run_export(target, second, unmask=True)
    return read_sheet(first), read_sheet(second)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_round_trip_on_generated_ledger(new_db, tmp_path, suffix):
    source = new_db("source.db")
    report = run_import(source, write_ledger(tmp_path / f"gen{suffix}", generated_rows(60)))
    put(source, {**rich_example(), "household_no": "500111119-900001"})
    assert report.rejected == []
    first, second = round_trip(new_db, tmp_path, suffix, "g", source)
    assert sum(1 for _, cells in first if cells[HEADERS.index("明细")] == "成员") == 60 + 4
    assert first == second


def test_fixture_ledger_in_gb18030(new_db):
    """tests/registry/data/ledger_gb18030.csv: the example household as a Chinese Excel CSV would carry it."""
    path = DATA / "ledger_gb18030.csv"
    engine = new_db()
    report = run_import(engine, path)
    assert report.rejected == [] and report.stored_people == 4
    doc = stored(engine, "500111119-000001")
    want = service.parse_household(example(), record="example")
    assert [mem.name for mem in doc.members] == [mem.name for mem in want.members]
    assert doc.members[0].incomes == [i for i in want.members[0].incomes if i.month == "2025-07"]
    assert doc.members[0].disability == want.members[0].disability


# Generated households: everything the ledger can carry, and several items where it has one slot.
_yuan = st.integers(0, 5_000_000).map(lambda fen: f"{fen // 100}.{fen % 100:02d}")
_date = st.dates(dt.date(2020, 1, 1), dt.date(2025, 7, 31))
_name = st.text(alphabet="王李张刘陈杨赵黄周吴秀英德福明华军", min_size=1, max_size=4)


@st.composite
def ledger_households(draw, number: int):
    size = draw(st.integers(1, 4))
    members = []
    for i in range(size):
        birth = draw(st.dates(dt.date(1935, 1, 1), dt.date(2024, 12, 31)))
        counted = draw(st.booleans()) if i else True
        months = draw(st.lists(st.sampled_from(["2025-06", "2025-07"]), unique=True))
        members.append({
            "id_number": make_id(birth, number * 5 + i, draw(st.booleans())),
            "name": draw(_name),
            "relation": "head" if i == 0 else draw(st.sampled_from(["spouse", "child", "parent", "other"])),
            "counted": counted,
            "exclusion_reason": None if counted else draw(st.sampled_from(["prison", "missing"])),
            "hukou": draw(st.none() | st.fixed_dictionaries({"chongqing": st.none() | st.booleans(),
                                                           "urban": st.none() | st.booleans(),
                                                           "area_code": st.none() | st.just("500111119")})),
            "employment": draw(st.none() | st.sampled_from(["farming", "student", "retired"])),
            "major_illness": draw(st.none() | st.booleans()),
            "disability": draw(st.none() | st.fixed_dictionaries({
                "category": st.sampled_from(["physical", "mental"]), "grade": st.integers(1, 4),
                "certificate_no": st.none() | st.just("C5001110001"), "valid_to": st.none() | _date})),
            "self_care": draw(st.none() | st.fixed_dictionaries({a: st.booleans() for a in (
                "eating", "dressing", "transfer", "toileting", "indoor_walking", "bathing")})),
            "incomes": [{"month": mo, **draw(st.dictionaries(st.sampled_from(list(INCOME_LABELS)), _yuan,
                                                             max_size=3))} for mo in months],
            "financial_assets": draw(st.lists(st.fixed_dictionaries({
                "kind": st.sampled_from([k.value for k in AssetKind]), "amount": _yuan,
                "as_of": st.sampled_from([dt.date(2025, 6, 30), dt.date(2025, 7, 31), dt.date(2025, 8, 31)])}),
                max_size=3)),
            "vehicles": draw(st.lists(st.fixed_dictionaries({
                "kind": st.sampled_from(["car", "mobility_vehicle"]), "value": st.none() | _yuan,
                "mobility_for_disabled": st.booleans()}), max_size=2)),
            "real_estate": draw(st.lists(st.fixed_dictionaries({
                "use": st.sampled_from(["residential", "commercial"]),
                "floor_area_m2": st.integers(1000, 30000).map(lambda c: f"{c // 100}.{c % 100:02d}")}),
                max_size=2)),
            "businesses": draw(st.lists(st.fixed_dictionaries({
                "uscc": st.just("92500111MA5U7K2L3M"), "registered_capital": st.none() | _yuan}), max_size=1)),
        })
    ids = [mem["id_number"] for mem in members]
    enrolments = draw(st.lists(st.fixed_dictionaries({
        "programme": st.sampled_from(["dibao", "margin"]), "monthly_amount": _yuan, "start_date": _date}),
        max_size=2))
    enrolments += draw(st.lists(st.fixed_dictionaries({
        "programme": st.sampled_from(["tekun", "disability_living", "disability_care"]),
        "id_number": st.sampled_from(ids), "monthly_amount": _yuan, "start_date": _date}), max_size=2))
    return {
        "household_no": f"500111119-{number:06d}",
        "area_code": draw(st.sampled_from(["500111119", "500111120", "500103011"])),
        "address": draw(st.none() | _name),
        "urban": draw(st.booleans()),
        "members": members,
        "enrolments": enrolments,
    }


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.integers(1, 3).flatmap(lambda k: st.tuples(*[ledger_households(n + 1) for n in range(k)])))
def test_round_trip_property(new_db, tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("rt")
    source = new_db(f"{tmp.name}-source.db")
    for household_data in data:
        put(source, household_data)
    first, second = round_trip(new_db, tmp, ".xlsx", tmp.name, source)
    assert first == second
    # Importing the registry's own ledger back changes nothing: the merge keeps what the ledger cannot show.
    changes = count(source, m.Change)
    assert run_import(source, tmp / f"{tmp.name}-1.xlsx").rejected == []
    assert count(source, m.Change) == changes


def test_docs_describe_every_column():
    text = (ROOT / "docs" / "ledger.md").read_text(encoding="utf-8")
    missing = [h for h in HEADERS if f"| {h} |" not in text]
    assert missing == []
