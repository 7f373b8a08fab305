"""低保 amounts: the difference payment, 分类施保 add-ons, 单人保, the taper and the child allowance (就高)."""

import numpy as np
from openfisca_core.periods import MONTH
from openfisca_core.variables import Variable

from jiuzhu.money import parameter_fen
from jiuzhu.rules.aggregate import sum_members
from jiuzhu.rules.entities import ChildAllowanceRule, Household, Money, Person
from jiuzhu.rules.tri import PASS, UNKNOWN, TriState, all_of, tri


def _addon(p, grade, age, ill, child):
    """The highest of the severe (grade 1–2, major illness, aged 70+) and child/student add-ons; a disabled
    person also takes the disabled add-on on top (the one allowed stacking)."""
    severe = ((grade >= 1) & (grade <= 2)) | ill | (age >= p.elderly_age)
    fen = lambda yuan: np.int32(parameter_fen(yuan))  # noqa: E731  (small amounts: int32 until the result)
    main = np.maximum(np.where(severe, fen(p.severe_illness_or_aged_70), np.int32(0)),
                      np.where(child, fen(p.child_or_student), np.int32(0)))
    return main + np.where(grade >= 1, fen(p.disabled), np.int32(0))


class dibao_addon(Money):
    entity = Person
    definition_period = MONTH
    label = "分类施保 add-on (fen a month)"
    reference = "重庆市分类施保标准(2018年起，历年通知明确不变)"

    def formula(person, period, parameters):
        """A major illness counts when it is on record: the add-on is granted on a recognised illness, so
        a person whose illness is not recorded is paid without it (``dibao_members_pending`` counts them)."""
        p = parameters(period).dibao.addon
        a = person("age", period)
        return _addon(p, person("disability_grade", period), a, person("major_illness", period),
                      (a < 6) | person("in_school", period))


class dibao_addon_decided(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "The add-on does not depend on an unknown fact (the illness is known, or changes nothing)"

    def formula(person, period, parameters):
        p = parameters(period).dibao.addon
        a, grade = person("age", period), person("disability_grade", period)
        child = (a < 6) | person("in_school", period)
        same = _addon(p, grade, a, True, child) == _addon(p, grade, a, False, child)
        return person("major_illness_known", period) | same


class dibao_difference(Money):
    entity = Household
    definition_period = MONTH
    label = "Difference payment: (line − per-capita income) × members = line × members − income"
    reference = "《社会救助暂行办法》第十二条"

    def formula(household, period):
        line, size, income = (household(v, period) for v in ("dibao_line", "dibao_size", "dibao_income"))
        return np.maximum(line * size - income, 0)


class dibao_base_share(Money):
    entity = Person
    definition_period = MONTH
    label = "This member's share of the difference payment"

    def formula(person, period):
        """The difference split equally in whole fen; the remainder fen go to the first members in order.
        Divided only for the members of households that are paid (64-bit division is slow)."""
        household = person.household.reference_entity  # household-level arrays, read by members below
        mine = person("dibao_member", period)
        paid = (household("dibao_household_state", period) == PASS) & (household("dibao_in_taper", period) != PASS)
        ids = household.members_entity_id
        rows = np.flatnonzero(mine & paid[ids])
        share = np.zeros(person.count, dtype=np.int64)
        if len(rows):
            h = ids[rows]
            quotient, remainder = np.divmod(household("dibao_difference", period)[h],
                                            np.maximum(household("dibao_size", period)[h], 1))
            share[rows] = quotient + (_rank_among(person, mine)[rows] < remainder)
        return share


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


class single_person_dibao(TriState):
    entity = Person
    definition_period = MONTH
    label = "单人保: enrolled alone from a margin household (grade 1–2, grade 3 intellectual/mental, major illness)"
    reference = "《最低生活保障审核确认办法》第十条"

    def formula(person, period):
        """An unknown illness leaves 单人保 unknown, unless the disability qualifies the person anyway."""
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


class dibao_own_amount(Money):
    entity = Person
    definition_period = MONTH
    label = "低保 due for this person before the child-allowance rule: share plus add-on, or 单人保"

    def formula(person, period):
        """Computed for the few people paid (most are not): the rest are 0."""
        household = person.household.reference_entity
        ids = household.members_entity_id
        paid = (household("dibao_household_state", period) == PASS) & (household("dibao_in_taper", period) != PASS)
        regular = person("dibao_member", period) & paid[ids]
        single = (person("single_person_dibao", period) == PASS) & ~regular
        out = person("dibao_base_share", period) + np.where(regular, person("dibao_addon", period), 0)
        rows = np.flatnonzero(single)
        if len(rows):
            own_gap = np.maximum(household("dibao_line", period)[ids[rows]] - person("counted_income", period)[rows], 0)
            out[rows] = own_gap + person("dibao_addon", period)[rows]
        return out


class dibao_replaced_by_child_allowance(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "就高: a child due the child allowance, at least their 低保 amount, is paid it instead of 低保"
    reference = "民发〔2019〕62号"

    def formula(person, period, parameters):
        """The child stays a member of the 低保 household (their income and property count, the allowance is
        not income); only their own share and add-on are not paid."""
        out = np.zeros(person.count, dtype=bool)
        if ChildAllowanceRule.of(parameters(period)) != ChildAllowanceRule.HIGHER:
            return out
        rows = np.flatnonzero(person("child_allowance_entitled", period) == PASS)  # few
        if len(rows):
            out[rows] = person("child_allowance_standard", period)[rows] >= person("dibao_own_amount", period)[rows]
        return out


class dibao_person_amount_decided(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "This person's 低保 amount would not change once the facts not on record are recorded (illness for " \
            "the add-on; under 就高, whether a child allowance is due)"

    def formula(person, period, parameters):
        decided = person("dibao_addon_decided", period)
        if ChildAllowanceRule.of(parameters(period)) != ChildAllowanceRule.HIGHER:
            return decided
        maybe_child = person("child_allowance_entitled", period) == UNKNOWN
        return decided & ~maybe_child


class dibao_person_amount(Money):
    entity = Person
    definition_period = MONTH
    label = "低保 paid for this person: share of the difference plus add-on, or 单人保; 0 when a child is " \
            "paid the child allowance instead (就高)"

    def formula(person, period):
        return np.where(person("dibao_replaced_by_child_allowance", period), 0, person("dibao_own_amount", period))


class dibao_amount(Money):
    entity = Household
    definition_period = MONTH
    label = "低保 paid to the household each month (fen)"

    def formula(household, period):
        """During the taper the amount paid before continues; otherwise the sum of the members' amounts."""
        in_taper = (household("dibao_in_taper", period) == PASS) & (household("dibao_household_state", period) == PASS)
        return np.where(in_taper, household("dibao_current_amount", period),
                        sum_members(household, household.members("dibao_person_amount", period)))
