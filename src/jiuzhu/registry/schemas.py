"""The household interchange format (JSON; JSON Lines for many households).

These Pydantic models *are* the format: ``docs/schema/household.schema.json`` is
generated from them (``jiuzhu schema``) and a test keeps the two equal. Money is
a string of yuan with at most two decimals ("612.40"); dates are ISO 8601;
months are "YYYY-MM". An absent or null fact means "not known", never zero.

Every value has a declared range (docs/registry.md, "Ranges"): money from 0.00 to
999,999,999,999.99 yuan (never negative: a loss or a debt is not income or an asset
to offset another); dates from 1900-01-01 to today (a declaration, a birth, a
statement cannot lie in the future; an enrolment may start at most a month ahead);
areas inside the installation's jurisdiction; texts within the database's lengths,
names never blank. Each field's ``title`` is its Chinese name, used in messages.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from contextvars import ContextVar
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from jiuzhu import clock
from jiuzhu.i18n import t
from jiuzhu.months import EARLIEST_MONTH, MONTH_PATTERN, month_of, month_start
from jiuzhu.registry import areas, validation
from jiuzhu.registry.codes import (
    AssetKind,
    DisabilityCategory,
    EmergencyKind,
    Employment,
    ExclusionReason,
    Programme,
    PropertyUse,
    Relation,
    RigidCategory,
    SchoolLevel,
    Sex,
    SupporterStatus,
    VehicleKind,
)

YUAN_PATTERN = r"^\d{1,12}(\.\d{1,2})?$"
AREA_PATTERN = r"^\d{1,8}(\.\d{1,2})?$"
EARLIEST = month_start(EARLIEST_MONTH)
LATEST = dt.date(2199, 12, 31)  # the last day a date that may lie in the future (a certificate's end) may be
CENT = Decimal("0.01")
_YUAN = re.compile(YUAN_PATTERN)
ENROLMENT_LEAD_DAYS = 62  # an approved enrolment starts the month after approval (domain.md §5 step 7)


# --------------------------------------------------------------------------- money and areas


def _parse_yuan(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        value = str(value)
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError(t("an amount of money must be a string of yuan such as \"612.40\""))
    text = str(value).strip()
    if text.startswith("-"):
        raise ValueError(t("'{value}' is negative: amounts of money are 0.00 or more", value=text))
    if not _YUAN.match(text):
        raise ValueError(t("'{value}' is not an amount in yuan with at most two decimals (at most "
                           "999,999,999,999.99)", value=text))
    return Decimal(text).quantize(CENT)  # exact: at most 12 + 2 digits, checked above


Yuan = Annotated[
    Decimal,
    BeforeValidator(_parse_yuan),
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": YUAN_PATTERN,
                    "description": "yuan, at most two decimals, 0.00 to 999999999999.99"}),
]


def _parse_area(value: Any) -> Decimal:
    if isinstance(value, float) or isinstance(value, bool):
        raise ValueError(t("give floor areas as strings such as \"65.50\""))
    text = str(value).strip()
    if text.startswith("-"):
        raise ValueError(t("'{value}' is negative: a floor area is 0.00 m² or more", value=text))
    if not re.match(AREA_PATTERN, text):
        raise ValueError(t("'{value}' is not a floor area in m² with at most two decimals (at most "
                           "99,999,999.99)", value=text))
    return Decimal(text).quantize(Decimal("0.01"))


SquareMetres = Annotated[
    Decimal,
    BeforeValidator(_parse_area),
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": AREA_PATTERN,
                    "description": "square metres, 0.00 to 99999999.99"}),
]


# --------------------------------------------------------------------------- dates and months

_TODAY: ContextVar[dt.date | None] = ContextVar("jiuzhu_validation_today", default=None)


@contextlib.contextmanager
def one_today() -> Iterator[None]:
    """Validate against one reading of the clock: a document holds dozens of dates and months, and reading
    the clock for each was a tenth of an import's time."""
    token = _TODAY.set(clock.today())
    try:
        yield
    finally:
        _TODAY.reset(token)


def _today() -> dt.date:
    return _TODAY.get() or clock.today()


def _not_future(day: dt.date) -> dt.date:
    if day < EARLIEST:
        raise ValueError(t("{day} is before {earliest}", day=day, earliest=EARLIEST))
    if day > (today := _today()):
        raise ValueError(t("{day} is in the future (today is {today})", day=day, today=today))
    return day


def _month_not_future(month: str) -> str:
    if month < EARLIEST_MONTH:
        raise ValueError(t("{month} is before {earliest}", month=month, earliest=EARLIEST_MONTH))
    current = month_of(_today())
    if month > current:
        raise ValueError(t("{month} is in the future (this month is {current})", month=month, current=current))
    return month


def _soon(day: dt.date) -> dt.date:
    latest = _today() + dt.timedelta(days=ENROLMENT_LEAD_DAYS)
    if day < EARLIEST or day > latest:
        raise ValueError(t("{day} is outside {earliest} to {latest}", day=day, earliest=EARLIEST, latest=latest))
    return day


def _any_date(day: dt.date) -> dt.date:
    if not EARLIEST <= day <= LATEST:
        raise ValueError(t("{day} is outside {earliest} to {latest}", day=day, earliest=EARLIEST, latest=LATEST))
    return day


PastDate = Annotated[dt.date, AfterValidator(_not_future),
                     WithJsonSchema({"type": "string", "format": "date",
                                     "description": f"YYYY-MM-DD, from {EARLIEST} to today"})]
SoonDate = Annotated[dt.date, AfterValidator(_soon),
                     WithJsonSchema({"type": "string", "format": "date",
                                     "description": f"YYYY-MM-DD, from {EARLIEST} to {ENROLMENT_LEAD_DAYS} days "
                                                    "after today"})]
AnyDate = Annotated[dt.date, AfterValidator(_any_date),
                    WithJsonSchema({"type": "string", "format": "date",
                                    "description": f"YYYY-MM-DD, from {EARLIEST} to {LATEST}"})]
Month = Annotated[str, Field(pattern=MONTH_PATTERN), AfterValidator(_month_not_future),
                  WithJsonSchema({"type": "string", "pattern": MONTH_PATTERN,
                                  "description": f"calendar month, YYYY-MM, from {EARLIEST_MONTH} to this "
                                                  "month"})]


# --------------------------------------------------------------------------- texts and codes


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc, exactly


def _text(value: Any) -> Any:
    """Texts are stripped; control characters (line breaks, NUL…) are refused."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if _CONTROL.search(text):
        raise ValueError(t("contains a control character (line break, tab…)"))
    return text


def Text(max_length: int, *, min_length: int = 0, **field) -> Any:  # noqa: N802 (a type factory)
    return Annotated[str, BeforeValidator(_text), Field(min_length=min_length, max_length=max_length, **field)]


Name = Annotated[str, BeforeValidator(_text), Field(min_length=1, max_length=40)]
Code = Annotated[str, BeforeValidator(_text), Field(pattern=r"^[0-9A-Za-z-]{1,40}$")]


def _id_number(value: Any) -> str:
    text = str(value).strip()
    try:
        number = validation.check_id_number(text)
    except ValueError:
        # A birth date out of range is the reason, not what follows from it (the area code "in 2030"): one
        # reason per field.
        if (born := validation.stated_birth_date(text)) is not None:
            _not_future(born)
        raise
    _not_future(validation.birth_date_of(number))
    return number


IdNumber = Annotated[str, BeforeValidator(_id_number),
                     WithJsonSchema({"type": "string", "pattern": r"^\d{17}[\dXx]$",
                                     "description": "18-character resident ID number (GB 11643); a lowercase x is "
                                                    "read as X; the birth date it holds is not in the future"})]
AreaCode = Annotated[str, BeforeValidator(lambda v: areas.check_in_jurisdiction(str(v).strip())),
                     WithJsonSchema({"type": "string", "pattern": r"^\d{6}(\d{3}(\d{3}|S\d{2})?)?$",
                                     "description": "official division code (6 or 9 digits) or a village code (12), "
                                                    "inside the installation's jurisdiction (JIUZHU_JURISDICTION)"})]


class Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


def _in_order(first: dt.date | None, last: dt.date | None, first_name: str, last_name: str) -> None:
    if first and last and last < first:
        raise ValueError(t("{last_name} is before {first_name}", last_name=last_name, first_name=first_name))


# --------------------------------------------------------------------------- member facts


class Hukou(Doc):
    """户籍: where the person is registered."""

    chongqing: bool | None = Field(None, title="户籍是否重庆", description="户籍 in Chongqing")
    urban: bool | None = Field(None, title="户籍城乡", description="urban (城镇) rather than rural (农村) 户籍")
    area_code: str | None = Field(None, title="户籍地区划代码", pattern=r"^\d{6}(\d{3})?$",
                                  description="户籍 district or township code")


class Disability(Doc):
    """残疾人证."""

    category: DisabilityCategory = Field(title="残疾类别")
    grade: int = Field(title="残疾等级", ge=1, le=4, description="1 is the most severe")
    certificate_no: str | None = Field(None, title="残疾证号", pattern=r"^[0-9A-Za-z]{1,30}$")
    valid_from: PastDate | None = Field(None, title="残疾证有效期起")
    valid_to: AnyDate | None = Field(None, title="残疾证有效期止")

    @model_validator(mode="after")
    def _dates_in_order(self) -> Disability:
        _in_order(self.valid_from, self.valid_to, "valid_from", "valid_to")
        return self


class SelfCare(Doc):
    """Self-care assessment on the six activities; true = manages unaided."""

    assessed_on: PastDate | None = Field(None, title="评估日期")
    eating: bool = Field(title="进食")
    dressing: bool = Field(title="穿衣")
    transfer: bool = Field(title="上下床")
    toileting: bool = Field(title="如厕")
    indoor_walking: bool = Field(title="室内行走")
    bathing: bool = Field(title="洗澡")


class IncomeMonth(Doc):
    """One month of a person's income by category, in yuan; an absent category is not known.

    Net incomes are never negative: a month's business or property loss is entered as 0.00.
    """

    month: Month = Field(title="收入月份")
    wages: Yuan | None = Field(None, title="工资性收入")
    business_net: Yuan | None = Field(None, title="经营净收入", description="a loss is entered as 0.00")
    property_net: Yuan | None = Field(None, title="财产净收入", description="a loss is entered as 0.00")
    transfer_net: Yuan | None = Field(None, title="转移净收入")
    pension: Yuan | None = Field(None, title="养老金")
    unemployment_benefit: Yuan | None = Field(None, title="失业保险金")
    youfu: Yuan | None = Field(None, title="优抚金", description="优抚 payments: recorded, not counted")
    family_planning: Yuan | None = Field(None, title="计生奖扶金", description="family-planning awards: not counted")
    award: Yuan | None = Field(None, title="奖学金及见义勇为奖金",
                               description="scholarships and bravery awards: not counted")
    assistance: Yuan | None = Field(None, title="社会救助金", description="social-assistance cash: not counted")
    basic_pension_central: Yuan | None = Field(
        None, title="城乡居民基础养老金中央部分",
        description="central basic pension of the residents' scheme: not counted")


class FinancialAsset(Doc):
    """A statement of one account: its balance (or market or cash value) on ``as_of``.

    The statements of one account (same kind, institution and account number) are a history: for a
    month, the latest on or before its last day is the balance; earlier ones are replaced, not added.
    """

    kind: AssetKind = Field(title="资产类别")
    institution: Text(60) | None = Field(None, title="开户机构")
    account: Code | None = Field(None, title="账号", description="account, card or policy number; masked in outputs")
    amount: Yuan = Field(title="金额")
    as_of: PastDate = Field(title="余额日期", description="the date of the balance (statement date)")


class Vehicle(Doc):
    """A motor vehicle registered to the person; it counts for the months it is held on their last day."""

    kind: VehicleKind = Field(title="机动车类型")
    plate: Text(12) | None = Field(None, title="号牌")
    value: Yuan | None = Field(None, title="机动车价值")
    mobility_for_disabled: bool = Field(False, title="残疾人代步车")
    registered_on: PastDate | None = Field(None, title="登记日期", description="null: held since before any month "
                                                                              "evaluated")
    deregistered_on: PastDate | None = Field(None, title="转移注销日期", description="sold, scrapped or transferred; "
                                                                                  "null: still held")

    @model_validator(mode="after")
    def _dates_in_order(self) -> Vehicle:
        _in_order(self.registered_on, self.deregistered_on, "registered_on", "deregistered_on")
        return self


class RealEstate(Doc):
    """A property registered to the person; it counts for the months it is held on their last day."""

    use: PropertyUse = Field(title="住房用途")
    floor_area_m2: SquareMetres = Field(title="住房面积")
    certificate_no: Text(40) | None = Field(None, title="不动产权证号")
    location: Text(200) | None = Field(None, title="坐落")
    acquired_on: PastDate | None = Field(None, title="取得日期")
    disposed_on: PastDate | None = Field(None, title="转移日期", description="sold or transferred; null: still held")

    @model_validator(mode="after")
    def _dates_in_order(self) -> RealEstate:
        _in_order(self.acquired_on, self.disposed_on, "acquired_on", "disposed_on")
        return self


class Business(Doc):
    """A business registered to the person; it counts for the months it is registered on their last day."""

    uscc: str = Field(title="统一社会信用代码", description="统一社会信用代码 (GB 32100)")
    name: Text(100) | None = Field(None, title="企业名称")
    registered_capital: Yuan | None = Field(None, title="注册资本")
    registered_on: PastDate | None = Field(None, title="成立日期")
    deregistered_on: PastDate | None = Field(None, title="注销日期")

    @field_validator("uscc")
    @classmethod
    def _valid_uscc(cls, v: str) -> str:
        return validation.check_uscc(v.strip())

    @model_validator(mode="after")
    def _dates_in_order(self) -> Business:
        _in_order(self.registered_on, self.deregistered_on, "registered_on", "deregistered_on")
        return self


class Supporter(Doc):
    """A legal supporter (赡养/抚养/扶养义务人), who may live elsewhere.

    Several rows for one supporter (same ID number, or same name and relation when it is not known) are
    a history of their status: for a month, the latest ``as_of`` on or before its last day holds.
    """

    name: Name = Field(title="义务人姓名")
    id_number: IdNumber | None = Field(None, title="义务人身份证号")
    relation: Relation = Field(title="与本人关系", description="the supporter's relation to the person")
    status: SupporterStatus = Field(title="履行能力")
    as_of: PastDate | None = Field(None, title="情况日期", description="when the status was established; "
                                                                    "null: since before any month evaluated")


class Member(Doc):
    id_number: IdNumber = Field(title="身份证号")
    name: Name = Field(title="姓名")
    sex: Sex | None = Field(None, title="性别", description="derived from the ID number when absent; must agree")
    birth_date: PastDate | None = Field(None, title="出生日期",
                                        description="derived from the ID number when absent; must agree")
    death_date: PastDate | None = Field(None, title="死亡日期")
    relation: Relation = Field(title="与户主关系")
    phone: str | None = Field(None, title="联系电话", pattern=r"^\+?[0-9][0-9 -]{2,18}[0-9]$",
                              description="how to reach the person (mobile or landline); masked in outputs")
    counted: bool = Field(True, title="是否共同生活", description="共同生活家庭成员: counts for income and property")
    exclusion_reason: ExclusionReason | None = Field(None, title="不计入原因")
    hukou: Hukou | None = Field(None, title="户籍")
    employment: Employment | None = Field(None, title="就业状况")
    sector: Text(40) | None = Field(None, title="行业")
    school_level: SchoolLevel | None = Field(None, title="在校阶段")
    major_illness: bool | None = Field(None, title="重大疾病")
    disability: Disability | None = Field(None, title="残疾人证")
    self_care: SelfCare | None = Field(None, title="生活自理能力评估")
    in_institution: bool | None = Field(
        None, title="机构集中供养",
        description="lives in a welfare institution (机构集中供养/养育): the institution standard of 孤儿 and "
                    "事实无人抚养儿童 allowances applies; absent or null: lives at home")
    work_injury_care: bool | None = Field(
        None, title="领取工伤护理费",
        description="receives work-injury care pay (工伤保险生活护理费), which the 重度残疾人护理补贴 does not "
                    "stack with; absent or null: does not")
    incomes: list[IncomeMonth] = Field(default_factory=list, max_length=600, title="收入", description="in month order")
    financial_assets: list[FinancialAsset] = Field(default_factory=list, max_length=1000, title="金融资产")
    vehicles: list[Vehicle] = Field(default_factory=list, max_length=100, title="机动车")
    real_estate: list[RealEstate] = Field(default_factory=list, max_length=100, title="不动产")
    businesses: list[Business] = Field(default_factory=list, max_length=100, title="工商登记")
    supporters: list[Supporter] = Field(default_factory=list, max_length=100, title="法定义务人")

    @model_validator(mode="after")
    def _consistent(self) -> Member:
        id_sex, id_birth = validation.sex_of(self.id_number), validation.birth_date_of(self.id_number)
        if self.sex is not None and self.sex != id_sex:
            raise ValueError(t("sex {sex} disagrees with the ID number ({id_sex})", sex=self.sex.value,
                               id_sex=id_sex.value))
        if self.birth_date is not None and self.birth_date != id_birth:
            raise ValueError(t("birth_date {birth} disagrees with the ID number ({id_birth})", birth=self.birth_date,
                               id_birth=id_birth))
        self.sex, self.birth_date = id_sex, id_birth
        _in_order(self.birth_date, self.death_date, "birth_date", "death_date")
        if self.hukou is not None and self.hukou == Hukou():
            self.hukou = None  # nothing known about the 户籍 is the same as no 户籍 record
        if self.counted == (self.exclusion_reason is not None):
            raise ValueError(t("exclusion_reason is required exactly when counted is false"))
        months = [i.month for i in self.incomes]
        if len(set(months)) != len(months):
            raise ValueError(t("incomes: a month appears twice"))
        self.incomes.sort(key=lambda i: i.month)
        return self


# --------------------------------------------------------------------------- household facts


class RigidSpending(Doc):
    month: Month = Field(title="支出月份")
    category: RigidCategory = Field(title="支出类别")
    amount: Yuan = Field(title="支出金额")
    id_number: IdNumber | None = Field(None, title="支出对象身份证号",
                                       description="the member it was spent on, if known")


class Emergency(Doc):
    """An emergency (急难) the township has assessed: what happened, when, and the need it left."""

    date: PastDate = Field(title="发生日期", description="the day it happened")
    kind: EmergencyKind = Field(title="急难类型")
    need: Yuan = Field(title="救助需求", description="the need assessed by the township (the loss or cost the "
                                                   "household cannot meet)")
    note: Text(200) | None = Field(None, title="说明")


class Enrolment(Doc):
    programme: Programme = Field(title="享受项目")
    id_number: IdNumber | None = Field(None, title="享受人身份证号",
                                       description="the member, for per-person programmes")
    monthly_amount: Yuan = Field(title="月救助金额")
    start_date: SoonDate = Field(title="享受起始日期")
    end_date: AnyDate | None = Field(None, title="享受终止日期")
    last_review: PastDate | None = Field(None, title="最近复核日期")
    taper_from: Month | None = Field(
        None, title="渐退起始月份",
        description="低保 only: first month of the 渐退期, the household's income having risen above the line "
                    "through work (recorded at review); the current amount continues for the taper period")

    @model_validator(mode="after")
    def _consistent(self) -> Enrolment:
        if self.taper_from is not None and self.programme != Programme.dibao:
            raise ValueError(t("taper_from (渐退期) applies to 低保 enrolments only"))
        _in_order(self.start_date, self.end_date, "start_date", "end_date")
        return self


class Household(Doc):
    """One household: its members and everything the rules need about them."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"$id": "https://jiuzhu.example/schema/household.schema.json"},
    )

    household_no: str = Field(title="户编号", pattern=r"^[0-9A-Za-z-]{1,40}$",
                              description="the bureau's household number")
    area_code: AreaCode = Field(title="区划代码")
    address: Text(200) | None = Field(None, title="家庭住址")
    urban: bool = Field(title="城乡类别", description="which 低保 line applies: urban (城市) or rural (农村)")
    declared_on: PastDate | None = Field(
        None, title="申报日期",
        description="date of the household's declaration of its economic situation (家庭经济状况申报): "
                    "from it, months with no income entry are zero and unlisted assets are none; "
                    "null: what is not listed is unknown")
    members: list[Member] = Field(min_length=1, max_length=100, title="家庭成员")
    rigid_spending: list[RigidSpending] = Field(default_factory=list, max_length=2000, title="刚性支出")
    emergencies: list[Emergency] = Field(default_factory=list, max_length=100, title="急难情形")
    enrolments: list[Enrolment] = Field(default_factory=list, max_length=200, title="享受救助")

    @model_validator(mode="after")
    def _consistent(self) -> Household:
        heads = [m for m in self.members if m.relation == Relation.head]
        if len(heads) != 1:
            raise ValueError(t("a household has exactly one head (户主); found {count}", count=len(heads)))
        ids = [m.id_number for m in self.members]
        if len(set(ids)) != len(ids):
            raise ValueError(t("the same ID number appears twice among the members"))
        for item in [*self.rigid_spending, *self.enrolments]:
            if item.id_number is not None and item.id_number not in ids:
                raise ValueError(t("{id_number} is not a member of this household",
                                   id_number=validation.mask_id(item.id_number)))
        return self


def json_schema() -> dict[str, Any]:
    schema = Household.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


class ListKey(str):
    """A list item named by its key in a path (``members[<ID number>]``, ``incomes[2025-08]``), not its place."""


def field_title(loc: tuple) -> str:
    """The Chinese names along a Pydantic error location or a change-log path: ``("members", 1, "incomes", 0,
    "wages")`` → ``家庭成员第2项·收入第1项·工资性收入``; an item named by its key (``ListKey``): ``家庭成员
    512126********0037·…``. Parts without a title are left out."""
    return "·".join(_walk(loc)[0])


def field_annotation(loc: tuple) -> Any:
    """The type the field at ``loc`` holds (an item's, for a list), or None when ``loc`` leaves the schema."""
    return _walk(loc)[1]


def _walk(loc: tuple) -> tuple[list[str], Any]:
    model: Any = Household
    parts: list[str] = []
    annotation: Any = None
    for part in loc:
        if isinstance(part, ListKey):
            if parts:
                parts[-1] += f" {part}"
            continue
        if isinstance(part, int):
            if parts:
                parts[-1] += t("[item {n}]", n=part + 1)
            continue
        info = getattr(model, "model_fields", {}).get(part)
        if info is None:
            return parts, None
        if info.title:
            parts.append(info.title)
        annotation = info.annotation
        model = _item_model(annotation)
    return parts, annotation


def _item_model(annotation: Any) -> Any:
    """The model a field holds (through ``list[...]`` and ``| None``), or None."""
    for arg in (annotation, *getattr(annotation, "__args__", ())):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        for inner in getattr(arg, "__args__", ()):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return None
