"""市场监管: businesses whose legal representative is the subject (its records are keyed by the legal
representative's ID number, not the business's)."""

from __future__ import annotations

import datetime as dt

from jiuzhu.exchange.adapters.base import Adapter, fact, iso
from jiuzhu.exchange.format import Item
from jiuzhu.exchange.sources import KINDS


def business_items(row: dict, as_of: dt.date) -> list[Item]:
    return [*fact(item="business", category="business", ref=row["uscc"], value=row["registered_capital_fen"],
                 unit="fen", as_of=as_of, attrs={"name": row["name"], "entity_type": row["entity_type"],
                                                 "established_on": iso(row["established_on"]),
                                                 "status": row["status"]})]


ADAPTERS = (Adapter(KINDS["market_regulation"], business_items, key="legal_rep_id_number"),)
