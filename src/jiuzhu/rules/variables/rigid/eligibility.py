"""刚性支出困难家庭 (households made poor by rigid spending)."""

import numpy as np
from openfisca_core.periods import MONTH
from openfisca_core.variables import Variable

from jiuzhu.money import parameter_fen
from jiuzhu.rules.aggregate import known_for_dibao_members
from jiuzhu.rules.entities import Household
from jiuzhu.rules.tri import all_of, negate, tri

REF = "《刚性支出困难家庭认定办法》(2024-10)"


class rigid_income_test(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "家庭人均月收入 below last year's local per-capita disposable income (per month)"
    reference = REF

    def formula_2024_10_01(household, period, parameters):
        """The recognition of rigid-spending households starts with the 2024-10 measures."""
        p = parameters(period).rigid.disposable_income
        yearly = np.where(household("is_urban", period), parameter_fen(p.urban), parameter_fen(p.rural))
        # Gross income: the 低保 deduction of medical costs would count the same spending twice here.
        income, size = household("dibao_gross_income", period), household("dibao_size", period)
        passes = income.astype(np.int64) * 12 < yearly.astype(np.int64) * size
        known = known_for_dibao_members(household, period, "income_known")
        return tri(passes & (size > 0), known)


class rigid_spending_test(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "Rigid spending over the last 12 months above the share of household income"
    reference = REF

    def formula_2024_10_01(household, period, parameters):
        share = parameters(period).rigid.spending_share
        spending = household("rigid_spending_12_months", period).astype(np.int64)
        yearly_income = household("dibao_gross_income", period).astype(np.int64) * 12
        return tri(spending * 100 > np.round(share * 100).astype(np.int64) * yearly_income,
                   household("rigid_spending_known", period))


class rigid_state(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "刚性支出困难家庭: not 低保 nor margin, low income, high rigid spending"
    reference = REF

    def formula_2024_10_01(household, period):
        return all_of(negate(household("dibao_state", period)), negate(household("margin_state", period)),
                      household("rigid_income_test", period), household("rigid_spending_test", period))
