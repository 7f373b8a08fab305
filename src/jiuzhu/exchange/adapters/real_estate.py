"""不动产登记: homes and other property; the floor area is the value (m², a decimal string)."""

from __future__ import annotations

import datetime as dt

from jiuzhu.exchange.adapters.base import Adapter, fact, iso
from jiuzhu.exchange.format import Item
from jiuzhu.exchange.sources import KINDS


def property_items(row: dict, as_of: dt.date) -> list[Item]:
    return [*fact(item="property", category="property", ref=row["certificate_no"], value=_area(row["floor_area_m2"]),
                 unit="m2", as_of=as_of, attrs={"use": row["use"], "location": row["location"],
                                                "registered_on": iso(row["registered_on"])})]


ADAPTERS = (Adapter(KINDS["real_estate"], property_items),)


def _area(m2) -> str | None:
    return None if m2 is None else f"{m2:.2f}"
