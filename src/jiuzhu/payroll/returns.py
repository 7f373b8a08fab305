"""A bank's return file (回盘): read in the bank's layout, reconciled line by line (pure functions; the import that
stores the outcome is ``service.import_return``).

Reading is all or nothing: a line the layout cannot read (a missing sequence number, an amount that is no amount,
a totals line whose count or sum is not the lines') refuses the whole file, one line naming the file's line number
and the field; nothing of it is imported.

Reconciliation of one return line against the file we sent (the peers' codes, domain.md §11):

    paid        the line is ours (same sequence number and account), the amount is ours, the bank paid it
    failed      the same, the bank did not pay: the reason mapped to a failure code (``banks.FAILURE_CODES``)
    unmatched   not_in_file (no such sequence number, or another account), duplicate (the line was already
                settled, by this file or an earlier one), amount_differs (the bank's amount is not ours)

``reconcile`` gives the same outcomes for a batch of return lines as for the same lines one at a time, each
seeing what the ones before settled (a property test holds it).
"""

from __future__ import annotations

from dataclasses import dataclass

from jiuzhu.errors import RecordError
from jiuzhu.i18n import N_, t
from jiuzhu.payroll.bankfiles import LINE, TITLES, parse_amount, read_rows
from jiuzhu.payroll.banks import Layout

UNMATCHED = {"not_in_file": N_("not a line of our file"), "duplicate": N_("a line already settled"),
             "amount_differs": N_("the amount differs from ours")}


@dataclass(frozen=True)
class ReturnRow:
    row: int  # the line number in the return file
    seq: int
    account: str
    amount_fen: int
    paid: bool
    reason: str


@dataclass(frozen=True)
class Expected:
    account: str
    amount_fen: int


@dataclass(frozen=True)
class Outcome:
    row: int
    seq: int
    result: str  # paid | failed | unmatched
    code: str | None  # the failure code, or the unmatched code
    text: str | None  # the bank's words


def read_return(layout: Layout, data: bytes, name: str, bank_name: str = "") -> list[ReturnRow]:
    rows, totals = read_rows(layout, data, name)
    out = []
    for n, cells in rows:
        where = f"{name} {t(LINE, n=n)}"
        if len(cells) < len(layout.columns):
            raise RecordError(where, t("layout"), t(
                "this file is not in {bank}'s return layout: {want} columns expected ({columns}), {got} found "
                "({found})", bank=bank_name or "-", want=len(layout.columns), got=len(cells),
                columns="、".join(TITLES[c] for c in layout.columns), found="、".join(c[:12] for c in cells[:8])))
        c = dict(zip(layout.columns, cells, strict=False))
        if not c.get("seq", "").isdigit():
            raise RecordError(where, TITLES["seq"], t("'{value}' is not a sequence number", value=c.get("seq", "")))
        if "account" in c and not c["account"]:
            raise RecordError(where, TITLES["account"], t("missing"))
        result = c.get("result", "")
        if not result:
            raise RecordError(where, TITLES["result"], t("missing"))
        paid = result in layout.paid
        out.append(ReturnRow(row=n, seq=int(c["seq"]), account=c.get("account", ""),
                             amount_fen=parse_amount(c.get("amount", ""), where),
                             paid=paid, reason="" if paid else (c.get("reason") or result)))
    if totals is not None:
        where = f"{name} {t('totals line')}"
        if not totals[1].strip().isdigit() or int(totals[1]) != len(out):
            raise RecordError(where, t("count"), t("{value} lines said, {count} in the file", value=totals[1],
                                                   count=len(out)))
        total = parse_amount(totals[2], where)
        if total != sum(r.amount_fen for r in out):
            raise RecordError(where, TITLES["amount"], t("the sum said is not the sum of the lines"))
    return out


def failure_code(reason: str, reasons: dict[str, str]) -> str:
    """The failure code of the bank's reason: the bank's table by the exact text or code, else by the longest
    entry the text contains (banks add words around their reasons), else "other"."""
    if reason in reasons:
        return reasons[reason]
    for key in sorted(reasons, key=len, reverse=True):
        if key and key in reason:
            return reasons[key]
    return "other"


def reconcile(expected: dict[int, Expected], settled: frozenset[int], rows: list[ReturnRow],
              reasons: dict[str, str]) -> list[Outcome]:
    seen = set(settled)
    out = []
    for r in rows:
        mine = expected.get(r.seq)
        if mine is None or (r.account and mine.account != r.account):
            out.append(Outcome(r.row, r.seq, "unmatched", "not_in_file", None))
        elif r.seq in seen:
            out.append(Outcome(r.row, r.seq, "unmatched", "duplicate", None))
        elif r.amount_fen != mine.amount_fen:
            out.append(Outcome(r.row, r.seq, "unmatched", "amount_differs", None))
        else:
            seen.add(r.seq)
            out.append(Outcome(r.row, r.seq, "paid", None, None) if r.paid
                       else Outcome(r.row, r.seq, "failed", failure_code(r.reason, reasons), r.reason[:200]))
    return out
