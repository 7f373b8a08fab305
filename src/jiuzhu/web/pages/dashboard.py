"""工作台: enrolments and money by programme, month and township; the latest scan's lists by township. Each chart
is drawn from the numbers of the table beside it (screens.md: for screen readers, printing and auditors)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from jiuzhu.access import Permission
from jiuzhu.clock import today
from jiuzhu.discovery.dashboard import latest_findings
from jiuzhu.i18n import month_text, t
from jiuzhu.money import fen_to_yuan
from jiuzhu.months import month_of, previous_months
from jiuzhu.payroll.totals import totals as payroll_totals
from jiuzhu.registry.dashboard import figures as registry_figures
from jiuzhu.web import glue
from jiuzhu.web.frame import Page, menu
from jiuzhu.web.render import render

router = APIRouter()
MenuPage = Annotated[Page, Depends(menu("dashboard"))]  # signed in, and the role may use the page


def _yuan(fen: int) -> float:
    return float(fen_to_yuan(fen))


@router.get("/", name="dashboard")
def dashboard(request: Request, page: MenuPage, session: glue.Db,
              month: str | None = None):
    figures = registry_figures(session, page.principal, month=month or None)
    scan = latest_findings(session, page.principal)
    months = [{"month": line.month, "enrolments": sum(x.enrolments for x in line.by_programme.values()),
               "fen": sum(x.monthly_fen for x in line.by_programme.values())} for line in figures.by_month]
    enrolments, money = t("Enrolments"), t("Money a month (yuan)")
    charts = {
        "programmes": _bars([line.label for line in figures.by_programme],
                            [(enrolments, [line.enrolments for line in figures.by_programme], 0),
                             (money, [_yuan(line.monthly_fen) for line in figures.by_programme], 1)],
                            [enrolments, money]),
        "months": {"categories": [month_text(row["month"]) for row in months], "axes": [{"name": enrolments},
                                                                                         {"name": money}],
                   "series": [{"name": enrolments, "type": "bar", "data": [row["enrolments"] for row in months]},
                              {"name": money, "type": "line", "axis": 1,
                               "data": [_yuan(row["fen"]) for row in months]}]},
        "townships": {**_bars([line.label for line in figures.by_township],
                              [(money, [_yuan(line.monthly_fen) for line in figures.by_township], 0)], [money]),
                      "horizontal": True},
        "findings": {**_bars([line.name for line in scan.by_township] if scan else [],
                             [(t("Entitled, not enrolled"), [line.entitled for line in scan.by_township]
                               if scan else [], 0),
                              (t("Enrolled, no longer entitled"), [line.not_entitled for line in scan.by_township]
                               if scan else [], 0)], [t("Entries")]), "horizontal": True},
    }
    payments = _payments(session, page, figures.month)
    charts["payments"] = _bars([line["label"] for line in payments],
                               [(t("Paid or issued (yuan)"), [_yuan(line["amount_fen"]) for line in payments], 0),
                                (t("Confirmed paid by the bank (yuan)"), [_yuan(line["paid_fen"]) for line in payments],
                                 0)], [t("Yuan")])
    this_month = month_of(today())
    choices = [*previous_months(this_month, 35), this_month][::-1]
    return render(request, "dashboard.html", figures=figures, scan=scan, months=months, charts=charts,
                  payments=payments, show_payments=page.can(Permission.READ_PAYMENTS),
                  month_choices=choices if figures.month in choices else [figures.month, *choices])


def _payments(session, page: Page, month: str) -> list[dict]:
    """The month's payments by programme (approved payrolls: issued and not failed, and what the bank confirmed
    paid), from ``payroll.totals`` — summed over the townships of the account's area, exact fen."""
    if not page.can(Permission.READ_PAYMENTS) or not page.principal.area_code:
        return []
    by: dict[str, dict] = {}
    for row in payroll_totals(session, page.principal, area=page.principal.area_code, month=month):
        line = by.setdefault(row.programme, {"programme": row.programme, "lines": 0, "amount_fen": 0, "paid_fen": 0,
                                             "failed": 0})
        line["lines"] += row.lines
        line["amount_fen"] += row.amount_fen
        line["paid_fen"] += row.paid_fen
        line["failed"] += row.failed
    from jiuzhu.web.render import programme_label

    return [{**line, "label": programme_label(line["programme"])} for line in by.values()]


def _bars(categories: list[str], series: list[tuple[str, list, int]], axes: list[str]) -> dict:
    return {"categories": categories, "axes": [{"name": name} for name in axes],
            "series": [{"name": name, "type": "bar", "data": data, "axis": axis} for name, data, axis in series]}
