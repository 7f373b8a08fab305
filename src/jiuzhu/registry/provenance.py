"""Where the registry's data came from, as far as ``jiuzhu demo`` needs to know: is it only the demo's own load?

``jiuzhu demo --fresh`` deletes the database to rebuild the synthetic district. That is safe only when the
database holds nothing but what the demo itself loaded: households imported or loaded by hand, and the change
and access logs (个人信息保护法 art. 51: the record of who saw whose data is the bureau's, never thrown away by a
demo), must survive. The demo's bulk load leaves one change-log row (path "(bulk load)", reason ``DEMO_REASON``)
that says how many households it loaded and of which district; anything else is someone's work.

    others(session) -> Others    households, changes and access-log rows that are not the demo's load
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jiuzhu.audit import service as audit
from jiuzhu.registry import models as m

DEMO_REASON = "演示数据"  # the change-log reason of the demo's bulk load (a record of the bureau: in Chinese)
_DEMO_REASONS = (DEMO_REASON, "demo")  # "demo": what the demo wrote before
BULK_LOAD_PATH = "(bulk load)"


@dataclass(frozen=True)
class Others:
    """What the registry holds besides the demo's load (by district: the demo's households per district)."""

    households: int
    changes: int
    accesses: int
    demo_households: dict[str, int]

    @property
    def none(self) -> bool:
        return not (self.households or self.changes or self.accesses)


def others(session: Session) -> Others:
    demo_loads = session.scalars(select(m.Change.new_value).where(
        m.Change.path == BULK_LOAD_PATH, m.Change.reason.in_(_DEMO_REASONS))).all()
    demo: dict[str, int] = {}
    for value in demo_loads:
        district, households = _load_of(value)
        demo[district] = demo.get(district, 0) + households
    total = session.scalar(select(func.count(m.Household.id))) or 0
    changes = session.scalar(select(func.count(m.Change.id))) or 0
    accesses = audit.access_count(session)
    return Others(households=max(total - sum(demo.values()), 0), changes=changes - len(demo_loads),
                  accesses=accesses, demo_households=demo)


def _load_of(value: str | None) -> tuple[str, int]:
    """(district, households) of a bulk load's change-log row (``bulk.load_through`` writes it)."""
    try:
        doc = json.loads(value or "{}")
        return str(doc["manifest"]["district"]), int(doc["rows"]["households"])
    except (ValueError, KeyError, TypeError):
        return "?", 0
