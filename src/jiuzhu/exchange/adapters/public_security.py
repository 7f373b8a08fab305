"""公安: 户籍, vehicles (车管所), deaths (死亡注销)."""

from __future__ import annotations

import datetime as dt

from jiuzhu.exchange.adapters.base import Adapter, fact, iso
from jiuzhu.exchange.format import Item
from jiuzhu.exchange.sources import KINDS


def hukou_items(row: dict, as_of: dt.date) -> list[Item]:
    # One registration per person. In Chongqing = an area code of Chongqing (50…), the rule of 重庆市 subsidies
    # for residents with a Chongqing 户籍. hukou_status 死亡注销 (a cancelled 户籍) tells a death that public
    # security knows of, as its deaths register does.
    code = row["hukou_area_code"]
    common = dict(category="identity", as_of=as_of)
    return [*fact(item="hukou_area", value=code, unit="code", attrs={"registered_on": iso(row["registered_on"])},
                  **common),
            *fact(item="hukou_urban", value=row["urban"], unit="bool", **common),
            *fact(item="hukou_chongqing", value=None if code is None else code.startswith("50"), unit="bool",
                  **common),
            *fact(item="hukou_status", value=row["status"], unit="code", **common)]


def vehicle_items(row: dict, as_of: dt.date) -> list[Item]:
    # One vehicle: the plate is its reference and its type the value (never null: a vehicle is never dropped for
    # a missing date); registration date and status as attributes.
    return fact(item="vehicle", category="vehicles", ref=row["plate"], value=row["vehicle_type"], unit="code",
                as_of=as_of, attrs={"registered_on": iso(row["registered_on"]), "status": row["status"]})


def death_items(row: dict, as_of: dt.date) -> list[Item]:
    return [*fact(item="death_date", category="death", value=iso(row["death_date"]), unit="date", as_of=as_of,
                 attrs={"reported_by": row["reported_by"]})]


ADAPTERS = (
    Adapter(KINDS["public_security.hukou"], hukou_items),
    Adapter(KINDS["public_security.vehicles"], vehicle_items),
    Adapter(KINDS["public_security.deaths"], death_items),
)
