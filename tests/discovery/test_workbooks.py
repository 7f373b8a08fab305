"""Outreach workbooks: one .xlsx per township or community, masked IDs, exact money, ranked rows, a living
contact with address and phone, the visit's columns, text that stays text, every export logged."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jiuzhu.db import session_scope
from jiuzhu.discovery import lists
from jiuzhu.discovery.lists import ENTITLED, FINDINGS, NOT_ENTITLED, RESOLVED, SCHEMA
from jiuzhu.discovery.scan import run_scan
from jiuzhu.discovery.workbooks import (
    ENTITLED_COLUMNS,
    NOT_ENTITLED_COLUMNS,
    RESOLVED_COLUMNS,
    write_workbooks,
)
from jiuzhu.errors import JiuzhuError
from jiuzhu.money import fen_to_yuan
from jiuzhu.registry.areas import lookup
from jiuzhu.registry.codes import Programme, Relation
from jiuzhu.registry.validation import mask_id
from jiuzhu.synth import generate
from tests.audit import access_rows

FULL_ID = re.compile(r"\d{17}[\dXx]")
SHEETS = ["应享未享", "享而不应", "已解决", "说明"]


@pytest.fixture(scope="module")
def scan(tmp_path_factory) -> tuple[Path, Path]:
    """A small generated district, scanned, with its lists built."""
    root = tmp_path_factory.mktemp("scan")
    generate(district="500111", households=1000, seed=3, out_dir=root / "snap", month="2025-08", months=12)
    run_scan(root / "snap", "2025-08", root / "scan", workers=1)
    lists.build(root / "scan", root / "snap")
    return root / "scan", root / "snap"


@pytest.fixture
def session(sqlite_engine):
    """A registry session: every workbook export is recorded in its access log."""
    with session_scope(sqlite_engine) as session:
        yield session


def rows_of(ws) -> list[tuple]:
    return [r for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]


def header_of(ws) -> list[str]:
    return [c.value for c in next(ws.iter_rows(max_row=1))]


def yuan(value) -> Decimal:
    """The decimal a money cell holds (openpyxl reads numbers back as int or float)."""
    return Decimal(repr(value)).quantize(Decimal("0.01"))


def all_text(wb) -> str:
    return "\n".join(str(v) for ws in wb for r in ws.iter_rows(values_only=True) for v in r if v is not None)


def test_one_workbook_per_township_with_ranked_masked_exact_rows(scan, tmp_path, session):
    scan_dir, snap = scan
    findings = pq.read_table(scan_dir / FINDINGS).to_pylist()
    assert {r["list"] for r in findings} == {ENTITLED, NOT_ENTITLED}  # the scan gives both lists
    paths = write_workbooks(scan_dir, tmp_path, snapshot=snap, session=session, actor="t")

    townships = sorted({r["township"] for r in findings})
    assert [p.name.split("-")[0] for p in paths] == townships
    assert sorted(tmp_path.glob("*.xlsx")) == sorted(paths)
    assert [p.name for p in paths] == [f"{t}-{lookup(t).name}-2025-08.xlsx" for t in townships]

    checked_ids = False
    for path in paths:
        code = path.name.split("-")[0]
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == SHEETS
        # strict=False: the fourth sheet, 说明 (notes), has no column layout and is not checked here.
        for ws, columns in zip(wb, (ENTITLED_COLUMNS, NOT_ENTITLED_COLUMNS, RESOLVED_COLUMNS), strict=False):
            assert header_of(ws) == [c.header for c in columns]
            assert ws["A1"].font.b and ws.freeze_panes == "A2"
            assert ws.column_dimensions["B"].width == columns[1].width
        assert not FULL_ID.search(all_text(wb))

        for kind, sheet, amount_col, reason_col, prefix in (
                (ENTITLED, "应享未享", "预计月救助金额(元)", "符合条件", "符合："),
                (NOT_ENTITLED, "享而不应", "现月救助金额(元)", "不再符合的条件", "不再符合：")):
            ws = wb[sheet]
            head = header_of(ws)
            expected = sorted((r for r in findings if r["township"] == code and r["list"] == kind),
                              key=lambda r: r["rank"])
            got = rows_of(ws)
            if not expected:
                assert got == [("无", "本次排查无此类记录") + (None,) * (len(head) - 2)]
                continue
            assert len(got) == len(expected)
            for row, want in zip(got, expected, strict=True):
                cell = dict(zip(head, row, strict=True))
                assert cell["户编号"] == want["household_no"] and cell["姓名"] == want["name"]
                assert cell["项目"] == Programme(want["programme"]).label
                assert yuan(cell[amount_col]) == fen_to_yuan(want["amount_fen"])
                assert int(yuan(cell[amount_col]) * 100) == want["amount_fen"]
                assert cell[reason_col] == want["reason"] and cell[reason_col].startswith(prefix)
                assert cell["身份证号"] == (mask_id(want["id_number"]) if want["id_number"] else None)
                assert cell["变化"] == "新增"
            if kind == ENTITLED:
                ranks = [dict(zip(head, r, strict=True))["排名"] for r in got]
                assert ranks == sorted(ranks) == [r["rank"] for r in expected]
            else:
                review = [dict(zip(head, r, strict=True))["上次复核"] for r in got]
                assert [v.date() if v else None for v in review] == [r["last_review"] for r in expected]

        # Cell types: IDs are text, money is a number formatted to two decimals.
        ws = wb["应享未享"]
        if ws["A2"].value != "无":
            assert ws["B2"].number_format == "@" and isinstance(ws["B2"].value, str)
            assert ws["F2"].number_format == "0.00" and isinstance(ws["F2"].value, (int, float))
        for row in ws.iter_rows(min_row=2):
            if row[3].value is not None:
                assert row[3].number_format == "@" and isinstance(row[3].value, str)
                checked_ids = True
    assert checked_ids  # some person-programme entry was seen


def test_one_workbook_per_community(scan, tmp_path, session):
    scan_dir, snap = scan
    findings = pq.read_table(scan_dir / FINDINGS).to_pylist()
    paths = write_workbooks(scan_dir, tmp_path, snapshot=snap, by="community", session=session, actor="t")

    communities = sorted({r["community"] or r["township"] for r in findings})
    assert [p.name.split("-")[0] for p in paths] == communities
    for path in paths:
        township = lookup(path.name[:9]).name
        pattern = rf"(\d{{9}}-{township}|\d{{9}}S\d\d-{township}第\d+(社区|村)\(合成\))-2025-08\.xlsx"
        assert re.fullmatch(pattern, path.name), path.name

    total = Counter()
    for path in paths:
        code = path.name.split("-")[0]
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == SHEETS
        for sheet, kind in (("应享未享", ENTITLED), ("享而不应", NOT_ENTITLED)):
            ws = wb[sheet]
            head = header_of(ws)
            rows = [dict(zip(head, r, strict=True)) for r in rows_of(ws) if r[0] != "无"]
            want = [r for r in findings if (r["community"] or r["township"]) == code and r["list"] == kind]
            assert sorted(r["户编号"] for r in rows) == sorted(r["household_no"] for r in want)
            assert {r["社区/村"] for r in rows} <= {path.name.split("-")[1]}
            total[kind] += len(rows)
        ranks = [r[0] for r in rows_of(wb["应享未享"]) if r[0] != "无"]
        assert ranks == sorted(ranks)
        assert not FULL_ID.search(all_text(wb))
    assert total == Counter(r["list"] for r in findings)


def entry(**kw) -> dict:
    row = {"month": "2025-08", "list": ENTITLED, "programme": "dibao", "township": "500111119",
           "community": "500111119S03", "area_code": "500111119S03", "household_id": 1,
           "household_no": "500111119-000001", "person_id": None, "id_number": None, "name": "张三",
           "amount_fen": 61240, "failed": 0, "reason": "符合：家庭人均收入低于低保标准", "since": "2025-08",
           "last_review": None, "change": "new", "rank": 1}
    return row | kw


@pytest.fixture
def handmade(tmp_path) -> Path:
    """Two townships; 铁山镇 has no 享而不应 entry; 高升镇 has resolved entries and a household without community."""
    scan_dir = tmp_path / "scan"
    scan_dir.mkdir()
    findings = [
        entry(rank=3, household_no="500111119-000003", name="王五", amount_fen=1, programme="disability_living",
              person_id=30, id_number="512126195804120037", reason="符合：持有效残疾人证、重庆户籍、低保家庭成员"),
        entry(rank=1, household_no="500111119-000001", amount_fen=123456789, change="continuing", since="2025-06"),
        entry(rank=2, household_no="500111119-000002", name="李四", programme="margin", amount_fen=0),
        entry(rank=4, household_no="500111119-000004", name="赵六", programme="temporary", amount_fen=None,
              community="500111119S01", area_code="500111119S01"),
        entry(township="500111120", community=None, area_code="500111120", list=NOT_ENTITLED, rank=1,
              household_no="500111120-000009", name="孙七", programme="disability_care", person_id=90,
              id_number="51212619600101002X", amount_fen=10000, last_review=date(2025, 3, 14),
              reason="不再符合：不满足：一二级残疾且不与特困护理、工伤护理重复", since="2025-05",
              change="continuing"),
    ]
    resolved = [
        entry(township="500111120", community="500111120S02", area_code="500111120S02", change="resolved",
              household_no="500111120-000005", name="周八", programme="tekun", amount_fen=97500,
              reason="符合：无劳动能力", since="2025-07", month="2025-07"),
    ]
    pq.write_table(pa.Table.from_pylist(findings, schema=SCHEMA), scan_dir / FINDINGS)
    pq.write_table(pa.Table.from_pylist(resolved, schema=SCHEMA), scan_dir / RESOLVED)
    return scan_dir


@pytest.fixture
def named(tmp_path) -> Path:
    """A snapshot's areas table naming the synthetic communities of the handmade lists, as ``jiuzhu synth`` names
    them (the workbooks take the names from it; they never guess a synthetic name)."""
    folder = tmp_path / "named" / "registry"
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"code": ["500111119S01", "500111119S03", "500111120S02"],
                             "name": ["铁山镇第1社区(合成)", "铁山镇第3社区(合成)", "高升镇第2社区(合成)"]}),
                   folder / "areas.parquet")
    return folder.parent


def test_a_community_no_areas_table_names_is_named_by_its_township_and_code(handmade, tmp_path, session):
    paths = write_workbooks(handmade, tmp_path / "out", snapshot=tmp_path / "no-snapshot", by="community",
                            session=session, actor="t")
    assert [p.name for p in paths][:2] == ["500111119S01-铁山镇S01-2025-08.xlsx", "500111119S03-铁山镇S03-2025-08.xlsx"]


def test_handmade_lists_empty_list_resolved_and_exact_money(handmade, named, tmp_path, session):
    paths = write_workbooks(handmade, tmp_path / "out", snapshot=named, session=session, actor="t")
    assert [p.name for p in paths] == ["500111119-铁山镇-2025-08.xlsx", "500111120-高升镇-2025-08.xlsx"]

    wb = openpyxl.load_workbook(paths[0])
    got = rows_of(wb["应享未享"])
    assert [r[0] for r in got] == [1, 2, 3, 4]  # sorted by rank although written out of order
    assert [r[1] for r in got] == [f"500111119-00000{i}" for i in (1, 2, 3, 4)]
    assert [r[5] for r in got[:3]] == [1234567.89, 0, 0.01]
    assert [yuan(r[5]) for r in got[:3]] == [Decimal("1234567.89"), Decimal("0.00"), Decimal("0.01")]
    assert got[3][5] == "未知"
    assert got[2][3] == "512126********0037" and got[0][3] is None
    assert [r[7] for r in got] == ["铁山镇第3社区(合成)"] * 3 + ["铁山镇第1社区(合成)"]
    assert [r[8] for r in got] == ["持续", "新增", "新增", "新增"]
    assert rows_of(wb["享而不应"]) == [("无", "本次排查无此类记录") + (None,) * (len(NOT_ENTITLED_COLUMNS) - 2)]
    assert rows_of(wb["已解决"]) == [("无", "本次排查无此类记录") + (None,) * 7]
    notes = dict(rows_of(wb["说明"]))
    assert notes["排查月份"] == "2025-08" and notes["应享未享条数"] == 4 and notes["享而不应条数"] == 0
    assert notes["  最低生活保障"] == 1
    assert yuan(notes["应享未享预计月救助金额合计(元)"]) == Decimal("1234567.90")
    assert "第十七条" in all_text(wb) and "脱敏" in notes["身份证号"] and "Jiuzhu" in notes["生成"]

    wb = openpyxl.load_workbook(paths[1])
    head = header_of(wb["享而不应"])
    (row,) = [dict(zip(head, r, strict=True)) for r in rows_of(wb["享而不应"])]
    assert row["身份证号"] == "512126********002X" and row["项目"] == "重度残疾人护理补贴"
    assert yuan(row["现月救助金额(元)"]) == Decimal("100.00")
    assert row["起始月份"] == "2025-05" and row["上次复核"].date() == date(2025, 3, 14)
    assert row["社区/村"] == "高升镇" and row["变化"] == "持续"
    assert rows_of(wb["应享未享"]) == [("无", "本次排查无此类记录") + (None,) * (len(ENTITLED_COLUMNS) - 2)]
    head = header_of(wb["已解决"])
    (gone,) = [dict(zip(head, r, strict=True)) for r in rows_of(wb["已解决"])]
    assert (gone["原名单"], gone["户编号"], gone["项目"]) == ("应享未享", "500111120-000005", "特困人员救助供养")
    assert yuan(gone["月救助金额(元)"]) == Decimal("975.00") and gone["原列入理由"] == "符合：无劳动能力"


def test_handmade_by_community_puts_township_level_households_in_the_township_file(handmade, named, tmp_path,
                                                                                  session):
    paths = write_workbooks(handmade, tmp_path / "out", snapshot=named, by="community",
                            session=session, actor="t")
    assert [p.name for p in paths] == [
        "500111119S01-铁山镇第1社区(合成)-2025-08.xlsx", "500111119S03-铁山镇第3社区(合成)-2025-08.xlsx",
        "500111120-高升镇-2025-08.xlsx", "500111120S02-高升镇第2社区(合成)-2025-08.xlsx"]
    counts = [(len(rows_of(wb["应享未享"])), rows_of(wb["享而不应"])[0][0], rows_of(wb["已解决"])[0][0])
              for wb in map(openpyxl.load_workbook, paths)]
    assert counts == [(1, "无", "无"), (3, "无", "无"), (1, "500111120-000009", "无"),
                      (1, "无", "应享未享")]


def test_every_export_needs_a_session_and_is_logged_truly(handmade, tmp_path, sqlite_engine):
    for unmask in (True, False):
        with pytest.raises(JiuzhuError, match="access log"):
            write_workbooks(handmade, tmp_path / "x", snapshot=tmp_path, unmask=unmask)
    with session_scope(sqlite_engine) as session, pytest.raises(JiuzhuError, match="actor"):
        write_workbooks(handmade, tmp_path / "x", snapshot=tmp_path, session=session, actor="")
    assert not (tmp_path / "x").exists()

    with session_scope(sqlite_engine) as session:
        masked = write_workbooks(handmade, tmp_path / "masked", snapshot=tmp_path, session=session, actor="clerk-1")
        full = write_workbooks(handmade, tmp_path / "full", snapshot=tmp_path, unmask=True,
                               session=session, actor="clerk-2")
    with session_scope(sqlite_engine) as session:
        log = [(a.actor, a.action, a.unmasked, a.subject)
               for a in access_rows(session)]
    assert [entry[:3] for entry in log] == [("clerk-1", "export", False)] * 2 + [("clerk-2", "export", True)] * 2
    # the access log is the bureau's record: in Chinese, whatever language the command prints in (English here)
    assert log[0][3] == ("导出 500111119-铁山镇-2025-08.xlsx，2025年8月，区划 500111119，"
                         "应享未享 4 条，享而不应 0 条，已解决 0 条；证件号码等已脱敏")
    assert log[1][3].endswith("500111120，应享未享 0 条，享而不应 1 条，已解决 1 条；证件号码等已脱敏")
    assert log[3][3].endswith("区划 500111120，应享未享 0 条，享而不应 1 条，已解决 1 条；证件号码等未脱敏")

    masked_text = all_text(openpyxl.load_workbook(masked[0]))
    full_text = all_text(openpyxl.load_workbook(full[0]))
    assert not FULL_ID.search(masked_text)
    assert "512126195804120037" in full_text and "访问日志" in full_text
    assert "51212619600101002X" in all_text(openpyxl.load_workbook(full[1]))


def test_refuses_an_unknown_grouping(handmade, tmp_path, session):
    with pytest.raises(JiuzhuError, match="village"):
        write_workbooks(handmade, tmp_path / "x", snapshot=tmp_path, by="village", session=session, actor="t")
    assert not (tmp_path / "x").exists()


def test_refuses_an_unknown_grouping_in_chinese(handmade, tmp_path, session, zh):
    with pytest.raises(JiuzhuError, match="工作簿分组“village”无效：请选择 township"):
        write_workbooks(handmade, tmp_path / "x", snapshot=tmp_path, by="village", session=session, actor="t")


def write_one_township(tmp_path, rows: list[dict], session, **kw) -> openpyxl.Workbook:
    scan_dir = tmp_path / "scan"
    scan_dir.mkdir()
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), scan_dir / FINDINGS)
    (path,) = write_workbooks(scan_dir, tmp_path / "out", snapshot=tmp_path, session=session, actor="t", **kw)
    return path


CONTACT = {"address": "铁山镇测试村5组(合成)", "contact_person_id": 7, "contact_name": "在世配偶",
           "contact_relation": "spouse", "contact_phone": "13812345678", "note": "户主已故（2025-07-10）"}


def test_entries_name_the_contact_with_address_masked_phone_and_note(tmp_path, session):
    rows = [entry(name="在世配偶") | CONTACT,
            entry(rank=2, household_no="500111119-000002", programme="orphan", person_id=9, name="孩子",
                  id_number="500111201307070278", contact_person_id=8, contact_name="祖母",
                  contact_relation="grandparent", contact_phone=None, address=None, note=None),
            entry(rank=3, household_no="500111119-000003", programme="tekun", person_id=5, name="老人",
                  id_number="512126194001010011", contact_person_id=5, contact_name="老人",
                  contact_relation="head", contact_phone="02312345678"),
            entry(list=NOT_ENTITLED, rank=1, household_no="500111119-000004", programme="disability_care",
                  person_id=6, name="测试丁妻", id_number="512126197009200184", contact_person_id=4,
                  contact_name="测试丁", contact_relation="head", note="本人已故（2025-08-15）")]
    wb = openpyxl.load_workbook(write_one_township(tmp_path, rows, session))
    head = header_of(wb["应享未享"])
    got = [dict(zip(head, r, strict=True)) for r in rows_of(wb["应享未享"])]
    assert [(g["姓名"], g["联系人"], g["联系人与户主关系"], g["联系电话"], g["家庭住址"], g["提示"]) for g in got] == [
        ("在世配偶", "在世配偶", Relation.spouse.label, "138****5678", CONTACT["address"], CONTACT["note"]),
        ("孩子", "祖母", Relation.grandparent.label, None, "未登记", None),
        ("老人", "老人", "本人", "023****5678", "未登记", None)]
    assert [(g["走访日期"], g["走访结果"], g["备注"]) for g in got] == [(None, None, None)] * 3
    head = header_of(wb["享而不应"])
    (gone,) = [dict(zip(head, r, strict=True)) for r in rows_of(wb["享而不应"])]
    assert (gone["姓名"], gone["联系人"], gone["联系人与户主关系"], gone["提示"]) == (
        "测试丁妻", "测试丁", Relation.head.label, "本人已故（2025-08-15）")
    assert "13812345678" not in all_text(wb) and "联系电话已脱敏" in all_text(wb) and "户主在世为户主" in all_text(wb)


def test_unmasked_workbooks_show_the_full_phone(tmp_path, session):
    wb = openpyxl.load_workbook(write_one_township(tmp_path, [entry() | CONTACT], session, unmask=True))
    assert "13812345678" in all_text(wb)


def test_formula_like_text_is_written_as_text(tmp_path, session):
    """OWASP CSV injection: a name "=1+2" or an address "=HYPERLINK(…)" is text in every cell, never a formula."""
    evil = {"name": "=1+2", "household_no": "=cmd|' /C calc'!A0", "reason": "+SUM(A1:A9)",
            "contact_name": "@SUM(1)", "address": '=HYPERLINK("http://x.example","点我")', "note": "-2+3"}
    path = write_one_township(tmp_path, [entry() | CONTACT | evil], session)
    import zipfile

    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any("<f>" in x or "<f " in x for x in sheets)
    wb = openpyxl.load_workbook(path)
    head = header_of(wb["应享未享"])
    (row,) = [dict(zip(head, r, strict=True)) for r in rows_of(wb["应享未享"])]
    assert (row["姓名"], row["户编号"], row["符合条件"], row["联系人"], row["家庭住址"], row["提示"]) == (
        evil["name"], evil["household_no"], evil["reason"], evil["contact_name"], evil["address"], evil["note"])
    assert all(c.data_type == "s" for c in wb["应享未享"][2] if isinstance(c.value, str))


def test_the_visit_columns_offer_the_outcomes_and_take_dates(tmp_path, session):
    from jiuzhu.discovery.workbooks import VISIT_RESULTS

    rows = [entry(rank=k, household_no=f"500111119-00000{k}") | CONTACT for k in (1, 2, 3)]
    wb = openpyxl.load_workbook(write_one_township(tmp_path, rows, session))
    ws = wb["应享未享"]
    head = header_of(ws)
    letter = {h: openpyxl.utils.get_column_letter(i + 1) for i, h in enumerate(head)}
    checks = {v.type: v for v in ws.data_validations.dataValidation}
    assert str(checks["list"].sqref) == f"{letter['走访结果']}2:{letter['走访结果']}4"
    assert checks["list"].formula1 == '"' + ",".join(VISIT_RESULTS) + '"'
    assert {"已走访-符合", "已走访-不符合", "未遇", "拒绝"} <= set(VISIT_RESULTS)
    assert str(checks["date"].sqref) == f"{letter['走访日期']}2:{letter['走访日期']}4"
    assert head[-3:] == ["走访日期", "走访结果", "备注"]
    assert not wb["享而不应"].data_validations.dataValidation  # its list is empty: a row saying so, nothing to fill


def test_a_failed_write_leaves_no_workbook_and_no_partial_file(handmade, tmp_path, session, monkeypatch):
    from jiuzhu.discovery import workbooks

    real = workbooks._write_one
    calls = []

    def second_fails(path, *a, **kw):
        calls.append(path)
        if len(calls) == 2:
            path.write_bytes(b"PK half a workbook")
            raise OSError(28, "No space left on device")
        return real(path, *a, **kw)

    monkeypatch.setattr(workbooks, "_write_one", second_fails)
    with pytest.raises(JiuzhuError, match="500111120"):
        write_workbooks(handmade, tmp_path / "out", snapshot=tmp_path, session=session, actor="t")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["500111119-铁山镇-2025-08.xlsx"]
