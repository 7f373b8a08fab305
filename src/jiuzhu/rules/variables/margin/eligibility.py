"""低保边缘家庭 (margin households)."""

from openfisca_core.periods import MONTH

from jiuzhu.rules.aggregate import ceil_div, fraction, income_decided
from jiuzhu.rules.entities import Household
from jiuzhu.rules.tri import TriState, all_of, negate, tri

REF = "《关于加强低收入人口动态监测做好分层分类社会救助工作的意见》(国办发〔2023〕39号)"


class margin_not_dibao(TriState):
    entity = Household
    definition_period = MONTH
    label = "The household does not qualify for 低保 as a whole"
    reference = REF

    def formula(household, period):
        return negate(household("dibao_household_state", period))


class margin_income_test(TriState):
    entity = Household
    definition_period = MONTH
    label = "家庭人均月收入 below the margin multiple of the 低保 line"
    reference = REF

    def formula(household, period, parameters):
        """income < multiple × line × size, as income < ⌈num × line × size / den⌉ with the multiple's exact
        fraction: no product of the income, so no overflow."""
        num, den = fraction(parameters(period).margin.income_multiple)
        income, line, size = (household(v, period) for v in ("dibao_income", "dibao_line", "dibao_size"))
        passes = (income < ceil_div(num * line * size, den)) & (size > 0)
        return tri(passes, income_decided(household, period, passes))


class margin_state(TriState):
    entity = Household
    definition_period = MONTH
    label = "低保边缘家庭: not 低保, income below the margin limit, property within the 低保 limits"
    reference = REF

    def formula(household, period):
        return all_of(household("margin_not_dibao", period), household("margin_income_test", period),
                      household("dibao_property_test", period))
