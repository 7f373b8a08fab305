"""公安: 户籍 (no synthetic records yet: answers none), vehicles (车管所), deaths (死亡注销)."""

from __future__ import annotations

import datetime as dt

from jiuzhu.exchange.adapters.base import Adapter, iso
from jiuzhu.exchange.format import Item
from jiuzhu.exchange.sources import KINDS


def vehicle_items(row: dict, as_of: dt.date) -> list[Item]:
    # One vehicle: the plate is its reference, the registration date its value; type and status as codes.
    return [Item(item="vehicle", category="vehicles", ref=row["plate"], value=iso(row["registered_on"]), unit="date",
                 as_of=as_of, attrs={"vehicle_type": row["vehicle_type"], "status": row["status"]})]


def death_items(row: dict, as_of: dt.date) -> list[Item]:
    return [Item(item="death_date", category="death", value=iso(row["death_date"]), unit="date", as_of=as_of,
                 attrs={"reported_by": row["reported_by"]})]


ADAPTERS = (
    Adapter(KINDS["public_security.hukou"]),
    Adapter(KINDS["public_security.vehicles"], vehicle_items),
    Adapter(KINDS["public_security.deaths"], death_items),
)
