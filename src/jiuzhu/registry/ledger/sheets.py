"""Reading a ledger file: .xlsx (merged cells included) or CSV (UTF-8 or GB18030), checked before any work.

``load_sheet(path)`` returns the header and the data rows of the file's first sheet, or raises one
``JiuzhuError``/``RecordError`` naming the file (and the column) when the file cannot be a ledger: missing,
a folder, empty, not text, of an encoding Jiuzhu does not read (it says which one it looks like), an
.xlsx that is no workbook (a CSV renamed, an old .xls, a password-protected or damaged one), no header
row, a required column missing or twice, far too many columns, or a ledger with detail rows that lacks
some columns of a group.

Merged cells read as the value of their top-left cell (township staff merge 户编号, 家庭住址 … down a
household's rows). openpyxl's read-only mode streams the sheet but does not expose the merged ranges,
and a normal load of a big workbook holds every cell object in memory (about 40× the rows' own size).
So the sheet's XML is parsed once, streaming, with openpyxl's own worksheet parser: it yields the rows
and, at the end of the XML (where ``<mergeCells>`` lies), the ranges; the ranges are then applied to the
rows already read. Memory is that of the rows' values; docs/ledger.md gives the figures measured.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from jiuzhu.errors import JiuzhuError, RecordError
from jiuzhu.files import ZIP_MAGIC, guess_encoding, is_text
from jiuzhu.i18n import t
from jiuzhu.registry.ledger.cells import UnsavedFormula, is_blank
from jiuzhu.registry.ledger.columns import (
    BY_HEADER,
    KIND_COLUMN,
    LIST_GROUPS,
    REQUIRED_HEADERS,
    group_columns,
    normalise_header,
)
from jiuzhu.spreadsheet import csv_untext

SUFFIXES = (".xlsx", ".csv")
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is tolerated
MAX_COLUMNS = 300  # a ledger has about 100; thousands of header cells mean the wrong file or sheet
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")  # the stream a password-protected Office file has
TEXT_SAMPLE = 1 << 16  # how much of a CSV file the text check and the encoding guess look at
HEADER_MIN_COLUMNS = 3  # ledger column names in a row that make it the header (a title row has one cell)

Cells = dict[int, Any]  # column number (1-based) → value, blank cells left out


@dataclass(frozen=True)
class Merge:
    """A merged range over data rows, as it concerns one column: the rows it covers (those read), and those
    whose cell took its top-left value."""

    ref: str  # as Excel shows it: C3:C5
    header: str  # the column's normalised header
    rows: tuple[int, ...]
    filled: frozenset[int]


@dataclass
class Sheet:
    """The header and data rows of a ledger file, cells aligned to ``headers``."""

    name: str
    headers: list[str]  # normalised header of each column ('' when blank)
    header_row: int
    rows: list[tuple[int, tuple]] = field(default_factory=list)  # (row number, cells)
    warnings: list[str] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)  # merged ranges of data rows spanning two rows or more

    @property
    def present(self) -> set[str]:
        return {h for h in self.headers if h in BY_HEADER}

    @property
    def detailed(self) -> bool:
        """Whether the ledger has the 明细 column, so detail rows."""
        return KIND_COLUMN.header in self.present


# --------------------------------------------------------------------------- the whole file


def load_sheet(path: str | Path) -> Sheet:
    """The checked header and data rows of a ledger file (see the module's docstring)."""
    path = Path(path)
    rows = _read_rows(path)
    index, named = _find_header(rows, path.name)
    header_row = rows[index][0]
    warnings = _check_header(named, path.name)
    # Cells right of the last ledger column are never read (a stray cell at column XFD costs nothing).
    width = max((p for p, h in named.items() if h in BY_HEADER), default=0)
    sheet = Sheet(path.name, [named.get(i + 1, "") for i in range(width)], header_row, warnings=warnings)
    if sheet.detailed:
        _check_groups_whole(sheet)
    data = rows[index + 1:]
    del rows[:]
    sheet.merges = _merges_of(_apply_merges(data, rows.merges, header_row, width), sheet.headers)
    for i, (number, cells) in enumerate(data):  # in place: the dicts go as the tuples come
        data[i] = (number, tuple(cells.get(c + 1) for c in range(width)))
    sheet.rows = data
    _check_not_masked(sheet)
    return sheet


def read_sheet(path: str | Path) -> list[tuple[int, list[Any]]]:
    """Every row of the file's first sheet as (row number, cells), merged cells filled in (tests, tools)."""
    rows = _read_rows(Path(path))
    width = max((max(cells, default=0) for _, cells in rows), default=0)
    _apply_merges(rows, rows.merges, 0, width)
    return [(number, [cells.get(i + 1) for i in range(width)]) for number, cells in rows]


class _Rows(list):
    """Rows read from a file, with the merged ranges of the sheet (min_col, min_row, max_col, max_row)."""

    merges: list[tuple[int, int, int, int]]


def _read_rows(path: Path) -> _Rows:
    if not path.exists():
        raise JiuzhuError(t("{name}: no such ledger file", name=str(path)))
    if path.is_dir():
        raise JiuzhuError(t("{name}: is a folder, not a ledger file", name=str(path)))
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise JiuzhuError(t("{name}: a ledger is .xlsx or .csv, not {suffix}", name=path.name,
                            suffix=suffix or t("a file without suffix")))
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise JiuzhuError(t("{name}: the ledger file cannot be read: {cause}", name=path.name,
                            cause=exc.strerror or exc)) from None
    if not head and path.stat().st_size == 0:
        raise JiuzhuError(t("{name}: the ledger file is empty", name=path.name))
    return _xlsx_rows(path, head) if suffix == ".xlsx" else _csv_rows(path)


# --------------------------------------------------------------------------- .xlsx


def _xlsx_rows(path: Path, head: bytes) -> _Rows:
    _check_is_workbook(path, head)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged package; each is one line here
        raise JiuzhuError(t("{name}: not a readable .xlsx workbook ({cause}); open it in Excel or WPS, save it "
                            "as .xlsx and try again", name=path.name, cause=_cause(exc))) from None
    try:
        if not wb.worksheets:
            raise JiuzhuError(t("{name}: the workbook has no worksheet", name=path.name))
        return _parse_worksheet(wb, wb.worksheets[0])
    except JiuzhuError:
        raise
    except Exception as exc:
        raise JiuzhuError(t("{name}: the workbook is damaged ({cause}); open it in Excel or WPS, save it as "
                            ".xlsx and try again", name=path.name, cause=_cause(exc))) from None
    finally:
        wb.close()


def _check_is_workbook(path: Path, head: bytes) -> None:
    if head.startswith(ZIP_MAGIC):
        return
    if head.startswith(OLE_MAGIC):
        if ENCRYPTED_MARK in path.read_bytes():
            raise JiuzhuError(t("{name}: the workbook is protected by a password; open it, remove the password "
                                "(文件 › 信息 › 保护工作簿), save it and import it again", name=path.name))
        raise JiuzhuError(t("{name}: an old Excel 97–2003 workbook (.xls) named .xlsx; open it and save it as "
                            ".xlsx", name=path.name))
    sample = path.read_bytes()[:4096]
    if is_text(sample):
        raise JiuzhuError(t("{name}: this is a text file (a CSV?) named .xlsx; name it .csv, or open it in Excel "
                            "and save it as .xlsx", name=path.name))
    raise JiuzhuError(t("{name}: not an .xlsx workbook (an .xlsx file is a zip package)", name=path.name))


def _parse_worksheet(wb, ws) -> _Rows:
    """The rows of a read-only worksheet (blank cells left out) and its merged ranges, in one pass."""
    rows = _Rows()
    with ws._get_source() as source:
        parser = _Parser(source, ws._shared_strings, data_only=True, epoch=wb.epoch,
                         date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
        for number, cells in parser.parse():
            values = {c["column"]: c["value"] for c in cells if not is_blank(c["value"])}
            if values:
                rows.append((number, values))
        merged = parser.merged_cells.mergeCell if parser.merged_cells is not None else []
    rows.merges = [range_boundaries(m.ref) for m in merged if m.ref and ":" in m.ref]
    return rows


class _Parser(WorkSheetParser):
    """openpyxl's parser reading saved results (``data_only``), that tells a formula with no saved result apart
    from an empty cell: a file written by a program rather than a spreadsheet has formulas and no results."""

    def parse_cell(self, element):
        cell = super().parse_cell(element)
        if cell["value"] is None and (formula := element.find(FORMULA_TAG)) is not None:
            cell["value"] = UnsavedFormula("=" + (formula.text or ""))
        return cell


def _apply_merges(rows: list[tuple[int, Cells]], merges: list, header_row: int,
                  width: int) -> list[tuple[tuple[int, int, int, int], list[int], dict[int, set[int]]]]:
    """Cells of a merged range take its top-left value; ranges in the title and header rows are left alone.

    Returns each range applied, with the data rows it covers and, per column, the rows whose cell it filled."""
    applied = []
    if not merges:
        return applied
    by_number = {number: cells for number, cells in rows}
    last = max(by_number, default=0)
    for bounds in merges:
        min_col, min_row, max_col, max_row = bounds
        if min_row <= header_row or min_col > width:
            continue
        value = by_number.get(min_row, {}).get(min_col)  # None: a blank merged cell (its rows are checked too)
        covered, filled = [], {col: set() for col in range(min_col, min(max_col, width) + 1)}
        for number in range(min_row, min(max_row, last) + 1):
            cells = by_number.get(number)
            if cells is None:  # a wholly blank row stays blank (and is skipped)
                continue
            covered.append(number)
            for col in filled:
                if col not in cells:
                    if value is not None:
                        cells[col] = value
                    filled[col].add(number)
        applied.append((bounds, covered, filled))
    return applied


def _merges_of(applied: list, headers: list[str]) -> list[Merge]:
    """The merged ranges of ledger columns that cover two data rows or more, one per column."""
    out = []
    for (min_col, min_row, max_col, max_row), covered, filled in applied:
        if len(covered) < 2:
            continue
        ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
        out += [Merge(ref, headers[col - 1], tuple(covered), frozenset(rows)) for col, rows in filled.items()
                if headers[col - 1] in BY_HEADER]
    return out


def _cause(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]


# --------------------------------------------------------------------------- CSV


def _csv_rows(path: Path) -> _Rows:
    data = path.read_bytes()
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise JiuzhuError(t("{name}: the ledger file is empty", name=path.name))
    if data.startswith(ZIP_MAGIC):
        raise JiuzhuError(t("{name}: this is an .xlsx workbook (a zip package) named .csv; name it .xlsx",
                            name=path.name))
    text = _decode(data, path.name)
    rows = _Rows()
    rows.merges = []
    try:
        for number, record in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            values = {i + 1: csv_untext(v) for i, v in enumerate(record) if not is_blank(v)}
            if values:
                rows.append((number, values))
    except csv.Error as exc:
        raise JiuzhuError(t("{name}: not a readable CSV file ({cause})", name=path.name, cause=_cause(exc))) from None
    return rows


def _decode(data: bytes, name: str) -> str:
    """UTF-8 with or without BOM; GB18030 (Chinese Excel's CSV) when UTF-8 fails; else say what it looks like."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise JiuzhuError(t("{name}: the file is UTF-16 text (Excel's \"Unicode text\"); save it as \"CSV UTF-8 "
                            "(逗号分隔)\" and import that", name=name))
    if b"\x00" not in data[:TEXT_SAMPLE]:  # a NUL: UTF-16 without a byte-order mark, or not text at all
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if not is_text(text[:TEXT_SAMPLE]):
                raise JiuzhuError(t("{name}: the file is not text but binary data: is it really a CSV ledger?",
                                    name=name))
            return text
    raise JiuzhuError(t("{name}: the file is neither UTF-8 nor GB18030 text; it looks like {guess}; save it as "
                        "\"CSV UTF-8 (逗号分隔)\" and import that", name=name,
                        guess=guess_encoding(data[:TEXT_SAMPLE])))


# --------------------------------------------------------------------------- header


def _find_header(rows: list[tuple[int, Cells]], name: str) -> tuple[int, dict[int, str]]:
    if not rows:
        raise JiuzhuError(t("{name}: the sheet is empty: no header row and no data", name=name))
    for index, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if len(cells) > MAX_COLUMNS:
            raise JiuzhuError(t("{name}: row {row} has {count} filled cells; a ledger has at most {limit} columns: "
                                "is this the right file and sheet?", name=name, row=rows[index][0],
                                count=len(cells), limit=MAX_COLUMNS))
        named = {position: normalise_header(value) for position, value in cells.items()}
        if "户编号" in named.values() and "身份证号" in named.values():
            return index, named
        # A row naming several ledger columns is the header even without one of those two: then the missing
        # columns are named (``_check_header``), not the header row as lost.
        if len(set(named.values()) & set(BY_HEADER)) >= HEADER_MIN_COLUMNS:
            return index, named
    hint = _header_hint(rows)
    raise RecordError(name, "户编号", t("no header row with 户编号 and 身份证号 in the first {n} rows{hint}",
                                         n=HEADER_SEARCH_ROWS, hint=hint))


def _header_hint(rows: list[tuple[int, Cells]]) -> str:
    first = " ".join(str(v) for v in rows[0][1].values())
    if "\t" in first or ";" in first:
        return t(" (the cells look separated by tabs or semicolons: save the file as \"CSV UTF-8 (逗号分隔)\")")
    return t(" (the first row reads: {text})", text=first[:60])


def _check_header(named: dict[int, str], name: str) -> list[str]:
    """Required columns present, none twice; the warnings for columns that are not the ledger's."""
    seen: dict[str, int] = {}
    warnings = []
    for position, header in sorted(named.items()):
        if header in seen and header in BY_HEADER:
            raise RecordError(name, header, t("the column appears twice (columns {first} and {second})",
                                              first=seen[header], second=position))
        seen[header] = position
        if header not in BY_HEADER:
            warnings.append(t("column {header} is not a ledger column and was ignored", header=header[:40]))
    missing = [header for header in REQUIRED_HEADERS if header not in seen]
    if missing:
        raise RecordError(name, "、".join(missing), t(
            "required column missing: a ledger has the columns {required} (docs/ledger.md)",
            required="、".join(REQUIRED_HEADERS)))
    return warnings


def _check_not_masked(sheet: Sheet) -> None:
    """A ledger exported without unmask is refused whole, once (as a masked JSON export is), not row by row:
    its first 身份证号 tells. A masked number further down is the row's own problem."""
    column = sheet.headers.index("身份证号")
    first = next((cells[column] for _, cells in sheet.rows if not is_blank(cells[column])), None)
    if first is not None and "*" in str(first):
        raise JiuzhuError(t("{name}: the ledger was exported with masked identifiers (ID numbers shown with *, such "
                            "as {id_number}): it cannot be imported; export it again with unmask (--unmask) for a "
                            "complete copy", name=sheet.name, id_number=str(first).strip()))


def _check_groups_whole(sheet: Sheet) -> None:
    """A ledger with detail rows lists items whole: each group's columns are all there or none is."""
    present = sheet.present
    for group in LIST_GROUPS:
        headers = [col.header for col in group_columns(group)]
        missing = [h for h in headers if h not in present]
        if missing and len(missing) < len(headers):
            raise RecordError(sheet.name, missing[0], t(
                "a ledger with the 明细 column has each group of columns whole or not at all; {group} lacks "
                "{missing}", group="、".join(h for h in headers if h in present)[:60], missing="、".join(missing)))
