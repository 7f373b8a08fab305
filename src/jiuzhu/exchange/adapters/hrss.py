"""人社: social insurance contributions (wages), pensions; unemployment benefit and work injury have no synthetic
records yet (they answer none)."""

from __future__ import annotations

import datetime as dt

from jiuzhu.exchange.adapters.base import Adapter, fact, month_end
from jiuzhu.exchange.format import Item
from jiuzhu.exchange.sources import KINDS


def social_security_items(row: dict, as_of: dt.date) -> list[Item]:
    # The employer's USCC is the reference: two employers in one month are two wages.
    common = dict(category="income", ref=row["employer_uscc"], month=row["month"], unit="fen/month",
                  as_of=month_end(row["month"]))
    return [*fact(item="wage", value=row["wage_fen"], attrs={"employer_name": row["employer_name"]}, **common),
            *fact(item="contribution_base", value=row["contribution_base_fen"], **common)]


def pension_items(row: dict, as_of: dt.date) -> list[Item]:
    # central_basic: the central basic pension, part of the amount, not counted as income (domain §4).
    common = dict(category="income", ref=row["scheme"], month=row["month"], unit="fen/month",
                  as_of=month_end(row["month"]))
    return [*fact(item="pension", value=row["amount_fen"], attrs={"scheme": row["scheme"]}, **common),
            *fact(item="central_basic", value=row["central_basic_fen"], **common)]


ADAPTERS = (
    Adapter(KINDS["hrss.social_security"], social_security_items),
    Adapter(KINDS["hrss.pensions"], pension_items),
    Adapter(KINDS["hrss.unemployment"]),
    Adapter(KINDS["hrss.work_injury"]),
)
