"""政策找人's figures for the 工作台 (dashboard): the entries of the latest scan on the 应享未享 and 享而不应 lists, by
township, inside the signed-in person's area only — counts and money, never a person.

    latest_findings(session, principal) → ScanFigures | None (no scan touching the area yet)

The latest scan is the newest run whose area overlaps the principal's: a run of the whole registry or of the
district covers a township's account, and a township's own run counts for the district's account. Its entries
are counted inside the principal's area only; entries the scan marked resolved (gone since the previous scan)
are not on the lists and are counted apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jiuzhu.access import Permission, Principal
from jiuzhu.db import plan_with_values
from jiuzhu.discovery.lists import ENTITLED, NOT_ENTITLED
from jiuzhu.discovery.models import Finding, ScanRun
from jiuzhu.registry.areas import prefix
from jiuzhu.registry.service import area_name

RESOLVED = "resolved"
RECENT_RUNS = 200  # the newest runs looked at for one overlapping the area (a bureau runs a few a month)


@dataclass(frozen=True)
class TownshipFindings:
    code: str
    name: str
    entitled: int  # 应享未享 entries
    not_entitled: int  # 享而不应 entries
    entitled_fen: int  # what the 应享未享 entries would receive a month
    not_entitled_fen: int  # what the 享而不应 entries receive a month
    resolved: int


@dataclass(frozen=True)
class ScanFigures:
    run_id: int
    month: str
    area_code: str | None
    started_at: dt.datetime
    actor: str
    households: int
    by_township: list[TownshipFindings]

    @property
    def entitled(self) -> int:
        return sum(t.entitled for t in self.by_township)

    @property
    def not_entitled(self) -> int:
        return sum(t.not_entitled for t in self.by_township)


def latest_run(session: Session, principal: Principal) -> ScanRun | None:
    """The newest scan run that covers the principal's whole area, else the newest that overlaps it (``None``: no
    such run) — as 政策找人 chooses (``worklists.choose_run``): a township's scan after the district's must not make
    the district officer's figures those of one township."""
    runs = list(session.scalars(select(ScanRun).order_by(ScanRun.id.desc()).limit(RECENT_RUNS)))
    return next((run for run in runs if _covers(run.area_code, principal)), None) or \
        next((run for run in runs if _overlaps(run.area_code, principal)), None)


def _covers(run_area: str | None, principal: Principal) -> bool:
    return run_area is None or any(p.startswith(prefix(run_area)) for p in principal.area_prefixes)


def _overlaps(run_area: str | None, principal: Principal) -> bool:
    if run_area is None:
        return bool(principal.area_prefixes)
    run_prefix = prefix(run_area)
    return any(run_prefix.startswith(p) or p.startswith(run_prefix) for p in principal.area_prefixes)


def latest_findings(session: Session, principal: Principal) -> ScanFigures | None:
    """The latest scan's entries inside the principal's area, by township (``Permission.DASHBOARD``)."""
    principal.require(Permission.DASHBOARD)
    run = latest_run(session, principal)
    if run is None:
        return None
    plan_with_values(session)  # counts over an area prefix: the plan turns on it
    rows = session.execute(
        select(Finding.township, Finding.list, Finding.change, func.count(Finding.id), func.sum(Finding.amount_fen))
        .where(Finding.run_id == run.id, principal.area_clause(Finding.area_code))
        .group_by(Finding.township, Finding.list, Finding.change)).all()
    tally: dict[str, dict[str, int]] = {}
    for township, kind, change, count, fen in rows:
        line = tally.setdefault(township, {"entitled": 0, "not_entitled": 0, "entitled_fen": 0,
                                           "not_entitled_fen": 0, "resolved": 0})
        if change == RESOLVED:
            line["resolved"] += count
        elif kind == ENTITLED:
            line["entitled"] += count
            line["entitled_fen"] += int(fen or 0)
        elif kind == NOT_ENTITLED:
            line["not_entitled"] += count
            line["not_entitled_fen"] += int(fen or 0)
    by_township = sorted((TownshipFindings(code, area_name(session, code), **line) for code, line in tally.items()),
                         key=lambda t: (-(t.entitled + t.not_entitled), t.code))
    return ScanFigures(run_id=run.id, month=run.month, area_code=run.area_code, started_at=run.started_at,
                       actor=run.actor, households=run.households, by_township=by_township)
