"""残疾人两项补贴: the living subsidy for disabled people in hardship and the care subsidy for the severely disabled.

Each condition is its own variable, so the explanation says which one failed."""

import numpy as np
from openfisca_core.periods import MONTH

from jiuzhu.money import parameter_fen
from jiuzhu.rules.entities import Money, Person
from jiuzhu.rules.tri import PASS, TriState, all_of, negate, tri

REF = "渝民发〔2021〕15号"


class disability_living_gate(TriState):
    entity = Person
    definition_period = MONTH
    label = "Living subsidy (1): holds a disability certificate valid in the month"
    reference = REF

    def formula(person, period):
        return tri(person("disability_grade", period) >= 1)


class disability_living_hukou(TriState):
    entity = Person
    definition_period = MONTH
    label = "Living subsidy (2): 户籍 in Chongqing"
    reference = REF

    def formula(person, period):
        return tri(person("hukou_chongqing", period), person("hukou_known", period))


class disability_living_dibao(TriState):
    entity = Person
    definition_period = MONTH
    label = "Living subsidy (3): member of an eligible 低保 household, or enrolled alone (单人保)"
    reference = REF

    def formula(person, period):
        household_dibao = all_of(person.household("dibao_household_state", period), tri(person("dibao_member", period)))
        return np.maximum(household_dibao, person("single_person_dibao", period))


class disability_living_state(TriState):
    entity = Person
    definition_period = MONTH
    label = "困难残疾人生活补贴: valid certificate, Chongqing 户籍, in a 低保 household (or 单人保)"
    reference = REF

    def formula(person, period):
        return all_of(person("disability_living_gate", period), person("disability_living_hukou", period),
                      person("disability_living_dibao", period))


class disability_living_amount(Money):
    entity = Person
    definition_period = MONTH
    label = "困难残疾人生活补贴 (fen a month)"
    reference = REF

    def formula(person, period, parameters):
        amount = np.int32(parameter_fen(parameters(period).disability.living_subsidy))
        return np.where(person("disability_living_state", period) == PASS, amount, np.int32(0))


class disability_care_gate(TriState):
    entity = Person
    definition_period = MONTH
    label = "Care subsidy (1): a valid grade 1 or 2 disability certificate (no income test)"
    reference = REF

    def formula(person, period):
        grade = person("disability_grade", period)
        return tri((grade >= 1) & (grade <= 2))


class disability_care_not_tekun(TriState):
    entity = Person
    definition_period = MONTH
    label = "Care subsidy (2): not supported as 特困 (its care allowance covers the same need)"
    reference = REF

    def formula(person, period):
        return negate(person("tekun_state", period))


class disability_care_no_injury_care(TriState):
    entity = Person
    definition_period = MONTH
    label = "Care subsidy (3): no work-injury care pay (工伤保险生活护理费)"
    reference = REF

    def formula(person, period):
        return tri(~person("receives_work_injury_care", period))


class disability_care_state(TriState):
    entity = Person
    definition_period = MONTH
    label = "重度残疾人护理补贴: grade 1 or 2, no income test; not with 特困 care or work-injury care pay"
    reference = REF

    def formula(person, period):
        return all_of(person("disability_care_gate", period), person("disability_care_not_tekun", period),
                      person("disability_care_no_injury_care", period))


class disability_care_amount(Money):
    entity = Person
    definition_period = MONTH
    label = "重度残疾人护理补贴 (fen a month)"
    reference = REF

    def formula(person, period, parameters):
        """Small amounts: int32 until OpenFisca casts the result to int64 once."""
        p = parameters(period).disability
        amount = np.where(person("disability_grade", period) == 1, np.int32(parameter_fen(p.care_subsidy_grade_1)),
                          np.int32(parameter_fen(p.care_subsidy_grade_2)))
        return np.where(person("disability_care_state", period) == PASS, amount, np.int32(0))
