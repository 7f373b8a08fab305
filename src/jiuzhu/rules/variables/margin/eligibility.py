"""低保边缘家庭 (margin households)."""

import numpy as np
from openfisca_core.periods import MONTH
from openfisca_core.variables import Variable

from jiuzhu.rules.aggregate import known_for_dibao_members
from jiuzhu.rules.entities import Household
from jiuzhu.rules.tri import all_of, negate, tri


class margin_income_test(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "家庭人均月收入 below the margin multiple of the 低保 line"
    reference = "国办发〔2023〕39号"

    def formula(household, period, parameters):
        multiple = parameters(period).margin.income_multiple
        income, line, size = (household(v, period) for v in ("dibao_income", "dibao_line", "dibao_size"))
        # income < multiple × line × size, compared in tenths of a fen to stay in integers (multiple has one decimal).
        tenths = np.round(multiple * 10).astype(np.int64)
        passes = income.astype(np.int64) * 10 < tenths * line.astype(np.int64) * size
        known = known_for_dibao_members(household, period, "income_known")
        return tri(passes & (size > 0), known)


class margin_state(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "低保边缘家庭: not 低保, income below the margin limit, property within the 低保 limits"
    reference = "国办发〔2023〕39号"

    def formula(household, period):
        return all_of(negate(household("dibao_household_state", period)), household("margin_income_test", period),
                      household("dibao_property_test", period))
