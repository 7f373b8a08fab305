"""Importing a ledger: every household stored whole, or left exactly as the registry holds it.

The file is read and checked first (``sheets.load_sheet``: a file that cannot be a ledger raises before
anything is stored). Rows are grouped by 户编号 (a household's rows need not be adjacent). Households
that share a person are *linked* and stored or refused together: a person moving from household A to
household B of the ledger, and a rejected row (a mistyped 户编号, none at all, a bad cell) about a person
the registry holds in A — so that a rejected row never removes anybody from A. A row without 户编号 is
linked to the household it sits under.

Linked sets are taken in batches: their stored documents read once, each row parsed, each household put
together (``households.prepare``) and the set stored through ``service.put_household`` in one SAVEPOINT,
so that a set refused by the database leaves the others stored; a refused set is tried once more after
all the others. The change log records every value changed. The caller owns the transaction.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
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
from jiuzhu.registry.ledger.spans import check_merges
from jiuzhu.registry.ledger.views import household_view, member_row_view

BATCH_HOUSEHOLDS = 200
# Columns of a person's row that keep the registry's value when the file does not have them (the
# enrolment and household columns have their own rules; the assessment date stays with unchanged cells).
FILLED_PARTS = ("member", "income", "balance", "vehicle", "home", "business")
NOT_FILLED = frozenset({"自理评估日期"})


@dataclass
class Line:
    """A data row before it is parsed: its cells and what grouping needs."""

    number: int
    cells: tuple
    household_no: str | None  # as typed; None when blank
    household_ok: bool  # a well-formed 户编号
    id_text: str  # 身份证号 as typed, upper-case
    person: bool  # a person's own row (明细 blank or 成员)
    detail: bool  # 明细 names something else (a detail kind, or a mistake)

    @property
    def key(self) -> str:
        """The group of the row: its 户编号, or the row alone when it has none."""
        return self.household_no if self.household_no is not None else f"#{self.number}"


def import_ledger(session: Session, path: str | Path, *, actor: str, reason: str,
                  progress: Callable[[int], None] | None = None,
                  total: Callable[[int], None] | None = None) -> LedgerReport:
    """Import a ledger (.xlsx or .csv by suffix): store its good households, report the others whole.

    Raises JiuzhuError/RecordError naming the file when it cannot be a ledger; row problems go to the
    report. ``total`` is called once with the number of data rows when the file has been read, then
    ``progress`` with the number of rows done.
    """
    sheet = load_sheet(path)
    report = LedgerReport(path=sheet.name, warnings=list(sheet.warnings))
    lines = [line for number, cells in sheet.rows if (line := _line(sheet, number, cells)) is not None]
    report.rows = len(lines)
    if total is not None:
        total(len(lines))
    problems = check_merges(sheet, lines).faults  # before grouping: a faulty merged 户编号 numbers no row
    for number, reason in _duplicate_ids(lines).items():
        problems.setdefault(number, []).append((ID, reason))
    groups: dict[str, list[Line]] = defaultdict(list)
    for line in lines:
        groups[line.key].append(line)
    homes = _stored_homes(session, lines)
    retry: list[list[Prepared]] = []
    done = 0
    for batch in _batches(_linked_sets(lines, groups, homes)):
        stored = _stored_households(session, [key for keys in batch for key in keys if not key.startswith("#")])
        for keys in batch:
            prepared = _prepare_set(keys, groups, stored, sheet, problems, report)
            if prepared and not _store_set(session, prepared, report, homes, actor=actor, reason=reason,
                                           final=False):
                retry.append(prepared)
            done += sum(len(groups.pop(key)) for key in keys)
            if progress is not None:
                progress(done)
    for prepared in retry:
        _store_set(session, prepared, report, homes, actor=actor, reason=reason, final=True)
    report.rejected.sort(key=lambda r: r.row)
    return report


# --------------------------------------------------------------------------- lines and groups


def _line(sheet: Sheet, number: int, cells: tuple) -> Line | None:
    """A data row, or None when it is wholly blank."""
    value = {h: cells[i] for i, h in enumerate(sheet.headers) if h in (HH_NO, ID, KIND_COLUMN.header)}
    if all(is_blank(v) for h, v in zip(sheet.headers, cells, strict=False) if h in BY_HEADER):
        return None
    kind = row_kind(value.get(KIND_COLUMN.header))
    id_text = "" if is_blank(value.get(ID)) else str(value[ID]).strip().upper()
    household_no, ok = _household_no_text(value.get(HH_NO))
    return Line(number, cells, household_no, ok, id_text, kind == "member", kind != "member")


def _household_no_text(raw: Any) -> tuple[str | None, bool]:
    if is_blank(raw):
        return None, False
    try:
        return parse_household_no(raw), True
    except ValueError:
        return str(raw).strip(), False


def _duplicate_ids(lines: list[Line]) -> dict[int, str]:
    """The same ID number on two persons' rows: the later row is rejected (and so its household)."""
    first: dict[str, Line] = {}
    out: dict[int, str] = {}
    for line in lines:
        if not line.id_text or not line.person:
            continue
        if line.id_text in first:
            other = first[line.id_text]
            out[line.number] = t("the same ID number is already on row {row} (household {household_no})",
                                 row=other.number, household_no=other.household_no)
        else:
            first[line.id_text] = line
    return out


def _stored_homes(session: Session, lines: list[Line]) -> dict[str, str]:
    """The household the registry holds each person of the file in (by ID number)."""
    ids = sorted({line.id_text for line in lines if line.id_text})
    homes: dict[str, str] = {}
    for i in range(0, len(ids), 500):
        homes.update((id_number, no) for id_number, no in session.execute(
            select(m.Person.id_number, m.Household.household_no)
            .join(m.Member, m.Member.person_id == m.Person.id)
            .join(m.Household, m.Household.id == m.Member.household_id)
            .where(m.Person.id_number.in_(ids[i:i + 500]))))
    return homes


def _linked_sets(lines: list[Line], groups: dict[str, list[Line]], homes: dict[str, str]) -> list[list[str]]:
    """Groups stored or refused together: a person's stored household and every other group with a row
    of that person; a row without a well-formed 户编号 and the household it sits under (docs/ledger.md)."""
    parent = {key: key for key in groups}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for line in lines:
        home = homes.get(line.id_text)
        if home is not None and home in groups and home != line.key:
            parent[root(line.key)] = root(home)
    above = None
    for line in lines:
        if line.household_ok:
            above = line.household_no
        elif above is not None and (line.id_text or line.detail):
            parent[root(line.key)] = root(above)
    sets: dict[str, list[str]] = {}
    for key in groups:  # in the order of their first row
        sets.setdefault(root(key), []).append(key)
    return list(sets.values())


def _batches(sets: list[list[str]]) -> list[list[list[str]]]:
    batches: list[list[list[str]]] = [[]]
    for keys in sets:
        if sum(len(k) for k in batches[-1]) + len(keys) > BATCH_HOUSEHOLDS and batches[-1]:
            batches.append([])
        batches[-1].append(keys)
    return batches


def _stored_households(session: Session, numbers: list[str]) -> dict[str, s.Household]:
    found = []
    for i in range(0, len(numbers), 500):
        found += session.scalars(select(m.Household).where(m.Household.household_no.in_(numbers[i:i + 500])))
    return {d.household_no: d for d in service.households_docs(session, found)} if found else {}


# --------------------------------------------------------------------------- one linked set


def _prepare_set(keys: list[str], groups: dict[str, list[Line]], stored: dict[str, s.Household], sheet: Sheet,
                 problems: dict[int, list[tuple[str, str]]], report: LedgerReport) -> list[Prepared] | None:
    """The documents of a linked set, or None (and every row reported) when any of its households fails."""
    prepared: list[Prepared] = []
    failed: list[tuple[list[Row], HouseholdRejected | None]] = []
    for key in keys:
        rows = [_parsed(sheet, line, stored.get(line.household_no), problems) for line in groups[key]]
        if key.startswith("#"):
            failed.append((rows, None))
            continue
        try:
            prepared.append(prepare(key, rows, stored.get(key), sheet.present))
        except HouseholdRejected as rejected:
            failed.append((rows, rejected))
    if not failed:
        return prepared
    for rows, rejected in failed:
        _report_rows(report, rows, rejected)
    at_fault = ", ".join(str(n) for n in sorted(_faulty_rows(failed)))
    for p in prepared:
        _report_rows(report, p.rows, HouseholdRejected(HH_NO, t(
            "household {household_no} not stored because row {rows} was rejected, which is about one of its "
            "people", household_no=p.doc.household_no, rows=at_fault)))
    return None


def _faulty_rows(failed: list[tuple[list[Row], HouseholdRejected | None]]) -> set[int]:
    numbers = {row.number for rows, _ in failed for row in rows if row.errors}
    numbers |= {n for _, rejected in failed if rejected is not None for n in rejected.culprits}
    return numbers or {row.number for rows, _ in failed for row in rows}


def _parsed(sheet: Sheet, line: Line, stored: s.Household | None,
            problems: dict[int, list[tuple[str, str]]]) -> Row:
    cells = {h: line.cells[i] if i < len(line.cells) else None
             for i, h in enumerate(sheet.headers) if h in BY_HEADER}
    row = Row(number=line.number, cells=cells, household_no=line.household_no, id_text=line.id_text)
    _fill_absent(row, stored, sheet.present)
    parse_row(row)
    row.errors += problems.get(line.number, [])  # a merged cell across households, an ID number twice
    return row


def _report_rows(report: LedgerReport, rows: list[Row], rejected: HouseholdRejected | None) -> None:
    """Every row of a household not stored: its own problems, or why the household was not stored."""
    for row in rows:
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


# --------------------------------------------------------------------------- storing


def _store_set(session: Session, prepared: list[Prepared], report: LedgerReport, homes: dict[str, str], *,
               actor: str, reason: str, final: bool) -> bool:
    """Store a linked set in one savepoint; False (and, if ``final``, its rows reported) when refused."""
    current = prepared[0]
    changed = [p for p in prepared if not p.unchanged]  # nobody moves in or out of an unchanged household
    try:
        with session.begin_nested():
            for current in _leaving_first(changed, homes):
                service.put_household(session, current.doc, actor=actor, reason=reason)
    except RecordError as exc:
        if final:
            _refuse_all(report, prepared, _refused(exc, current))
        return False
    except SQLAlchemyError as exc:
        if final:
            detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            _refuse_all(report, prepared, HouseholdRejected(HH_NO, t(
                "household {household_no} not stored: the database refused it: {detail}",
                household_no=current.doc.household_no, detail=detail)))
        return False
    report.stored_households += len(changed)
    report.stored_people += sum(len(p.member_rows) for p in changed)
    report.unchanged += [p.doc.household_no for p in prepared if p.unchanged]
    return True


def _leaving_first(prepared: list[Prepared], homes: dict[str, str]) -> list[Prepared]:
    """The households of a set in an order the registry accepts: one that people leave for another of the
    set is stored before it (so that they are free to join); file order otherwise, and within a cycle."""
    by_no = {p.doc.household_no: p for p in prepared}
    after: dict[str, set[str]] = {no: set() for no in by_no}  # household → those to store before it
    for no, p in by_no.items():
        after[no] = {homes[mem.id_number] for mem in p.doc.members
                     if homes.get(mem.id_number) in by_no and homes[mem.id_number] != no}
    order: list[Prepared] = []
    while after:
        ready = [no for no, before in after.items() if not before - {p.doc.household_no for p in order}]
        no = ready[0] if ready else next(iter(after))
        order.append(by_no[no])
        del after[no]
    return order


def _refuse_all(report: LedgerReport, prepared: list[Prepared], refused: HouseholdRejected) -> None:
    for p in prepared:
        _report_rows(report, p.rows, refused)


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
