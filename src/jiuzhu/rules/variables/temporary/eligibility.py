"""临时救助: emergency (急难型) and expenditure (支出型) temporary aid."""

import numpy as np
from openfisca_core.periods import MONTH
from openfisca_core.variables import Variable

from jiuzhu.rules.entities import Household
from jiuzhu.rules.tri import any_of, tri

REF = "《社会救助暂行办法》第四十七条至第四十九条"


class temporary_cap(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    unit = "fen"
    label = "Cap of one temporary-aid payment: the multiple of the 低保 line"
    reference = REF

    def formula(household, period, parameters):
        return household("dibao_line", period) * parameters(period).temporary.cap_line_multiple


class temporary_expenditure_need(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    unit = "fen"
    label = "Rigid spending this month beyond what income above the 低保 line can bear"

    def formula(household, period):
        line, size = household("dibao_line", period), household("dibao_size", period)
        spare = np.maximum(household("dibao_income", period).astype(np.int64) - line.astype(np.int64) * size, 0)
        return np.maximum(household("rigid_spending_this_month", period) - spare, 0)


class temporary_emergency_test(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "急难型: an emergency this month (paid first, papers after; local 户籍 not required)"
    reference = REF

    def formula(household, period):
        return tri(household("emergency_need", period) > 0)


class temporary_expenditure_test(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "支出型: this month's rigid spending exceeds what the household's income above the line can bear"
    reference = REF

    def formula(household, period):
        return tri(household("temporary_expenditure_need", period) > 0, household("rigid_spending_known", period))


class temporary_state(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "临时救助: either type applies"

    def formula(household, period):
        return any_of(household("temporary_emergency_test", period), household("temporary_expenditure_test", period))


class temporary_amount(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    unit = "fen"
    label = "临时救助 amount: the assessed need, up to the cap"

    def formula(household, period):
        need = household("emergency_need", period) + household("temporary_expenditure_need", period)
        eligible = household("temporary_state", period) == 2
        return np.where(eligible, np.minimum(need, household("temporary_cap", period)), 0)
