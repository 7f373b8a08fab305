"""The household interchange format (JSON; JSON Lines for many households).

These Pydantic models *are* the format: ``docs/schema/household.schema.json`` is
generated from them (``jiuzhu schema``) and a test keeps the two equal. Money is
a string of yuan with at most two decimals ("612.40"); dates are ISO 8601;
months are "YYYY-MM". An absent or null fact means "not known", never zero.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from jiuzhu.money import fen_to_yuan, yuan_to_fen
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

YUAN_PATTERN = r"^-?\d{1,12}(\.\d{1,2})?$"
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


def _parse_yuan(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        value = str(value)
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError("an amount of money must be a string of yuan such as \"612.40\"")
    if isinstance(value, str) and not re.match(YUAN_PATTERN, value.strip()):
        raise ValueError(f"'{value}' is not an amount in yuan with at most two decimals")
    return fen_to_yuan(yuan_to_fen(value))


Yuan = Annotated[
    Decimal,
    BeforeValidator(_parse_yuan),
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": YUAN_PATTERN, "description": "yuan, at most two decimals"}),
]
Month = Annotated[str, Field(pattern=MONTH_PATTERN, description="calendar month, YYYY-MM")]
SquareMetres = Annotated[
    Decimal,
    BeforeValidator(lambda v: Decimal(str(v)) if not isinstance(v, float) else _no_float(v)),
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d{1,8}(\.\d{1,2})?$", "description": "square metres"}),
]


def _no_float(v: float) -> Decimal:
    raise ValueError("give floor areas as strings such as \"65.50\"")


def _id_number(value: str) -> str:
    return validation.check_id_number(value)


def _area_code(value: str) -> str:
    return areas.check_area_code(value)


IdNumber = Annotated[str, BeforeValidator(lambda v: _id_number(str(v))),
                     WithJsonSchema({"type": "string", "pattern": r"^\d{17}[\dX]$",
                                     "description": "18-character resident ID number (GB 11643)"})]
AreaCode = Annotated[str, BeforeValidator(lambda v: _area_code(str(v))),
                     WithJsonSchema({"type": "string", "pattern": r"^\d{6}(\d{3}(\d{3}|S\d{2})?)?$",
                                     "description": "official division code (6 or 9 digits) or a village code (12)"})]


class Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


class Hukou(Doc):
    """户籍: where the person is registered."""

    chongqing: bool | None = Field(None, description="户籍 in Chongqing")
    urban: bool | None = Field(None, description="urban (城镇) rather than rural (农村) 户籍")
    area_code: str | None = Field(None, pattern=r"^\d{6}(\d{3})?$", description="户籍 district or township code")


class Disability(Doc):
    """残疾人证."""

    category: DisabilityCategory
    grade: int = Field(ge=1, le=4, description="1 is the most severe")
    certificate_no: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> "Disability":
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


class SelfCare(Doc):
    """Self-care assessment on the six activities; true = manages unaided."""

    assessed_on: dt.date | None = None
    eating: bool
    dressing: bool
    transfer: bool
    toileting: bool
    indoor_walking: bool
    bathing: bool


class IncomeMonth(Doc):
    """One month of a person's income by category, in yuan; an absent category is not known."""

    month: Month
    wages: Yuan | None = None
    business_net: Yuan | None = None
    property_net: Yuan | None = None
    transfer_net: Yuan | None = None
    pension: Yuan | None = None
    unemployment_benefit: Yuan | None = None
    youfu: Yuan | None = Field(None, description="优抚 payments: recorded, not counted")
    family_planning: Yuan | None = Field(None, description="family-planning awards: not counted")
    award: Yuan | None = Field(None, description="scholarships and bravery awards: not counted")
    assistance: Yuan | None = Field(None, description="social-assistance cash: not counted")
    basic_pension_central: Yuan | None = Field(
        None, description="central basic pension of the residents' scheme: not counted")


class FinancialAsset(Doc):
    kind: AssetKind
    institution: str | None = None
    amount: Yuan
    as_of: dt.date


class Vehicle(Doc):
    kind: VehicleKind
    plate: str | None = None
    value: Yuan | None = None
    mobility_for_disabled: bool = False


class RealEstate(Doc):
    use: PropertyUse
    floor_area_m2: SquareMetres
    certificate_no: str | None = None
    location: str | None = None


class Business(Doc):
    uscc: str = Field(description="统一社会信用代码 (GB 32100)")
    name: str | None = None
    registered_capital: Yuan | None = None

    @field_validator("uscc")
    @classmethod
    def _valid_uscc(cls, v: str) -> str:
        return validation.check_uscc(v)


class Supporter(Doc):
    """A legal supporter (赡养/抚养/扶养义务人), who may live elsewhere."""

    name: str = Field(min_length=1)
    id_number: IdNumber | None = None
    relation: Relation
    status: SupporterStatus


class Member(Doc):
    id_number: IdNumber
    name: str = Field(min_length=1, max_length=40)
    sex: Sex | None = Field(None, description="derived from the ID number when absent; must agree with it")
    birth_date: dt.date | None = Field(None, description="derived from the ID number when absent; must agree")
    death_date: dt.date | None = None
    relation: Relation
    counted: bool = Field(True, description="共同生活家庭成员: counts for income and property")
    exclusion_reason: ExclusionReason | None = None
    hukou: Hukou | None = None
    employment: Employment | None = None
    sector: str | None = None
    school_level: SchoolLevel | None = None
    major_illness: bool | None = None
    disability: Disability | None = None
    self_care: SelfCare | None = None
    in_institution: bool | None = Field(
        None, description="lives in a welfare institution (机构集中供养/养育): the institution standard of 孤儿 and "
                          "事实无人抚养儿童 allowances applies; absent or null: lives at home")
    work_injury_care: bool | None = Field(
        None, description="receives work-injury care pay (工伤保险生活护理费), which the 重度残疾人护理补贴 does not "
                          "stack with; absent or null: does not")
    incomes: list[IncomeMonth] = Field(default_factory=list, description="in month order")
    financial_assets: list[FinancialAsset] = Field(default_factory=list)
    vehicles: list[Vehicle] = Field(default_factory=list)
    real_estate: list[RealEstate] = Field(default_factory=list)
    businesses: list[Business] = Field(default_factory=list)
    supporters: list[Supporter] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> "Member":
        id_sex, id_birth = validation.sex_of(self.id_number), validation.birth_date_of(self.id_number)
        if self.sex is not None and self.sex != id_sex:
            raise ValueError(f"sex {self.sex.value} disagrees with the ID number ({id_sex.value})")
        if self.birth_date is not None and self.birth_date != id_birth:
            raise ValueError(f"birth_date {self.birth_date} disagrees with the ID number ({id_birth})")
        self.sex, self.birth_date = id_sex, id_birth
        if self.hukou is not None and self.hukou == Hukou():
            self.hukou = None  # nothing known about the 户籍 is the same as no 户籍 record
        if self.counted == (self.exclusion_reason is not None):
            raise ValueError("exclusion_reason is required exactly when counted is false")
        months = [i.month for i in self.incomes]
        if len(set(months)) != len(months):
            raise ValueError("incomes: a month appears twice")
        self.incomes.sort(key=lambda i: i.month)
        return self


class RigidSpending(Doc):
    month: Month
    category: RigidCategory
    amount: Yuan
    id_number: str | None = Field(None, description="the member it was spent on, if known")


class Emergency(Doc):
    """An emergency (急难) the township has assessed: what happened, when, and the need it left."""

    date: dt.date = Field(description="the day it happened")
    kind: EmergencyKind
    need: Yuan = Field(ge=0, description="the need assessed by the township (the loss or cost the household cannot "
                                        "meet); never negative")
    note: str | None = Field(None, max_length=200)


class Enrolment(Doc):
    programme: Programme
    id_number: str | None = Field(None, description="the member, for per-person programmes")
    monthly_amount: Yuan
    start_date: dt.date
    end_date: dt.date | None = None
    last_review: dt.date | None = None
    taper_from: Month | None = Field(
        None, description="低保 only: first month of the 渐退期, the household's income having risen above the line "
                          "through work (recorded at review); the current amount continues for the taper period")

    @model_validator(mode="after")
    def _taper_is_dibao(self) -> "Enrolment":
        if self.taper_from is not None and self.programme != Programme.dibao:
            raise ValueError("taper_from (渐退期) applies to 低保 enrolments only")
        return self


class Household(Doc):
    """One household: its members and everything the rules need about them."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"$id": "https://jiuzhu.example/schema/household.schema.json"},
    )

    household_no: str = Field(pattern=r"^[0-9A-Za-z-]{1,40}$", description="the bureau's household number")
    area_code: AreaCode
    address: str | None = None
    urban: bool = Field(description="which 低保 line applies: urban (城市) or rural (农村)")
    declared_on: dt.date | None = Field(
        None, description="date of the household's declaration of its economic situation (家庭经济状况申报): "
                          "from it, months with no income entry are zero and unlisted assets are none; "
                          "null: what is not listed is unknown")
    members: list[Member] = Field(min_length=1)
    rigid_spending: list[RigidSpending] = Field(default_factory=list)
    emergencies: list[Emergency] = Field(default_factory=list)
    enrolments: list[Enrolment] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> "Household":
        heads = [m for m in self.members if m.relation == Relation.head]
        if len(heads) != 1:
            raise ValueError(f"a household has exactly one head (户主); found {len(heads)}")
        ids = [m.id_number for m in self.members]
        if len(set(ids)) != len(ids):
            raise ValueError("the same ID number appears twice among the members")
        for item in [*self.rigid_spending, *self.enrolments]:
            if item.id_number is not None and item.id_number not in ids:
                raise ValueError(f"{validation.mask_id(item.id_number)} is not a member of this household")
        return self


def json_schema() -> dict[str, Any]:
    schema = Household.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
