"""低保: the household's counted income (家庭收入核算)."""

import numpy as np
from openfisca_core.periods import MONTH

from jiuzhu.money import parameter_fen
from jiuzhu.rules.entities import Money, Person

COUNTED = ("income_wages", "income_business", "income_property", "income_transfer", "income_pension",
           "income_unemployment")


class counted_income(Money):
    entity = Person
    definition_period = MONTH
    label = "Income that counts for 低保 (fen a month)"
    reference = "《最低生活保障审核确认办法》(民发〔2021〕57号)第十条、第十一条"

    def formula(person, period, parameters):
        """Wages, net business, net property and net transfer income, pensions and unemployment benefit count;
        优抚 payments, family-planning awards, scholarships, bravery awards, assistance cash and the central
        basic pension are never given to the rules (art. 11: not counted). Necessary employment costs are
        deducted from wages (art. 11), never below zero."""
        wages = person("income_wages", period)
        total = wages.copy()  # int64: six inputs of at most 2⁵⁰ fen each, added in one buffer
        for name in COUNTED[1:]:
            np.add(total, person(name, period), out=total)
        deduction = parameter_fen(parameters(period).dibao.income.employment_cost_deduction)
        if deduction:
            total -= np.minimum(wages, deduction)
        return total
