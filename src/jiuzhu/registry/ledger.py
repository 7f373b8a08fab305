"""Import and export of the flat ledgers (台账) that township staff keep, in .xlsx and CSV.

One row per person, Chinese headers (``ledger_columns.COLUMNS``), the rows of a
household sharing its 户编号. The JSON interchange format is the lossless one;
the ledger has one slot per person for a vehicle, a house, a business and an
enrolment, and one income month (docs/ledger.md says what is lost and how an
import merges with what the registry already holds).

    report = import_ledger(session, path, actor=..., reason=...)
    export_ledger(session, path, month="2025-08", area_code=None, unmask=False, actor=...)

Both take the caller's session and only flush; each household of an import is
stored in its own SAVEPOINT so that one refused by the database leaves the
others stored.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from jiuzhu.errors import JiuzhuError, RecordError, RecordErrors
from jiuzhu.registry import models as m
from jiuzhu.registry import schemas as s
from jiuzhu.registry import service
from jiuzhu.registry.codes import AssetKind, Programme, Relation
from jiuzhu.registry.ledger_columns import (
    BY_HEADER,
    COLUMNS,
    ENROLMENT_COLUMNS,
    HEADERS,
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_PROGRAMMES,
    REQUIRED_HEADERS,
    SELF_CARE_HEADERS,
    Column,
    get_path,
    is_blank,
    month_end,
    month_start,
    normalise_header,
    parse_household_no,
    parse_month,
    set_path,
)
from jiuzhu.registry.validation import mask_id

__all__ = ["LedgerReport", "RejectedRow", "export_ledger", "import_ledger", "ledger_rows", "project_member"]

SUFFIXES = (".xlsx", ".csv")
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is tolerated
ID, HH_NO, RELATION, MONTH = "身份证号", "户编号", "与户主关系", "收入月份"
MASKED_HEADERS = ("身份证号", "残疾证号")  # the certificate number often embeds the ID number

# One-slot lists: the ledger shows the largest item (by this measure; the first among equals).
# (model_dump gives money and areas as strings: the schema's serializers apply in every mode.)
SLOTS = {
    "vehicles": lambda v: Decimal(v["value"] or 0),
    "real_estate": lambda r: Decimal(r["floor_area_m2"]),
    "businesses": lambda b: Decimal(b["registered_capital"] or 0),
}


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class RejectedRow:
    row: int  # the spreadsheet's row number (the header is row 1)
    household_no: str | None
    field: str  # the Chinese column header
    reason: str


@dataclass
class LedgerReport:
    path: str = ""
    stored_households: int = 0
    stored_people: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def rejected_rows(self) -> list[int]:
        """The row numbers rejected (a row with several problems appears once)."""
        return sorted({r.row for r in self.rejected})

    def summary(self) -> str:
        lines = [f"{self.path}: 入库 {self.stored_households} 户 {self.stored_people} 人；"
                 f"拒绝 {len(self.rejected_rows)} 行（{len(self.rejected)} 个问题）"]
        lines += [f"注意: {w}" for w in self.warnings]
        return "\n".join(lines)

    def write_csv(self, path: str | Path) -> None:
        """The rejections as CSV (UTF-8 with BOM, so Excel opens it): 行号, 户编号, 字段, 原因."""
        with Path(path).open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["行号", "户编号", "字段", "原因"])
            for r in sorted(self.rejected, key=lambda r: r.row):
                writer.writerow([r.row, r.household_no or "", r.field, r.reason])


# --------------------------------------------------------------------------- reading files


def _decode(data: bytes, name: str) -> str:
    """UTF-8 with or without BOM; GB18030 (Chinese Excel's CSV) when UTF-8 fails."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise JiuzhuError(f"{name}: the file is neither UTF-8 nor GB18030 text") from None


def read_sheet(path: Path) -> list[tuple[int, list[Any]]]:
    """(row number, cells) of every row of the file's first sheet."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return [(i, list(r)) for i, r in enumerate(wb.worksheets[0].iter_rows(values_only=True), start=1)]
        finally:
            wb.close()
    if suffix == ".csv":
        text = _decode(path.read_bytes(), path.name)
        return [(i, r) for i, r in enumerate(csv.reader(io.StringIO(text, newline="")), start=1)]
    raise JiuzhuError(f"{path.name}: a ledger is .xlsx or .csv, not {suffix or 'a file without suffix'}")


def _find_header(rows: list[tuple[int, list[Any]]], name: str) -> tuple[int, list[str]]:
    for index, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        headers = [normalise_header(c) for c in cells]
        if HH_NO in headers and ID in headers:
            return index, headers
    raise RecordError(name, HH_NO, f"no header row with {HH_NO} and {ID} in the first {HEADER_SEARCH_ROWS} rows")


# --------------------------------------------------------------------------- ledger view ⇄ documents


def project_member(member: s.Member, month: str | None) -> dict:
    """The member as the ledger shows it for ``month``: one slot per list.

    Income: the record of ``month`` only. Financial assets: per kind, the total of
    the items at the latest as-of date on or before the month's last day, shown
    as of that day. Vehicles, real estate, businesses: the largest item.
    """
    d = member.model_dump()
    d["incomes"] = [i for i in d["incomes"] if month is not None and i["month"] == month]
    assets = []
    if month is not None:
        end = month_end(month)
        for kind in AssetKind:
            items = [a for a in d["financial_assets"] if a["kind"] == kind and a["as_of"] <= end]
            if items:
                latest = max(a["as_of"] for a in items)
                total = sum((Decimal(a["amount"]) for a in items if a["as_of"] == latest), Decimal(0))
                assets.append({"kind": kind, "amount": total, "as_of": end})
    d["financial_assets"] = assets
    if assets and not d["incomes"]:
        d["incomes"] = [{"month": month}]  # the asset columns are dated by 收入月份
    for key, size in SLOTS.items():
        index = _shown_index(d[key], size)
        d[key] = [] if index is None else [d[key][index]]
    return d


def _shown_index(items: list[dict], size) -> int | None:
    if not items:
        return None
    return max(range(len(items)), key=lambda i: (size(items[i]), -i))


def _enrolment_view(e: s.Enrolment | None) -> dict:
    if e is None:
        return {}
    return {"programme": e.programme, "monthly_amount": e.monthly_amount, "start_date": e.start_date}


def _row_enrolments(doc: s.Household, month: str) -> list[s.Enrolment | None]:
    """The enrolment shown on each member's row.

    Enrolments active in ``month``. A member's own one (the largest, if several)
    goes on their row; the household's (one per programme, the latest) go on the
    rows of members without their own, each household programme on at least one
    row while rows last, the last one repeated on the remaining rows.
    """
    start, end = month_start(month), month_end(month)
    active = [e for e in doc.enrolments if e.start_date <= end and (e.end_date is None or e.end_date >= start)]
    ids = [mem.id_number for mem in doc.members]
    personal: dict[str, s.Enrolment] = {}
    for e in active:
        if e.id_number in ids:
            best = personal.get(e.id_number)
            if best is None or (e.monthly_amount, -e.start_date.toordinal()) > (
                    best.monthly_amount, -best.start_date.toordinal()):
                personal[e.id_number] = e
    by_programme: dict[Programme, s.Enrolment] = {}
    for e in active:
        if e.id_number not in ids:
            if e.programme not in by_programme or e.start_date > by_programme[e.programme].start_date:
                by_programme[e.programme] = e
    household = [by_programme[p] for p in Programme if p in by_programme]
    out: list[s.Enrolment | None] = []
    free = 0
    for mem in doc.members:
        if mem.id_number in personal:
            out.append(personal[mem.id_number])
        elif household:
            out.append(household[min(free, len(household) - 1)])
            free += 1
        else:
            out.append(None)
    return out


def _household_view(doc: s.Household) -> dict:
    return {"household_no": doc.household_no, "area_code": doc.area_code, "address": doc.address,
            "urban": doc.urban, "declared_on": doc.declared_on}


def ledger_rows(doc: s.Household, month: str, *, unmask: bool = True) -> list[list[Any]]:
    """The cells of the household's rows, in ``COLUMNS`` order (document values formatted)."""
    rows = []
    household = _household_view(doc)
    for mem, enrolment in zip(doc.members, _row_enrolments(doc, month), strict=True):
        view = {"household": household, "member": project_member(mem, month), "enrolment": _enrolment_view(enrolment)}
        cells = [col.format(get_path(view, col.segments)) for col in COLUMNS]
        if not unmask:
            for header in MASKED_HEADERS:
                i = HEADERS.index(header)
                cells[i] = None if cells[i] is None else mask_id(cells[i])
        rows.append(cells)
    return rows


def _cells_of(view: dict, columns: Iterable[Column]) -> list[Any]:
    return [col.format(get_path(view, col.segments)) for col in columns]


# --------------------------------------------------------------------------- one row


@dataclass
class _Row:
    number: int
    cells: dict[str, Any]
    present: set[str] = field(default_factory=set)  # the columns the file has (or the registry filled in)
    household_no: str | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)
    household: dict = field(default_factory=dict)
    member: s.Member | None = None
    enrolment: s.Enrolment | None = None
    month: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


_STATIC_LOCS: dict[str, dict[tuple, str]] = defaultdict(dict)
for _col in COLUMNS:
    if _col.loc is not None:
        _STATIC_LOCS[_col.root].setdefault(_col.loc, _col.header)


def _header_for(loc: tuple, msg: str, locs: dict[tuple, str], root: str) -> str:
    """The column a Pydantic error is about: its location, or a field its message names."""
    if loc in locs:
        return locs[loc]
    children: dict[str, str] = {}
    for other, header in locs.items():
        if len(other) > len(loc) and other[:len(loc)] == loc and isinstance(other[len(loc)], str):
            children.setdefault(other[len(loc)], header)
    named = [(match.start(), children[name]) for name in children
             for match in [re.search(rf"\b{re.escape(name)}\b", msg)] if match]
    if named:
        return min(named)[1]
    if children:
        return next(iter(children.values()))
    for n in range(len(loc) - 1, 0, -1):
        if loc[:n] in locs:
            return locs[loc[:n]]
    return next(col.header for col in COLUMNS if col.root == root)


def _errors_of(exc: ValidationError, root: str, dynamic: dict[tuple, str]) -> list[tuple[str, str]]:
    locs = {**_STATIC_LOCS[root], **dynamic}
    # column order, so that a message naming no field falls back to the group's first column
    order = {h: i for i, h in enumerate(HEADERS)}
    locs = dict(sorted(locs.items(), key=lambda kv: order[kv[1]]))
    out = []
    for e in exc.errors():
        loc = tuple(e["loc"])
        header = _header_for(loc, e["msg"], locs, root)
        reason = e["msg"].removeprefix("Value error, ")
        if e["type"] == "missing":
            if header in SELF_CARE_HEADERS:
                reason = f"the six self-care columns ({'、'.join(SELF_CARE_HEADERS)}) are filled all or none"
            else:
                filled = [h for other, h in dynamic.items() if other[:len(loc) - 1] == loc[:-1]]
                in_group = len(loc) > 1 or root != "member"  # the enrolment columns go together
                reason = f"required when {'、'.join(dict.fromkeys(filled))} is filled" if in_group and filled \
                    else "required"
        out.append((header, reason))
    return out


def _parse_row(row: _Row) -> None:
    """Cells → ledger view → Member and Enrolment documents; problems go to ``row.errors``."""
    view: dict = {"household": {}, "member": {}, "enrolment": {}}
    dynamic: dict[str, dict[tuple, str]] = defaultdict(dict)
    for col in COLUMNS:
        raw = row.cells.get(col.header)
        if col.header not in row.present or is_blank(raw):
            if col.required and col.root != "household":
                row.errors.append((col.header, "required"))
            continue
        try:
            value = col.parse(raw)
        except ValueError as exc:
            row.errors.append((col.header, str(exc)))
            continue
        dynamic[col.root][set_path(view, col.segments, value)] = col.header
    if is_blank(row.cells.get(HH_NO)):
        row.errors.insert(0, (HH_NO, "required"))
    row.household = view["household"]
    row.month = get_path(view, BY_HEADER[MONTH].segments)
    if row.errors:
        return
    member = view["member"]
    if member.get("financial_assets"):
        if row.month is None:
            headers = [k.label for k in AssetKind if any(a["kind"] == k.value for a in member["financial_assets"])]
            row.errors.append((MONTH, f"required when {'、'.join(headers)} is filled (the assets are as of "
                                      "the last day of 收入月份)"))
            return
        for asset in member["financial_assets"]:
            asset["as_of"] = month_end(row.month)
    try:
        row.member = s.Member.model_validate(member)
    except ValidationError as exc:
        row.errors += _errors_of(exc, "member", dynamic["member"])
    enrolment = view["enrolment"]
    if enrolment:
        programme = enrolment.get("programme")
        if programme is not None and programme not in HOUSEHOLD_PROGRAMMES and row.member is not None:
            enrolment["id_number"] = row.member.id_number
        try:
            row.enrolment = s.Enrolment.model_validate(enrolment)
        except ValidationError as exc:
            row.errors += _errors_of(exc, "enrolment", dynamic["enrolment"])


# --------------------------------------------------------------------------- merging with the registry


def _same(a: dict, b: dict, columns: Iterable[Column]) -> bool:
    columns = list(columns)
    return _cells_of({"member": a}, columns) == _cells_of({"member": b}, columns)


def _columns_under(prefix: str) -> list[Column]:
    return [col for col in COLUMNS if col.path.startswith(prefix)]


# Member fields the ledger has columns for; the others (death date, supporters...) are kept on merge.
MEMBER_FIELDS = frozenset(col.segments[1][0] for col in COLUMNS if col.root == "member")


def merge_member(new: s.Member, old: s.Member, month: str | None) -> s.Member:
    """The ledger's member over the stored one (docs/ledger.md, "Importing into a registry that has data").

    Facts the ledger has no column for are kept (death date, supporters, other
    income months, earlier assets). A one-slot group whose cells show what the
    registry would export is kept as stored, with its detail (plates, banks...);
    a changed one replaces only the item the ledger showed.
    """
    a, b = project_member(new, month), project_member(old, month)
    data, stored = new.model_dump(), old.model_dump()
    data.update({key: value for key, value in stored.items() if key not in MEMBER_FIELDS})
    if _same(a, b, _columns_under("member.self_care.")):
        data["self_care"] = stored["self_care"]
    if month is None or _same(a, b, _columns_under("member.incomes[0].")):
        data["incomes"] = stored["incomes"]
    else:
        data["incomes"] = [i for i in stored["incomes"] if i["month"] != month] + data["incomes"]
    changed_kinds = set() if month is None else {
        kind for kind in AssetKind if not _same(a, b, [BY_HEADER[kind.label]])}
    if changed_kinds:
        end = month_end(month)
        data["financial_assets"] = [
            x for x in stored["financial_assets"] if not (x["kind"] in changed_kinds and x["as_of"] == end)
        ] + [x for x in data["financial_assets"] if x["kind"] in changed_kinds]
    else:
        data["financial_assets"] = stored["financial_assets"]
    for key, size in SLOTS.items():
        if _same(a, b, _columns_under(f"member.{key}[0].")):
            data[key] = stored[key]
        else:
            items = list(stored[key])
            shown = _shown_index(items, size)
            if shown is None:
                items += data[key]
            else:
                items[shown:shown + 1] = data[key]
            data[key] = items
    return s.Member.model_validate(data)


def _merge_enrolments(stored: list[s.Enrolment], ledger: list[s.Enrolment], ids: set[str]) -> list[s.Enrolment]:
    """Stored enrolments (of remaining members) updated by the ledger's; an import never ends one."""
    out = [e.model_copy() for e in stored if e.id_number is None or e.id_number in ids]
    for new in ledger:
        candidates = [i for i, e in enumerate(out) if e.programme == new.programme and e.id_number == new.id_number]
        same_start = [i for i in candidates if out[i].start_date == new.start_date]
        open_ended = sorted((i for i in candidates if out[i].end_date is None), key=lambda i: out[i].start_date)
        match = same_start[0] if same_start else (open_ended[-1] if open_ended else None)
        if match is None:
            out.append(new)
        else:
            out[match] = out[match].model_copy(update={"monthly_amount": new.monthly_amount,
                                                       "start_date": new.start_date})
    return out


# --------------------------------------------------------------------------- import


def import_ledger(session: Session, path: str | Path, *, actor: str, reason: str) -> LedgerReport:
    """Import a ledger (.xlsx or .csv by suffix): store the good rows, report the bad ones.

    Raises RecordError when the file itself is unusable (no header row, a
    required column missing, a column twice); row problems go to the report.
    """
    path = Path(path)
    report = LedgerReport(path=path.name)
    sheet = read_sheet(path)
    header_index, headers = _find_header(sheet, path.name)
    present = {h for h in headers if h in BY_HEADER}
    for h in REQUIRED_HEADERS:
        if h not in present:
            raise RecordError(path.name, h, "required column is missing")
    seen: set[str] = set()
    for h in headers:
        if h in seen and h in BY_HEADER:
            raise RecordError(path.name, h, "the column appears twice")
        seen.add(h)
        if h and h not in BY_HEADER:
            report.warnings.append(f"column {h} is not a ledger column and was ignored")

    rows: list[_Row] = []
    for number, cells in sheet[header_index + 1:]:
        if all(is_blank(c) for c in cells):
            continue
        by_header = {h: cells[i] for i, h in enumerate(headers) if h in BY_HEADER and i < len(cells)}
        rows.append(_Row(number=number, cells=by_header, present=present,
                         household_no=_household_no_text(by_header.get(HH_NO))))

    stored_docs = _stored_households(session, rows)
    for row in rows:
        _fill_absent(row, stored_docs.get(row.household_no))
        _parse_row(row)
    _reject_duplicate_ids(rows)

    groups: dict[str, list[_Row]] = defaultdict(list)
    bad_rows: dict[str | None, list[_Row]] = defaultdict(list)
    for row in rows:
        if not row.ok:
            report.rejected += [RejectedRow(row.number, row.household_no, f, r) for f, r in row.errors]
            bad_rows[row.household_no].append(row)
        else:
            groups[row.household_no].append(row)
    prepared = [p for household_no, group in groups.items()
                if (p := _prepare_household(household_no, group, bad_rows[household_no],
                                            stored_docs.get(household_no), present, report)) is not None]
    # A household the registry refuses is tried again once after the others: a person moving from one
    # household of the ledger to another is stored whatever the order of the two in the file.
    retry = [p for p in prepared if not _store(session, p, report, actor=actor, reason=reason, final=False)]
    for p in retry:
        _store(session, p, report, actor=actor, reason=reason, final=True)
    report.rejected.sort(key=lambda r: r.row)
    return report


def _household_no_text(raw: Any) -> str | None:
    if is_blank(raw):
        return None
    try:
        return parse_household_no(raw)
    except ValueError:
        return str(raw).strip()


def _stored_households(session: Session, rows: list[_Row]) -> dict[str, s.Household]:
    numbers = sorted({r.household_no for r in rows if r.household_no is not None})
    docs: dict[str, s.Household] = {}
    for i in range(0, len(numbers), 500):
        found = list(session.scalars(select(m.Household).where(m.Household.household_no.in_(numbers[i:i + 500]))))
        if found:
            docs.update({d.household_no: d for d in service.households_docs(session, found)})
    return docs


def _fill_absent(row: _Row, stored: s.Household | None) -> None:
    """Columns missing from the file keep the registry's values for a household and person it holds."""
    present = row.present
    if stored is None or len(present) == len(COLUMNS):
        return
    id_text = str(row.cells.get(ID) or "").strip().upper()
    member = next((mem for mem in stored.members if mem.id_number == id_text), None)
    month = None
    if MONTH in present and not is_blank(row.cells.get(MONTH)):
        try:
            month = parse_month(row.cells[MONTH])
        except ValueError:
            return
    view = {"household": _household_view(stored),
            "member": project_member(member, month) if member is not None else {}, "enrolment": {}}
    for col in COLUMNS:
        if col.header not in present and col.root != "enrolment":
            row.cells[col.header] = col.format(get_path(view, col.segments))
    row.present = present | {col.header for col in COLUMNS if col.root != "enrolment"}


def _reject_duplicate_ids(rows: list[_Row]) -> None:
    first: dict[str, _Row] = {}
    for row in rows:
        if row.ok:
            id_number = row.member.id_number
            if id_number in first:
                other = first[id_number]
                row.errors.append((ID, f"the same ID number is already on row {other.number} "
                                       f"(household {other.household_no})"))
            else:
                first[id_number] = row


def _reject_household(report: LedgerReport, group: list[_Row], field: str, reason: str,
                      culprits: dict[int, str] | None = None) -> None:
    """Every row of a household that cannot be stored; the rows at fault get their own reason."""
    culprits = culprits or {}
    for row in group:
        report.rejected.append(RejectedRow(row.number, row.household_no, field,
                                           culprits.get(row.number, reason)))


def _stored_member_of(row: _Row, stored: s.Household, used: set[str]) -> s.Member | None:
    """The stored member a rejected row is about, recognised by ID number or else by name."""
    id_text = "" if is_blank(row.cells.get(ID)) else str(row.cells[ID]).strip().upper()
    name = "" if is_blank(row.cells.get("姓名")) else str(row.cells["姓名"]).strip()
    candidates = [mem for mem in stored.members if mem.id_number not in used]
    return (next((mem for mem in candidates if mem.id_number == id_text), None)
            or next((mem for mem in candidates if name and mem.name == name), None))


def _prepare_household(household_no: str, group: list[_Row], bad: list[_Row], stored: s.Household | None,
                       present: set[str], report: LedgerReport) -> _Prepared | None:
    """The household's document from its rows (merged with the stored one); None if it is rejected."""
    where = f"household {household_no}"
    # Household columns: a blank cell inherits (merged cells); filled cells must agree.
    household: dict[str, Any] = {"household_no": household_no}
    for col in HOUSEHOLD_COLUMNS[1:]:
        key = col.segments[1][0]
        given = [(row, row.household[key]) for row in group if key in row.household]
        if given:
            # the value most rows give (the first row's among equals); the others disagree with it
            values = [v for _, v in given]
            value = max(values, key=lambda v: (values.count(v), -values.index(v)))
            first_row = next(row for row, v in given if v == value)
            disagreeing = {row.number: f"{col.header} {col.format(v)} disagrees with {col.format(value)} on row "
                                       f"{first_row.number}; the rows of one household must agree"
                           for row, v in given if v != value}
            if disagreeing:
                rows = ", ".join(str(n) for n in disagreeing)
                _reject_household(report, group, col.header,
                                  f"{where} not stored: rows disagree on {col.header} (row {rows})", disagreeing)
                return
            household[key] = value
        elif col.header not in present and stored is not None:
            household[key] = _household_view(stored)[key]
        elif col.required:
            _reject_household(report, group, col.header, f"{where} not stored: no row gives its {col.header}")
            return
        else:
            household[key] = None

    # Members in the ledger's order. In a household the registry holds, a rejected row removes nobody:
    # the member it is about stays as stored.
    stored_members = {mem.id_number: mem for mem in stored.members} if stored else {}
    used = {row.member.id_number for row in group}
    entries: list[tuple[_Row, s.Member]] = []
    for row in sorted(group + (bad if stored else []), key=lambda r: r.number):
        if not row.ok:
            kept = _stored_member_of(row, stored, used)
            if kept is not None:
                used.add(kept.id_number)
                entries.append((row, kept))
            continue
        old = stored_members.get(row.member.id_number)
        if old is None:
            entries.append((row, row.member))
            continue
        try:
            entries.append((row, merge_member(row.member, old, row.month)))
        except ValidationError as exc:
            msg = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
            _reject_household(report, group, ID, f"{where} not stored: row {row.number} cannot be merged",
                              {row.number: f"merged with the registry's record the person is invalid: {msg}"})
            return
    members = [mem for _, mem in entries]

    heads = [row for row, mem in entries if mem.relation == Relation.head]
    if len(heads) != 1:
        if heads:
            numbers = ", ".join(str(r.number) for r in heads)
            msg = f"{where} not stored: {len(heads)} rows are 户主 (rows {numbers}); a household has one head"
        else:
            msg = f"{where} not stored: no valid row is its 户主 (head)"
        _reject_household(report, group, RELATION, msg)
        return

    ledger_enrolments: list[s.Enrolment] = []
    first_of: dict[Programme, _Row] = {}
    for row in group:
        e = row.enrolment
        if e is None:
            continue
        if e.programme in HOUSEHOLD_PROGRAMMES:
            if e.programme in first_of:
                other = first_of[e.programme].enrolment
                for col in ENROLMENT_COLUMNS[1:]:
                    key = col.segments[1][0]
                    if getattr(e, key) != getattr(other, key):
                        msg = (f"{col.header} {col.format(getattr(e, key))} of {e.programme.label} disagrees with "
                               f"{col.format(getattr(other, key))} on row {first_of[e.programme].number}; "
                               "a household programme has one amount and start date")
                        _reject_household(report, group, col.header,
                                          f"{where} not stored: rows disagree on {col.header} (row {row.number})",
                                          {row.number: msg})
                        return
                continue
            first_of[e.programme] = row
        ledger_enrolments.append(e)

    ids = {mem.id_number for mem in members}
    doc_data: dict[str, Any] = {**household, "members": members, "enrolments": ledger_enrolments}
    if stored is not None:
        # Facts the ledger has no column for (declaration date, rigid spending...) are kept.
        doc_data = {**stored.model_dump(), **doc_data}
        doc_data["rigid_spending"] = [r for r in doc_data["rigid_spending"] if r["id_number"] in ids | {None}]
        doc_data["enrolments"] = _merge_enrolments(stored.enrolments, ledger_enrolments, ids)
    try:
        doc = service.parse_household(doc_data, record=where)
    except RecordErrors as exc:
        _reject_household(report, group, HH_NO,
                          f"{where} not stored: " + "; ".join(f"{e.field}: {e.reason}" for e in exc.errors))
        return

    return _Prepared(doc, group, [row for row, _ in entries])


@dataclass
class _Prepared:
    """A household document ready to store, with the rows it came from (by member position)."""

    doc: s.Household
    group: list[_Row]
    rows_by_member: list[_Row]


def _store(session: Session, prepared: _Prepared, report: LedgerReport, *, actor: str, reason: str,
           final: bool) -> bool:
    """Store one household in its own savepoint; False (and, if ``final``, its rows rejected) when refused."""
    where = f"household {prepared.doc.household_no}"
    group = prepared.group
    try:
        with session.begin_nested():
            service.put_household(session, prepared.doc, actor=actor, reason=reason)
    except RecordError as exc:
        if final:
            match = re.match(r"members\[(\d+)\]", exc.field)
            culprit = prepared.rows_by_member[int(match.group(1))] if match else None
            culprit = culprit if culprit is not None and culprit.ok else None
            culprits = {culprit.number: exc.reason} if culprit is not None else {}
            where_row = f" (row {culprit.number})" if culprit is not None else ""
            _reject_household(report, group, ID if culprit is not None else HH_NO,
                              f"{where} not stored: {exc.reason}{where_row}", culprits)
        return False
    except SQLAlchemyError as exc:
        if final:
            detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            _reject_household(report, group, HH_NO, f"{where} not stored: the database refused it: {detail}")
        return False
    report.stored_households += 1
    report.stored_people += len(group)
    return True


# --------------------------------------------------------------------------- export

_FORMATS = {"text": "@", "date": "yyyy-mm-dd", "amount": "#,##0.00", "number": "0.00", "int": "0"}
_WIDTHS = {"身份证号": 21, "户编号": 18, "区划代码": 12, "家庭住址": 30, "残疾证号": 23, "统一社会信用代码": 21}


def export_ledger(session: Session, path: str | Path, *, month: str, area_code: str | None = None,
                  unmask: bool = False, actor: str) -> int:
    """Write the ledger of ``month`` (of the households under ``area_code``); returns the households written.

    ID and certificate numbers are masked unless ``unmask``; a masked ledger
    cannot be imported again. Every export is recorded in the access log.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise JiuzhuError(f"{path.name}: a ledger is written as .xlsx or .csv")
    try:
        month = parse_month(month)
    except ValueError as exc:
        raise JiuzhuError(f"month: {exc}") from None
    query = select(m.Household).order_by(m.Household.household_no)
    if area_code:
        query = query.where(m.Household.area_code.startswith(area_code))
    households = list(session.scalars(query))
    rows: list[list[Any]] = []
    for i in range(0, len(households), 500):
        for doc in service.households_docs(session, households[i:i + 500]):
            rows += ledger_rows(doc, month, unmask=unmask)
    if suffix == ".xlsx":
        _write_xlsx(path, rows)
    else:
        _write_csv(path, rows)
    service.log_access(session, actor=actor, action="export", unmasked=unmask,
                       subject=f"ledger {path.name}: month {month}, area {area_code or 'all'}, "
                               f"{len(households)} households, {len(rows)} people")
    return len(households)


def _write_xlsx(path: Path, rows: list[list[Any]]) -> None:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.freeze_panes = "A2"
    for i, col in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(col.header, max(8, 2 * len(col.header) + 2))
    bold = Font(bold=True)
    header = []
    for h in HEADERS:
        cell = WriteOnlyCell(ws, value=h)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for cells in rows:
        out = []
        for col, value in zip(COLUMNS, cells, strict=True):
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = _FORMATS[col.kind]
            out.append(cell)
        ws.append(out)
    wb.save(path)


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _write_csv(path: Path, rows: list[list[Any]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(HEADERS)
        writer.writerows([_csv_text(v) for v in cells] for cells in rows)
