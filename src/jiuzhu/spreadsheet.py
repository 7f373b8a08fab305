"""Text in spreadsheets that stays text (OWASP "CSV injection").

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a formula
by Excel and WPS when a CSV file is opened, and such text in an .xlsx cell is a formula unless the cell is
typed as text. Jiuzhu writes every text cell as text:

- .xlsx: the cell's type is string (``xlsx_text``), never a formula, whatever the text;
- CSV: text that a spreadsheet would read as a formula is prefixed with an apostrophe (``csv_text``), the
  way spreadsheets themselves mark "this is text"; a text already beginning with an apostrophe followed by
  such a character gets one more, so that ``csv_untext`` (used by every CSV import) gives the original back
  and a round trip is lossless.

``write_csv(path, header, rows)`` writes a small CSV file for people (a report): UTF-8 with a BOM so that Excel
opens it, every text cell as text, written whole or not at all. ``write_xlsx(path, header, rows, …)`` writes a
list as one sheet (导出Excel of every list): text cells as text, ``Decimal`` money as a number with two decimals
(``#,##0.00``: the sheet sums it, exactly as stored), days as dates, written whole or not at all.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import N_, t

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
MONEY_FORMAT = "#,##0.00"  # yuan with two decimals and thousands separators: 1,234.56
DAY_FORMAT = "yyyy-mm-dd"
NOT_XLSX = N_("the file to write must end in .xlsx: {path}")
MAX_ROWS = 1_048_000  # a sheet holds 1,048,576 rows: a longer list is refused (narrowed), never cut


def _looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START) or (text.startswith(QUOTE) and text[1:2] in (*FORMULA_START, QUOTE))


def csv_text(text: str) -> str:
    """The text as a CSV cell that no spreadsheet runs."""
    return QUOTE + text if _looks_like_formula(text) else text


def csv_untext(text: str) -> str:
    """The inverse of ``csv_text``: the text a CSV cell written by Jiuzhu (or a careful spreadsheet) holds."""
    if text.startswith(QUOTE) and text[1:2] in (*FORMULA_START, QUOTE):
        return text[1:]
    return text


def xlsx_text(cell: Any) -> Any:
    """Make an openpyxl cell holding a string a text cell (never a formula); returns the cell."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def write_csv(path: Path | str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """``header`` and ``rows`` as a CSV file Excel opens as it is (UTF-8 with a BOM, CRLF), text cells as text
    (``csv_text``), written under a temporary name and renamed when complete (``files.atomic_output``)."""
    from jiuzhu.files import atomic_output

    with atomic_output(path) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows([csv_text(v) if isinstance(v, str) else "" if v is None else v for v in row] for row in rows)


def xlsx_path(path: Path | str) -> Path:
    """``path`` as the name of an Excel file to write; one refusal (field ``output``) if it does not end in .xlsx."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise JiuzhuError(t(NOT_XLSX, path=path.name), field="output")
    return path


def write_xlsx(path: Path | str, header: Sequence[str], rows: Sequence[Sequence[Any]], *, sheet: str,
               heading: str | None = None, total: Sequence[Any] | None = None) -> None:
    """One sheet named ``sheet`` (at most 31 characters): an optional bold ``heading`` line, the bold ``header``,
    ``rows``, an optional bold ``total`` row. A ``str`` is a text cell (``xlsx_text``), a ``Decimal`` money (yuan,
    ``MONEY_FORMAT``), a ``date`` a date cell, ``None`` empty. Written in openpyxl's write-only mode (a district's
    50,000 lines) under a temporary name, renamed when complete (``files.atomic_output``).

    Raises ``ValueError`` past ``MAX_ROWS`` (the caller says "narrow the list"), ``StorageError`` on the disk."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from jiuzhu.files import atomic_output

    if len(rows) > MAX_ROWS:
        raise ValueError(f"{len(rows)} rows: more than a sheet holds")
    with atomic_output(path) as tmp:  # the folder is checked before the book is built
        book = Workbook(write_only=True)
        out = book.create_sheet(title=sheet[:31])
        out.freeze_panes = "A3" if heading else "A2"
        bold = Font(bold=True)

        def cells(values: Sequence[Any], font: Font | None = None) -> list:
            line = []
            for value in values:
                if not (font or isinstance(value, (str, Decimal, dt.date))):
                    line.append(value)
                    continue
                cell = WriteOnlyCell(out, value=value)
                if isinstance(value, str):
                    xlsx_text(cell)
                elif isinstance(value, Decimal):
                    cell.number_format = MONEY_FORMAT
                elif isinstance(value, dt.datetime):
                    cell.number_format = DAY_FORMAT + " hh:mm"
                elif isinstance(value, dt.date):
                    cell.number_format = DAY_FORMAT
                if font:
                    cell.font = font
                line.append(cell)
            return line

        if heading:
            out.append(cells([heading], bold))
        out.append(cells(header, bold))
        for row in rows:
            out.append(cells(row))
        if total is not None:
            out.append(cells(total, bold))
        book.save(tmp)
