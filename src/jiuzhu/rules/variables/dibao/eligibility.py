"""低保: who is in the household for the test, the line, and each condition (passed, failed or unknown)."""

import numpy as np
from openfisca_core.periods import MONTH
from openfisca_core.variables import Variable

from jiuzhu.money import parameter_fen
from jiuzhu.rules.aggregate import any_member, best_state, dibao_members_sum, known_for_dibao_members
from jiuzhu.rules.entities import Household, Person
from jiuzhu.rules.tri import all_of, tri

REF = "《社会救助暂行办法》(国务院令第649号) 第九条; 渝府办发〔2022〕128号"


class dibao_member(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Counted in the 低保 household: a counted member who is not supported as 特困"
    reference = "《社会救助暂行办法》第十四条 (特困 and 低保 are not paid to the same person)"

    def formula(person, period):
        return person("is_counted_member", period) & ~person("tekun_eligible", period)


class dibao_size(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "Members of the 低保 household"

    def formula(household, period):
        return household.sum(household.members("dibao_member", period))


class dibao_line(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    unit = "fen"
    label = "低保标准 for the household: urban or rural line, fen per person per month"
    reference = "渝民规〔2025〕6号 and earlier notices (parameters dibao.line)"

    def formula(household, period, parameters):
        line = parameters(period).dibao.line
        return np.where(household("is_urban", period), parameter_fen(line.urban), parameter_fen(line.rural))


class dibao_gross_income(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    unit = "fen"
    label = "Counted income of the 低保 household's members, before deductions (fen)"

    def formula(household, period):
        return dibao_members_sum(household, period, "counted_income")


class dibao_income(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    unit = "fen"
    label = "家庭月收入 of the 低保 household, less deductible rigid spending (fen)"
    reference = "《最低生活保障审核确认办法》(民发〔2021〕57号) 第十一条"

    def formula(household, period, parameters):
        share = parameters(period).dibao.income.rigid_deduction_share
        deduction = np.floor(household("rigid_medical_rehabilitation", period) * share)
        return np.maximum(household("dibao_gross_income", period) - deduction, 0)


class dibao_income_test(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "家庭人均月收入 below the 低保 line (strictly)"
    reference = "《社会救助暂行办法》第九条"

    def formula(household, period):
        # per-capita income < line  ⇔  income < line × size, in whole fen: no division, no rounding.
        income, line, size = (household(v, period) for v in ("dibao_income", "dibao_line", "dibao_size"))
        return tri(income.astype(np.int64) < line.astype(np.int64) * size,
                   known_for_dibao_members(household, period, "income_known"))


class dibao_financial_assets(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    unit = "fen"
    label = "Financial assets of the 低保 household's members (fen; capped at the 32-bit limit, far above any limit)"

    def formula(household, period):
        return np.minimum(dibao_members_sum(household, period, "financial_assets"), np.iinfo(np.int32).max)


class dibao_assets_test(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "人均金融资产 within the limit (months of the line)"
    reference = "渝府办发〔2022〕128号"

    def formula(household, period, parameters):
        assets = household("dibao_financial_assets", period)
        months = parameters(period).dibao.property.financial_assets_months
        limit = household("dibao_line", period).astype(np.int64) * months * household("dibao_size", period)
        return tri(assets <= limit, known_for_dibao_members(household, period, "assets_known"))


class dibao_vehicle_test(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "No motor vehicle, except a disabled person's mobility vehicle"
    reference = "渝府办发〔2022〕128号"

    def formula(household, period):
        members = household.members
        owns = any_member(household, members("owns_motor_vehicle", period) & members("dibao_member", period))
        return tri(~owns, known_for_dibao_members(household, period, "vehicles_known"))


class dibao_housing_test(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "No second house, unless the per-capita floor area is below the threshold"
    reference = "渝府办发〔2022〕128号"

    def formula(household, period, parameters):
        p = parameters(period).dibao.property
        members = household.members
        mine = members("dibao_member", period)
        houses = household.sum(members("residential_properties", period) * mine)
        area = household.sum(members("residential_floor_area", period) * mine)
        size = np.maximum(household("dibao_size", period), 1)
        passes = (houses <= p.max_residential_properties) | (area < p.second_house_area_per_capita * size)
        return tri(passes, known_for_dibao_members(household, period, "property_known"))


class dibao_business_test(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "Registered business capital within the limit"
    reference = "渝府办发〔2022〕128号"

    def formula(household, period, parameters):
        capital = dibao_members_sum(household, period, "business_capital")
        limit = parameter_fen(parameters(period).dibao.property.business_capital_limit)
        return tri(capital <= limit, known_for_dibao_members(household, period, "business_known"))


class dibao_property_test(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "All property conditions (assets, vehicles, housing, business)"

    def formula(household, period):
        return all_of(*(household(v, period) for v in (
            "dibao_assets_test", "dibao_vehicle_test", "dibao_housing_test", "dibao_business_test")))


class dibao_has_members(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "At least one member to be supported by 低保"

    def formula(household, period):
        return tri(household("dibao_size", period) > 0)


class dibao_in_taper(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "渐退期: enrolled, income above the line through work for no longer than the taper period"
    reference = "《最低生活保障审核确认办法》第三十五条"

    def formula(household, period, parameters):
        months = household("months_above_line_through_work", period)
        within = (months > 0) & (months <= parameters(period).dibao.taper.months)
        return tri(household("dibao_enrolled", period) & within)


class dibao_household_state(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "低保 for the whole household (or its taper): 2 eligible, 1 needs information, 0 not eligible"
    reference = REF

    def formula(household, period):
        regular = all_of(household("dibao_has_members", period), household("dibao_income_test", period),
                         household("dibao_property_test", period))
        taper = all_of(household("dibao_in_taper", period), household("dibao_property_test", period))
        return np.maximum(regular, taper)


class dibao_single_person_any(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "A member is enrolled alone (单人保)"
    reference = "《最低生活保障审核确认办法》第十条"

    def formula(household, period):
        return best_state(household, household.members("single_person_dibao", period))


class dibao_state(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "低保 for the household: the whole household, or a member alone (单人保)"
    reference = REF

    def formula(household, period):
        return np.maximum(household("dibao_household_state", period), household("dibao_single_person_any", period))
