"""Age and working ability."""

import numpy as np
from openfisca_core.periods import MONTH
from openfisca_core.variables import Variable

from jiuzhu.rules.entities import Household, Person


class age(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Age in whole years on the last day of the month"

    def formula(person, period):
        born = person("birth_date", period)
        end = np.array([str(period.stop)], dtype="datetime64[D]")
        years = end.astype("datetime64[Y]").astype(int) - born.astype("datetime64[Y]").astype(int)
        before_birthday = _month_day(born) > _month_day(end)
        return years - before_birthday


def _month_day(dates):
    months = dates.astype("datetime64[M]").astype(int) % 12
    days = (dates - dates.astype("datetime64[M]")).astype(int)
    return months * 100 + days


class unable_to_work(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Has no working ability (无劳动能力) in the sense of 特困 recognition"
    reference = "《特困人员认定办法》(民发〔2021〕43号) 第七条"

    def formula(person, period, parameters):
        p = parameters(period).tekun.working_ability
        a = person("age", period)
        grade = person("disability_grade", period)
        cat = person("disability_category", period)
        C = cat.possible_values
        by_disability = (
            (((cat == C.intellectual) | (cat == C.mental)) & (grade >= 1) & (grade <= p.intellectual_mental_max_grade))
            | ((cat == C.physical) & (grade >= 1) & (grade <= p.physical_max_grade))
            | ((cat == C.visual) & (grade >= 1) & (grade <= p.visual_max_grade))
            | ((cat == C.multiple) & (grade >= 1) & (grade <= p.physical_max_grade))
        )
        return (a >= p.elderly_age) | (a < p.child_age) | by_disability


class household_size(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "Number of counted members (共同生活家庭成员)"

    def formula(household, period):
        return household.sum(household.members("is_counted_member", period))
