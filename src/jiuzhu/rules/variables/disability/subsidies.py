"""残疾人两项补贴: the living subsidy for disabled people in hardship and the care subsidy for the severely disabled."""

import numpy as np
from openfisca_core.periods import MONTH
from openfisca_core.variables import Variable

from jiuzhu.money import parameter_fen
from jiuzhu.rules.entities import Person
from jiuzhu.rules.tri import PASS, all_of, negate, tri

REF = "渝民发〔2021〕15号 残疾人两项补贴实施办法"


class disability_living_state(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "困难残疾人生活补贴: Chongqing 户籍, valid certificate, in a 低保 household (or 单人保)"
    reference = REF

    def formula(person, period):
        household_dibao = all_of(person.household("dibao_household_state", period), tri(person("dibao_member", period)))
        in_dibao = np.maximum(household_dibao, person("single_person_dibao", period))
        hukou = tri(person("hukou_chongqing", period), person("hukou_known", period))
        return all_of(tri(person("disability_grade", period) >= 1), hukou, in_dibao)


class disability_living_amount(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    unit = "fen"
    label = "困难残疾人生活补贴 (fen a month)"

    def formula(person, period, parameters):
        amount = parameter_fen(parameters(period).disability.living_subsidy)
        return np.where(person("disability_living_state", period) == PASS, amount, 0)


class disability_care_state(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "重度残疾人护理补贴: grade 1 or 2, no income test; not with 特困 care or work-injury care pay"
    reference = REF

    def formula(person, period):
        grade = person("disability_grade", period)
        no_tekun_care = negate(person("tekun_state", period))
        no_injury_care = tri(~person("receives_work_injury_care", period))
        return all_of(tri((grade >= 1) & (grade <= 2)), no_tekun_care, no_injury_care)


class disability_care_amount(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    unit = "fen"
    label = "重度残疾人护理补贴 (fen a month)"

    def formula(person, period, parameters):
        p = parameters(period).disability
        amount = np.where(person("disability_grade", period) == 1, parameter_fen(p.care_subsidy_grade_1),
                          parameter_fen(p.care_subsidy_grade_2))
        return np.where(person("disability_care_state", period) == PASS, amount, 0)
