"""特困人员救助供养: the three conditions, the self-care tier and the amount."""

import numpy as np
from openfisca_core.indexed_enums import Enum
from openfisca_core.periods import MONTH
from openfisca_core.variables import Variable

from jiuzhu.money import parameter_fen
from jiuzhu.rules.entities import Person
from jiuzhu.rules.tri import PASS, all_of, tri

REF = "《社会救助暂行办法》第十四条; 《特困人员认定办法》(民发〔2021〕43号)"


class tekun_category(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Aged 60+, disabled, or a minor (under 16; under 18 in school)"
    reference = "《特困人员认定办法》第二条"

    def formula(person, period, parameters):
        p = parameters(period).tekun
        a = person("age", period)
        minor = (a < p.working_ability.child_age) | ((a < p.student_age) & person("in_school", period))
        return tri((a >= p.working_ability.elderly_age) | (person("disability_grade", period) >= 1) | minor)


class tekun_no_working_ability(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "No working ability (60+, under 16, under 18 in school, or the disability grades of art. 7)"
    reference = "《特困人员认定办法》第七条; 第五条 (in school: until 18)"

    def formula(person, period, parameters):
        """A minor aged 16 or 17 still in school is treated as a minor without working ability (art. 5)."""
        student = (person("age", period) < parameters(period).tekun.student_age) & person("in_school", period)
        return tri(person("unable_to_work", period) | student)


class tekun_no_means(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "No source of living: own income below the 低保 line and assets within the 特困 limit"
    reference = "《特困人员认定办法》第九条"

    def formula(person, period, parameters):
        line = person.household("dibao_line", period)
        months = parameters(period).tekun.property.financial_assets_months
        income = tri(person("counted_income", period) < line, person("income_known", period))
        assets = tri(person("financial_assets", period).astype(np.int64) <= line.astype(np.int64) * months,
                     person("assets_known", period))
        return all_of(income, assets)


class tekun_no_able_supporter(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "No legal supporter, or none able to support"
    reference = "《特困人员认定办法》第十条、第十一条"

    def formula(person, period):
        return tri(~person("has_able_supporter", period), person("supporters_known", period))


class tekun_not_child_allowance(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Not receiving the orphan or unsupported-child allowance instead"
    reference = "《特困人员认定办法》第十六条"

    def formula(person, period):
        child = np.maximum(person("orphan_state", period), person("unsupported_child_state", period))
        return (2 - child).astype(np.int32)


class tekun_state(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "特困: 2 eligible, 1 needs information, 0 not eligible"
    reference = REF

    def formula(person, period):
        return all_of(*(person(v, period) for v in (
            "tekun_category", "tekun_no_working_ability", "tekun_no_means", "tekun_no_able_supporter",
            "tekun_not_child_allowance", "tekun_self_care_known")))


class tekun_eligible(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Eligible for 特困 (all conditions pass)"

    def formula(person, period):
        return person("tekun_state", period) == PASS


class tekun_self_care_known(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "A self-care assessment exists (it sets the care allowance)"

    def formula(person, period):
        return tri(True, person("self_care_assessed", period))


class CareTier(Enum):
    self_reliant = "全自理"
    partly_dependent = "半护理"
    fully_dependent = "全护理"


class tekun_care_tier(Variable):
    value_type = Enum
    possible_values = CareTier
    default_value = CareTier.self_reliant
    entity = Person
    definition_period = MONTH
    label = "照料护理 tier from the six-activity assessment"
    reference = "特困人员生活自理能力评估 (domain.md §3, §4)"

    def formula(person, period, parameters):
        """4+ activities failed: fully dependent. 1–3 failed, or grade 1–2 intellectual, mental, physical or
        visual disability, or under 16: partly dependent. Otherwise self-reliant."""
        failed = person("self_care_failed_activities", period)
        grade = person("disability_grade", period)
        cat = person("disability_category", period)
        C = cat.possible_values
        four = (cat == C.intellectual) | (cat == C.mental) | (cat == C.physical) | (cat == C.visual)
        partly = (failed >= 1) | (four & (grade >= 1) & (grade <= 2)) | (person("age", period) < 16)
        full = failed >= parameters(period).tekun.care.full_min_failed
        return np.where(full, CareTier.fully_dependent.index,
                        np.where(partly, CareTier.partly_dependent.index, CareTier.self_reliant.index)).astype(np.int16)


class tekun_care_allowance(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    unit = "fen"
    label = "照料护理补贴 (fen a month)"

    def formula(person, period, parameters):
        p = parameters(period).tekun.care
        tier = person("tekun_care_tier", period)
        by_tier = np.zeros(len(CareTier), dtype=np.int32)  # fen a month, looked up by the tier's index
        by_tier[[CareTier.fully_dependent.index, CareTier.partly_dependent.index, CareTier.self_reliant.index]] = \
            [parameter_fen(p.full), parameter_fen(p.partial), parameter_fen(p.self_reliant)]
        return np.where(person("tekun_eligible", period), by_tier[np.asarray(tier)], 0)


class tekun_amount(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    unit = "fen"
    label = "特困 support: basic living standard plus care allowance (fen a month)"

    def formula(person, period, parameters):
        basic = parameter_fen(parameters(period).tekun.basic_living)
        return np.where(person("tekun_eligible", period), basic + person("tekun_care_allowance", period), 0)
