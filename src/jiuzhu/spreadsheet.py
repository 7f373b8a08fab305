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
opens it, every text cell as text, written whole or not at all.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


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
