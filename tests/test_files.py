"""Outputs are written whole or not at all; storage errors name the place and the cause in one line."""

from __future__ import annotations

import errno
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.files import StorageError, atomic_folder, atomic_output, storage_error, writable_folder
from jiuzhu.spreadsheet import csv_text, csv_untext


def test_an_output_appears_only_when_complete(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("stopped halfway")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["out.csv"]
    with atomic_output(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new" and os.listdir(tmp_path) == ["out.csv"]


def test_a_folder_appears_only_when_complete(tmp_path):
    with pytest.raises(RuntimeError), atomic_folder(tmp_path / "scan") as tmp:
        (tmp / "a.parquet").write_text("x")
        raise RuntimeError("killed")
    assert os.listdir(tmp_path) == []
    with atomic_folder(tmp_path / "scan") as tmp:
        (tmp / "a.parquet").write_text("x")
    assert os.listdir(tmp_path / "scan") == ["a.parquet"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_named_with_its_cause(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    with pytest.raises(StorageError, match="permission denied") as info:
        writable_folder(folder / "inner")
    assert str(folder) in info.value.message


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "disk is full"), (errno.EROFS, "read-only")])
def test_operating_system_errors_become_one_line(tmp_path, code, words):
    message = storage_error(OSError(code, os.strerror(code)), tmp_path / "x.xlsx").message
    assert words in message and str(tmp_path / "x.xlsx") in message and "\n" not in message


@given(st.text())
def test_csv_text_round_trips_and_never_starts_a_formula(text):
    cell = csv_text(text)
    assert csv_untext(cell) == text
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize(("sample", "guess"), [
    ("户编号,身份证号\r\n".encode("gbk"), "GB18030/GBK text, common in files from Chinese Windows programs"),
    ("ﾃｽﾄ,ｶﾅ\r\n".encode("shift_jis"), "Shift_JIS (日本語) text"),  # not GB18030: a lead byte before a comma
    ("café\r\n".encode("cp1252"), "Windows-1252 (Western European) text"),
    ('{"household_no": "x"}'.encode("utf-16"), "UTF-16 text"),
    ('{"household_no": "x"}'.encode("utf-16-le"), "UTF-16 text"),
    (b"PK\x03\x04" + b"\x00\x14\x00\x06" * 100, "binary data (a spreadsheet, an archive …), not text"),
    (bytes(range(256)) * 4, "binary data (a spreadsheet, an archive …), not text"),
])
def test_one_guess_of_an_encoding_for_every_reader(sample, guess):
    """The JSON and the CSV readers say the same of the same bytes (files.guess_encoding): a guess, in order."""
    from jiuzhu.files import guess_encoding

    assert guess_encoding(sample) == guess


def test_text_has_no_nul_and_hardly_any_control_character():
    from jiuzhu.files import is_text

    assert is_text("户编号,身份证号\r\n\t") and is_text(b"plain, text\n")
    assert not is_text(b"a\x00b") and not is_text("\x01\x02" + "x" * 100) and is_text("\x01" + "x" * 100)


@settings(max_examples=25, deadline=None)
# text as Jiuzhu keeps it (jiuzhu.text refuses control characters); money up to 100 billion yuan, which a sheet's
# numbers (doubles) hold to the fen
@given(st.lists(st.tuples(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
                          st.integers(min_value=0, max_value=10**13)), max_size=8))
def test_a_list_written_as_excel_reads_back_the_same(tmp_path_factory, rows):
    """导出Excel of every list: text stays text (never a formula), money in fen reads back as the same yuan with
    two decimals, days as days; the heading, header and total rows are where they are said to be."""
    import datetime as dt
    from decimal import Decimal

    from openpyxl import load_workbook

    from jiuzhu.money import fen_to_yuan
    from jiuzhu.spreadsheet import MONEY_FORMAT, write_xlsx

    path = tmp_path_factory.mktemp("xlsx") / "list.xlsx"
    day = dt.date(2026, 6, 1)
    body = [[text, fen_to_yuan(fen), day] for text, fen in rows]
    total = ["合计", fen_to_yuan(sum(fen for _, fen in rows)), None]
    write_xlsx(path, ["名称", "金额（元）", "日期"], body, sheet="清单", heading="标题", total=total)
    sheet = load_workbook(path).active
    got = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert got[0][0] == "标题" and got[1] == ["名称", "金额（元）", "日期"]
    for (text, fen), line, cells in zip(rows, got[2:], list(sheet.iter_rows(min_row=3)), strict=False):
        assert (line[0] or "") == text and cells[0].data_type != "f"  # never a formula; "" reads back empty
        assert Decimal(str(line[1])).quantize(Decimal("0.01")) == fen_to_yuan(fen)
        assert cells[1].number_format == MONEY_FORMAT and line[2].date() == day
    assert got[-1][0] == "合计" and Decimal(str(got[-1][1])).quantize(Decimal("0.01")) == total[1]


def test_a_list_to_write_as_excel_must_be_named_xlsx(tmp_path):
    from jiuzhu.errors import JiuzhuError
    from jiuzhu.spreadsheet import xlsx_path

    assert xlsx_path(tmp_path / "a.XLSX").name == "a.XLSX"
    with pytest.raises(JiuzhuError, match=r"\.xlsx: a\.csv") as refused:
        xlsx_path(tmp_path / "a.csv")
    assert refused.value.field == "output"
