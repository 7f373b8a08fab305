"""孤儿 and 事实无人抚养儿童: the children's basic living allowance."""

import numpy as np
from openfisca_core.periods import MONTH
from openfisca_core.variables import Variable

from jiuzhu.money import parameter_fen
from jiuzhu.rules.entities import Person
from jiuzhu.rules.tri import PASS, all_of, tri

UNABLE = ("deceased", "missing", "severely_disabled", "seriously_ill", "imprisoned", "guardianship_revoked",
          "deported")


def _parents(person, period):
    father, mother = person("father_status", period), person("mother_status", period)
    values = father.possible_values
    # One parent present and able settles it: neither allowance applies, whatever the other's situation.
    either_present = (father == values.present) | (mother == values.present)
    known = ((father != values.unknown) & (mother != values.unknown)) | either_present
    return father, mother, known


class child_age_test(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Under 18"
    reference = "国办发〔2010〕54号; 民发〔2019〕62号"

    def formula(person, period, parameters):
        return tri(person("age", period) < parameters(period).orphan.age_limit)


class orphan_state(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "孤儿: under 18 and both parents deceased"
    reference = "国办发〔2010〕54号"

    def formula(person, period):
        father, mother, known = _parents(person, period)
        dead = father.possible_values.deceased
        return all_of(person("child_age_test", period), tri((father == dead) & (mother == dead), known))


class unsupported_child_state(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "事实无人抚养儿童: both parents dead, missing, severely disabled, seriously ill, imprisoned, " \
            "stripped of guardianship or deported, not both dead"
    reference = "民发〔2019〕62号 第二条"

    def formula(person, period):
        father, mother, known = _parents(person, period)
        values = father.possible_values
        unable = lambda s: np.isin(s, [values[name].index for name in UNABLE])  # noqa: E731
        dead = values.deceased
        passes = unable(father) & unable(mother) & ~((father == dead) & (mother == dead))
        return all_of(person("child_age_test", period), tri(passes, known))


class child_allowance_amount(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    unit = "fen"
    label = "孤儿 / 事实无人抚养儿童 basic living allowance (fen a month): institution or dispersed standard"
    reference = "渝民规〔2025〕6号 (orphan standards); 民发〔2019〕62号 (参照孤儿标准)"

    def formula(person, period, parameters):
        p = parameters(period).orphan
        standard = np.where(person("in_institution", period), parameter_fen(p.institution), parameter_fen(p.dispersed))
        eligible = (person("orphan_state", period) == PASS) | (person("unsupported_child_state", period) == PASS)
        return np.where(eligible, standard, 0)
