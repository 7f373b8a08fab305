"""Importing a ledger: every household stored whole, or left exactly as the registry holds it.

The file is read and checked first (``sheets.load_sheet``: a file that cannot be a ledger raises before
anything is stored). Rows are grouped by 户编号 (a household's rows need not be adjacent), then households
are taken in batches: their stored documents read once, each row parsed, the household put together
(``households.prepare``) and stored through ``service.put_household`` in its own SAVEPOINT, so that one
refused by the database leaves the others stored; the change log records every value changed. A
household refused by the registry (a person still a member of another household of the ledger) is tried
once more after all others. The caller owns the transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from jiuzhu.errors import RecordError
from jiuzhu.i18n import t
from jiuzhu.months import month_end
from jiuzhu.registry import models as m
from jiuzhu.registry import schemas as s
from jiuzhu.registry import service
from jiuzhu.registry.ledger.cells import is_blank, parse_date, parse_household_no, parse_month
from jiuzhu.registry.ledger.columns import BY_HEADER, COLUMNS, KIND_COLUMN, get_value
from jiuzhu.registry.ledger.households import Prepared, prepare
from jiuzhu.registry.ledger.problems import HouseholdRejected
from jiuzhu.registry.ledger.report import LedgerReport, RejectedRow
from jiuzhu.registry.ledger.rows import AS_OF, HH_NO, ID, MONTH, Row, parse_row, row_kind
from jiuzhu.registry.ledger.sheets import Sheet, load_sheet
from jiuzhu.registry.ledger.views import household_view, member_row_view

BATCH_HOUSEHOLDS = 200
# Columns of a person's row that keep the registry's value when the file does not have them (the
# enrolment and household columns have their own rules; the assessment date stays with unchanged cells).
FILLED_PARTS = ("member", "income", "balance", "vehicle", "home", "business")
NOT_FILLED = frozenset({"自理评估日期"})


def import_ledger(session: Session, path: str | Path, *, actor: str, reason: str,
                  progress: Callable[[int], None] | None = None) -> LedgerReport:
    """Import a ledger (.xlsx or .csv by suffix): store its good households, report the others whole.

    Raises JiuzhuError/RecordError naming the file when it cannot be a ledger; row problems go to the
    report. ``progress`` is called with the number of rows done.
    """
    sheet = load_sheet(path)
    report = LedgerReport(path=sheet.name, warnings=list(sheet.warnings))
    rows = [_row(sheet, number, cells) for number, cells in sheet.rows]
    rows = [row for row in rows if row is not None]
    report.rows = len(rows)
    _reject_duplicate_ids(rows)
    groups: dict[str, list[Row]] = {}
    done = 0
    for row in rows:
        if row.household_no is None:
            parse_row(row)
            _report_rows(report, [row], None)
            done += 1
        else:
            groups.setdefault(row.household_no, []).append(row)
    retry: list[Prepared] = []
    numbers = list(groups)
    for start in range(0, len(numbers), BATCH_HOUSEHOLDS):
        batch = numbers[start:start + BATCH_HOUSEHOLDS]
        stored = _stored_households(session, batch)
        for household_no in batch:
            group = groups.pop(household_no)
            prepared = _prepare(household_no, group, stored.get(household_no), sheet.present, report)
            if prepared is not None and not _store(session, prepared, report, actor=actor, reason=reason,
                                                   final=False):
                retry.append(prepared)
            done += len(group)
            if progress is not None:
                progress(done)
    for prepared in retry:
        _store(session, prepared, report, actor=actor, reason=reason, final=True)
    report.rejected.sort(key=lambda r: r.row)
    return report


def _row(sheet: Sheet, number: int, cells: tuple) -> Row | None:
    """A data row with its ledger cells by header; None for a wholly blank row."""
    by_header = {h: cells[i] for i, h in enumerate(sheet.headers) if h in BY_HEADER and i < len(cells)}
    if all(is_blank(v) for v in by_header.values()):
        return None
    for header in sheet.present:
        by_header.setdefault(header, None)
    row = Row(number=number, cells=by_header, household_no=_household_no_text(by_header.get(HH_NO)))
    row.id_text = "" if is_blank(by_header.get(ID)) else str(by_header[ID]).strip().upper()
    return row


def _household_no_text(raw: Any) -> str | None:
    if is_blank(raw):
        return None
    try:
        return parse_household_no(raw)
    except ValueError:
        return str(raw).strip()


def _reject_duplicate_ids(rows: list[Row]) -> None:
    """The same ID number on two persons' rows: the later row is rejected (and so its household)."""
    first: dict[str, Row] = {}
    for row in rows:
        if not row.id_text or row_kind(row.cells.get(KIND_COLUMN.header)) != "member":
            continue
        if row.id_text in first:
            other = first[row.id_text]
            row.errors.append((ID, t("the same ID number is already on row {row} (household {household_no})",
                                     row=other.number, household_no=other.household_no)))
        else:
            first[row.id_text] = row


# --------------------------------------------------------------------------- one household


def _prepare(household_no: str, group: list[Row], stored: s.Household | None, present: set[str],
             report: LedgerReport) -> Prepared | None:
    for row in group:
        _fill_absent(row, stored, present)
        errors_before = list(row.errors)
        row.errors = []
        parse_row(row)
        row.errors = errors_before + row.errors
    try:
        return prepare(household_no, group, stored, present)
    except HouseholdRejected as rejected:
        _report_rows(report, group, rejected)
        return None


def _report_rows(report: LedgerReport, group: list[Row], rejected: HouseholdRejected | None) -> None:
    """Every row of a household not stored: its own problems, or why the household was not stored."""
    for row in group:
        if row.errors:
            report.rejected += [RejectedRow(row.number, row.household_no, f, r) for f, r in row.errors]
        elif rejected is not None:
            field, reason = rejected.culprits.get(row.number, (rejected.field, rejected.reason))
            report.rejected.append(RejectedRow(row.number, row.household_no, field, reason))


def _fill_absent(row: Row, stored: s.Household | None, present: set[str]) -> None:
    """Columns missing from the file keep the registry's values, for a person the registry holds."""
    if stored is None or row_kind(row.cells.get(KIND_COLUMN.header)) != "member":
        return
    member = next((mem for mem in stored.members if mem.id_number == row.id_text), None)
    absent = [col for col in COLUMNS if col.header not in present and col.root in FILLED_PARTS
              and col.header not in NOT_FILLED]
    if member is None or not absent:
        return
    month, day = _month_and_day(row)
    view = member_row_view(household_view(stored), member, month, day)
    for col in absent:
        row.cells[col.header] = col.format(get_value(view, col))


def _month_and_day(row: Row) -> tuple[str | None, Any]:
    try:
        month = None if is_blank(row.cells.get(MONTH)) else parse_month(row.cells[MONTH])
        day = None if is_blank(row.cells.get(AS_OF)) else parse_date(row.cells[AS_OF])
    except ValueError:
        return None, None  # the row's own parse reports it
    return month, day or (month_end(month) if month else None)


def _stored_households(session: Session, numbers: list[str]) -> dict[str, s.Household]:
    found = list(session.scalars(select(m.Household).where(m.Household.household_no.in_(numbers))))
    return {d.household_no: d for d in service.households_docs(session, found)} if found else {}


# --------------------------------------------------------------------------- storing


def _store(session: Session, prepared: Prepared, report: LedgerReport, *, actor: str, reason: str,
           final: bool) -> bool:
    """Store one household in its own savepoint; False (and, if ``final``, its rows reported) when refused."""
    try:
        with session.begin_nested():
            service.put_household(session, prepared.doc, actor=actor, reason=reason)
    except RecordError as exc:
        if final:
            _report_rows(report, prepared.rows, _refused(exc, prepared))
        return False
    except SQLAlchemyError as exc:
        if final:
            detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            _report_rows(report, prepared.rows, HouseholdRejected(HH_NO, t(
                "household {household_no} not stored: the database refused it: {detail}",
                household_no=prepared.doc.household_no, detail=detail)))
        return False
    report.stored_households += 1
    report.stored_people += len(prepared.member_rows)
    return True


def _refused(exc: RecordError, prepared: Prepared) -> HouseholdRejected:
    household_no = prepared.doc.household_no
    match = re.match(r"members\[(\d+)\]", exc.field)
    culprit = prepared.member_rows[int(match.group(1))] if match else None
    if culprit is None:
        return HouseholdRejected(HH_NO, t("household {household_no} not stored: {reason}",
                                          household_no=household_no, reason=exc.reason))
    return HouseholdRejected(ID, t("household {household_no} not stored: {reason} (row {row})",
                                   household_no=household_no, reason=exc.reason, row=culprit.number),
                             {culprit.number: (ID, exc.reason)})
