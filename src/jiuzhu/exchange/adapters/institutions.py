"""Banks, insurers and securities firms: one endpoint per institution, each answering for its own accounts,
policies and securities accounts, with the balance's own as-of date."""

from __future__ import annotations

import datetime as dt

from jiuzhu.exchange.adapters.base import Adapter, fact
from jiuzhu.exchange.format import Item
from jiuzhu.exchange.sources import KINDS


def deposit_items(row: dict, as_of: dt.date) -> list[Item]:
    return [*fact(item="deposit.balance", category="deposit", ref=row["account_no"], value=row["balance_fen"],
                 unit="fen", as_of=row["as_of"], attrs={"account_type": row["account_type"]})]


def cash_value_items(row: dict, as_of: dt.date) -> list[Item]:
    return [*fact(item="insurance.cash_value", category="insurance", ref=row["policy_no"], value=row["cash_value_fen"],
                 unit="fen", as_of=row["as_of"])]


def securities_items(row: dict, as_of: dt.date) -> list[Item]:
    return [*fact(item="securities.market_value", category="securities", ref=row["account_no"],
                 value=row["market_value_fen"], unit="fen", as_of=row["as_of"])]


ADAPTERS = (
    Adapter(KINDS["bank"], deposit_items),
    Adapter(KINDS["insurer"], cash_value_items),
    Adapter(KINDS["securities"], securities_items),
)
