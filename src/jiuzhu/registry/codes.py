"""Closed vocabularies of the registry, each value with its Chinese label.

The English value is what the database and the JSON format store; the Chinese
label is what ledgers (台账) and printed lists show. Ledger import accepts either.
"""

from __future__ import annotations

from enum import StrEnum

from jiuzhu.i18n import t


class Labelled(StrEnum):
    """A vocabulary: English codes (stored) with Chinese labels (shown), each unique within its vocabulary.

    Labels are looked up by (vocabulary, code): members of different vocabularies with the same code
    (every ``other``) are equal as strings, so a table keyed by the members alone would mix them up.
    """

    @property
    def label(self) -> str:
        return _LABELS[(type(self), self.value)]

    @classmethod
    def parse(cls, text: str) -> Labelled:
        """The member whose code or Chinese label is ``text``."""
        text = text.strip()
        for member in cls:
            if text in (member.value, member.label):
                return member
        choices = "、".join(m.label for m in cls)
        raise ValueError(t("'{text}' is not one of {choices}", text=text, choices=choices))


class Sex(Labelled):
    male = "M"
    female = "F"


class Relation(Labelled):
    """Relation to the head of household (与户主关系)."""

    head = "head"
    spouse = "spouse"
    child = "child"
    child_in_law = "child_in_law"
    grandchild = "grandchild"
    parent = "parent"
    grandparent = "grandparent"
    sibling = "sibling"
    other = "other"


class ExclusionReason(Labelled):
    """Why a registered member is not a 共同生活家庭成员 (domain.md §4 低保)."""

    prison = "prison"
    compulsory_rehab = "compulsory_rehab"
    clergy_apart = "clergy_apart"
    missing = "missing"
    no_support_duty = "no_support_duty"


class DisabilityCategory(Labelled):
    visual = "visual"
    hearing = "hearing"
    speech = "speech"
    physical = "physical"
    intellectual = "intellectual"
    mental = "mental"
    multiple = "multiple"


class Employment(Labelled):
    employed = "employed"
    self_employed = "self_employed"
    farming = "farming"
    unemployed = "unemployed"
    retired = "retired"
    student = "student"
    preschool = "preschool"
    unable_to_work = "unable_to_work"
    other = "other"


class SchoolLevel(Labelled):
    preschool = "preschool"
    primary = "primary"
    junior_secondary = "junior_secondary"
    senior_secondary = "senior_secondary"
    vocational = "vocational"
    undergraduate = "undergraduate"
    postgraduate = "postgraduate"


class AssetKind(Labelled):
    deposit = "deposit"
    securities = "securities"
    insurance_cash_value = "insurance_cash_value"


class VehicleKind(Labelled):
    car = "car"
    truck = "truck"
    motorcycle = "motorcycle"
    mobility_vehicle = "mobility_vehicle"
    other = "other"


class PropertyUse(Labelled):
    residential = "residential"
    commercial = "commercial"
    other = "other"


class SupporterStatus(Labelled):
    """A legal supporter's ability to support (特困 condition 3, domain.md §4)."""

    able = "able"
    tekun_or_dibao_aged_60 = "tekun_or_dibao_aged_60"
    aged_70_or_disabled_low_income = "aged_70_or_disabled_low_income"
    incapacitated = "incapacitated"
    missing = "missing"
    prison = "prison"
    deceased = "deceased"
    # For a child's parents (孤儿 / 事实无人抚养儿童, 民发〔2019〕62号):
    severely_disabled = "severely_disabled"
    seriously_ill = "seriously_ill"
    guardianship_revoked = "guardianship_revoked"
    deported = "deported"


class RigidCategory(Labelled):
    medical = "medical"
    education = "education"
    rehabilitation = "rehabilitation"


class EmergencyKind(Labelled):
    """急难情形 that open emergency-type 临时救助 (《社会救助暂行办法》第四十七条)."""

    fire = "fire"
    natural_disaster = "natural_disaster"
    accident = "accident"
    sudden_illness = "sudden_illness"
    other = "other"


class Programme(Labelled):
    dibao = "dibao"
    tekun = "tekun"
    margin = "margin"
    rigid_spending = "rigid_spending"
    temporary = "temporary"
    disability_living = "disability_living"
    disability_care = "disability_care"
    orphan = "orphan"
    unsupported_child = "unsupported_child"


# Income categories stored per person and month, in fen. The first six count
# towards household income; the rest are recorded but excluded by law
# (domain.md §4 低保, "Not counted").
COUNTED_INCOME = ("wages", "business_net", "property_net", "transfer_net", "pension", "unemployment_benefit")
EXCLUDED_INCOME = ("youfu", "family_planning", "award", "assistance", "basic_pension_central")
INCOME_CATEGORIES = COUNTED_INCOME + EXCLUDED_INCOME

INCOME_LABELS = {
    "wages": "工资性收入",
    "business_net": "经营净收入",
    "property_net": "财产净收入",
    "transfer_net": "转移净收入",
    "pension": "养老金",
    "unemployment_benefit": "失业保险金",
    "youfu": "优抚金(不计入)",
    "family_planning": "计生奖扶金(不计入)",
    "award": "奖学金及见义勇为奖金(不计入)",
    "assistance": "社会救助金(不计入)",
    "basic_pension_central": "城乡居民基础养老金中央部分(不计入)",
}

SELF_CARE_ACTIVITIES = ("eating", "dressing", "transfer", "toileting", "indoor_walking", "bathing")
SELF_CARE_LABELS = {
    "eating": "进食",
    "dressing": "穿衣",
    "transfer": "上下床",
    "toileting": "如厕",
    "indoor_walking": "室内行走",
    "bathing": "洗澡",
}

LABELS: list[tuple[Labelled, str]] = [  # (member, label): a list, since members of two vocabularies can be equal
    (Sex.male, "男"),
    (Sex.female, "女"),
    (Relation.head, "户主"),
    (Relation.spouse, "配偶"),
    (Relation.child, "子女"),
    (Relation.child_in_law, "儿媳女婿"),
    (Relation.grandchild, "孙子女"),
    (Relation.parent, "父母"),
    (Relation.grandparent, "祖父母"),
    (Relation.sibling, "兄弟姐妹"),
    (Relation.other, "其他"),
    (ExclusionReason.prison, "服刑"),
    (ExclusionReason.compulsory_rehab, "强制隔离戒毒"),
    (ExclusionReason.clergy_apart, "宗教教职人员在外三年以上"),
    (ExclusionReason.missing, "宣告失踪"),
    (ExclusionReason.no_support_duty, "无法定赡抚扶养义务"),
    (DisabilityCategory.visual, "视力"),
    (DisabilityCategory.hearing, "听力"),
    (DisabilityCategory.speech, "言语"),
    (DisabilityCategory.physical, "肢体"),
    (DisabilityCategory.intellectual, "智力"),
    (DisabilityCategory.mental, "精神"),
    (DisabilityCategory.multiple, "多重"),
    (Employment.employed, "就业"),
    (Employment.self_employed, "个体经营"),
    (Employment.farming, "务农"),
    (Employment.unemployed, "失业"),
    (Employment.retired, "退休"),
    (Employment.student, "在校学生"),
    (Employment.preschool, "学龄前"),
    (Employment.unable_to_work, "无劳动能力"),
    (Employment.other, "其他"),
    (SchoolLevel.preschool, "学前"),
    (SchoolLevel.primary, "小学"),
    (SchoolLevel.junior_secondary, "初中"),
    (SchoolLevel.senior_secondary, "高中"),
    (SchoolLevel.vocational, "中职"),
    (SchoolLevel.undergraduate, "本专科"),
    (SchoolLevel.postgraduate, "研究生"),
    (AssetKind.deposit, "存款"),
    (AssetKind.securities, "有价证券"),
    (AssetKind.insurance_cash_value, "商业保险现金价值"),
    (VehicleKind.car, "小汽车"),
    (VehicleKind.truck, "货车"),
    (VehicleKind.motorcycle, "摩托车"),
    (VehicleKind.mobility_vehicle, "残疾人代步车"),
    (VehicleKind.other, "其他机动车"),
    (PropertyUse.residential, "住宅"),
    (PropertyUse.commercial, "商业"),
    (PropertyUse.other, "其他"),
    (SupporterStatus.able, "有赡养能力"),
    (SupporterStatus.tekun_or_dibao_aged_60, "本人为60岁以上特困或低保对象"),
    (SupporterStatus.aged_70_or_disabled_low_income, "70岁以上或重度残疾且收入低"),
    (SupporterStatus.incapacitated, "无民事行为能力"),
    (SupporterStatus.missing, "宣告失踪"),
    (SupporterStatus.prison, "服刑"),
    (SupporterStatus.deceased, "死亡"),
    (SupporterStatus.severely_disabled, "重残"),
    (SupporterStatus.seriously_ill, "重病"),
    (SupporterStatus.guardianship_revoked, "被撤销监护资格"),
    (SupporterStatus.deported, "被遣送(驱逐)出境"),
    (RigidCategory.medical, "医疗自付"),
    (RigidCategory.education, "教育"),
    (RigidCategory.rehabilitation, "康复"),
    (EmergencyKind.fire, "火灾"),
    (EmergencyKind.natural_disaster, "自然灾害"),
    (EmergencyKind.accident, "意外事故"),
    (EmergencyKind.sudden_illness, "突发重大疾病"),
    (EmergencyKind.other, "其他急难情形"),
    (Programme.dibao, "最低生活保障"),
    (Programme.tekun, "特困人员救助供养"),
    (Programme.margin, "低保边缘家庭"),
    (Programme.rigid_spending, "刚性支出困难家庭"),
    (Programme.temporary, "临时救助"),
    (Programme.disability_living, "困难残疾人生活补贴"),
    (Programme.disability_care, "重度残疾人护理补贴"),
    (Programme.orphan, "孤儿基本生活费"),
    (Programme.unsupported_child, "事实无人抚养儿童基本生活费"),
]
_LABELS: dict[tuple[type, str], str] = {(type(m), m.value): label for m, label in LABELS}
