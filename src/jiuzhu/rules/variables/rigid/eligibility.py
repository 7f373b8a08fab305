"""刚性支出困难家庭 (households made poor by rigid spending)."""

import numpy as np
from openfisca_core.periods import MONTH

from jiuzhu.money import parameter_fen
from jiuzhu.rules.aggregate import ceil_div, fraction, known_for_dibao_members
from jiuzhu.rules.entities import Household
from jiuzhu.rules.tri import TriState, all_of, any_of, negate, tri

REF = "《刚性支出困难家庭认定办法》(2024年10月)"


class rigid_not_dibao_nor_margin(TriState):
    entity = Household
    definition_period = MONTH
    label = "Neither 低保 (as a whole or through a member alone) nor a 低保边缘 (margin) household"
    reference = REF

    def formula_2024_10_01(household, period):
        """One condition, not two: a household below the margin limit with its property within the limits is
        低保 or margin, whichever it is — definitely excluded even when which one waits on a fact."""
        margin_or_better = all_of(household("margin_income_test", period), household("dibao_property_test", period))
        return negate(any_of(household("dibao_qualified_state", period), margin_or_better))


class rigid_income_test(TriState):
    entity = Household
    definition_period = MONTH
    label = "家庭人均月收入 below last year's local per-capita disposable income (per month)"
    reference = REF

    def formula_2024_10_01(household, period, parameters):
        """The recognition of rigid-spending households starts with the 2024-10 measures. Gross income: the
        低保 deduction of medical costs would count the same spending twice here, so rigid spending being
        unknown does not make this test unknown. income × 12 < yearly × size ⇔ income < ⌈yearly × size / 12⌉."""
        p = parameters(period).rigid.disposable_income
        yearly = np.where(household("is_urban", period), parameter_fen(p.urban), parameter_fen(p.rural))
        income, size = household("dibao_gross_income", period), household("dibao_size", period)
        passes = (income < ceil_div(yearly * size, 12)) & (size > 0)
        return tri(passes, known_for_dibao_members(household, period, "income_known"))


class rigid_spending_test(TriState):
    entity = Household
    definition_period = MONTH
    label = "Rigid spending over the last 12 months above the share of household income"
    reference = REF

    def formula_2024_10_01(household, period, parameters):
        """spending > share × 12 × income, written as income < ⌈spending × den / (12 × num)⌉ for the share's
        exact fraction num/den (no product of the income). Unknown when the spending is not known, or when
        a member's income is not known and there is spending to weigh against it."""
        num, den = fraction(parameters(period).rigid.spending_share)
        spending = household("rigid_spending_12_months", period)
        income = household("dibao_gross_income", period)
        passes = income < ceil_div(spending * den, 12 * num) if num else spending > 0
        incomes = known_for_dibao_members(household, period, "income_known") | (spending <= 0)
        return tri(passes, household("rigid_spending_known", period) & incomes)


class rigid_state(TriState):
    entity = Household
    definition_period = MONTH
    label = "刚性支出困难家庭: not 低保 nor margin, low income, high rigid spending"
    reference = REF

    def formula_2024_10_01(household, period):
        return all_of(household("rigid_not_dibao_nor_margin", period),
                      household("rigid_income_test", period), household("rigid_spending_test", period))
