"""The simplified 低保 test the generator builds its PLANTED households with (not the law engine).

Natural households are enrolled by the real rules (jiuzhu.rules, in jiuzhu.synth.enrol_by_rules).
This module remains for the planted construction: the generator checks that the entitled, boundary
and wrongly enrolled households meet (or fail) this test as built, gives the ``declared_differs``
truth rows their answer on the departments' data with it, and writes the planted households'
enrolments (the care subsidy amounts). Every amount is integer fen and every parameter is read
from jiuzhu.rules.law for the month. The planted construction is chosen so that jiuzhu.rules
decides those households the same way (tests/synth/test_planted_against_rules.py).

低保 (domain.md §4), on what the household DECLARED:
  k            = counted members (共同生活家庭成员)
  income       = the counted categories (wages, business_net, property_net, transfer_net, pension,
                 unemployment_benefit) of counted members, summed over the M months
  eligible     ⇔ k ≥ 1
                 and income < line × k × M            (per-capita monthly average strictly below the line)
                 and assets ≤ N × line × k            (financial assets of counted members; N =
                                                       dibao.property.financial_assets_months)
                 and no vehicle of a counted member other than a disabled person's mobility vehicle
  line         = dibao.line.urban or dibao.line.rural in force in the reference month, for every month.

重度残疾人护理补贴: a valid certificate of grade 1 or 2 → disability.care_subsidy_grade_1 / _2.
困难残疾人生活补贴: disability.living_subsidy.
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


def care_subsidy(rules: Law, grade: np.ndarray) -> np.ndarray:
    return np.where(grade == 1, rules.fen("disability.care_subsidy_grade_1"),
                    rules.fen("disability.care_subsidy_grade_2")).astype(np.int64)
