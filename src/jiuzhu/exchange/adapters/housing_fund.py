"""公积金中心: each account's balance and its monthly deposit (employee and employer, 住房公积金管理条例 art. 18),
both true on the account's own as-of date."""

from __future__ import annotations

import datetime as dt

from jiuzhu.exchange.adapters.base import Adapter, fact
from jiuzhu.exchange.format import Item
from jiuzhu.exchange.sources import KINDS


def fund_items(row: dict, as_of: dt.date) -> list[Item]:
    # The account number is the reference: two accounts are two balances. The deposit is a rate on as_of (the
    # record says nothing of the months before it), so it has no month and is not cut by the months asked.
    common = dict(category="asset", ref=row["account_no"], as_of=row["as_of"])
    return [*fact(item="fund_balance", value=row["balance_fen"], unit="fen",
                  attrs={"employer_uscc": row["employer_uscc"], "status": row["status"]}, **common),
            *fact(item="monthly_deposit", value=row["monthly_deposit_fen"], unit="fen/month", **common)]


ADAPTERS = (Adapter(KINDS["housing_fund"], fund_items),)
