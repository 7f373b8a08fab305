"""What a ledger row shows: the monthly view of a person, and the detail rows that list every item.

A person's own row shows the month exported: that month's income record; per kind of financial asset,
the balance on the month's last day (each account's latest statement on or before that day, added up
over the accounts — statements of one account replace each other, they do not add up); the largest
vehicle, property and business (with their dates, so a sold car reads as sold); the enrolments in force
in the month. The detail rows list everything else whole: the other income months, every statement,
vehicle, property, business and supporter, and the household's rigid spending, emergencies and
enrolments, in the registry's order, so that export → import gives the same household back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from jiuzhu.months import month_end, month_start
from jiuzhu.registry import schemas as s
from jiuzhu.registry.codes import Programme
from jiuzhu.registry.ledger.columns import KIND_LABELS, MEMBER_ROW

MEMBER_LISTS = ("incomes", "financial_assets", "vehicles", "real_estate", "businesses", "supporters")
# Holdings shown one per person on the person's row: the part of the row view, the member's list, and
# the measure by which the largest is chosen (the first among equals).
HOLDINGS: dict[str, tuple[str, Any]] = {
    "vehicle": ("vehicles", lambda v: Decimal(v["value"] or 0)),
    "home": ("real_estate", lambda r: Decimal(r["floor_area_m2"])),
    "business": ("businesses", lambda b: Decimal(b["registered_capital"] or 0)),
}


def account_of(statement: dict) -> tuple:
    """Statements of one account: same kind, institution and account number (schemas.FinancialAsset)."""
    return (_code(statement["kind"]), statement.get("institution"), statement.get("account"))


def balances(statements: Iterable[dict], day: dt.date) -> dict[str, Decimal]:
    """Per kind (code), the balance on ``day``: each account's latest statement on or before it, added up.

    Several statements of one account on that latest date add up (the registry cannot tell them apart).
    """
    latest: dict[tuple, dt.date] = {}
    chosen = [x for x in statements if x["as_of"] <= day]
    for x in chosen:
        key = account_of(x)
        latest[key] = max(latest.get(key, x["as_of"]), x["as_of"])
    out: dict[str, Decimal] = {}
    for x in chosen:
        key = account_of(x)
        if x["as_of"] == latest[key]:
            out[key[0]] = out.get(key[0], Decimal(0)) + Decimal(str(x["amount"]))
    return out


def shown_index(items: list[dict], part: str) -> int | None:
    """The holding a person's row shows: the largest (the first among equals)."""
    if not items:
        return None
    size = HOLDINGS[part][1]
    return max(range(len(items)), key=lambda i: (size(items[i]), -i))


def _code(value: Any) -> str:
    return getattr(value, "value", value)


# --------------------------------------------------------------------------- a person's row


def household_view(doc: s.Household) -> dict:
    return {"household_no": doc.household_no, "area_code": doc.area_code, "address": doc.address,
            "urban": doc.urban, "declared_on": doc.declared_on}


def member_facts(member: s.Member) -> dict:
    """The member's own facts (no lists), as the format's python dump."""
    return member.model_dump(exclude=set(MEMBER_LISTS))


def member_row_view(household: dict, member: s.Member, month: str | None, day: dt.date | None = None,
                    enrolment: s.Enrolment | None = None) -> dict:
    """The row view of a person's own row for ``month`` (balances on ``day``, by default its last day)."""
    data = member.model_dump()
    day = day or (month_end(month) if month else None)
    view: dict[str, Any] = {"household": household, "row": {"kind": MEMBER_ROW}, "member": member_facts(member)}
    view["income"] = next((i for i in data["incomes"] if month is not None and i["month"] == month), {})
    shown = balances(data["financial_assets"], day) if day is not None else {}
    view["balance"] = dict(shown)
    view["statement"] = {"as_of": day} if shown else {}
    for part, (key, _) in HOLDINGS.items():
        index = shown_index(data[key], part)
        view[part] = {} if index is None else data[key][index]
    view["enrolment"] = enrolment.model_dump() if enrolment is not None else {}
    return view


def row_enrolments(doc: s.Household, month: str) -> list[s.Enrolment | None]:
    """The enrolment each person's row shows: those in force in ``month``.

    A member's own one (the largest, if several) goes on their row; the household's (one per
    programme, the latest) go on the rows of members without their own, each household programme on
    at least one row while rows last, the last one repeated on the remaining rows.
    """
    start, end = month_start(month), month_end(month)
    active = [e for e in doc.enrolments if e.start_date <= end and (e.end_date is None or e.end_date >= start)]
    ids = [mem.id_number for mem in doc.members]
    personal: dict[str, s.Enrolment] = {}
    for e in active:
        best = personal.get(e.id_number) if e.id_number in ids else None
        if e.id_number in ids and (best is None or (e.monthly_amount, -e.start_date.toordinal()) > (
                best.monthly_amount, -best.start_date.toordinal())):
            personal[e.id_number] = e
    by_programme: dict[Programme, s.Enrolment] = {}
    for e in active:
        if e.id_number not in ids and (e.programme not in by_programme
                                       or e.start_date > by_programme[e.programme].start_date):
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


# --------------------------------------------------------------------------- detail rows


def _detail(household_no: str, part: str, item: dict, member: s.Member | None) -> dict:
    who = {"name": member.name, "id_number": member.id_number} if member is not None else {}
    return {"household": {"household_no": household_no}, "row": {"kind": KIND_LABELS[part]}, "member": who,
            part: item}


def statement_view(statement: dict) -> dict:
    """A statement as a 金融资产 row's parts: its amount in its kind's column, date, institution, account."""
    return {"balance": {_code(statement["kind"]): statement["amount"]},
            "statement": {"as_of": statement["as_of"], "institution": statement.get("institution"),
                          "account": statement.get("account")}}


def member_detail_views(household_no: str, member: s.Member, month: str | None) -> list[dict]:
    """The detail rows of one person: other income months, statements, holdings, supporters."""
    data = member.model_dump()
    rows = [_detail(household_no, "income", i, member) for i in data["incomes"] if i["month"] != month]
    for x in data["financial_assets"]:
        row = _detail(household_no, "statement", {}, member)
        row.update(statement_view(x))
        rows.append(row)
    for part, (key, _) in HOLDINGS.items():
        rows += [_detail(household_no, part, item, member) for item in data[key]]
    rows += [_detail(household_no, "supporter", x, member) for x in data["supporters"]]
    return rows


def household_detail_views(doc: s.Household) -> list[dict]:
    """The household's own detail rows: rigid spending, emergencies, enrolments (ID blank: the household's)."""
    by_id = {mem.id_number: mem for mem in doc.members}
    rows = [_detail(doc.household_no, "rigid", r.model_dump(), by_id.get(r.id_number)) for r in doc.rigid_spending]
    rows += [_detail(doc.household_no, "emergency", e.model_dump(), None) for e in doc.emergencies]
    rows += [_detail(doc.household_no, "enrolment", e.model_dump(), by_id.get(e.id_number)) for e in doc.enrolments]
    return rows


def household_views(doc: s.Household, month: str) -> list[dict]:
    """Every row of a household, in order: each person's row and detail rows, then the household's rows."""
    household = household_view(doc)
    rows: list[dict] = []
    for member, enrolment in zip(doc.members, row_enrolments(doc, month), strict=True):
        rows.append(member_row_view(household, member, month, enrolment=enrolment))
        rows += member_detail_views(doc.household_no, member, month)
    return rows + household_detail_views(doc)
