"""Why a household of a ledger is not stored: a row that cannot be applied, or the household as a whole."""

from __future__ import annotations

from typing import Any

from jiuzhu.i18n import t


class RowProblem(Exception):
    """A row of the household cannot be applied; ``header`` names its column."""

    def __init__(self, row: Any, header: str, reason: str) -> None:
        super().__init__(reason)
        self.row, self.header, self.reason = row, header, reason


class HouseholdRejected(Exception):
    """The household is not stored: ``field`` and ``reason`` for each of its rows, ``culprits`` (row number →
    (column, reason)) for the rows at fault."""

    def __init__(self, field: str, reason: str, culprits: dict[int, tuple[str, str]] | None = None) -> None:
        super().__init__(reason)
        self.field, self.reason, self.culprits = field, reason, culprits or {}


def not_applied(household_no: str, row: int, header: str, reason: str) -> HouseholdRejected:
    """The household is not stored because one row (``reason``, in column ``header``) cannot be applied."""
    return HouseholdRejected(header, t("household {household_no} not stored: row {row} cannot be applied",
                                       household_no=household_no, row=row), {row: (header, reason)})


def for_nobody(household_no: str, row: int, kind: str) -> HouseholdRejected:
    """A detail row whose 身份证号 is of no person of the household."""
    reason = t("no person's row (明细 成员) of this household has this 身份证号; a {kind} row belongs to one",
               kind=kind)
    return HouseholdRejected("身份证号", t("household {household_no} not stored: row {row} is for nobody of it",
                                       household_no=household_no, row=row), {row: ("身份证号", reason)})
