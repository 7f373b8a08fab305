"""税务: taxable income and tax withheld by month, per withholding agent and income type."""

from __future__ import annotations

import datetime as dt

from jiuzhu.exchange.adapters.base import Adapter, fact, month_end
from jiuzhu.exchange.format import Item
from jiuzhu.exchange.sources import KINDS


def tax_items(row: dict, as_of: dt.date) -> list[Item]:
    common = dict(category="income", ref=row["withholding_agent_uscc"], month=row["month"], unit="fen/month",
                  as_of=month_end(row["month"]), attrs={"income_type": row["income_type"]})
    return [*fact(item="taxable_income", value=row["income_fen"], **common),
            *fact(item="tax_withheld", value=row["tax_withheld_fen"], **common)]


ADAPTERS = (Adapter(KINDS["tax"], tax_items),)
