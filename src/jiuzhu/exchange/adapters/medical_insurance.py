"""医保: by month, what the insured paid after reimbursement (out_of_pocket, the registry's rigid medical
spending) and what the fund paid (fund_paid: told apart, never the household's spending)."""

from __future__ import annotations

import datetime as dt

from jiuzhu.exchange.adapters.base import Adapter, fact, month_end
from jiuzhu.exchange.format import Item
from jiuzhu.exchange.sources import KINDS


def medical_items(row: dict, as_of: dt.date) -> list[Item]:
    # fund_paid may be 0 (nothing reimbursed that month): a value the fund holds, not an unknown.
    common = dict(category="spending", month=row["month"], unit="fen/month", as_of=month_end(row["month"]))
    return [*fact(item="out_of_pocket", value=row["out_of_pocket_fen"], **common),
            *fact(item="fund_paid", value=row["fund_paid_fen"], **common)]


ADAPTERS = (Adapter(KINDS["medical_insurance"], medical_items),)
