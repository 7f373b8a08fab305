"""A disbursement file (报盘) in a bank's layout, and reading one back: bytes in, bytes out, no database.

Amounts are integer fen inside and yuan with two decimals in the file (``money.fen_to_yuan``: exact, no rounding
anywhere; a file amount with more than two decimals is refused, not rounded). The totals line carries the count of
lines and their sum, so the bank can check the file before paying. A field holding the delimiter or a line break,
or a character the file's encoding (GBK) cannot write, is refused naming the line and the field: the bank would
split or garble it.

    render(layout, lines)         -> bytes of the file
    read(layout, data)            -> (lines, count, total_fen): a file read back (tests; checking a written file)
    read_rows(layout, data, name) -> [(line number, cells)], totals cells or None: any file of a layout, as text
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from jiuzhu.errors import RecordError
from jiuzhu.i18n import N_, t
from jiuzhu.money import fen_to_yuan, yuan_to_fen
from jiuzhu.payroll.banks import Layout

# Column titles as the banks' templates write them (data of the file format, not messages: always Chinese).
TITLES = {"seq": "序号", "name": "户名", "account": "账号", "amount": "金额", "id_number": "身份证号",
          "memo": "摘要", "branch": "开户行", "interbank_no": "联行号", "bank": "开户银行",
          "result": "处理结果", "reason": "失败原因", "-": "备注"}
LINE = N_("line {n}")
ENCODINGS = {"utf-8": N_("UTF-8"), "gbk": N_("GBK"), "auto": N_("UTF-8 or GBK")}  # as messages say them


@dataclass(frozen=True)
class FileLine:
    seq: int
    name: str
    account: str
    amount_fen: int
    id_number: str
    memo: str
    branch: str = ""
    interbank_no: str = ""
    bank: str = ""

    def cell(self, column: str) -> str:
        if column == "amount":
            return str(fen_to_yuan(self.amount_fen))
        return str(getattr(self, column))


def render(layout: Layout, lines: list[FileLine]) -> bytes:
    rows = [[line.cell(c) for c in layout.columns] for line in lines]
    for line, row in zip(lines, rows, strict=True):
        _check(layout, line.seq, row)
    totals = [layout.totals_label, str(len(lines)), str(fen_to_yuan(sum(line.amount_fen for line in lines)))]
    table: list[list[str]] = []
    if layout.header:
        table.append([TITLES[c] for c in layout.columns])
    if layout.totals == "first":
        table.append(totals)
    table.extend(rows)
    if layout.totals == "last":
        table.append(totals)
    if layout.format == "xlsx":
        return _xlsx(table)
    if layout.format == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(table)
        text = out.getvalue()
    else:
        text = "".join(layout.delimiter.join(row) + "\r\n" for row in table)
    return text.encode("gbk" if layout.encoding == "gbk" else "utf-8")


def _check(layout: Layout, seq: int, row: list[str]) -> None:
    for column, value in zip(layout.columns, row, strict=True):
        where = t(LINE, n=seq)
        if "\n" in value or "\r" in value or (layout.format == "txt" and layout.delimiter in value):
            raise RecordError(where, TITLES[column], t("holds a line break or the file's delimiter '{d}'",
                                                       d=layout.delimiter))
        if layout.encoding == "gbk" and layout.format != "xlsx":
            try:
                value.encode("gbk")
            except UnicodeEncodeError as exc:
                raise RecordError(where, TITLES[column], t(
                    "the character '{ch}' cannot be written in GBK: the bank's file cannot carry it",
                    ch=value[exc.start:exc.end])) from None


def _xlsx(table: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "代发"
    for row in table:
        sheet.append(row)  # every cell text: an account or ID number as a number would lose its digits
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def decode(data: bytes, encoding: str, name: str) -> str:
    """The text of a file: UTF-8 (a BOM allowed) or GBK (read as GB18030, its superset); "auto": UTF-8 if it
    decodes, else GB18030."""
    tries = {"utf-8": ["utf-8-sig"], "gbk": ["gb18030"], "auto": ["utf-8-sig", "gb18030"]}[encoding]
    for codec in tries:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    raise RecordError(name, t("encoding"), t("not readable as {encoding} text", encoding=t(ENCODINGS[encoding])))


def read_rows(layout: Layout, data: bytes, name: str) -> tuple[list[tuple[int, list[str]]], list[str] | None]:
    """The data rows of a file (their line numbers in the file, 1-based) and its totals row (None without)."""
    if layout.format == "xlsx":
        table = _read_xlsx(data, name)
    else:
        text = decode(data, layout.encoding, name)
        if layout.format == "csv":
            table = [row for row in csv.reader(io.StringIO(text))]
        else:
            table = [line.split(layout.delimiter) for line in text.splitlines()]
    numbered = [(i + 1, [c.strip() for c in row]) for i, row in enumerate(table) if any(c.strip() for c in row)]
    if layout.header and numbered:
        numbered = numbered[1:]
    totals = None
    if layout.totals == "first" and numbered:
        totals, numbered = numbered[0][1], numbered[1:]
    elif layout.totals == "last" and numbered:
        totals, numbered = numbered[-1][1], numbered[:-1]
    if layout.totals != "none" and (totals is None or totals[0] != layout.totals_label or len(totals) < 3):
        raise RecordError(name, t("totals line"), t("missing: the layout has a totals line '{label}' {where}",
                                                    label=layout.totals_label, where=layout.totals))
    return numbered, totals


def _read_xlsx(data: bytes, name: str) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a file that is no workbook
        raise RecordError(name, t("format"), t("not an Excel workbook (.xlsx)")) from None
    sheet = book.worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def parse_amount(text: str, where: str, column: str = "amount") -> int:
    try:
        if Decimal(text.replace(",", "")) < 0:
            raise ValueError
        return yuan_to_fen(text.replace(",", ""))
    except (ValueError, InvalidOperation):
        raise RecordError(where, TITLES[column], t("'{value}' is not an amount in yuan with at most two decimals",
                                                   value=text)) from None


def read(layout: Layout, data: bytes, name: str = "file") -> tuple[list[FileLine], int, int]:
    rows, totals = read_rows(layout, data, name)
    lines = []
    for n, row in rows:
        where = t(LINE, n=n)
        if len(row) != len(layout.columns):
            raise RecordError(where, t("columns"), t("{got} columns, the layout has {want}", got=len(row),
                                                     want=len(layout.columns)))
        cells = dict(zip(layout.columns, row, strict=True))
        lines.append(FileLine(seq=int(cells.get("seq", "0")), name=cells.get("name", ""),
                              account=cells.get("account", ""),
                              amount_fen=parse_amount(cells.get("amount", ""), where),
                              id_number=cells.get("id_number", ""), memo=cells.get("memo", ""),
                              branch=cells.get("branch", ""), interbank_no=cells.get("interbank_no", ""),
                              bank=cells.get("bank", "")))
    count = int(totals[1]) if totals else len(lines)
    total = parse_amount(totals[2], name) if totals else sum(line.amount_fen for line in lines)
    return lines, count, total
