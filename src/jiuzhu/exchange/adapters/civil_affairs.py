"""民政: marriage registry (no synthetic records yet: answers none) and funeral (cremations, from the deaths'
records: the funeral office holds a record only of a cremation)."""

from __future__ import annotations

import datetime as dt

from jiuzhu.exchange.adapters.base import Adapter, fact
from jiuzhu.exchange.format import Item
from jiuzhu.exchange.sources import KINDS


def cremation_items(row: dict, as_of: dt.date) -> list[Item]:
    if not row["cremated"]:
        return []
    return [*fact(item="cremated", category="death", value=True, unit="bool", as_of=as_of)]


ADAPTERS = (
    Adapter(KINDS["civil_affairs.marriage"]),
    Adapter(KINDS["civil_affairs.funeral"], cremation_items),
)
