"""残联: disability certificates; the grade is the value (a count: 1 is the most severe)."""

from __future__ import annotations

import datetime as dt

from jiuzhu.exchange.adapters.base import Adapter, fact, iso
from jiuzhu.exchange.format import Item
from jiuzhu.exchange.sources import KINDS


def certificate_items(row: dict, as_of: dt.date) -> list[Item]:
    return [*fact(item="certificate", category="disability", ref=row["certificate_no"], value=row["grade"],
                 unit="count", as_of=as_of, attrs={"category": row["category"], "valid_from": iso(row["valid_from"]),
                                                   "valid_to": iso(row["valid_to"])})]


ADAPTERS = (Adapter(KINDS["disability_federation"], certificate_items),)
