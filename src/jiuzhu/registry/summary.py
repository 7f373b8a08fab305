"""Figures about the registry as a whole: what ``jiuzhu summary`` and ``jiuzhu info`` show, and the count a
command needs before it starts (a registry, or an area, that holds no household is refused saying so).

    summarise(session, on=date)           → RegistrySummary
    count_households(session, area_code)  → int (of an area, a code prefix, or all)
    require_households(session, area_code) → int, or JiuzhuError (field "area") saying what is missing
    no_households(area_code), unknown_area(area_code)   those refusals, for a count made elsewhere (a snapshot)
    counts(session)                       → households, persons, areas, change-log rows
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import t
from jiuzhu.registry import models as m
from jiuzhu.registry.areas import area_name, check_served, lookup, prefix


def count_households(session: Session, area_code: str | None = None) -> int:
    """Households of the registry, or of an area (its code and the codes under it)."""
    query = select(func.count(m.Household.id))
    if area_code:
        query = query.where(m.Household.area_code.startswith(prefix(area_code)))
    return session.scalar(query) or 0


def require_households(session: Session, area_code: str | None = None) -> int:
    """``count_households``, refused when there is none, saying why: the area is not written as an area code
    (``areas.check_code``) or lies outside the jurisdiction (``areas.check_served``), the registry is empty, the
    area is unknown, or it holds no household
    (``JiuzhuError.field`` is "area" but for the empty registry)."""
    if area_code is not None:
        check_served(area_code)
    count = count_households(session, area_code)
    if count:
        return count
    if not area_code or not count_households(session):
        raise no_households(None)
    if session.get(m.Area, area_code) is None and lookup(area_code) is None:
        raise unknown_area(area_code)
    raise no_households(area_code)


def no_households(area_code: str | None) -> JiuzhuError:
    """The refusal of work on households when there are none: in the registry, or in the area given."""
    if area_code is None:
        return JiuzhuError(t("the registry holds no household: import households (jiuzhu import) or load a "
                             "district (jiuzhu load) first"))
    return JiuzhuError(t("the registry holds no household in area {code} ({name}): import or load its households "
                         "first", code=area_code, name=area_name(area_code)), field="area")


def unknown_area(area_code: str) -> JiuzhuError:
    """The refusal of an area code that is neither official nor an area of the registry (or of a snapshot)."""
    return JiuzhuError(t("{code} is not an area code: neither an official code nor an area of the registry",
                         code=area_code), field="area")


def counts(session: Session) -> dict[str, int]:
    """The sizes of the registry: households, persons, areas and change-log rows."""
    return {"households": session.scalar(select(func.count(m.Household.id))) or 0,
            "persons": session.scalar(select(func.count(m.Person.id))) or 0,
            "areas": session.scalar(select(func.count(m.Area.code))) or 0,
            "changes": session.scalar(select(func.count(m.Change.id))) or 0}


@dataclass
class ProgrammeLine:
    programme: str
    enrolments: int
    monthly_fen: int


@dataclass
class AreaLine:
    code: str
    name: str
    households: int
    persons: int


@dataclass
class RegistrySummary:
    households: int
    persons: int
    aged_65_plus: int
    disabled: int
    urban_households: int
    areas: list[AreaLine]
    programmes: list[ProgrammeLine]
    changes: int


def summarise(session: Session, *, on: dt.date) -> RegistrySummary:
    """Counts as of ``on`` (ages, valid enrolments)."""
    cutoff_65 = on.replace(year=on.year - 65)
    persons, aged, disabled = session.execute(
        select(func.count(m.Member.person_id),
               func.sum(case((m.Person.birth_date <= cutoff_65, 1), else_=0)),
               func.sum(case((m.Person.disability_grade.is_not(None), 1), else_=0)))
        .join(m.Person, m.Person.id == m.Member.person_id)
    ).one()
    households, urban = session.execute(
        select(func.count(m.Household.id), func.sum(case((m.Household.urban, 1), else_=0)))
    ).one()
    township = func.substr(m.Household.area_code, 1, 9)
    area_rows = session.execute(
        select(township, m.Area.name, func.count(func.distinct(m.Household.id)), func.count(m.Member.person_id))
        .join(m.Member, m.Member.household_id == m.Household.id)
        .join(m.Area, m.Area.code == township)
        .group_by(township, m.Area.name).order_by(township)
    ).all()
    active = (m.Enrolment.start_date <= on) & ((m.Enrolment.end_date.is_(None)) | (m.Enrolment.end_date >= on))
    prog_rows = session.execute(
        select(m.Enrolment.programme, func.count(m.Enrolment.id), func.sum(m.Enrolment.monthly_amount_fen))
        .where(active).group_by(m.Enrolment.programme).order_by(m.Enrolment.programme)
    ).all()
    return RegistrySummary(
        households=households or 0, persons=persons or 0, aged_65_plus=aged or 0, disabled=disabled or 0,
        urban_households=urban or 0,
        areas=[AreaLine(c, n, h, p) for c, n, h, p in area_rows],
        programmes=[ProgrammeLine(p, n, int(s or 0)) for p, n, s in prog_rows],
        changes=session.scalar(select(func.count(m.Change.id))) or 0,
    )
