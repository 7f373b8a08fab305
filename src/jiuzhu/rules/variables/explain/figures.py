"""Figures shown in explanations. Decisions never read these: the tests compare totals in whole fen;
per-person figures are for people, rounded half up to the fen."""

import numpy as np
from openfisca_core.periods import MONTH
from openfisca_core.variables import Variable

from jiuzhu.money import parameter_fen
from jiuzhu.rules.entities import Household, Person
from jiuzhu.rules.tri import tri


def _per_capita(total, size):
    size = np.maximum(size, 1).astype(np.int64)
    return (2 * total.astype(np.int64) + size) // (2 * size)


class dibao_income_per_capita(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    unit = "fen"
    label = "家庭人均月收入 shown to people (rounded half up to the fen)"

    def formula(household, period):
        return _per_capita(household("dibao_income", period), household("dibao_size", period))


class dibao_assets_per_capita(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    unit = "fen"
    label = "人均金融资产 shown to people"

    def formula(household, period):
        return _per_capita(household("dibao_financial_assets", period), household("dibao_size", period))


class dibao_assets_limit_per_capita(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    unit = "fen"
    label = "Financial-asset limit per person"

    def formula(household, period, parameters):
        return household("dibao_line", period) * parameters(period).dibao.property.financial_assets_months


class margin_multiple(Variable):
    value_type = float
    entity = Household
    definition_period = MONTH
    label = "Margin income multiple"

    def formula(household, period, parameters):
        return household("dibao_line", period) * 0 + parameters(period).margin.income_multiple


class margin_limit(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    unit = "fen"
    label = "Margin income limit per person"

    def formula(household, period, parameters):
        tenths = round(parameters(period).margin.income_multiple * 10)
        return household("dibao_line", period) * tenths // 10


class rigid_income_limit(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    unit = "fen"
    label = "Last year's per-capita disposable income, per month"

    def formula_2024_10_01(household, period, parameters):
        p = parameters(period).rigid.disposable_income
        yearly = np.where(household("is_urban", period), parameter_fen(p.urban), parameter_fen(p.rural))
        return (2 * yearly + 12) // 24


class rigid_share_percent(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "Rigid-spending share, percent"

    def formula_2024_10_01(household, period, parameters):
        return household("dibao_line", period) * 0 + round(parameters(period).rigid.spending_share * 100)


class disability_living_gate(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Holds a valid disability certificate"

    def formula(person, period):
        return tri(person("disability_grade", period) >= 1)


class disability_care_gate(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Holds a valid grade 1 or 2 disability certificate"

    def formula(person, period):
        grade = person("disability_grade", period)
        return tri((grade >= 1) & (grade <= 2))
