"""孤儿 and 事实无人抚养儿童: the children's basic living allowance, and how it meets 低保 and 特困."""

import numpy as np
from openfisca_core.indexed_enums import Enum
from openfisca_core.periods import MONTH
from openfisca_core.variables import Variable

from jiuzhu.money import parameter_fen
from jiuzhu.rules.entities import ChildAllowanceRule, Money, Person
from jiuzhu.rules.tri import PASS, UNKNOWN, TriState, all_of, any_of, states, tri

UNABLE = ("deceased", "missing", "severely_disabled", "seriously_ill", "imprisoned", "guardianship_revoked",
          "deported")
OVERLAP_REF = "民发〔2019〕62号；《特困人员认定办法》第十六条"


def _parents(person, period):
    father, mother = person("father_status", period), person("mother_status", period)
    values = father.possible_values
    # One parent present and able settles it: neither allowance applies, whatever the other's situation.
    either_present = (father == values.present) | (mother == values.present)
    known = ((father != values.unknown) & (mother != values.unknown)) | either_present
    return father, mother, known


class child_age_test(TriState):
    entity = Person
    definition_period = MONTH
    label = "Under 18"
    reference = "国办发〔2010〕54号；民发〔2019〕62号"

    def formula(person, period, parameters):
        return tri(person("age", period) < parameters(period).orphan.age_limit)


class orphan_parents_test(TriState):
    entity = Person
    definition_period = MONTH
    label = "孤儿: both parents deceased"
    reference = "国办发〔2010〕54号"

    def formula(person, period):
        father, mother, known = _parents(person, period)
        dead = father.possible_values.deceased
        return tri((father == dead) & (mother == dead), known)


class unsupported_parents_test(TriState):
    entity = Person
    definition_period = MONTH
    label = "事实无人抚养儿童: both parents dead, missing, severely disabled, seriously ill, imprisoned, " \
            "stripped of guardianship or deported, not both dead"
    reference = "民发〔2019〕62号"

    def formula(person, period):
        father, mother, known = _parents(person, period)
        values = father.possible_values
        unable = lambda s: np.isin(s, [values[name].index for name in UNABLE])  # noqa: E731
        dead = values.deceased
        passes = unable(father) & unable(mother) & ~((father == dead) & (mother == dead))
        return tri(passes, known)


class child_allowance_entitled(TriState):
    entity = Person
    definition_period = MONTH
    label = "Meets the conditions of the orphan or the unsupported-child allowance (before 低保 and 特困 are weighed)"
    reference = "国办发〔2010〕54号；民发〔2019〕62号"

    def formula(person, period):
        age = person("child_age_test", period)
        return any_of(all_of(age, person("orphan_parents_test", period)),
                      all_of(age, person("unsupported_parents_test", period)))


class child_allowance_standard(Money):
    entity = Person
    definition_period = MONTH
    label = "The child allowance's standard for the child's setting: institution or dispersed (fen a month)"
    reference = "渝民规〔2025〕6号；民发〔2019〕62号"

    def formula(person, period, parameters):
        """The unsupported-child allowance follows the orphan standard of the same setting (民发〔2019〕62号)."""
        p = parameters(period).orphan
        return np.where(person("in_institution", period), np.int32(parameter_fen(p.institution)),
                        np.int32(parameter_fen(p.dispersed)))


class ChildAllowanceRuleName(Enum):
    both = "同时领取"
    higher = "就高"
    top_up = "补差"


class child_allowance_rule(Variable):
    value_type = Enum
    possible_values = ChildAllowanceRuleName
    default_value = ChildAllowanceRuleName.higher
    entity = Person
    definition_period = MONTH
    label = "The rule in force where a child allowance meets 低保 or 特困 (parameter orphan.with_dibao_or_tekun)"

    def formula(person, period, parameters):
        return np.full(person.count, ChildAllowanceRule.of(parameters(period)), dtype=np.int16)


class child_other_assistance(Money):
    entity = Person
    definition_period = MONTH
    label = "What 低保 or 特困 pays the child before the child-allowance rule (fen a month)"

    def formula(person, period):
        return person("tekun_amount", period) + person("dibao_own_amount", period)


class child_allowance_kept(TriState):
    entity = Person
    definition_period = MONTH
    label = "The child allowance is paid beside 低保 or 特困 under the rule in force (就高 by default)"
    reference = OVERLAP_REF

    def formula(person, period, parameters):
        """就高: paid unless 低保 or 特困 pays the child more; 补差: paid when 低保 or 特困 pays less than the
        standard (the difference); both paid: always. Unknown when the other programme needs information
        and could pay more than the allowance (特困: its full amount; 低保: the line plus the add-on)."""
        rule = ChildAllowanceRule.of(parameters(period))
        out = states(person.count)
        rows = np.flatnonzero(person("child_allowance_entitled", period))  # the few children it may concern
        if rule == ChildAllowanceRule.BOTH or not len(rows):
            return out
        standard = person("child_allowance_standard", period)[rows]
        other = person("tekun_amount", period)[rows] + person("dibao_own_amount", period)[rows]
        passes = other < standard if rule == ChildAllowanceRule.TOP_UP else other <= standard
        household = person.household.reference_entity
        h = household.members_entity_id[rows]
        undecided = (household("dibao_household_state", period)[h] == UNKNOWN) | \
            (person("single_person_dibao", period)[rows] == UNKNOWN)
        dibao_open = person("dibao_member", period)[rows] & undecided
        could_dibao = household("dibao_line", period)[h] + person("dibao_addon", period)[rows] > standard
        tekun_open = person("tekun_state", period)[rows] == UNKNOWN
        if tekun_open.any():
            tekun_open &= person("tekun_standard_amount", period)[rows] > standard
        out[rows] = tri(passes, ~((dibao_open & could_dibao) | tekun_open))
        return out


class orphan_state(TriState):
    entity = Person
    definition_period = MONTH
    label = "孤儿 allowance: under 18, both parents deceased, not paid more by 低保 or 特困 (the rule in force)"
    reference = "国办发〔2010〕54号"

    def formula(person, period):
        return all_of(person("child_age_test", period), person("orphan_parents_test", period),
                      person("child_allowance_kept", period))


class unsupported_child_state(TriState):
    entity = Person
    definition_period = MONTH
    label = "事实无人抚养儿童 allowance: under 18, both parents unable (not both dead), not paid more by 低保 or " \
            "特困 (the rule in force)"
    reference = "民发〔2019〕62号"

    def formula(person, period):
        return all_of(person("child_age_test", period), person("unsupported_parents_test", period),
                      person("child_allowance_kept", period))


class child_allowance_amount(Money):
    entity = Person
    definition_period = MONTH
    label = "孤儿 / 事实无人抚养儿童 basic living allowance paid (fen a month): the standard, or under 补差 the " \
            "difference up to it"
    reference = "渝民规〔2025〕6号；民发〔2019〕62号"

    def formula(person, period, parameters):
        """For the few children paid only."""
        out = np.zeros(person.count, dtype=np.int64)
        rows = np.flatnonzero((person("child_allowance_entitled", period) == PASS)
                              & (person("child_allowance_kept", period) == PASS))
        if len(rows):
            out[rows] = person("child_allowance_standard", period)[rows]
            if ChildAllowanceRule.of(parameters(period)) == ChildAllowanceRule.TOP_UP:
                out[rows] -= person("child_other_assistance", period)[rows]
        return out
