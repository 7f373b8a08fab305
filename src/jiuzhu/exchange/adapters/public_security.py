"""公安: 户籍 (no synthetic records yet: answers none), vehicles (车管所), deaths (死亡注销)."""

from __future__ import annotations

import datetime as dt

from jiuzhu.exchange.adapters.base import Adapter, fact, iso
from jiuzhu.exchange.format import Item
from jiuzhu.exchange.sources import KINDS


def vehicle_items(row: dict, as_of: dt.date) -> list[Item]:
    # One vehicle: the plate is its reference and its type the value (never null: a vehicle is never dropped for
    # a missing date); registration date and status as attributes.
    return fact(item="vehicle", category="vehicles", ref=row["plate"], value=row["vehicle_type"], unit="code",
                as_of=as_of, attrs={"registered_on": iso(row["registered_on"]), "status": row["status"]})


def death_items(row: dict, as_of: dt.date) -> list[Item]:
    return [*fact(item="death_date", category="death", value=iso(row["death_date"]), unit="date", as_of=as_of,
                 attrs={"reported_by": row["reported_by"]})]


ADAPTERS = (
    Adapter(KINDS["public_security.hukou"]),
    Adapter(KINDS["public_security.vehicles"], vehicle_items),
    Adapter(KINDS["public_security.deaths"], death_items),
)
