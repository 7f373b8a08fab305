"""民政: the marriage registry (婚姻登记) and the funeral homes (殡葬: a record only of a cremation)."""

from __future__ import annotations

import datetime as dt

from jiuzhu.exchange.adapters.base import Adapter, fact, iso
from jiuzhu.exchange.format import Item
from jiuzhu.exchange.sources import KINDS


def marriage_items(row: dict, as_of: dt.date) -> list[Item]:
    # One registered marriage: the spouse's ID number is its reference (an identifier: masked wherever shown,
    # registry.privacy); the spouse's name is not sent, the ID number names the person.
    return [*fact(item="marital_status", category="family", ref=row["spouse_id_number"], value=row["marital_status"],
                  unit="code", as_of=as_of, attrs={"registered_on": iso(row["registered_on"])})]


def cremation_items(row: dict, as_of: dt.date) -> list[Item]:
    return [*fact(item="cremated_on", category="death", value=iso(row["cremated_on"]), unit="date", as_of=as_of,
                  attrs={"death_date": iso(row["death_date"]), "funeral_home": row["funeral_home"]})]


ADAPTERS = (
    Adapter(KINDS["civil_affairs.marriage"], marriage_items),
    Adapter(KINDS["civil_affairs.funeral"], cremation_items),
)
