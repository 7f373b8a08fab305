"""Every file a user can give the ledger import or export gets one line naming it, never a traceback.

Files that cannot be a ledger raise before anything is read into the registry; cells that cannot be read
(an Excel error, a date typed as a number) reject their row, named by row and column. Exports are written
whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import errno
import io
import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from jiuzhu import clock
from jiuzhu.db import session_scope
from jiuzhu.errors import JiuzhuError, RecordError
from jiuzhu.files import StorageError
from jiuzhu.registry import models as m
from jiuzhu.registry import service
from jiuzhu.registry.ledger import export_ledger, exporting, import_ledger, load_sheet
from jiuzhu.registry.ledger.columns import HEADERS
from tests.audit import access_rows
from tests.registry.test_ledger import example, household, write_ledger


@pytest.fixture
def engine(new_db):
    return new_db("t.db")


def refused(engine, path: Path, *words: str) -> JiuzhuError:
    """Import ``path``: one JiuzhuError line naming the file and the ``words``; nothing stored."""
    with pytest.raises(JiuzhuError) as err, session_scope(engine) as session:
        import_ledger(session, path, actor="clerk", reason="bad file")
    message = str(err.value)
    assert "\n" not in message and "Traceback" not in message
    for word in (path.name, *words):
        assert word in message, message
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(m.Household)) == 0
    return err.value


def good_rows() -> list[dict]:
    return household(1, 2, 0)


# ----------------------------------------------------------------------------- files that are no ledger


def test_a_missing_file_and_a_folder(engine, tmp_path):
    refused(engine, tmp_path / "nowhere.xlsx", "no such")
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    refused(engine, folder, "folder")


def test_an_unknown_suffix(engine, tmp_path):
    path = tmp_path / "ledger.xls"
    path.write_bytes(b"whatever")
    refused(engine, path, ".xls")


@pytest.mark.parametrize("name", ["empty.csv", "empty.xlsx"])
def test_an_empty_file(engine, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    refused(engine, path, "empty")


def test_a_csv_of_blank_lines_is_empty(engine, tmp_path):
    path = tmp_path / "blank.csv"
    path.write_bytes(b"\xef\xbb\xbf\r\n\r\n  \r\n")
    refused(engine, path, "empty")


def test_utf16_with_and_without_bom(engine, tmp_path):
    text = "\t".join(HEADERS) + "\r\n"
    with_bom = tmp_path / "unicode.csv"
    with_bom.write_bytes(text.encode("utf-16"))
    refused(engine, with_bom, "UTF-16")
    without = tmp_path / "utf16le.csv"
    without.write_bytes(",".join(HEADERS).encode("utf-16-le"))
    refused(engine, without, "UTF-16")


def test_an_encoding_that_is_neither_utf8_nor_gb18030_says_what_it_looks_like(engine, tmp_path):
    path = tmp_path / "shift_jis.csv"
    path.write_bytes("ﾃｽﾄ,ｶﾅ,ｱ\r\n".encode("shift_jis"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("gb18030")
    error = refused(engine, path, "UTF-8", "GB18030")
    assert "Shift_JIS" in str(error)


def test_garbage_bytes(engine, tmp_path):
    data = bytes(range(256)) * 40
    for name in ("garbage.csv", "garbage.xlsx"):
        path = tmp_path / name
        path.write_bytes(data)
        refused(engine, path)


def test_chinese_messages_by_default(engine, tmp_path, zh):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert "台账文件是空的" in str(refused(engine, path))


# ----------------------------------------------------------------------------- workbooks that are no workbook


def test_a_csv_renamed_xlsx_and_an_xlsx_renamed_csv(engine, tmp_path):
    csv_file = write_ledger(tmp_path / "real.csv", good_rows())
    renamed = tmp_path / "renamed.xlsx"
    shutil.copy(csv_file, renamed)
    refused(engine, renamed, ".csv")
    xlsx_file = write_ledger(tmp_path / "real.xlsx", good_rows())
    renamed = tmp_path / "renamed.csv"
    shutil.copy(xlsx_file, renamed)
    refused(engine, renamed, ".xlsx")


def test_a_password_protected_workbook_and_an_old_xls(engine, tmp_path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    protected = tmp_path / "protected.xlsx"
    protected.write_bytes(ole + "EncryptionInfo".encode("utf-16-le") + bytes(1000))
    refused(engine, protected, "password")
    old = tmp_path / "old.xlsx"
    old.write_bytes(ole + bytes(1000))
    refused(engine, old, ".xls")


def test_corrupt_workbooks(engine, tmp_path):
    good = write_ledger(tmp_path / "good.xlsx", good_rows()).read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good[: len(good) // 2])
    refused(engine, cut)
    not_a_workbook = tmp_path / "zip.xlsx"
    with zipfile.ZipFile(not_a_workbook, "w") as z:
        z.writestr("readme.txt", "just a zip")
    refused(engine, not_a_workbook)
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    refused(engine, damaged, "damaged")


# ----------------------------------------------------------------------------- headers


def test_no_header_row(engine, tmp_path):
    path = tmp_path / "noheader.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    error = refused(engine, path, "户编号", "身份证号")
    assert isinstance(error, RecordError) and error.field == "户编号"
    tabs = tmp_path / "tabs.csv"
    tabs.write_text("\t".join(HEADERS) + "\n", encoding="utf-8")
    assert "tabs" in str(refused(engine, tabs))


def test_an_empty_sheet(engine, tmp_path):
    path = tmp_path / "empty-sheet.xlsx"
    openpyxl.Workbook().save(path)
    refused(engine, path, "empty")


def test_duplicate_and_missing_columns(engine, tmp_path):
    twice = write_ledger(tmp_path / "twice.csv", good_rows(), headers=[*HEADERS, "姓名"])
    error = refused(engine, twice, "姓名", "twice")
    assert error.field == "姓名"
    missing = write_ledger(tmp_path / "missing.csv", good_rows(), headers=[h for h in HEADERS if h != "城乡类别"])
    assert refused(engine, missing, "城乡类别").field == "城乡类别"


def test_a_ledger_with_detail_rows_lists_each_group_whole(engine, tmp_path):
    headers = [h for h in HEADERS if h != "机动车号牌"]
    path = write_ledger(tmp_path / "partial.csv", good_rows(), headers=headers)
    error = refused(engine, path, "机动车号牌")
    assert error.field == "机动车号牌"


def test_unknown_columns_are_warned_about(engine, tmp_path):
    rows = [{**r, "备注": "x"} for r in good_rows()]
    path = write_ledger(tmp_path / "extra.csv", rows, headers=[*HEADERS, "备注"])
    with session_scope(engine) as session:
        report = import_ledger(session, path, actor="clerk", reason="r")
    assert report.rejected == [] and any("备注" in w for w in report.warnings)


def test_a_huge_number_of_columns(engine, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(HEADERS + [f"列{i}" for i in range(2000)]) + "\n", encoding="utf-8")
    refused(engine, path, "2")


def test_a_stray_cell_far_right_costs_nothing(engine, tmp_path):
    path = write_ledger(tmp_path / "stray.xlsx", good_rows())
    wb = openpyxl.load_workbook(path)
    wb.active.cell(2, 16384).value = "stray"
    wb.save(path)
    sheet = load_sheet(path)
    assert len(sheet.headers) == len(HEADERS) and all(len(cells) == len(HEADERS) for _, cells in sheet.rows)


# ----------------------------------------------------------------------------- cells


def import_rows(engine, path: Path):
    with session_scope(engine) as session:
        return import_ledger(session, path, actor="clerk", reason="r")


def test_excel_error_cells_reject_their_row_by_column(engine, tmp_path):
    rows = good_rows() + household(2, 1, 10)
    rows[2]["工资性收入"] = "#N/A"
    report = import_rows(engine, write_ledger(tmp_path / "na.xlsx", rows))
    assert [(r.row, r.field) for r in report.rejected] == [(4, "工资性收入")]
    assert "#N/A" in report.rejected[0].reason and report.stored_households == 1


@pytest.mark.parametrize("suffix, cell", [(".xlsx", 45869), (".csv", "45869")])
def test_a_date_typed_as_a_number(engine, tmp_path, suffix, cell):
    rows = good_rows()
    rows[0]["申报日期"] = cell
    report = import_rows(engine, write_ledger(tmp_path / f"serial{suffix}", rows))
    own = [r for r in report.rejected if r.field == "申报日期"]
    assert [r.row for r in own] == [2] and "2025-07-31" in own[0].reason
    assert report.stored_households == 0


def test_ranges_are_refused_by_row_and_column(engine, tmp_path, zh):
    """Negative amounts and areas, future dates, areas outside the jurisdiction, blank names."""
    future = (clock.today() + dt.timedelta(days=400)).isoformat()
    cases = {"工资性收入": "-1.00", "住房面积": "-86", "申报日期": future, "出生日期": future,
             "区划代码": "110101001", "姓名": " "}
    rows = []
    for n, (header, value) in enumerate(cases.items(), start=1):
        rows += household(n, 1, n * 10, **{header: value})
    rows[1]["住房用途"] = "住宅"
    report = import_rows(engine, write_ledger(tmp_path / "ranges.csv", rows))
    got = {r.row: r.field for r in report.rejected}
    assert got == {n + 1: header for n, header in enumerate(cases, start=1)}
    reasons = {r.field: r.reason for r in report.rejected}
    assert "负数" in reasons["工资性收入"] and "负数" in reasons["住房面积"]
    assert "将来" in reasons["申报日期"] and "辖区" in reasons["区划代码"] and "必填" in reasons["姓名"]
    assert report.stored_households == 0


# ----------------------------------------------------------------------------- exports


def put_example(engine) -> None:
    with session_scope(engine) as session:
        service.put_household(session, service.parse_household(example(), record="x"), actor="t", reason="t")


def test_export_refuses_what_it_cannot_write(engine, tmp_path):
    put_example(engine)
    cases = [(tmp_path / "x.json", {}, "x.json"), (tmp_path, {}, str(tmp_path.name)),
             (tmp_path / "x.xlsx", {"month": "2025-13"}, "2025-13"),
             (tmp_path / "x.xlsx", {"area_code": "999999"}, "999999")]
    for path, kwargs, word in cases:
        with pytest.raises(JiuzhuError, match=word), session_scope(engine) as session:
            export_ledger(session, path, **{"month": "2025-08", "actor": "clerk", **kwargs})
    assert not (tmp_path / "x.xlsx").exists()


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_failing_export_leaves_no_cut_file_and_no_log(engine, tmp_path, monkeypatch, suffix):
    put_example(engine)
    out = tmp_path / f"out{suffix}"

    def fail(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    def bug(*args, **kwargs):
        raise RuntimeError("a fault half-way")

    monkeypatch.setattr(exporting, "household_views", bug)
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        export_ledger(session, out, month="2025-08", actor="clerk")
    monkeypatch.undo()
    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(StorageError, match="disk is full"), session_scope(engine) as session:
        export_ledger(session, out, month="2025-08", actor="clerk")
    assert [f for f in os.listdir(tmp_path) if f.startswith("out")] == []
    with session_scope(engine) as session:
        assert access_rows(session) == []


def test_the_rejection_report_is_written_whole(engine, tmp_path, monkeypatch):
    rows = good_rows()
    rows[1]["残疾等级"] = 9
    rows[1]["残疾类别"] = "肢体"
    report = import_rows(engine, write_ledger(tmp_path / "r.csv", rows))
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError(errno.EROFS, "read-only")))
    with pytest.raises(StorageError, match="read-only"):
        report.write_csv(tmp_path / "rejected.csv")
    assert [f for f in os.listdir(tmp_path) if f.startswith("rejected")] == []
