"""低保 amounts: the difference payment, 分类施保 add-ons, 单人保 and the taper."""

import numpy as np
from openfisca_core.periods import MONTH
from openfisca_core.variables import Variable

from jiuzhu.money import parameter_fen
from jiuzhu.rules.entities import Household, Person
from jiuzhu.rules.tri import PASS, all_of, tri


class dibao_addon(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    unit = "fen"
    label = "分类施保 add-on (fen a month)"
    reference = "重庆市分类施保标准 (2018, unchanged since; parameters dibao.addon)"

    def formula(person, period, parameters):
        """The highest of the severe (grade 1–2, major illness, aged 70+) and child/student add-ons;
        a disabled person also takes the disabled add-on on top (the one allowed stacking)."""
        p = parameters(period).dibao.addon
        grade = person("disability_grade", period)
        a = person("age", period)
        severe = ((grade >= 1) & (grade <= 2)) | person("major_illness", period) | (a >= p.elderly_age)
        child = (a < 6) | person("in_school", period)
        main = np.maximum(np.where(severe, parameter_fen(p.severe_illness_or_aged_70), 0),
                          np.where(child, parameter_fen(p.child_or_student), 0))
        return main + np.where(grade >= 1, parameter_fen(p.disabled), 0)


class dibao_difference(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    unit = "fen"
    label = "Difference payment: (line − per-capita income) × members = line × members − income"
    reference = "《社会救助暂行办法》第十二条"

    def formula(household, period):
        line, size, income = (household(v, period) for v in ("dibao_line", "dibao_size", "dibao_income"))
        return np.maximum(line.astype(np.int64) * size - income, 0)


class dibao_base_share(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    unit = "fen"
    label = "This member's share of the difference payment"

    def formula(person, period):
        """The difference split equally in whole fen; the remainder fen go to the first members in order."""
        household = person.household
        mine = person("dibao_member", period)
        size = np.maximum(household("dibao_size", period), 1)
        diff = household("dibao_difference", period)
        rank = _rank_among(person, mine)
        quotient, remainder = np.divmod(diff, size)  # one integer division, not two
        share = quotient + (rank < remainder)
        return np.where(mine & (person.household("dibao_household_state", period) == PASS)
                        & (person.household("dibao_in_taper", period) != PASS), share, 0)


def _rank_among(person, mask):
    """Position of each person among the masked members of their household (0, 1, …), in member order."""
    ids = person.household.members_entity_id
    grouped = getattr(person.household, "grouped_in_member_order", None)  # set by the fast loader
    if grouped is None:
        grouped = bool(np.all(ids[1:] >= ids[:-1])) and _in_member_order(person)
    if grouped:  # masked members before each person, less those before the first member of the household
        flags = mask.astype(np.int32)
        before = np.cumsum(flags, dtype=np.int32) - flags
        return before - before[np.arange(len(flags), dtype=np.int32) - person.household.members_position]
    order = np.lexsort((person.household.members_position, ids))
    flags = mask[order].astype(np.int32)
    sorted_ids = ids[order]
    before = np.cumsum(flags, dtype=np.int32) - flags  # masked members before this one, population-wide
    first = np.r_[True, sorted_ids[1:] != sorted_ids[:-1]]
    rank = before - np.maximum.accumulate(np.where(first, before, 0))
    out = np.empty_like(rank)
    out[order] = rank
    return out


def _in_member_order(person):
    positions = person.household.members_position
    ids = person.household.members_entity_id
    same = ids[1:] == ids[:-1]
    return bool(np.all(positions[1:][same] > positions[:-1][same]))


class single_person_dibao(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "单人保: enrolled alone from a margin household (grade 1–2, grade 3 intellectual/mental, major illness)"
    reference = "《最低生活保障审核确认办法》第十条; Chongqing list open (domain.md §4)"

    def formula(person, period):
        grade = person("disability_grade", period)
        cat = person("disability_category", period)
        C = cat.possible_values
        qualifies = (((grade >= 1) & (grade <= 2))
                     | (((cat == C.intellectual) | (cat == C.mental)) & (grade == 3))
                     | person("major_illness", period))
        household = person.household
        known = person("major_illness_known", period)
        below_line = person("counted_income", period) < household("dibao_line", period)
        own_gap = tri(below_line, person("income_known", period))
        apart = tri(household("dibao_size", period) > 1)  # alone, one has no household to be enrolled apart from
        return all_of(household("margin_state", period), apart, own_gap,
                      tri(qualifies & person("dibao_member", period), known | qualifies))


class dibao_person_amount(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    unit = "fen"
    label = "低保 paid for this person: share of the difference plus add-on, or 单人保"

    def formula(person, period):
        household = person.household
        regular = (household("dibao_household_state", period) == PASS) & (household("dibao_in_taper", period) != PASS)
        mine = person("dibao_member", period)
        addon = person("dibao_addon", period)
        single = person("single_person_dibao", period) == PASS
        own_gap = np.maximum(household("dibao_line", period) - person("counted_income", period), 0)
        return np.where(regular & mine, person("dibao_base_share", period) + addon,
                        np.where(single, own_gap + addon, 0))


class dibao_amount(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    unit = "fen"
    label = "低保 paid to the household each month (fen)"

    def formula(household, period):
        """During the taper the amount paid before continues; otherwise the sum of the members' amounts."""
        in_taper = (household("dibao_in_taper", period) == PASS) & (household("dibao_household_state", period) == PASS)
        return np.where(in_taper, household("dibao_current_amount", period),
                        household.sum(household.members("dibao_person_amount", period)))
