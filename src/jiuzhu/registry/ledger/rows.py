"""One ledger row → its documents: cells parsed, parts validated, problems named by column.

A person's row gives the member's own facts, the income of its 收入月份, the balances on 余额日期 (or the
last day of 收入月份), one vehicle, property and business, and one enrolment. A detail row gives one item
of its kind. Each part is validated by the household format's own model, so that every range the format
declares (money never negative, no future dates, the jurisdiction, lengths, names never blank) is refused
with the row and the column named; Pydantic's errors are mapped back to columns.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from jiuzhu.i18n import t
from jiuzhu.messages import reason as pydantic_reason
from jiuzhu.months import month_end
from jiuzhu.registry import schemas as s
from jiuzhu.registry.codes import AssetKind
from jiuzhu.registry.ledger.cells import is_blank
from jiuzhu.registry.ledger.columns import (
    BALANCE_COLUMNS,
    BY_HEADER,
    COLUMNS,
    DETAIL_KINDS,
    HOUSEHOLD_KINDS,
    HOUSEHOLD_PROGRAMMES,
    KIND_COLUMN,
    KIND_LABELS,
    MEMBER_ROW,
    PERSON_KINDS,
    SELF_CARE_HEADERS,
    Column,
    detail_row_allows,
    member_row_allows,
    set_value,
)

HH_NO, ID, NAME, RELATION, MONTH, AS_OF = "户编号", "身份证号", "姓名", "与户主关系", "收入月份", "余额日期"
ITEM_MODELS: dict[str, type[BaseModel]] = {
    "income": s.IncomeMonth, "vehicle": s.Vehicle, "home": s.RealEstate, "business": s.Business,
    "supporter": s.Supporter, "rigid": s.RigidSpending, "emergency": s.Emergency, "enrolment": s.Enrolment,
}


@dataclass
class Row:
    """One data row of a ledger: its cells, what it is, and once parsed its documents or its problems."""

    number: int  # the spreadsheet's row number (the header is row 1 when there is no title row)
    cells: dict[str, Any]  # header → cell, for the ledger columns the file has
    household_no: str | None = None  # as typed (for grouping and the report)
    part: str = "member"  # "member" for a person's own row, else the part its detail carries
    id_text: str = ""  # 身份证号 as typed, upper-case: how detail rows find their person
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, reason)
    view: dict = field(default_factory=dict)  # parsed values by part
    member: dict | None = None  # a person's row: the member's own facts, validated (python dump)
    items: dict[str, Any] = field(default_factory=dict)  # part → validated item (dump), or balances
    balance_day: dt.date | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def filled(self, header: str) -> bool:
        return not is_blank(self.cells.get(header))


def row_kind(value: Any) -> str | None:
    """The part a 明细 cell names ("member" for a person's own row), or None if it names none."""
    if is_blank(value):
        return "member"
    text = str(value).strip()
    return "member" if text == MEMBER_ROW else DETAIL_KINDS.get(text)


def parse_row(row: Row) -> None:
    """Cells → row view → validated parts; problems go to ``row.errors``."""
    part = row_kind(row.cells.get(KIND_COLUMN.header))
    if part is None:
        kinds = "、".join([MEMBER_ROW, *DETAIL_KINDS])
        row.errors.append((KIND_COLUMN.header, t("'{text}' is not a kind of row: {kinds}",
                                                 text=str(row.cells[KIND_COLUMN.header]).strip(), kinds=kinds)))
        return
    row.part = part
    _parse_cells(row)
    _check_household_cells(row)
    _check_identity(row)
    if row.errors:
        return
    if part == "member":
        _member_parts(row)
    else:
        _detail_part(row)


def _parse_cells(row: Row) -> None:
    allows = member_row_allows if row.part == "member" else (lambda col: detail_row_allows(row.part, col))
    for header, raw in row.cells.items():
        col = BY_HEADER[header]
        if is_blank(raw) or col is KIND_COLUMN:
            continue
        if not allows(col):
            row.errors.append((header, _not_on_this_row(row.part, col)))
            continue
        try:
            set_value(row.view, col, col.parse(raw))
        except ValueError as exc:
            row.errors.append((header, str(exc)))


def _not_on_this_row(part: str, col: Column) -> str:
    if part == "member":
        where = KIND_LABELS.get(col.group, "")
        return t("this column goes on {kind} rows (明细 {kind}), not on a person's row", kind=where)
    return t("not part of a {kind} row: leave it blank, or put it on the person's row or a {other} row",
             kind=KIND_LABELS[part], other=KIND_LABELS.get(col.group, MEMBER_ROW))


@lru_cache(maxsize=None)
def _household_field(name: str) -> TypeAdapter:
    """The household format's own type of a household field (its ranges: no future date, lengths …)."""
    info = s.Household.model_fields[name]
    return TypeAdapter(Annotated[info.annotation, info])


def _check_household_cells(row: Row) -> None:
    """Household cells are checked on every row that fills them, so the row and column are named."""
    for key, value in row.view.get("household", {}).items():
        try:
            _household_field(key).validate_python(value)
        except ValidationError as exc:
            header = next(col.header for col in _part_columns("household") if col.loc == (key,))
            row.errors += [(header, pydantic_reason(e)) for e in exc.errors()]


def _check_identity(row: Row) -> None:
    """户编号 on every row; 与户主关系, 姓名, 身份证号 on a person's row; 身份证号 as its detail kind needs."""
    if not row.filled(HH_NO):
        row.errors.insert(0, (HH_NO, t("required")))
    if row.part == "member":
        for header in (RELATION, NAME, ID):
            if not row.filled(header):
                row.errors.append((header, t("required")))
    elif row.part in PERSON_KINDS and not row.filled(ID):
        row.errors.append((ID, t("required: the 身份证号 of the member whose {kind} it is",
                                 kind=KIND_LABELS[row.part])))
    elif row.part not in PERSON_KINDS | HOUSEHOLD_KINDS and row.filled(ID):
        row.errors.append((ID, t("an emergency (急难) belongs to the household: leave 身份证号 blank")))


# --------------------------------------------------------------------------- a person's row


def _member_parts(row: Row) -> None:
    view = row.view
    row.member = _validated(row, s.Member, "member", view.get("member", {}))
    if view.get("income"):
        row.items["income"] = _validated(row, s.IncomeMonth, "income", view["income"])
    _balances(row)
    for part in ("vehicle", "home", "business"):
        if view.get(part):
            row.items[part] = _validated(row, ITEM_MODELS[part], part, view[part])
    if view.get("enrolment"):
        enrolment = dict(view["enrolment"])
        programme = enrolment.get("programme")
        if programme is not None and programme not in HOUSEHOLD_PROGRAMMES and row.member is not None:
            enrolment["id_number"] = row.member["id_number"]
        row.items["enrolment"] = _validated(row, s.Enrolment, "enrolment", enrolment)


def _balances(row: Row) -> None:
    """The balances of a person's row, dated by 余额日期 or else the last day of 收入月份."""
    given = row.view.get("balance", {})
    as_of = row.view.get("statement", {}).get("as_of")
    month = row.view.get("income", {}).get("month")
    row.balance_day = as_of or (month_end(month) if month else None)
    if not given:
        return
    if row.balance_day is None:
        headers = "、".join(AssetKind(k).label for k in given)
        row.errors.append((MONTH, t("required when {headers} is filled (the balances are as of 余额日期, or else "
                                    "the last day of 收入月份)", headers=headers)))
        return
    date_column = AS_OF if as_of else MONTH
    for kind, amount in given.items():
        data = {"kind": kind, "amount": amount, "as_of": row.balance_day}
        try:
            s.FinancialAsset.model_validate(data)
        except ValidationError as exc:
            for e in exc.errors():
                header = date_column if e["loc"][:1] == ("as_of",) else BALANCE_COLUMNS[AssetKind(kind)].header
                row.errors.append((header, pydantic_reason(e)))
    row.items["balance"] = dict(given)


# --------------------------------------------------------------------------- a detail row


def _detail_part(row: Row) -> None:
    part = row.part
    if part == "statement":
        row.items[part] = _statement(row)
        return
    data = dict(row.view.get(part, {}))
    if not data:
        row.errors.append((KIND_COLUMN.header, t("the {kind} row carries nothing: fill its columns or delete it",
                                                 kind=KIND_LABELS[part])))
        return
    if part in HOUSEHOLD_KINDS:
        data["id_number"] = row.view.get("member", {}).get("id_number")
    row.items[part] = _validated(row, ITEM_MODELS[part], part, data)


def _statement(row: Row) -> dict | None:
    given = row.view.get("balance", {})
    kinds = "、".join(col.header for col in BALANCE_COLUMNS.values())
    if len(given) != 1:
        header = BALANCE_COLUMNS[AssetKind(next(iter(given)))].header if given else BALANCE_COLUMNS[
            AssetKind.deposit].header
        row.errors.append((header, t("a 金融资产 row holds one statement: fill exactly one of {kinds}", kinds=kinds)))
        return None
    [(kind, amount)] = given.items()
    data = {"kind": kind, "amount": amount, **row.view.get("statement", {})}
    try:
        return s.FinancialAsset.model_validate(data).model_dump()
    except ValidationError as exc:
        for e in exc.errors():
            header = BALANCE_COLUMNS[AssetKind(kind)].header if e["loc"][:1] == ("amount",) else _header_for(
                "statement", e["loc"], e.get("msg", ""))
            row.errors.append((header, _reason(e, row, "statement", header)))
        return None


# --------------------------------------------------------------------------- errors → columns


def _validated(row: Row, model: type[BaseModel], part: str, data: dict) -> dict | None:
    try:
        return model.model_validate(data).model_dump()
    except ValidationError as exc:
        for e in exc.errors():
            header = _header_for(part, tuple(e["loc"]), e.get("msg", ""))
            row.errors.append((header, _reason(e, row, part, header)))
        return None


def _part_columns(part: str) -> list[Column]:
    return [col for col in COLUMNS if col.root == part]


def _header_for(part: str, loc: tuple, msg: str) -> str:
    """The column a Pydantic error is about: its location, or else a field its message names."""
    columns = _part_columns(part)
    for col in columns:
        if col.loc == loc:
            return col.header
    below = [col for col in columns if col.loc[:len(loc)] == loc and len(col.loc) > len(loc)]
    named = [(pos, col.header) for col in below for pos in [_position(msg, col)] if pos is not None]
    if named:
        return min(named)[1]
    if below:
        return below[0].header
    for n in range(len(loc) - 1, 0, -1):
        for col in columns:
            if col.loc == loc[:n]:
                return col.header
    return columns[0].header


def _position(msg: str, col: Column) -> int | None:
    """Where the message names the column's field (its English name or its Chinese header), if it does."""
    found = [m.start() for m in [re.search(rf"\b{re.escape(col.loc[-1])}\b", msg)] if m]
    found += [i for i in [msg.find(col.header)] if i >= 0]
    return min(found) if found else None


def _reason(error: dict, row: Row, part: str, header: str) -> str:
    if error.get("type") != "missing":
        return pydantic_reason(error)
    if header in SELF_CARE_HEADERS:
        return t("the six self-care columns ({headers}) are filled all or none", headers="、".join(SELF_CARE_HEADERS))
    loc = tuple(error["loc"])
    col = BY_HEADER[header]
    siblings = [c.header for c in _part_columns(part) if c.loc[:len(loc) - 1] == loc[:-1] and row.filled(c.header)]
    if siblings and (len(loc) > 1 or part != "member") and col.root == part:
        return t("required when {headers} is filled", headers="、".join(dict.fromkeys(siblings)))
    return t("required")
