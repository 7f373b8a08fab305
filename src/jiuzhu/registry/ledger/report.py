"""What an import did: households and people stored, every rejected row with its column and reason.

The reasons are in the current language; the rejection CSV keeps its Chinese columns
(行号, 户编号, 字段, 原因) in every language, since township staff file it with the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jiuzhu.spreadsheet import write_csv

REPORT_HEADERS = ("行号", "户编号", "字段", "原因")


@dataclass(frozen=True)
class RejectedRow:
    row: int  # the spreadsheet's row number (the header is row 1 when there is no title row)
    household_no: str | None
    field: str  # the Chinese column header
    reason: str


@dataclass
class LedgerReport:
    path: str = ""
    stored_households: int = 0  # created or changed
    stored_people: int = 0  # in the households created or changed
    unchanged: list[str] = field(default_factory=list)  # already stored as in the file: nothing written
    rejected: list[RejectedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: int = 0  # data rows read

    @property
    def rejected_rows(self) -> list[int]:
        """The row numbers rejected (a row with several problems appears once)."""
        return sorted({r.row for r in self.rejected})

    @property
    def rejected_households(self) -> list[str]:
        """The household numbers not stored (rows without one are left out)."""
        return sorted({r.household_no for r in self.rejected if r.household_no})

    def write_csv(self, path: str | Path) -> None:
        """The rejections as CSV (UTF-8 with BOM, so Excel opens it), written whole or not at all."""
        write_csv(path, REPORT_HEADERS, ([r.row, r.household_no, r.field, r.reason]
                                         for r in sorted(self.rejected, key=lambda r: r.row)))
