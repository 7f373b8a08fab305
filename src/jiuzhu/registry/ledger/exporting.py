"""Exporting a ledger: every household of an area, lossless, identifiers masked unless asked, logged.

Each person's row shows the month asked; the detail rows list everything else (``views``), so importing
the file into an empty registry gives the same households back. Every text cell is text (.xlsx: a string
cell, never a formula; CSV: formula-like text gets an apostrophe, which the import removes). The file is
written under a temporary name and renamed when complete (``files.atomic_output``). Every export, masked
or not, is one row of the access log saying what was written (个人信息保护法).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jiuzhu.errors import JiuzhuError
from jiuzhu.files import atomic_output, check_output
from jiuzhu.months import check_not_future
from jiuzhu.registry import areas, service
from jiuzhu.registry import models as m
from jiuzhu.registry import schemas as s
from jiuzhu.registry.ledger.columns import COLUMNS, HEADERS, get_value
from jiuzhu.registry.ledger.sheets import SUFFIXES
from jiuzhu.registry.ledger.views import household_views
from jiuzhu.spreadsheet import csv_text, xlsx_text

BATCH_HOUSEHOLDS = 500
_FORMATS = {"text": "@", "date": "yyyy-mm-dd", "amount": "#,##0.00", "number": "0.00", "int": "0"}
_WIDTHS = {"身份证号": 21, "户编号": 18, "区划代码": 13, "家庭住址": 30, "残疾证号": 23, "统一社会信用代码": 21,
           "义务人身份证号": 21, "账号": 21, "不动产权证号": 26, "坐落": 26}


def ledger_rows(doc: s.Household, month: str, *, unmask: bool = True) -> list[list[Any]]:
    """The cells of every row of a household, in ``COLUMNS`` order; identifiers masked unless ``unmask``."""
    rows = []
    for view in household_views(doc, month):
        cells = [col.format(get_value(view, col)) for col in COLUMNS]
        if not unmask:
            cells = [col.mask(v) if col.mask is not None and isinstance(v, str) and v else v
                     for col, v in zip(COLUMNS, cells, strict=True)]
        rows.append(cells)
    return rows


def export_ledger(session: Session, path: str | Path, *, month: str, area_code: str | None = None,
                  unmask: bool = False, actor: str, progress: Callable[[int], None] | None = None,
                  total: Callable[[int], None] | None = None) -> int:
    """Write the ledger of ``month`` for the households under ``area_code``; returns the households written.

    Identifiers are masked unless ``unmask`` (a masked ledger cannot be imported again). ``total`` is
    called once with the number of people to write, then ``progress`` with the number written so far.
    """
    path, month = _checked(path, month, area_code)
    query = select(m.Household).order_by(m.Household.household_no)
    if area_code:
        query = query.where(m.Household.area_code.startswith(areas.prefix(area_code)))
    households = list(session.scalars(query))
    if total is not None:
        total(count_people(session, area_code))
    counts = {"households": len(households), "people": 0, "rows": 0}
    with atomic_output(path) as tmp:
        writer = _XlsxWriter(tmp) if path.suffix.lower() == ".xlsx" else _CsvWriter(tmp)
        try:
            for doc in _documents(session, households):
                rows = ledger_rows(doc, month, unmask=unmask)
                writer.write(rows)
                counts["people"] += len(doc.members)
                counts["rows"] += len(rows)
                if progress is not None:
                    progress(counts["people"])
        finally:
            writer.close()  # on a failure too: the temporary file is then removed whole
    service.log_export(session, actor=actor, file=path.name, month=month, area=area_code, unmasked=unmask, **counts)
    return len(households)


def _checked(path: str | Path, month: str, area_code: str | None) -> tuple[Path, str]:
    """The output path, the month and the area, checked before anything is read (one line naming what is wrong:
    the path, or the field \"month\" or \"area\")."""
    path = check_output(path, SUFFIXES)
    month = check_not_future(month, "month")  # the registry holds today's facts: no ledger of a later month
    if area_code:
        code = areas.check_served(area_code.strip().upper())  # a province or city too: its code's zeros are levels
        if areas.lookup(code[:9]) is None:  # no official area (999999): refused as unknown, not an empty ledger
            try:
                areas.check_area_code(code)
            except ValueError as exc:
                raise JiuzhuError(str(exc), field="area") from None
    return path, month


def _documents(session: Session, households: list[m.Household]) -> Iterator[s.Household]:
    for i in range(0, len(households), BATCH_HOUSEHOLDS):
        yield from service.households_docs(session, households[i:i + BATCH_HOUSEHOLDS])


def count_people(session: Session, area_code: str | None = None) -> int:
    """The number of people an export of ``area_code`` writes (for a progress bar's total)."""
    query = select(func.count()).select_from(m.Member).join(m.Household, m.Household.id == m.Member.household_id)
    if area_code:
        query = query.where(m.Household.area_code.startswith(areas.prefix(area_code)))
    return session.scalar(query) or 0


# --------------------------------------------------------------------------- writers


class _XlsxWriter:
    """A streaming workbook: bold frozen header, identifier and code columns as text cells."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.wb = openpyxl.Workbook(write_only=True)
        self.ws = self.wb.create_sheet("台账")
        self.ws.freeze_panes = "A2"
        for i, col in enumerate(COLUMNS, start=1):
            dimension = self.ws.column_dimensions[get_column_letter(i)]
            dimension.width = _WIDTHS.get(col.header, max(8, 2 * len(col.header) + 2))
            dimension.number_format = _FORMATS[col.kind]  # so that what staff type later keeps the format
        bold = Font(bold=True)
        header = []
        for h in HEADERS:
            cell = WriteOnlyCell(self.ws, value=h)
            cell.font = bold
            header.append(cell)
        self.ws.append(header)

    def write(self, rows: list[list[Any]]) -> None:
        for cells in rows:
            self.ws.append([None if value is None else self._cell(col, value)
                            for col, value in zip(COLUMNS, cells, strict=True)])

    def _cell(self, col, value: Any) -> WriteOnlyCell:
        cell = xlsx_text(WriteOnlyCell(self.ws, value=value))
        cell.number_format = _FORMATS[col.kind]
        return cell

    def close(self) -> None:
        self.wb.save(self.path)


class _CsvWriter:
    """UTF-8 with a BOM and CRLF line ends, so Excel opens it correctly; formula-like text kept as text."""

    def __init__(self, path: Path) -> None:
        self.out = path.open("w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.out, lineterminator="\r\n")
        self.writer.writerow(HEADERS)

    def write(self, rows: list[list[Any]]) -> None:
        self.writer.writerows([_csv_cell(v) for v in cells] for cells in rows)

    def close(self) -> None:
        self.out.close()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return csv_text(value) if isinstance(value, str) else str(value)
