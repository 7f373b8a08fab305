"""教育 学籍: the school level of each pupil and student (enrolled), or the last level of the school-age young
who left school (not enrolled); the school's name as an attribute."""

from __future__ import annotations

import datetime as dt

from jiuzhu.exchange.adapters.base import Adapter, fact
from jiuzhu.exchange.format import Item
from jiuzhu.exchange.sources import KINDS


def school_items(row: dict, as_of: dt.date) -> list[Item]:
    common = dict(category="family", as_of=row["as_of"])
    return [*fact(item="school_level", value=row["school_level"], unit="code",
                  attrs={"school_name": row["school_name"]}, **common),
            *fact(item="enrolled", value=row["enrolled"], unit="bool", **common)]


ADAPTERS = (Adapter(KINDS["education"], school_items),)
