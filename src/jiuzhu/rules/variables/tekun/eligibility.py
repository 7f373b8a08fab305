"""特困人员救助供养: the three conditions, the self-care tier and the amount."""

import numpy as np
from openfisca_core.indexed_enums import Enum
from openfisca_core.periods import MONTH
from openfisca_core.variables import Variable

from jiuzhu.money import parameter_fen
from jiuzhu.rules.aggregate import floor_times
from jiuzhu.rules.entities import ChildAllowanceRule, Household, Money, Person
from jiuzhu.rules.tri import PASS, TriState, all_of, negate, states, tri

REF = "《社会救助暂行办法》第十四条；《特困人员认定办法》(民发〔2021〕43号)"
CONDITIONS = ("tekun_category", "tekun_no_working_ability", "tekun_own_income_test", "tekun_own_assets_test",
              "tekun_no_able_supporter", "tekun_not_child_allowance", "tekun_self_care_known")


class tekun_category(TriState):
    entity = Person
    definition_period = MONTH
    label = "Aged 60+, disabled, or a minor (under 16; under 18 in school)"
    reference = "《特困人员认定办法》第二条"

    def formula(person, period, parameters):
        p = parameters(period).tekun
        a = person("age", period)
        minor = (a < p.working_ability.child_age) | ((a < p.student_age) & person("in_school", period))
        return tri((a >= p.working_ability.elderly_age) | (person("disability_grade", period) >= 1) | minor)


class tekun_no_working_ability(TriState):
    entity = Person
    definition_period = MONTH
    label = "No working ability (60+, under 16, under 18 in school, or the disability grades of art. 7)"
    reference = "《特困人员认定办法》第七条、第五条"

    def formula(person, period, parameters):
        """A minor aged 16 or 17 still in school is treated as a minor without working ability (art. 5)."""
        student = (person("age", period) < parameters(period).tekun.student_age) & person("in_school", period)
        return tri(person("unable_to_work", period) | student)


class tekun_assets_limit(Money):
    entity = Household
    definition_period = MONTH
    label = "特困 financial-asset limit of each member: months of the household's 低保 line"
    reference = "《特困人员认定办法》第九条"

    def formula(household, period, parameters):
        months = parameters(period).tekun.property.financial_assets_months
        return floor_times(household("dibao_line", period), months)


class tekun_own_income_test(TriState):
    entity = Person
    definition_period = MONTH
    label = "No source of living (1): own counted income below the 低保 line"
    reference = "《特困人员认定办法》第九条"

    def formula(person, period):
        below = person("counted_income", period) < person.household("dibao_line", period)
        return tri(below, person("income_known", period))


class tekun_own_assets_test(TriState):
    entity = Person
    definition_period = MONTH
    label = "No source of living (2): own financial assets within the 特困 limit"
    reference = "《特困人员认定办法》第九条"

    def formula(person, period):
        within = person("financial_assets", period) <= person.household("tekun_assets_limit", period)
        return tri(within, person("assets_known", period))


class tekun_no_means(TriState):
    entity = Person
    definition_period = MONTH
    label = "No source of living: own income below the 低保 line and assets within the 特困 limit"
    reference = "《特困人员认定办法》第九条"

    def formula(person, period):
        return all_of(person("tekun_own_income_test", period), person("tekun_own_assets_test", period))


class tekun_no_able_supporter(TriState):
    entity = Person
    definition_period = MONTH
    label = "No legal supporter, or none able to support"
    reference = "《特困人员认定办法》第十条、第十一条"

    def formula(person, period):
        return tri(~person("has_able_supporter", period), person("supporters_known", period))


class tekun_standard_amount(Money):
    entity = Person
    definition_period = MONTH
    label = "What 特困 would pay the person: basic living plus the care allowance of their tier"

    def formula(person, period, parameters):
        return parameter_fen(parameters(period).tekun.basic_living) + person("tekun_care_tier_allowance", period)


class tekun_not_child_allowance(TriState):
    entity = Person
    definition_period = MONTH
    label = "Not paid the orphan or unsupported-child allowance instead (就高: the higher of the two)"
    reference = "《特困人员认定办法》第十六条；民发〔2019〕62号"

    def formula(person, period, parameters):
        """A child who meets both 特困 and a child allowance is paid one (就高, the default of
        ``orphan.with_dibao_or_tekun``): the child allowance when its standard is at least what 特困 would
        pay, otherwise 特困. With both paid (0) or a top-up (补差, 2), 特困 is not excluded here."""
        out = states(person.count)
        if ChildAllowanceRule.of(parameters(period)) != ChildAllowanceRule.HIGHER:
            return out
        entitled = person("child_allowance_entitled", period)
        rows = np.flatnonzero(entitled)  # the few children who may be due a child allowance
        if len(rows):
            higher = person("child_allowance_standard", period)[rows] >= person("tekun_standard_amount", period)[rows]
            out[rows] = np.where(higher, negate(entitled[rows]), PASS)
        return out


class tekun_state(TriState):
    entity = Person
    definition_period = MONTH
    label = "特困: 2 eligible, 1 needs information, 0 not eligible"
    reference = REF

    def formula(person, period):
        return all_of(*(person(v, period) for v in CONDITIONS))


class tekun_eligible(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Eligible for 特困 (all conditions pass)"

    def formula(person, period):
        return person("tekun_state", period) == PASS


class tekun_self_care_known(TriState):
    entity = Person
    definition_period = MONTH
    label = "A self-care assessment exists (it sets the care allowance)"
    reference = "《特困人员认定办法》(民发〔2021〕43号)"

    def formula(person, period):
        return tri(True, person("self_care_assessed", period))


class CareTier(Enum):
    self_reliant = "全自理"
    partly_dependent = "半护理"
    fully_dependent = "全护理"


CARE_TIER_EN = {CareTier.self_reliant: "self-reliant", CareTier.partly_dependent: "partly dependent",
                CareTier.fully_dependent: "fully dependent"}


class tekun_care_tier(Variable):
    value_type = Enum
    possible_values = CareTier
    default_value = CareTier.self_reliant
    entity = Person
    definition_period = MONTH
    label = "照料护理 tier from the six-activity assessment"
    reference = "特困人员生活自理能力评估"

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


class tekun_care_tier_allowance(Money):
    entity = Person
    definition_period = MONTH
    label = "照料护理补贴 of the person's tier, whether or not they are 特困 (fen a month)"

    def formula(person, period, parameters):
        return _care_by_tier(parameters(period).tekun.care)[np.asarray(person("tekun_care_tier", period))]


def _care_by_tier(p) -> np.ndarray:
    """Fen a month, looked up by the tier's index (int32: small amounts, cast to int64 once as results)."""
    by_tier = np.zeros(len(CareTier), dtype=np.int32)
    by_tier[[CareTier.fully_dependent.index, CareTier.partly_dependent.index, CareTier.self_reliant.index]] = \
        [parameter_fen(p.full), parameter_fen(p.partial), parameter_fen(p.self_reliant)]
    return by_tier


class tekun_care_allowance(Money):
    entity = Person
    definition_period = MONTH
    label = "照料护理补贴 (fen a month)"

    def formula(person, period, parameters):
        """Looked up for the few people eligible only."""
        out = np.zeros(person.count, dtype=np.int64)
        rows = np.flatnonzero(person("tekun_eligible", period))
        if len(rows):
            tiers = np.asarray(person("tekun_care_tier", period))[rows]
            out[rows] = _care_by_tier(parameters(period).tekun.care)[tiers]
        return out


class tekun_amount(Money):
    entity = Person
    definition_period = MONTH
    label = "特困 support: basic living standard plus care allowance (fen a month)"

    def formula(person, period, parameters):
        out = person("tekun_care_allowance", period).copy()
        out[person("tekun_eligible", period)] += parameter_fen(parameters(period).tekun.basic_living)
        return out
