"""Closed vocabularies of the registry, each value with its Chinese label and its English words.

The English value (code) is what the database and the JSON format store; the Chinese
label is what ledgers (台账), workbooks and stored lists show. Ledger import accepts either.
A screen shows ``member.words()``: the Chinese label, or the English words under ``--lang en``.
"""

from __future__ import annotations

from enum import StrEnum

from jiuzhu.i18n import language, t


class Labelled(StrEnum):
    """A vocabulary: English codes (stored) with Chinese labels (shown), each unique within its vocabulary.

    Labels are looked up by (vocabulary, code): members of different vocabularies with the same code
    (every ``other``) are equal as strings, so a table keyed by the members alone would mix them up.
    """

    @property
    def label(self) -> str:
        """The Chinese label: what ledgers, workbooks and stored lists show, whatever the reader's language."""
        return _LABELS[(type(self), self.value)]

    def words(self, lang: str | None = None) -> str:
        """The member as a reader of ``lang`` (default: the current language) reads it on a screen: the Chinese
        label, or its English words. Every face's output (tables, --json, explanations) shows these."""
        return self.label if (lang or language()) == "zh" else _ENGLISH[(type(self), self.value)]

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
    # (no docstring: it would become the description of the household format's JSON Schema.) ``parse_programme``
    # reads a programme as a person names it: code, full name or short name.
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

# (member, Chinese label, English words): a list, since members of two vocabularies can be equal (every ``other``).
LABELS: list[tuple[Labelled, str, str]] = [
    (Sex.male, "男", "male"),
    (Sex.female, "女", "female"),
    (Relation.head, "户主", "head of household"),
    (Relation.spouse, "配偶", "spouse"),
    (Relation.child, "子女", "child"),
    (Relation.child_in_law, "儿媳女婿", "child-in-law"),
    (Relation.grandchild, "孙子女", "grandchild"),
    (Relation.parent, "父母", "parent"),
    (Relation.grandparent, "祖父母", "grandparent"),
    (Relation.sibling, "兄弟姐妹", "sibling"),
    (Relation.other, "其他", "other"),
    (ExclusionReason.prison, "服刑", "serving a sentence"),
    (ExclusionReason.compulsory_rehab, "强制隔离戒毒", "compulsory drug rehabilitation"),
    (ExclusionReason.clergy_apart, "宗教教职人员在外三年以上", "clergy living apart for 3 years or more"),
    (ExclusionReason.missing, "宣告失踪", "declared missing"),
    (ExclusionReason.no_support_duty, "无法定赡抚扶养义务", "no legal duty of support"),
    (DisabilityCategory.visual, "视力", "visual"),
    (DisabilityCategory.hearing, "听力", "hearing"),
    (DisabilityCategory.speech, "言语", "speech"),
    (DisabilityCategory.physical, "肢体", "physical"),
    (DisabilityCategory.intellectual, "智力", "intellectual"),
    (DisabilityCategory.mental, "精神", "mental"),
    (DisabilityCategory.multiple, "多重", "multiple"),
    (Employment.employed, "就业", "employed"),
    (Employment.self_employed, "个体经营", "self-employed"),
    (Employment.farming, "务农", "farming"),
    (Employment.unemployed, "失业", "unemployed"),
    (Employment.retired, "退休", "retired"),
    (Employment.student, "在校学生", "student"),
    (Employment.preschool, "学龄前", "preschool child"),
    (Employment.unable_to_work, "无劳动能力", "unable to work"),
    (Employment.other, "其他", "other"),
    (SchoolLevel.preschool, "学前", "preschool"),
    (SchoolLevel.primary, "小学", "primary school"),
    (SchoolLevel.junior_secondary, "初中", "junior secondary school"),
    (SchoolLevel.senior_secondary, "高中", "senior secondary school"),
    (SchoolLevel.vocational, "中职", "secondary vocational school"),
    (SchoolLevel.undergraduate, "本专科", "college or undergraduate"),
    (SchoolLevel.postgraduate, "研究生", "postgraduate"),
    (AssetKind.deposit, "存款", "deposits"),
    (AssetKind.securities, "有价证券", "securities"),
    (AssetKind.insurance_cash_value, "商业保险现金价值", "cash value of commercial insurance"),
    (VehicleKind.car, "小汽车", "car"),
    (VehicleKind.truck, "货车", "truck"),
    (VehicleKind.motorcycle, "摩托车", "motorcycle"),
    (VehicleKind.mobility_vehicle, "残疾人代步车", "disabled person's mobility vehicle"),
    (VehicleKind.other, "其他机动车", "other motor vehicle"),
    (PropertyUse.residential, "住宅", "residential"),
    (PropertyUse.commercial, "商业", "commercial"),
    (PropertyUse.other, "其他", "other"),
    (SupporterStatus.able, "有赡养能力", "able to support"),
    (SupporterStatus.tekun_or_dibao_aged_60, "本人为60岁以上特困或低保对象",
     "aged 60 or more and supported as destitute or by the minimum living allowance"),
    (SupporterStatus.aged_70_or_disabled_low_income, "70岁以上或重度残疾且收入低",
     "aged 70 or more, or severely disabled, with a low income"),
    (SupporterStatus.incapacitated, "无民事行为能力", "without legal capacity"),
    (SupporterStatus.missing, "宣告失踪", "declared missing"),
    (SupporterStatus.prison, "服刑", "serving a sentence"),
    (SupporterStatus.deceased, "死亡", "deceased"),
    (SupporterStatus.severely_disabled, "重残", "severely disabled"),
    (SupporterStatus.seriously_ill, "重病", "seriously ill"),
    (SupporterStatus.guardianship_revoked, "被撤销监护资格", "guardianship revoked"),
    (SupporterStatus.deported, "被遣送(驱逐)出境", "deported"),
    (RigidCategory.medical, "医疗自付", "medical costs paid out of pocket"),
    (RigidCategory.education, "教育", "education"),
    (RigidCategory.rehabilitation, "康复", "rehabilitation"),
    (EmergencyKind.fire, "火灾", "fire"),
    (EmergencyKind.natural_disaster, "自然灾害", "natural disaster"),
    (EmergencyKind.accident, "意外事故", "accident"),
    (EmergencyKind.sudden_illness, "突发重大疾病", "sudden serious illness"),
    (EmergencyKind.other, "其他急难情形", "other emergency"),
    (Programme.dibao, "最低生活保障", "Minimum living allowance"),
    (Programme.tekun, "特困人员救助供养", "Destitute support"),
    (Programme.margin, "低保边缘家庭", "Low-income margin household"),
    (Programme.rigid_spending, "刚性支出困难家庭", "Rigid-spending hardship household"),
    (Programme.temporary, "临时救助", "Temporary assistance"),
    (Programme.disability_living, "困难残疾人生活补贴", "Living subsidy for disabled people in hardship"),
    (Programme.disability_care, "重度残疾人护理补贴", "Care subsidy for severely disabled people"),
    (Programme.orphan, "孤儿基本生活费", "Orphan allowance"),
    (Programme.unsupported_child, "事实无人抚养儿童基本生活费", "Allowance for children without de-facto carers"),
]
# The short names staff type and say (低保, 特困 …; domain.md §1), accepted wherever a person names a programme.
PROGRAMME_SHORT = {
    Programme.dibao: "低保", Programme.tekun: "特困", Programme.margin: "低保边缘",
    Programme.rigid_spending: "刚性支出困难", Programme.temporary: "临时救助",
    Programme.disability_living: "残疾人生活补贴", Programme.disability_care: "残疾人护理补贴",
    Programme.orphan: "孤儿", Programme.unsupported_child: "事实无人抚养儿童",
}
_LABELS: dict[tuple[type, str], str] = {(type(m), m.value): zh for m, zh, _en in LABELS}
_ENGLISH: dict[tuple[type, str], str] = {(type(m), m.value): en for m, _zh, en in LABELS}


def parse_programme(text: str, field: str | None = "programme") -> Programme:
    """The programme ``text`` names: its code (``dibao``), its full name (最低生活保障) or the short name staff use
    (低保, 特困, 护理补贴 …); anything else is one line naming ``field`` and listing the programmes as a person
    may write them. The one reading of a programme a user typed (CLI options, API bodies and queries)."""
    from jiuzhu.errors import JiuzhuError

    text = (text or "").strip()
    for member in Programme:
        if text.casefold() == member.value or text in (member.label, PROGRAMME_SHORT[member]):
            return member
    choices = "、".join(f"{m.value}（{PROGRAMME_SHORT[m]}）" for m in Programme)
    raise JiuzhuError(t("unknown programme '{programme}': use one of {programmes}", programme=text,
                        programmes=choices), field=field)
