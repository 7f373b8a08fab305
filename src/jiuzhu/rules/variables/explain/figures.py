"""Figures shown in explanations. Decisions never read these: the tests compare totals in whole fen;
per-person figures are for people, rounded half up to the fen."""

import numpy as np
from openfisca_core.periods import MONTH
from openfisca_core.variables import Variable

from jiuzhu.money import parameter_fen
from jiuzhu.rules.aggregate import ceil_div, floor_times, fraction, halves_up
from jiuzhu.rules.entities import Household, Money


class dibao_income_per_capita(Money):
    entity = Household
    definition_period = MONTH
    label = "家庭人均月收入 shown to people (rounded half up to the fen)"

    def formula(household, period):
        return halves_up(household("dibao_income", period), household("dibao_size", period))


class dibao_assets_per_capita(Money):
    entity = Household
    definition_period = MONTH
    label = "人均金融资产 shown to people"

    def formula(household, period):
        return halves_up(household("dibao_financial_assets", period), household("dibao_size", period))


class dibao_assets_limit_per_capita(Money):
    entity = Household
    definition_period = MONTH
    label = "Financial-asset limit per person"

    def formula(household, period, parameters):
        return floor_times(household("dibao_line", period), parameters(period).dibao.property.financial_assets_months)


class margin_multiple(Variable):
    value_type = float
    entity = Household
    definition_period = MONTH
    label = "Margin income multiple"

    def formula(household, period, parameters):
        return np.full(household.count, parameters(period).margin.income_multiple)


class margin_limit(Money):
    entity = Household
    definition_period = MONTH
    label = "Margin income limit per person (the smallest income per person that is not below it, in fen)"

    def formula(household, period, parameters):
        num, den = fraction(parameters(period).margin.income_multiple)
        return ceil_div(household("dibao_line", period) * num, den)


class rigid_income_limit(Money):
    entity = Household
    definition_period = MONTH
    label = "Last year's per-capita disposable income, per month"

    def formula_2024_10_01(household, period, parameters):
        p = parameters(period).rigid.disposable_income
        yearly = np.where(household("is_urban", period), parameter_fen(p.urban), parameter_fen(p.rural))
        return halves_up(yearly, 12)


class rigid_share_percent(Variable):
    value_type = float
    entity = Household
    definition_period = MONTH
    label = "Rigid-spending share, percent"

    def formula_2024_10_01(household, period, parameters):
        num, den = fraction(parameters(period).rigid.spending_share)
        return np.full(household.count, 100 * num / den)
