"""The figures a district's annual report quotes: by programme, township and month, exact fen, shown as yuan.

The month is the payroll's (when the money went out: an arrear paid in January counts in January's figures); the
amount is every line of an approved payroll not failed nor cancelled (paid, or issued and not yet returned), and
``paid`` what the bank's return confirmed. A re-issue counts in the month of the payroll it re-issues. Sums are
the database's, over integer fen: nothing is rounded.
"""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from jiuzhu.access import Permission, Principal
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import t
from jiuzhu.money import fen_to_yuan
from jiuzhu.months import check_month
from jiuzhu.payroll.models import Payroll, PayrollLine
from jiuzhu.payroll.schemas import TotalRow
from jiuzhu.registry import areas
from jiuzhu.registry.codes import parse_programme

APPROVED = ("approved", "closing", "closed")


def totals(session: Session, who: Principal, *, area: str, year: int | None = None, month: str | None = None,
           programme: str | None = None) -> list[TotalRow]:
    who.require(Permission.READ_PAYMENTS)
    if year is not None and not 1900 <= year <= 9999:  # a year written short (25) is refused, not an empty table
        raise JiuzhuError(t("year {year}: write it with four digits, e.g. 2025", year=year), field="year")
    prefix = areas.prefix(areas.check_within(who, area))
    township = func.substr(PayrollLine.area_code, 1, 9)
    live = PayrollLine.status.in_(("pending", "paid"))
    query = (select(Payroll.programme, township.label("township"), Payroll.month,
                    func.sum(case((live, 1), else_=0)), func.sum(case((live, PayrollLine.amount_fen), else_=0)),
                    func.sum(case((PayrollLine.status == "paid", PayrollLine.amount_fen), else_=0)),
                    func.sum(case((PayrollLine.status == "failed", 1), else_=0)))
             .join(Payroll, Payroll.id == PayrollLine.payroll_id)
             .where(Payroll.status.in_(APPROVED), PayrollLine.area_code.like(prefix + "%"),
                    who.area_clause(PayrollLine.area_code))
             .group_by(Payroll.programme, township, Payroll.month)
             .order_by(Payroll.programme, township, Payroll.month))
    if year:
        query = query.where(Payroll.month.like(f"{year:04d}-%"))
    if month:  # filters as people write them; a wrong one is refused, never an empty table of totals
        query = query.where(Payroll.month == check_month(month))
    if programme:
        query = query.where(Payroll.programme == parse_programme(programme).value)
    names: dict[str, str] = {}
    out = []
    for prog, town, mon, lines, amount, paid, failed in session.execute(query):
        if town not in names:
            names[town] = areas.area_name(town)
        out.append(TotalRow(programme=prog, township=town, township_name=names[town], month=mon, lines=int(lines),
                            amount_fen=int(amount), amount_yuan=str(fen_to_yuan(int(amount))), paid_fen=int(paid),
                            paid_yuan=str(fen_to_yuan(int(paid))), failed=int(failed)))
    return out
