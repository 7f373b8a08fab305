"""The registry's figures for the 工作台 (dashboard): enrolments and their monthly money, by programme, by township
and by month, inside the signed-in person's area only. Counts and sums, never a person.

    figures(session, principal, *, month=None, months=12) → RegistryFigures

An enrolment counts in a month when it is in force on that month's last day (start on or before it, no end or an
end on or after it) — the same reading ``registry.summary`` makes for one day. A township is the first nine digits
of a household's area code (乡镇/街道); its name comes from the registry's areas table, else the official table.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jiuzhu.access import Permission, Principal
from jiuzhu.clock import today
from jiuzhu.db import plan_with_values
from jiuzhu.months import check_month, month_end, month_of, previous_months
from jiuzhu.registry import models as m
from jiuzhu.registry.codes import Programme
from jiuzhu.registry.service import area_name

TOWNSHIP_DIGITS = 9


@dataclass(frozen=True)
class Line:
    """One row of a figure: what it is about (a programme's key, a township's code or a month), its label, the
    enrolments in force and their money a month (fen)."""

    key: str
    label: str
    enrolments: int
    monthly_fen: int


@dataclass(frozen=True)
class MonthLine:
    month: str
    by_programme: dict[str, Line]


@dataclass(frozen=True)
class RegistryFigures:
    month: str
    households: int
    by_programme: list[Line]
    by_township: list[Line]
    by_month: list[MonthLine]  # oldest first, the last is ``month``
    programmes: list[tuple[str, str]]  # (key, label) of every programme, in the codes' order

    @property
    def enrolments(self) -> int:
        return sum(line.enrolments for line in self.by_programme)

    @property
    def monthly_fen(self) -> int:
        return sum(line.monthly_fen for line in self.by_programme)


def figures(session: Session, principal: Principal, *, month: str | None = None, months: int = 12) -> RegistryFigures:
    """The figures of ``month`` (default: this month) and of the ``months`` months ending with it, of the
    households inside the principal's area (``Permission.DASHBOARD``)."""
    principal.require(Permission.DASHBOARD)
    month = check_month(month) if month else month_of(today())
    inside = principal.area_clause(m.Household.area_code)
    plan_with_values(session)  # counts over an area prefix: the plan turns on it
    households = session.scalar(select(func.count(m.Household.id)).where(inside)) or 0
    labels = {p.value: p.words() for p in Programme}
    order = {key: i for i, key in enumerate(labels)}
    by_programme = _grouped(session, inside, month, m.Enrolment.programme)
    township = func.substr(m.Household.area_code, 1, TOWNSHIP_DIGITS)
    by_township = _grouped(session, inside, month, township)
    history = [MonthLine(each, {line.key: line for line in _grouped(session, inside, each, m.Enrolment.programme,
                                                                     labels)})
               for each in [*previous_months(month, months - 1), month]]
    return RegistryFigures(
        month=month, households=households,
        by_programme=sorted((Line(k, labels.get(k, k), n, fen) for k, _, n, fen in by_programme),
                            key=lambda line: order.get(line.key, len(order))),
        by_township=sorted((Line(k, area_name(session, k), n, fen) for k, _, n, fen in by_township),
                           key=lambda line: (-line.monthly_fen, line.key)),
        by_month=history, programmes=list(labels.items()))


def _grouped(session: Session, inside, month: str, key, labels: dict[str, str] | None = None):
    """(key, label, enrolments, fen) of the enrolments in force on ``month``'s last day, grouped by ``key``; as
    ``Line``\\ s when ``labels`` is given."""
    end = month_end(month)
    in_force = (m.Enrolment.start_date <= end) & (m.Enrolment.end_date.is_(None) | (m.Enrolment.end_date >= end))
    rows = session.execute(
        select(key, func.count(m.Enrolment.id), func.coalesce(func.sum(m.Enrolment.monthly_amount_fen), 0))
        .join(m.Household, m.Household.id == m.Enrolment.household_id)
        .where(inside, in_force).group_by(key).order_by(key)).all()
    if labels is not None:
        return [Line(k, labels.get(k, k), n, int(fen)) for k, n, fen in rows]
    return [(k, k, n, int(fen)) for k, n, fen in rows]
