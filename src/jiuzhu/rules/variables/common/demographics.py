"""Age and working ability."""

import numpy as np
from openfisca_core.periods import MONTH
from openfisca_core.variables import Variable

from jiuzhu.rules.aggregate import count_members
from jiuzhu.rules.entities import Household, Person


class age(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Age in whole years on the last day of the month"

    def formula(person, period):
        """Whole years: the number of birthdays on or before the last day of the month. Each birthday is a
        date (the same day k years earlier); ages are looked up in a table with one entry per birth day
        from the oldest birthday to the month's end (about 47,000 entries), made by one sorted search."""
        born = person("birth_date", period).astype("datetime64[D]", copy=False).view(np.int64)  # days since 1970
        stop = period.stop  # computed by the period on every access
        birthdays = np.array(sorted(_years_before(stop, k) for k in range(1, MAX_AGE + 1)),
                             dtype="datetime64[D]").view(np.int64)
        first, last = birthdays[0], np.datetime64(str(stop), "D").view(np.int64)
        table = (MAX_AGE - np.searchsorted(birthdays, np.arange(first, last + 2), side="left")).astype(np.int32)
        # Born before the oldest birthday: MAX_AGE (the table's first entry); born after the month: 0 (its last).
        return table[np.clip(born, first, last + 1) - first]


MAX_AGE = 130


def _years_before(day, k: int) -> str:
    year, month, dom = day.year - k, day.month, day.day
    if month == 2 and dom == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        dom = 28
    return f"{year:04d}-{month:02d}-{dom:02d}"


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
        return count_members(household, household.members("is_counted_member", period))
