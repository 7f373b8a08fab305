"""低保: who is in the household for the test, the line, and each condition (passed, failed or unknown)."""

import numpy as np
from openfisca_core.periods import MONTH
from openfisca_core.variables import Variable

from jiuzhu.money import parameter_fen
from jiuzhu.rules import aggregate as agg
from jiuzhu.rules.entities import Household, Money, Person
from jiuzhu.rules.tri import TriState, all_of, tri

REF = "《社会救助暂行办法》(国务院令第649号)第九条；渝府办发〔2022〕128号"
PROPERTY_REF = "《重庆市最低生活保障条件认定办法(修订)》(渝府办发〔2022〕128号)"


class dibao_member(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Counted in the 低保 household: a counted member who is not supported as 特困"
    reference = "《社会救助暂行办法》第十四条"

    def formula(person, period):
        """特困 and 低保 are not paid to the same person. A member whose 特困 status needs information stays
        in the 低保 household until found eligible: 特困 is recognised (认定), not presumed."""
        return person("is_counted_member", period) & ~person("tekun_eligible", period)


class dibao_size(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "Members of the 低保 household"

    def formula(household, period):
        return agg.count_members(household, household.members("dibao_member", period))


class dibao_line(Money):
    entity = Household
    definition_period = MONTH
    label = "低保标准 for the household: urban or rural line, fen per person per month"
    reference = "渝民规〔2025〕6号及历年提标通知"

    def formula(household, period, parameters):
        line = parameters(period).dibao.line
        return np.where(household("is_urban", period), parameter_fen(line.urban), parameter_fen(line.rural))


class dibao_gross_income(Money):
    entity = Household
    definition_period = MONTH
    label = "Counted income of the 低保 household's members, before deductions (fen)"

    def formula(household, period):
        return agg.dibao_members_sum(household, period, "counted_income")


class dibao_income(Money):
    entity = Household
    definition_period = MONTH
    label = "家庭月收入 of the 低保 household, less deductible rigid spending (fen)"
    reference = "《最低生活保障审核确认办法》(民发〔2021〕57号)第十一条"

    def formula(household, period, parameters):
        """The deduction is ⌊spending × share⌋ in exact integers (the share's decimal fraction)."""
        share = parameters(period).dibao.income.rigid_deduction_share
        deduction = agg.floor_times(household("rigid_medical_rehabilitation", period), share)
        return np.maximum(household("dibao_gross_income", period) - deduction, 0)


class dibao_income_test(TriState):
    entity = Household
    definition_period = MONTH
    label = "家庭人均月收入 below the 低保 line (strictly)"
    reference = "《社会救助暂行办法》第九条"

    def formula(household, period):
        # per-capita income < line  ⇔  income < line × size, in whole fen: no division, no rounding.
        income, line, size = (household(v, period) for v in ("dibao_income", "dibao_line", "dibao_size"))
        passes = income < line * size
        return tri(passes, agg.income_decided(household, period, passes))


class dibao_financial_assets(Money):
    entity = Household
    definition_period = MONTH
    label = "Financial assets of the 低保 household's members (fen)"

    def formula(household, period):
        return agg.dibao_members_sum(household, period, "financial_assets")


class dibao_assets_test(TriState):
    entity = Household
    definition_period = MONTH
    label = "人均金融资产 within the limit (months of the line)"
    reference = PROPERTY_REF

    def formula(household, period, parameters):
        assets = household("dibao_financial_assets", period)
        months = parameters(period).dibao.property.financial_assets_months
        limit = agg.floor_times(household("dibao_line", period) * household("dibao_size", period), months)
        return tri(assets <= limit, agg.known_for_dibao_members(household, period, "assets_known"))


class dibao_vehicle_test(TriState):
    entity = Household
    definition_period = MONTH
    label = "No motor vehicle, except a disabled person's mobility vehicle"
    reference = PROPERTY_REF

    def formula(household, period):
        members = household.members
        owns = agg.any_member(household, members("owns_motor_vehicle", period) & members("dibao_member", period))
        return tri(~owns, agg.known_for_dibao_members(household, period, "vehicles_known"))


class dibao_housing_test(TriState):
    entity = Household
    definition_period = MONTH
    label = "No second house, unless the per-capita floor area is below the threshold"
    reference = PROPERTY_REF

    def formula(household, period, parameters):
        p = parameters(period).dibao.property
        members = household.members
        mine = members("dibao_member", period)
        houses = household.sum(members("residential_properties", period) * mine)  # counts: exact in float64
        area = household.sum(members("residential_floor_area", period) * mine)
        size = np.maximum(household("dibao_size", period), 1)
        passes = (houses <= p.max_residential_properties) | (area < p.second_house_area_per_capita * size)
        return tri(passes, agg.known_for_dibao_members(household, period, "property_known"))


class dibao_business_test(TriState):
    entity = Household
    definition_period = MONTH
    label = "Registered business capital within the limit"
    reference = PROPERTY_REF

    def formula(household, period, parameters):
        capital = agg.dibao_members_sum(household, period, "business_capital")
        limit = parameter_fen(parameters(period).dibao.property.business_capital_limit)
        return tri(capital <= limit, agg.known_for_dibao_members(household, period, "business_known"))


class dibao_property_test(TriState):
    entity = Household
    definition_period = MONTH
    label = "All property conditions (assets, vehicles, housing, business)"

    def formula(household, period):
        return all_of(*(household(v, period) for v in (
            "dibao_assets_test", "dibao_vehicle_test", "dibao_housing_test", "dibao_business_test")))


class dibao_has_members(TriState):
    entity = Household
    definition_period = MONTH
    label = "At least one member to be supported by 低保"

    def formula(household, period):
        return tri(household("dibao_size", period) > 0)


class dibao_in_taper(TriState):
    entity = Household
    definition_period = MONTH
    label = "渐退期: enrolled, income above the line through work for no longer than the taper period"
    reference = "《最低生活保障审核确认办法》第三十五条"

    def formula(household, period, parameters):
        months = household("months_above_line_through_work", period)
        within = (months > 0) & (months <= parameters(period).dibao.taper.months)
        return tri(household("dibao_enrolled", period) & within)


class dibao_household_state(TriState):
    entity = Household
    definition_period = MONTH
    label = "低保 for the whole household (or its taper): 2 eligible, 1 needs information, 0 not eligible"
    reference = REF

    def formula(household, period):
        regular = all_of(household("dibao_has_members", period), household("dibao_income_test", period),
                         household("dibao_property_test", period))
        taper = all_of(household("dibao_in_taper", period), household("dibao_property_test", period))
        return np.maximum(regular, taper)


class dibao_single_person_any(TriState):
    entity = Household
    definition_period = MONTH
    label = "A member is enrolled alone (单人保)"
    reference = "《最低生活保障审核确认办法》第十条"

    def formula(household, period):
        return agg.best_state(household, household.members("single_person_dibao", period))


class dibao_qualified_state(TriState):
    entity = Household
    definition_period = MONTH
    label = "The household qualifies for 低保, as a whole or through a member alone (before what is paid)"
    reference = REF

    def formula(household, period):
        return np.maximum(household("dibao_household_state", period), household("dibao_single_person_any", period))


class dibao_paid_members(TriState):
    entity = Household
    definition_period = MONTH
    label = "Someone is paid by 低保: not every 低保 member is a child paid the child allowance instead (就高)"
    reference = "《特困人员认定办法》(民发〔2021〕43号)第十六条；民发〔2019〕62号"

    def formula(household, period):
        members = household.members
        covered = members("dibao_member", period) | (members("single_person_dibao", period) != 0)
        return tri(agg.any_member(household, covered & ~members("dibao_replaced_by_child_allowance", period)))


class dibao_children_on_allowance(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "低保 members paid the child allowance instead of their 低保 amount (就高)"

    def formula(household, period):
        return agg.count_members(household, household.members("dibao_replaced_by_child_allowance", period))


class dibao_members_pending(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "Members paid by 低保 whose amount would change once a fact not on record is recorded (a major " \
            "illness for the add-on; under 就高, a child allowance)"
    reference = "重庆市分类施保标准；民发〔2019〕62号"

    def formula(household, period):
        """Amounts follow recognised facts: the 分类施保 add-on is granted on a recognised major illness and a
        child allowance replaces a 低保 share once established, so an amount is paid on what is on record,
        and the explanation names how many members' amounts may still change."""
        members = household.members
        whole = members.household("dibao_household_state", period) != 0
        covered = members("dibao_member", period) & (whole | (members("single_person_dibao", period) != 0))
        return agg.count_members(household, covered & ~members("dibao_person_amount_decided", period))


class dibao_state(TriState):
    entity = Household
    definition_period = MONTH
    label = "低保 for the household: the whole household, or a member alone (单人保), someone being paid"
    reference = REF

    def formula(household, period):
        return all_of(household("dibao_qualified_state", period), household("dibao_paid_members", period))
