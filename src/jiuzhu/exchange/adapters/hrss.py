"""人社: social insurance contributions (wages), pensions, unemployment benefit (失业保险金) and work-injury care
pay (工伤保险生活护理费)."""

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


def unemployment_items(row: dict, as_of: dt.date) -> list[Item]:
    return [*fact(item="unemployment_benefit", category="income", month=row["month"], value=row["benefit_fen"],
                  unit="fen/month", as_of=month_end(row["month"]))]


def work_injury_items(row: dict, as_of: dt.date) -> list[Item]:
    # A row is a month of 生活护理费 paid (工伤保险条例 art. 34): care paid in that month, its amount the value;
    # the 伤残等级 and the care level it is paid for as attributes. 伤残津贴 (injury_allowance) has no record.
    return [*fact(item="care_paid", category="income", month=row["month"], value=row["care_fen"],
                  unit="fen/month", as_of=month_end(row["month"]),
                  attrs={"injury_grade": row["injury_grade"], "care_level": row["care_level"]})]


ADAPTERS = (
    Adapter(KINDS["hrss.social_security"], social_security_items),
    Adapter(KINDS["hrss.pensions"], pension_items),
    Adapter(KINDS["hrss.unemployment"], unemployment_items),
    Adapter(KINDS["hrss.work_injury"], work_injury_items),
)
