"""A person's ledger rows over what the registry holds (docs/ledger.md, "Importing into a registry …").

Each list of a person is taken from the ledger in one of two ways:

- **listed**: the person has detail rows of that kind; they are the whole list (a ledger exported by
  Jiuzhu lists everything). The person's row then only shows a summary of them (the balances, the
  largest holding), which must agree with them or be left blank: a summary that disagrees is refused,
  since Jiuzhu cannot tell which of the two the user changed.
- **summary only** (a ledger kept by hand, one row per person): the person's row changes what it shows
  and keeps the rest. The month of 收入月份 is replaced, other months stay; a changed balance replaces the
  statements of that day (into the one account the kind has, if it has one); a changed vehicle, property
  or business replaces only the one the row showed (the largest); unchanged cells keep the stored items
  with every detail.

A summary that cannot be applied raises ``RowProblem`` naming the column; the household is then left as
stored and reported whole.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from jiuzhu.i18n import t
from jiuzhu.registry import schemas as s
from jiuzhu.registry.codes import AssetKind
from jiuzhu.registry.ledger.columns import BALANCE_COLUMNS, BY_HEADER, KIND_LABELS, SELF_CARE_HEADERS, group_columns
from jiuzhu.registry.ledger.problems import RowProblem
from jiuzhu.registry.ledger.rows import Row
from jiuzhu.registry.ledger.views import HOLDINGS, account_of, balances, shown_index

ASSESSED_ON = "自理评估日期"


def member_document(row: Row, details: dict[str, list[dict]], stored: s.Member | None,
                    present: set[str]) -> dict:
    """The member's document data from its row and detail rows, over the stored member."""
    data = {k: v for k, v in row.member.items() if k not in ("incomes", "financial_assets", "vehicles",
                                                            "real_estate", "businesses", "supporters")}
    old = stored.model_dump() if stored is not None else None
    if old is not None and ASSESSED_ON not in present and _same_self_care(data, old):
        data["self_care"] = old["self_care"]  # an unchanged assessment keeps its date
    data["incomes"] = _incomes(row, details, old)
    data["financial_assets"] = _statements(row, details, old)
    for part, (key, _) in HOLDINGS.items():
        data[key] = _holdings(row, part, details, old)
    data["supporters"] = details.get("supporter", old["supporters"] if old else [])
    return data


def _same_self_care(new: dict, old: dict) -> bool:
    a, b = new.get("self_care") or {}, old.get("self_care") or {}
    keys = [BY_HEADER[h].loc[-1] for h in SELF_CARE_HEADERS]
    return bool(a) == bool(b) and all(a.get(k) == b.get(k) for k in keys)


# --------------------------------------------------------------------------- income


def _incomes(row: Row, details: dict, old: dict | None) -> list[dict]:
    income = row.items.get("income")
    if "income" in details:
        return ([income] if income else []) + details["income"]
    if old is None:
        return [income] if income else []
    if income is None:
        return old["incomes"]
    return [i for i in old["incomes"] if i["month"] != income["month"]] + [income]


# --------------------------------------------------------------------------- statements


def _statements(row: Row, details: dict, old: dict | None) -> list[dict]:
    given: dict[str, Any] = row.items.get("balance", {})
    if "statement" in details:
        _check_balances(row, given, details["statement"])
        return details["statement"]
    stored = old["financial_assets"] if old is not None else []
    day = row.balance_day
    if day is None or not any(col.header in row.cells for col in BALANCE_COLUMNS.values()):
        return stored
    shown = balances(stored, day)
    out = list(stored)
    for kind, col in BALANCE_COLUMNS.items():
        if col.header not in row.cells:
            continue
        amount = given.get(kind.value)
        if _amount(amount) == shown.get(kind.value):
            continue
        out = _new_balance(row, out, kind, amount, day)
    return out


def _amount(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _new_balance(row: Row, statements: list[dict], kind: AssetKind, amount: Any, day: dt.date) -> list[dict]:
    """A changed balance of ``kind`` on ``day``: the statements of that day are replaced by one statement of
    the kind's account (a balance cannot be split among several accounts)."""
    kept = [x for x in statements if not (account_of(x)[0] == kind.value and x["as_of"] == day)]
    accounts = {account_of(x) for x in kept if account_of(x)[0] == kind.value and x["as_of"] <= day}
    if amount is None:
        return kept
    if len(accounts) > 1:
        raise RowProblem(row, BALANCE_COLUMNS[kind].header, t(
            "the registry holds {count} accounts of {kind}; a total cannot be split among them: list the "
            "statements on 金融资产 rows (明细 金融资产) instead", count=len(accounts), kind=kind.label))
    _, institution, account = next(iter(accounts), (kind.value, None, None))
    return kept + [{"kind": kind, "institution": institution, "account": account, "amount": amount, "as_of": day}]


def _check_balances(row: Row, given: dict, statements: list[dict]) -> None:
    if not given:
        return
    expected = balances(statements, row.balance_day)
    for kind_code, amount in given.items():
        want = expected.get(kind_code)
        if _amount(amount) != want:
            header = BALANCE_COLUMNS[AssetKind(kind_code)].header
            shown, expected = _yuan_text(_amount(amount)), _yuan_text(want)
            raise RowProblem(row, header, t(
                "{header} {amount} disagrees with the 金融资产 rows of this person ({expected} on {day}); change "
                "one of them, or leave {header} blank", header=header, amount=shown, expected=expected,
                day=row.balance_day))


def _yuan_text(amount: Decimal | None) -> str:
    return "—" if amount is None else f"{amount:,.2f}"


# --------------------------------------------------------------------------- vehicles, properties, businesses


def _cells(part: str, item: dict | None) -> list[Any]:
    view = {part: item or {}}
    out = []
    for col in group_columns(part):
        value = view[part].get(col.loc[-1])
        out.append(col.format(value))
    return out


def _holdings(row: Row, part: str, details: dict, old: dict | None) -> list[dict]:
    key = HOLDINGS[part][0]
    slot = row.items.get(part)
    if part in details:
        listed = details[part]
        if slot is not None and all(_cells(part, slot) != _cells(part, item) for item in listed):
            header = next(col.header for col in group_columns(part) if row.filled(col.header))
            raise RowProblem(row, header, t(
                "the {kind} on this person's row is none of those on the {kind} rows; change the {kind} rows "
                "(this row only shows the largest), or leave its cells blank", kind=KIND_LABELS[part]))
        return listed
    if old is None:
        return [slot] if slot else []
    items = list(old[key])
    shown = shown_index(items, part)
    if not any(col.header in row.cells for col in group_columns(part)):
        return items
    if _cells(part, slot) == _cells(part, items[shown] if shown is not None else None):
        return items
    if shown is None:
        return items + [slot]
    items[shown:shown + 1] = [slot] if slot else []
    return items
