"""临时救助: emergency (急难型) and expenditure (支出型) temporary aid."""

import numpy as np
from openfisca_core.periods import MONTH

from jiuzhu.rules.aggregate import floor_times, income_decided
from jiuzhu.rules.entities import Household, Money
from jiuzhu.rules.tri import PASS, TriState, any_of, tri

REF = "《社会救助暂行办法》第四十七条至第四十九条"


class temporary_cap(Money):
    entity = Household
    definition_period = MONTH
    label = "Cap of one temporary-aid payment: the multiple of the 低保 line"
    reference = REF

    def formula(household, period, parameters):
        return floor_times(household("dibao_line", period), parameters(period).temporary.cap_line_multiple)


class temporary_expenditure_need(Money):
    entity = Household
    definition_period = MONTH
    label = "Rigid spending this month beyond what income above the 低保 line can bear"
    reference = REF

    def formula(household, period):
        line, size = household("dibao_line", period), household("dibao_size", period)
        spare = np.maximum(household("dibao_income", period) - line * size, 0)
        return np.maximum(household("rigid_spending_this_month", period) - spare, 0)


class temporary_emergency_test(TriState):
    entity = Household
    definition_period = MONTH
    label = "急难型: an emergency this month (paid first, papers after; local 户籍 not required)"
    reference = REF

    def formula(household, period):
        return tri(household("emergency_need", period) > 0)


class temporary_expenditure_test(TriState):
    entity = Household
    definition_period = MONTH
    label = "支出型: this month's rigid spending exceeds what the household's income above the line can bear"
    reference = REF

    def formula(household, period):
        """Unknown when the spending is not known, or when there is spending and the income that could bear
        it is not known (an unknown income could be higher: the need smaller). No spending: no need."""
        need = household("temporary_expenditure_need", period)
        spends = household("rigid_spending_this_month", period) > 0
        incomes = income_decided(household, period, np.zeros(household.count, dtype=bool)) | ~spends
        return tri(need > 0, household("rigid_spending_known", period) & incomes)


class temporary_state(TriState):
    entity = Household
    definition_period = MONTH
    label = "临时救助: either type applies"
    reference = REF

    def formula(household, period):
        return any_of(household("temporary_emergency_test", period), household("temporary_expenditure_test", period))


class temporary_amount(Money):
    entity = Household
    definition_period = MONTH
    label = "临时救助 amount: the assessed need, up to the cap"
    reference = REF

    def formula(household, period):
        need = household("emergency_need", period) + household("temporary_expenditure_need", period)
        eligible = household("temporary_state", period) == PASS
        return np.where(eligible, np.minimum(need, household("temporary_cap", period)), 0)
