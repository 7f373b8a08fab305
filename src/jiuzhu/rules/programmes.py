"""What each programme's decision consists of: its state and amount variables and its conditions,
each with the figures shown to a caseworker in Chinese and English.

Templates read figures by name from the evaluated variables; money variables are fen and shown as
yuan with two decimals. ``{op}`` becomes the comparison that held (e.g. ``<`` when an income test
passed, ``≥`` when it failed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jiuzhu.registry.codes import Programme


@dataclass(frozen=True)
class Condition:
    variable: str
    zh: str
    en: str
    ops: tuple[str, str] = ("", "")  # (when passed, when failed)
    figures: tuple[str, ...] = ()  # variables the templates use
    unknown_zh: str = "缺少所需信息，无法判断"
    unknown_en: str = "required information is missing"


@dataclass(frozen=True)
class Spec:
    programme: Programme
    level: str  # "household" or "person"
    state: str
    amount: str | None
    conditions: tuple[Condition, ...]
    gate: str | None = None  # person level: only people passing this condition are listed
    breakdown: tuple[str, ...] = field(default=())


INCOME = Condition(
    "dibao_income_test",
    "家庭人均月收入 {dibao_income_per_capita} 元 {op} 低保标准 {dibao_line} 元",
    "household income per person {dibao_income_per_capita} yuan {op} the 低保 line {dibao_line} yuan",
    ("<", "≥"), ("dibao_income_per_capita", "dibao_line"),
    "家庭成员收入未知（缺少收入申报或核对数据）", "a member's income is not known (no declaration or verification)")
ASSETS = Condition(
    "dibao_assets_test",
    "家庭人均金融资产 {dibao_assets_per_capita} 元 {op} 限额 {dibao_assets_limit_per_capita} 元",
    "financial assets per person {dibao_assets_per_capita} yuan {op} the limit {dibao_assets_limit_per_capita} yuan",
    ("≤", ">"), ("dibao_assets_per_capita", "dibao_assets_limit_per_capita"),
    "家庭金融资产未知", "financial assets are not known")
VEHICLE = Condition("dibao_vehicle_test", "{op}", "{op}",
                    ("无机动车（残疾人功能性代步车除外）", "有机动车（非残疾人代步车）"),
                    unknown_zh="车辆情况未知", unknown_en="vehicles are not known")
HOUSING = Condition("dibao_housing_test", "{op}", "{op}",
                    ("住房符合规定（无第二套住房或人均面积低于标准）", "拥有第二套及以上住房且人均面积不低于标准"),
                    unknown_zh="住房情况未知", unknown_en="real estate is not known")
BUSINESS = Condition("dibao_business_test", "{op}", "{op}",
                     ("无超过限额的工商登记", "登记企业注册资本超过限额"),
                     unknown_zh="工商登记情况未知", unknown_en="business registrations are not known")
MEMBERS = Condition("dibao_has_members", "{op}", "{op}", ("有需低保保障的家庭成员", "家庭成员均已纳入特困供养"))
TAPER = Condition("dibao_in_taper", "{op}", "{op}",
                  ("因就业收入超过低保标准，处于渐退期", "不适用渐退期"))
SINGLE = Condition("dibao_single_person_any", "{op}", "{op}",
                   ("有成员按单人保单独纳入低保", "无成员符合单人保条件"),
                   unknown_zh="单人保所需信息不全", unknown_en="information for 单人保 is missing")

SPECS: tuple[Spec, ...] = (
    Spec(Programme.dibao, "household", "dibao_state", "dibao_amount",
         (MEMBERS, INCOME, ASSETS, VEHICLE, HOUSING, BUSINESS, TAPER, SINGLE),
         breakdown=("dibao_base_share", "dibao_addon", "dibao_person_amount")),
    Spec(Programme.margin, "household", "margin_state", None, (
        Condition("margin_state", "{op}", "{op}", ("不符合低保条件", "符合低保条件")),
        Condition("margin_income_test",
                  "家庭人均月收入 {dibao_income_per_capita} 元 {op} 低保标准的 {margin_multiple} 倍 {margin_limit} 元",
                  "household income per person {dibao_income_per_capita} yuan {op} {margin_multiple} × the line = {margin_limit} yuan",
                  ("<", "≥"), ("dibao_income_per_capita", "margin_multiple", "margin_limit")),
        ASSETS, VEHICLE, HOUSING, BUSINESS)),
    Spec(Programme.rigid_spending, "household", "rigid_state", None, (
        Condition("rigid_income_test",
                  "家庭人均月收入 {dibao_income_per_capita} 元 {op} 上年度人均可支配收入月均 {rigid_income_limit} 元",
                  "household income per person {dibao_income_per_capita} yuan {op} last year's disposable income per person, monthly {rigid_income_limit} yuan",
                  ("<", "≥"), ("dibao_income_per_capita", "rigid_income_limit")),
        Condition("rigid_spending_test",
                  "近12个月刚性支出 {rigid_spending_12_months} 元 {op} 家庭年收入的 {rigid_share_percent}%",
                  "rigid spending over 12 months {rigid_spending_12_months} yuan {op} {rigid_share_percent}% of household income",
                  (">", "≤"), ("rigid_spending_12_months", "rigid_share_percent"),
                  "刚性支出情况未知", "rigid spending is not known"))),
    Spec(Programme.temporary, "household", "temporary_state", "temporary_amount", (
        Condition("temporary_emergency_test", "{op}", "{op}", ("本月发生急难情形（先行救助）", "本月无急难情形")),
        Condition("temporary_expenditure_test",
                  "本月刚性支出超出家庭承受能力 {temporary_expenditure_need} 元（救助上限 {temporary_cap} 元）",
                  "this month's rigid spending exceeds what the household can bear by {temporary_expenditure_need} yuan (cap {temporary_cap} yuan)",
                  ("", ""), ("temporary_expenditure_need", "temporary_cap"),
                  "刚性支出情况未知", "rigid spending is not known"))),
    Spec(Programme.tekun, "person", "tekun_state", "tekun_amount", (
        Condition("tekun_category", "{op}", "{op}", ("属于老年人、残疾人或未成年人", "不属于老年人、残疾人或未成年人")),
        Condition("tekun_no_working_ability", "{op}", "{op}", ("无劳动能力", "有劳动能力")),
        Condition("tekun_no_means", "{op}", "{op}", ("无生活来源（收入低于低保标准、财产符合规定）", "有生活来源"),
                  unknown_zh="本人收入或财产未知", unknown_en="own income or assets are not known"),
        Condition("tekun_no_able_supporter", "{op}", "{op}", ("无法定义务人或义务人无履行能力", "有具备履行能力的法定义务人"),
                  unknown_zh="法定义务人情况未知", unknown_en="legal supporters are not known"),
        Condition("tekun_not_child_allowance", "{op}", "{op}", ("未享受孤儿/事实无人抚养儿童保障", "按孤儿或事实无人抚养儿童标准保障")),
        Condition("tekun_self_care_known", "照料护理等级：{tekun_care_tier}", "care tier: {tekun_care_tier}",
                  figures=("tekun_care_tier",), unknown_zh="缺少生活自理能力评估", unknown_en="no self-care assessment")),
         gate="tekun_category", breakdown=("tekun_care_allowance", "tekun_amount")),
    Spec(Programme.disability_living, "person", "disability_living_state", "disability_living_amount", (
        Condition("disability_living_state", "{op}", "{op}",
                  ("持有效残疾人证、重庆户籍、低保家庭成员", "不满足：有效残疾人证、重庆户籍、低保家庭成员"),
                  unknown_zh="户籍或低保情况未知", unknown_en="户籍 or 低保 status is not known"),), gate="disability_living_gate"),
    Spec(Programme.disability_care, "person", "disability_care_state", "disability_care_amount", (
        Condition("disability_care_state", "{op}", "{op}",
                  ("一、二级残疾，且未享受特困照料护理补贴或工伤护理费", "不满足：一二级残疾且不与特困护理、工伤护理重复"),),),
         gate="disability_care_gate"),
    Spec(Programme.orphan, "person", "orphan_state", "child_allowance_amount", (
        Condition("child_age_test", "{op}", "{op}", ("未满18周岁", "已满18周岁")),
        Condition("orphan_state", "{op}", "{op}", ("父母均已死亡", "父母并非均已死亡"),
                  unknown_zh="父母情况未知", unknown_en="the parents' situation is not known")), gate="child_age_test"),
    Spec(Programme.unsupported_child, "person", "unsupported_child_state", "child_allowance_amount", (
        Condition("child_age_test", "{op}", "{op}", ("未满18周岁", "已满18周岁")),
        Condition("unsupported_child_state", "{op}", "{op}",
                  ("父母双方均符合重残、重病、服刑、失联、被撤销监护资格等情形", "父母有能履行抚养义务的一方"),
                  unknown_zh="父母情况未知", unknown_en="the parents' situation is not known")), gate="child_age_test"),
)

EN_OPS = {
    "有需低保保障的家庭成员": "there are members to support", "家庭成员均已纳入特困供养": "every member is supported as 特困",
    "无机动车（残疾人功能性代步车除外）": "no motor vehicle (a disabled person's mobility vehicle aside)",
    "有机动车（非残疾人代步车）": "owns a motor vehicle",
    "住房符合规定（无第二套住房或人均面积低于标准）": "housing within the rules",
    "拥有第二套及以上住房且人均面积不低于标准": "owns a second house above the floor-area threshold",
    "无超过限额的工商登记": "no business above the capital limit", "登记企业注册资本超过限额": "a business above the capital limit",
    "因就业收入超过低保标准，处于渐退期": "in the taper period after work income rose above the line",
    "不适用渐退期": "no taper period applies",
    "有成员按单人保单独纳入低保": "a member is enrolled alone (单人保)", "无成员符合单人保条件": "no member qualifies to be enrolled alone",
    "不符合低保条件": "not eligible for 低保", "符合低保条件": "eligible for 低保",
    "本月发生急难情形（先行救助）": "an emergency this month (paid first)", "本月无急难情形": "no emergency this month",
    "属于老年人、残疾人或未成年人": "aged, disabled or a minor", "不属于老年人、残疾人或未成年人": "not aged, disabled or a minor",
    "无劳动能力": "no working ability", "有劳动能力": "able to work",
    "无生活来源（收入低于低保标准、财产符合规定）": "no source of living", "有生活来源": "has a source of living",
    "无法定义务人或义务人无履行能力": "no able legal supporter", "有具备履行能力的法定义务人": "has an able legal supporter",
    "未享受孤儿/事实无人抚养儿童保障": "not on the orphan or unsupported-child allowance",
    "按孤儿或事实无人抚养儿童标准保障": "supported by the orphan or unsupported-child allowance instead",
    "持有效残疾人证、重庆户籍、低保家庭成员": "valid certificate, Chongqing 户籍, member of a 低保 household",
    "不满足：有效残疾人证、重庆户籍、低保家庭成员": "not all of: valid certificate, Chongqing 户籍, 低保 household",
    "一、二级残疾，且未享受特困照料护理补贴或工伤护理费": "grade 1 or 2, without 特困 care or work-injury care pay",
    "不满足：一二级残疾且不与特困护理、工伤护理重复": "not grade 1–2, or already on 特困 care or work-injury care pay",
    "未满18周岁": "under 18", "已满18周岁": "18 or over",
    "父母均已死亡": "both parents have died", "父母并非均已死亡": "not both parents have died",
    "父母双方均符合重残、重病、服刑、失联、被撤销监护资格等情形": "both parents unable (disabled, ill, imprisoned, missing, …)",
    "父母有能履行抚养义务的一方": "a parent is able to care",
}
