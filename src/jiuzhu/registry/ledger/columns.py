"""The columns of the township ledger (台账) and its kinds of rows, defined once as data.

Each column names its Chinese header, the place of its value in a *row view*, the parser that turns a
cell into that value and the formatter that turns it back. Import and export both walk ``COLUMNS``, so
they cannot drift apart. A row view is a dict of parts, each shaped like a piece of the household
document of ``schemas``::

    {"household": {household_no, area_code, address, urban, declared_on},
     "row":       {kind},                          明细: what the row carries
     "member":    the member's own facts (a schemas.Member without its lists),
     "income":    an IncomeMonth,                  "balance": {deposit, securities, insurance_cash_value},
     "statement": {as_of, institution, account},   "vehicle" / "home" / "business": one item,
     "supporter" / "rigid" / "emergency" / "enrolment": one item}

A path is ``part.field`` or ``part.field.sub`` (``member.disability.grade``).

Rows: the first row of a person (明细 blank or 成员) is the ledger row township staff know — the person's
facts and the month exported. Detail rows (明细 收入, 金融资产, 机动车 …) carry one more item each: the
same 户编号 and 身份证号, and only the columns of their kind (``DETAIL_KINDS``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jiuzhu.registry import privacy
from jiuzhu.registry.codes import (
    INCOME_CATEGORIES,
    INCOME_LABELS,
    SELF_CARE_ACTIVITIES,
    SELF_CARE_LABELS,
    AssetKind,
    DisabilityCategory,
    EmergencyKind,
    Employment,
    ExclusionReason,
    Labelled,
    Programme,
    PropertyUse,
    Relation,
    RigidCategory,
    SchoolLevel,
    Sex,
    SupporterStatus,
    VehicleKind,
)
from jiuzhu.registry.ledger.cells import (
    format_as_is,
    format_decimal,
    format_flag,
    format_label,
    format_text,
    parse_area,
    parse_area_code,
    parse_code,
    parse_date,
    parse_flag,
    parse_grade,
    parse_household_no,
    parse_id_number,
    parse_identifier,
    parse_label,
    parse_month,
    parse_text,
    parse_yuan,
)

# Programmes of the whole household: listed on several member rows of one household, they count once.
HOUSEHOLD_PROGRAMMES = frozenset({Programme.dibao, Programme.margin, Programme.rigid_spending})

MEMBER_ROW = "成员"  # 明细 of a person's first row (blank means the same)
# 明细 of a detail row → the part of the row view it carries.
DETAIL_KINDS: dict[str, str] = {
    "收入": "income", "金融资产": "statement", "机动车": "vehicle", "不动产": "home", "工商登记": "business",
    "法定义务人": "supporter", "刚性支出": "rigid", "急难": "emergency", "享受救助": "enrolment",
}
KIND_LABELS: dict[str, str] = {part: label for label, part in DETAIL_KINDS.items()}
# Which detail rows need the 身份证号 of a member, may have one (blank: the household's), or must not.
PERSON_KINDS = frozenset({"income", "statement", "vehicle", "home", "business", "supporter"})
HOUSEHOLD_KINDS = frozenset({"rigid", "enrolment"})
# The parts whose items a ledger lists; a ledger with detail rows carries each of these whole or not at all.
LIST_GROUPS = ("income", "statement", "vehicle", "home", "business", "supporter", "rigid", "emergency", "enrolment")


@dataclass(frozen=True)
class Column:
    header: str
    path: str
    parse: Callable[[Any], Any]
    format: Callable[[Any], Any]
    kind: str  # how writers render the cell: text, date, amount, number, int
    meaning: str
    allowed: str
    example: str
    required: bool = False  # the header must be present in every ledger
    mask: Callable[[str], str] | None = None  # how an export without unmask shows it
    segments: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(self.path.split(".")))

    @property
    def root(self) -> str:
        return self.segments[0]

    @property
    def loc(self) -> tuple[str, ...]:
        """The location of the value in its part's document, as Pydantic reports it."""
        return self.segments[1:]

    @property
    def group(self) -> str:
        """The list group of the column (balances and statements are one group), or its part."""
        return "statement" if self.root == "balance" else self.root


def get_value(view: dict, col: Column) -> Any:
    node: Any = view
    for name in col.segments:
        if not isinstance(node, dict):
            return None
        node = node.get(name)
    return node


def set_value(view: dict, col: Column, value: Any) -> None:
    node = view
    for name in col.segments[:-1]:
        node = node.setdefault(name, {})
    node[col.segments[-1]] = value


YES, NO = ("是", "Y", "y", "TRUE", "true", "1"), ("否", "N", "n", "FALSE", "false", "0")


def _yes_no() -> dict:
    return dict(parse=parse_flag(YES, NO), format=format_flag("是", "否"), kind="text", allowed="是 / 否")


# Labels that ledgers exported before labels were kept per vocabulary carry (every "other" was written
# 其他急难情形, the employment 学龄前 was written 学前): still read, so that those ledgers import.
LEGACY_LABELS: dict[type[Labelled], dict[str, Labelled]] = {
    Relation: {"其他急难情形": Relation.other},
    Employment: {"其他急难情形": Employment.other, "学前": Employment.preschool},
    VehicleKind: {"其他急难情形": VehicleKind.other},
    PropertyUse: {"其他急难情形": PropertyUse.other},
}


def _labelled(enum: type[Labelled]) -> dict:
    return dict(parse=parse_label(enum, LEGACY_LABELS.get(enum, {})), format=format_label(enum), kind="text",
                allowed=" / ".join(m.label for m in enum))


_TEXT = dict(parse=parse_text, format=format_text, kind="text")
_DATE = dict(parse=parse_date, format=format_as_is, kind="date", allowed="2025-07-31, 2025/7/31 or a date cell")
_MONTH = dict(parse=parse_month, format=format_text, kind="text", allowed="YYYY-MM (2025-07)")
_YUAN = dict(parse=parse_yuan, format=format_decimal, kind="amount",
             allowed="yuan, ≤ 2 decimals, '1,234.50' or a number cell; never negative; blank = not known")


def _household_columns() -> list[Column]:
    c = Column
    return [
        c("户编号", "household.household_no", parse_household_no, format_text, "text",
          "the bureau's household number; every row of the household carries it",
          "letters, digits, '-'", "500111119-000001", required=True),
        c("区划代码", "household.area_code", parse_area_code, format_text, "text",
          "township (9 digits) or village/community (12) of the household, inside the installation's jurisdiction",
          "official code (民政部 2025-12-31), a village under one, or a synthetic community (500111119S02)",
          "500111119", required=True),
        c("家庭住址", "household.address", **_TEXT, meaning="address of the household", allowed="text, ≤ 200",
          example="大足区铁山镇示例村3组12号"),
        c("城乡类别", "household.urban", parse_flag(("城市", "城镇"), ("农村",)), format_flag("城市", "农村"),
          "text", "which 低保 line applies", "城市 / 农村", "农村", required=True),
        c("申报日期", "household.declared_on", **_DATE,
          meaning="date of the household's declaration of its economic situation (家庭经济状况申报): from it, "
                  "blank income cells of earlier months count as zero; blank = not declared, so unknown",
          example="2025-08-05"),
        c("明细", "row.kind", parse_text, format_text, "text",
          "what the row carries: 成员 (or blank) for a person's own row, else the kind of detail row",
          "成员 / " + " / ".join(DETAIL_KINDS), "成员"),
    ]


def _member_columns() -> list[Column]:
    c = Column
    cols = [
        c("与户主关系", "member.relation", **_labelled(Relation), meaning="relation to the head (户主)",
          example="户主", required=True),
        c("姓名", "member.name", **_TEXT, meaning="name (never blank)", allowed="1–40 characters", example="王德福",
          required=True),
        c("身份证号", "member.id_number", parse_id_number, format_text, "text",
          "resident ID number (GB 11643), checked; on a detail row: whose item it is", "18 characters, text cell",
          "512126195804120037", required=True, mask=privacy.mask_id),
        c("性别", "member.sex", **_labelled(Sex), meaning="sex; optional, must agree with the ID number", example="男"),
        c("出生日期", "member.birth_date", **{**_DATE, "allowed": "optional, must agree with the ID number"},
          meaning="birth date", example="1958-04-12"),
        c("死亡日期", "member.death_date", **_DATE, meaning="date of death (blank: alive)", example=""),
        c("联系电话", "member.phone", parse_identifier(number_cells=True), format_text, "text",
          "phone number (mobile or landline)", "digits, '+', spaces, '-'", "13800000000", mask=privacy.mask_phone),
        c("是否共同生活", "member.counted", **_yes_no(), meaning="共同生活家庭成员: counts for income and property",
          example="是"),
        c("不计入原因", "member.exclusion_reason", **_labelled(ExclusionReason),
          meaning="why a member does not count (required exactly when 是否共同生活 is 否)", example=""),
        c("户籍是否重庆", "member.hukou.chongqing", parse_flag(YES, NO), format_flag("是", "否"), "text",
          "户籍 in Chongqing", "是 / 否 / blank = not known", "是"),
        c("户籍城乡", "member.hukou.urban", parse_flag(("城镇", "城市"), ("农村",)), format_flag("城镇", "农村"),
          "text", "urban or rural 户籍", "城镇 / 农村 / blank", "农村"),
        c("户籍地区划代码", "member.hukou.area_code", parse_code, format_text, "text",
          "district or township of the 户籍", "6 or 9 digits", "500111119"),
        c("就业状况", "member.employment", **_labelled(Employment), meaning="employment", example="务农"),
        c("行业", "member.sector", **_TEXT, meaning="sector of work", allowed="text, ≤ 40", example="农业"),
        c("在校阶段", "member.school_level", **_labelled(SchoolLevel), meaning="school level of a student",
          example="小学"),
        c("重大疾病", "member.major_illness", parse_flag(YES, NO), format_flag("是", "否"), "text",
          "has a recognised major illness", "是 / 否 / blank = not known", "是"),
        c("残疾类别", "member.disability.category", **_labelled(DisabilityCategory),
          meaning="disability certificate: category (blank = no certificate)", example="肢体"),
        c("残疾等级", "member.disability.grade", parse_grade, format_as_is, "int",
          "disability grade, 1 most severe", "1–4 (also 一级)", "2"),
        c("残疾证号", "member.disability.certificate_no", parse_identifier(), format_text,
          "text", "disability certificate number", "text cell", "51212619580412003542",
          mask=privacy.mask_certificate),
        c("残疾证有效期起", "member.disability.valid_from", **_DATE, meaning="certificate valid from",
          example="2021-05-01"),
        c("残疾证有效期止", "member.disability.valid_to", **_DATE, meaning="certificate valid to",
          example="2031-04-30"),
    ]
    for act in SELF_CARE_ACTIVITIES:
        cols.append(c(SELF_CARE_LABELS[act], f"member.self_care.{act}", parse_flag(("能",), ("不能",)),
                      format_flag("能", "不能"), "text", f"self-care: {act.replace('_', ' ')} unaided",
                      "能 / 不能; all six or none (blank = not assessed)", "能"))
    cols += [
        c("自理评估日期", "member.self_care.assessed_on", **_DATE, meaning="date of the self-care assessment",
          example="2025-03-10"),
        c("机构集中供养", "member.in_institution", parse_flag(YES, NO), format_flag("是", "否"), "text",
          "lives in a welfare institution (机构集中供养/养育)", "是 / 否 / blank = lives at home", "否"),
        c("领取工伤护理费", "member.work_injury_care", parse_flag(YES, NO), format_flag("是", "否"), "text",
          "receives work-injury care pay (工伤保险生活护理费)", "是 / 否 / blank = does not", "否"),
    ]
    return cols


def _income_and_asset_columns() -> list[Column]:
    c = Column
    cols = [c("收入月份", "income.month", **_MONTH,
              meaning="the month the income columns describe (on a person's row: the month exported, blank when "
                      "nothing is recorded for it; on a 收入 row: another month)", example="2025-07")]
    for cat in INCOME_CATEGORIES:
        cols.append(c(INCOME_LABELS[cat], f"income.{cat}", **_YUAN,
                      meaning=f"income of the month: {cat.replace('_', ' ')}", example="280.00"))
    for kind in AssetKind:
        cols.append(c(kind.label, f"balance.{kind.value}", **_YUAN,
                      meaning=f"{kind.value.replace('_', ' ')}: on a person's row the balance on 余额日期 (each "
                              "account's latest statement, added up); on a 金融资产 row one statement",
                      example="3200.50"))
    cols += [
        c("余额日期", "statement.as_of", **_DATE,
          meaning="the date of the balances (person's row) or of the statement (金融资产 row); blank on a "
                  "person's row: the last day of 收入月份", example="2025-07-31"),
        c("开户机构", "statement.institution", **_TEXT, meaning="bank or insurer of the statement (金融资产 rows)",
          allowed="text, ≤ 60", example="重庆农村商业银行"),
        c("账号", "statement.account", parse_identifier(), format_text, "text",
          "account, card or policy number (金融资产 rows)", "letters, digits, '-', text cell", "6217000012345678",
          mask=privacy.mask_account),
    ]
    return cols


def _holding_columns() -> list[Column]:
    c = Column
    return [
        c("机动车类型", "vehicle.kind", **_labelled(VehicleKind), meaning="motor vehicle", example="残疾人代步车"),
        c("机动车价值", "vehicle.value", **_YUAN, meaning="value of the vehicle", example="2500.00"),
        c("残疾人代步车", "vehicle.mobility_for_disabled", **_yes_no(),
          meaning="the vehicle is a disabled person's mobility vehicle", example="是"),
        c("机动车号牌", "vehicle.plate", parse_identifier(), format_text, "text", "number plate",
          "text, ≤ 12", "渝A12345", mask=privacy.mask_account),
        c("机动车登记日期", "vehicle.registered_on", **_DATE, meaning="registered to the person on",
          example="2019-04-01"),
        c("机动车注销日期", "vehicle.deregistered_on", **_DATE,
          meaning="sold, scrapped or transferred on (blank: still held)", example=""),
        c("住房用途", "home.use", **_labelled(PropertyUse), meaning="real estate", example="住宅"),
        c("住房面积", "home.floor_area_m2", parse_area, format_decimal, "number", "floor area",
          "m², ≤ 2 decimals, never negative", "86.00"),
        c("不动产权证号", "home.certificate_no", parse_identifier(number_cells=True),
          format_text, "text", "property certificate number", "text, ≤ 40", "渝(2020)大足区不动产权第000123号",
          mask=privacy.mask_certificate),
        c("坐落", "home.location", **_TEXT, meaning="location of the property", allowed="text, ≤ 200",
          example="大足区铁山镇示例村3组12号"),
        c("住房取得日期", "home.acquired_on", **_DATE, meaning="acquired on", example="2008-06-01"),
        c("住房转移日期", "home.disposed_on", **_DATE, meaning="sold or transferred on (blank: still held)",
          example=""),
        c("统一社会信用代码", "business.uscc", parse_identifier(), format_text, "text",
          "business registered to the person", "18 characters (GB 32100)", "92500111MA5U7K2L3M"),
        c("注册资本", "business.registered_capital", **_YUAN, meaning="registered capital", example="50000.00"),
        c("企业名称", "business.name", **_TEXT, meaning="name of the business", allowed="text, ≤ 100",
          example="大足区示例农机修理部"),
        c("企业成立日期", "business.registered_on", **_DATE, meaning="registered on", example="2019-03-01"),
        c("企业注销日期", "business.deregistered_on", **_DATE, meaning="deregistered on (blank: still registered)",
          example=""),
    ]


def _household_fact_columns() -> list[Column]:
    c = Column
    return [
        c("义务人姓名", "supporter.name", **_TEXT, meaning="a legal supporter (赡养/抚养/扶养义务人) of the person",
          allowed="1–40 characters", example="王大明"),
        c("义务人身份证号", "supporter.id_number", parse_id_number, format_text, "text",
          "the supporter's ID number", "18 characters, text cell", "512126198001010153", mask=privacy.mask_id),
        c("义务人关系", "supporter.relation", **_labelled(Relation), meaning="the supporter's relation to the person",
          example="子女"),
        c("履行能力", "supporter.status", **_labelled(SupporterStatus), meaning="the supporter's ability to support",
          example="有赡养能力"),
        c("义务人情况日期", "supporter.as_of", **_DATE, meaning="when that status was established (blank: always)",
          example="2025-01-15"),
        c("支出月份", "rigid.month", **_MONTH, meaning="month of a rigid spending (刚性支出)", example="2025-06"),
        c("支出类别", "rigid.category", **_labelled(RigidCategory), meaning="kind of rigid spending",
          example="医疗自付"),
        c("支出金额", "rigid.amount", **_YUAN, meaning="amount spent", example="1830.25"),
        c("急难发生日期", "emergency.date", **_DATE, meaning="the day an emergency (急难) happened",
          example="2025-06-18"),
        c("急难类型", "emergency.kind", **_labelled(EmergencyKind), meaning="kind of emergency", example="火灾"),
        c("救助需求", "emergency.need", **_YUAN, meaning="the need the township assessed", example="8000.00"),
        c("急难说明", "emergency.note", **_TEXT, meaning="note on the emergency", allowed="text, ≤ 200",
          example="厨房失火"),
    ]


def _enrolment_columns() -> list[Column]:
    c = Column
    return [
        c("享受项目", "enrolment.programme", **_labelled(Programme),
          meaning="programme the household (最低生活保障, 低保边缘家庭, 刚性支出困难家庭) or this person receives",
          example="最低生活保障"),
        c("月救助金额", "enrolment.monthly_amount", **_YUAN, meaning="monthly amount of that programme",
          example="630.00"),
        c("享受起始日期", "enrolment.start_date", **_DATE, meaning="start of that programme", example="2024-01-01"),
        c("享受终止日期", "enrolment.end_date", **_DATE, meaning="end of that programme (blank: in force)",
          example=""),
        c("最近复核日期", "enrolment.last_review", **_DATE, meaning="date of the last review", example="2025-01-15"),
        c("渐退起始月份", "enrolment.taper_from", **_MONTH, meaning="低保 only: first month of the taper (渐退期)",
          example=""),
    ]


COLUMNS: list[Column] = (_household_columns() + _member_columns() + _income_and_asset_columns()
                         + _holding_columns() + _household_fact_columns() + _enrolment_columns())
BY_HEADER: dict[str, Column] = {col.header: col for col in COLUMNS}
HEADERS: list[str] = [col.header for col in COLUMNS]
REQUIRED_HEADERS: list[str] = [col.header for col in COLUMNS if col.required]
SELF_CARE_HEADERS: list[str] = [SELF_CARE_LABELS[a] for a in SELF_CARE_ACTIVITIES]
HOUSEHOLD_COLUMNS: list[Column] = [col for col in COLUMNS if col.root == "household"]
KIND_COLUMN = BY_HEADER["明细"]
IDENTITY_HEADERS = ("户编号", "明细", "与户主关系", "姓名", "身份证号")
BALANCE_COLUMNS: dict[AssetKind, Column] = {kind: BY_HEADER[kind.label] for kind in AssetKind}


def group_columns(group: str) -> list[Column]:
    return [col for col in COLUMNS if col.group == group]


def member_row_allows(col: Column) -> bool:
    """Whether a person's own row may fill the column (statements, supporters … go on detail rows)."""
    if col.root in ("supporter", "rigid", "emergency"):
        return False
    return not (col.root == "statement" and col.header != "余额日期")


def detail_row_allows(part: str, col: Column) -> bool:
    """Whether a detail row carrying ``part`` may fill the column: identity, household and its own columns."""
    return col.header in IDENTITY_HEADERS or col.root == "household" or col.group == part


def normalise_header(text: Any) -> str:
    """Header as typed: spaces, line breaks and full-width brackets tolerated; '(元)' and '(不计入)' optional."""
    if text is None:
        return ""
    h = re.sub(r"\s+", "", str(text)).replace("（", "(").replace("）", ")")
    if h in BY_HEADER:
        return h
    for suffix in ("(元)", "(㎡)", "(m²)", "(m2)", "(平方米)"):
        if h.endswith(suffix) and h.removesuffix(suffix) in BY_HEADER:
            return h.removesuffix(suffix)
    if h + "(不计入)" in BY_HEADER:
        return h + "(不计入)"
    return h
