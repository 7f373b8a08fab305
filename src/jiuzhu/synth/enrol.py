"""The synthetic district's enrolment rules: a deliberately simple stand-in for jiuzhu.rules.

The generator uses these rules to decide who is already enrolled, so that the registry looks like
a working bureau's: most households that meet them are enrolled, none that fail them is (apart
from the planted "enrolled_not_entitled" households). They are NOT the law engine; the real rules
live in jiuzhu.rules and may be stricter or finer (分类施保 add-ons, 渐退期, 单人保, deductions).
Every amount is integer fen and every parameter is read from jiuzhu.rules.law for the month.

低保 (domain.md §4), on what the household DECLARED:
  k            = counted members (共同生活家庭成员)
  income       = the counted categories (wages, business_net, property_net, transfer_net, pension,
                 unemployment_benefit) of counted members, summed over the M months
  eligible     ⇔ k ≥ 1
                 and income < line × k × M            (per-capita monthly average strictly below the line)
                 and assets ≤ N × line × k            (financial assets of counted members; N =
                                                       dibao.property.financial_assets_months)
                 and no vehicle of a counted member other than a disabled person's mobility vehicle
  amount       = (line × k × M − income) // M        (the difference, rounded down to the fen)
  line         = dibao.line.urban or dibao.line.rural in force in the reference month, for every month.

重度残疾人护理补贴: a valid certificate of grade 1 or 2 → disability.care_subsidy_grade_1 / _2.
困难残疾人生活补贴: a valid certificate, Chongqing 户籍, member of an enrolled 低保 household →
  disability.living_subsidy.
特困 (only for households the generator built as 特困: one person aged 60+, no income, no
  assets, no able supporter): tekun.basic_living + the care tier from the self-care assessment
  (0 activities failed → tekun.care.self_reliant, 1-3 → tekun.care.partial, 4-6 → tekun.care.full).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from jiuzhu.rules import law

PARAMETERS = (
    "dibao.line.urban", "dibao.line.rural", "dibao.property.financial_assets_months",
    "disability.care_subsidy_grade_1", "disability.care_subsidy_grade_2", "disability.living_subsidy",
    "tekun.basic_living", "tekun.care.full", "tekun.care.partial", "tekun.care.self_reliant",
)


def _fen(value: Decimal) -> int:
    fen = value * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{value} is not a whole number of fen")
    return int(fen)


@dataclass(frozen=True)
class Law:
    """The parameters in force in the reference month, money in fen."""

    month: str
    values: dict[str, Decimal]

    @classmethod
    def for_month(cls, month: str) -> "Law":
        return cls(month, {name: law.value(name, month) for name in PARAMETERS})

    def fen(self, name: str) -> int:
        return _fen(self.values[name])

    @property
    def assets_months(self) -> int:
        return int(self.values["dibao.property.financial_assets_months"])

    def line_fen(self, urban: np.ndarray) -> np.ndarray:
        return np.where(urban, self.fen("dibao.line.urban"), self.fen("dibao.line.rural")).astype(np.int64)

    def manifest(self) -> dict[str, str]:
        return {name: str(v) for name, v in self.values.items()}


def dibao_eligible(line_fen: np.ndarray, counted: np.ndarray, months: int, income_fen: np.ndarray,
                   assets_fen: np.ndarray, vehicle: np.ndarray, assets_months: int) -> np.ndarray:
    """Per household: meets the synthetic 低保 test (see the module docstring)."""
    return ((counted >= 1) & (income_fen < line_fen * counted * months)
            & (assets_fen <= assets_months * line_fen * counted) & ~vehicle)


def dibao_amount(line_fen: np.ndarray, counted: np.ndarray, months: int, income_fen: np.ndarray) -> np.ndarray:
    """Monthly difference payment in fen: (line − per-capita income) × members, rounded down."""
    return (line_fen * counted * months - income_fen) // months


def tekun_amount(rules: Law, failed_activities: np.ndarray) -> np.ndarray:
    care = np.select([failed_activities == 0, failed_activities <= 3],
                     [rules.fen("tekun.care.self_reliant"), rules.fen("tekun.care.partial")],
                     rules.fen("tekun.care.full"))
    return rules.fen("tekun.basic_living") + care


def care_subsidy(rules: Law, grade: np.ndarray) -> np.ndarray:
    return np.where(grade == 1, rules.fen("disability.care_subsidy_grade_1"),
                    rules.fen("disability.care_subsidy_grade_2")).astype(np.int64)
