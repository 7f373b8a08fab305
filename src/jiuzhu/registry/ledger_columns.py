"""The columns of the township ledger (台账), defined once as data.

Each column names its Chinese header, the place of its value in a *ledger view*
of one row, the parser that turns a cell into that value and the formatter that
turns the value back into a cell. Import (``ledger.import_ledger``) and export
(``ledger.export_ledger``) both walk ``COLUMNS``, so they cannot drift apart.

A ledger view is a dict with three parts, each shaped like the interchange
documents of ``schemas``::

    {"household": {household_no, area_code, address, urban},
     "member":    a schemas.Member document with one slot per list,
     "enrolment": {programme, monthly_amount, start_date}}

Paths address it: ``member.disability.grade``; ``member.incomes[0].wages`` (the
only item of a list); ``member.financial_assets[kind=deposit].amount`` (the item
of the list whose ``kind`` is ``deposit``, created with that key when missing).

Parsers take what a cell holds (str from CSV; str, int, float, bool, datetime
from .xlsx) and return the document value, or None for a blank cell; they raise
ValueError with a reason fit for the rejection report. Formatters take the
document value and return str, Decimal, int or date (the writers render those
for .xlsx or CSV), or None for a blank cell.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from jiuzhu.months import month_end, month_start  # noqa: F401  (used by ledger.py through this module)
from jiuzhu.registry import areas
from jiuzhu.registry.codes import (
    INCOME_CATEGORIES,
    INCOME_LABELS,
    SELF_CARE_ACTIVITIES,
    SELF_CARE_LABELS,
    AssetKind,
    DisabilityCategory,
    Employment,
    ExclusionReason,
    Labelled,
    Programme,
    PropertyUse,
    Relation,
    SchoolLevel,
    Sex,
    VehicleKind,
)

CENT = Decimal("0.01")
# An Excel cell holds a binary float: 612.4 is 612.39999999999997726...; a float
# this close to a two-decimal amount is taken as that amount, anything else is
# refused as having more than two decimals (money.py never rounds money).
FLOAT_NOISE = Decimal("1e-9")

# Programmes of the whole household: listed on several rows of one household, they count once.
HOUSEHOLD_PROGRAMMES = frozenset({Programme.dibao, Programme.margin, Programme.rigid_spending})


# --------------------------------------------------------------------------- cells


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _text_of(value: Any) -> str:
    """A cell as text; whole numbers from Excel lose their '.0'."""
    if isinstance(value, bool):
        raise ValueError(f"expected text, got the logical value {value}")
    if isinstance(value, (dt.date, dt.datetime)):
        raise ValueError(f"expected text, got the date {value:%Y-%m-%d}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"expected text, got the number {value}")
        value = int(value)
    return str(value).strip()


def parse_text(value: Any) -> str:
    return _text_of(value)


def parse_code(value: Any) -> str:
    """A numeric code: digits, possibly typed into a number cell."""
    text = _text_of(value)
    if not re.fullmatch(r"\d+", text):
        raise ValueError(f"'{text}' is not a code of digits")
    return text


def parse_long_number(what: str) -> Callable[[Any], str]:
    """Identifiers too long for an Excel number: a number cell has already lost digits."""

    def parse(value: Any) -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError(f"the {what} was stored as a number ({value!r}) and Excel keeps only 15 digits; "
                             "format the column as text (文本) and type it again")
        text = _text_of(value).upper()
        if "*" in text:
            raise ValueError(f"the {what} is masked ({text}); a ledger exported without unmask cannot be imported")
        return text

    return parse


def parse_household_no(value: Any) -> str:
    text = _text_of(value)
    if not re.fullmatch(r"[0-9A-Za-z-]{1,40}", text):
        raise ValueError(f"'{text}' is not a household number (letters, digits and '-', at most 40)")
    return text


def parse_area_code(value: Any) -> str:
    return areas.check_area_code(parse_code(value))


def parse_label(enum: type[Labelled]) -> Callable[[Any], Labelled]:
    def parse(value: Any) -> Labelled:
        return enum.parse(_text_of(value))

    return parse


def parse_flag(true_words: tuple[str, ...], false_words: tuple[str, ...]) -> Callable[[Any], bool]:
    def parse(value: Any) -> bool:
        if isinstance(value, bool):  # an Excel TRUE/FALSE cell
            return value
        text = _text_of(value)
        if text in true_words:
            return True
        if text in false_words:
            return False
        raise ValueError(f"'{text}' is not {true_words[0]} or {false_words[0]}")

    return parse


def parse_date(value: Any) -> dt.date:
    """2025-07-31, 2025/7/31, 20250731 or an Excel date cell."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text_of(value)
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text)
    if not match:
        raise ValueError(f"'{text}' is not a date such as 2025-07-31 or 2025/7/31")
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        raise ValueError(f"'{text}' is not a valid date") from None


def parse_month(value: Any) -> str:
    """2025-07, 2025/7, 2025年7月, or an Excel date cell of the first of the month."""
    if isinstance(value, (dt.date, dt.datetime)):
        if value.day != 1:
            raise ValueError(f"the date {value:%Y-%m-%d} is not a month; write 2025-07")
        return f"{value:%Y-%m}"
    text = _text_of(value)
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})月?", text) or re.fullmatch(r"(\d{4})(\d{2})", text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"'{text}' is not a month such as 2025-07")
    return f"{match.group(1)}-{int(match.group(2)):02d}"


def decimal_of(value: Any, what: str = "amount") -> Decimal:
    """A number of at most two decimals from a cell, exactly.

    Excel floats are read through their shortest representation (``repr``) and
    rounded to two decimals only when they lie within 1e-9 of a two-decimal value;
    strings may use thousands separators ("1,234.50").
    """
    if isinstance(value, bool):
        raise ValueError(f"expected an {what}, got the logical value {value}")
    if isinstance(value, int):
        return Decimal(value).quantize(CENT)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} is not an {what}")
        exact = Decimal(repr(value))
        rounded = exact.quantize(CENT)
        if abs(exact - rounded) > FLOAT_NOISE:
            raise ValueError(f"{value!r} has more than two decimal places")
        return rounded
    if isinstance(value, Decimal):
        text = str(value)
    else:
        text = _text_of(value)
    text = text.replace("，", ",").replace(" ", "")
    if not re.fullmatch(r"-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?", text):
        raise ValueError(f"'{text}' is not an {what} (digits, optional thousands separators, '.')")
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"'{text}' is not an {what}") from None
    if amount != amount.quantize(CENT):
        raise ValueError(f"'{text}' has more than two decimal places")
    return amount.quantize(CENT)


def parse_yuan(value: Any) -> str:
    """An amount of yuan, as the interchange format's string ("612.40")."""
    amount = decimal_of(value, "amount of yuan")
    if len(str(abs(amount)).split(".")[0]) > 12:
        raise ValueError(f"{amount} yuan is too large")
    return f"{amount:.2f}"


def parse_area(value: Any) -> str:
    amount = decimal_of(value, "area in m²")
    if amount < 0:
        raise ValueError(f"{amount} m² is negative")
    return f"{amount:.2f}"


_GRADE_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4}


def parse_grade(value: Any) -> int:
    """1–4, also '1级', '一级'; the range itself is the document's check."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = _text_of(value).removesuffix("级")
    if text in _GRADE_WORDS:
        return _GRADE_WORDS[text]
    if not re.fullmatch(r"-?\d+", text):
        raise ValueError(f"'{text}' is not a disability grade (1 to 4)")
    return int(text)


# --------------------------------------------------------------------------- formatters


def format_text(value: Any) -> str | None:
    return None if value is None else str(value)


def format_label(enum: type[Labelled]) -> Callable[[Any], str | None]:
    def fmt(value: Any) -> str | None:
        if value is None:
            return None
        return enum(value.value if isinstance(value, Enum) else value).label

    return fmt


def format_flag(true_word: str, false_word: str) -> Callable[[Any], str | None]:
    def fmt(value: Any) -> str | None:
        return None if value is None else (true_word if value else false_word)

    return fmt


def format_decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(CENT)


def format_as_is(value: Any) -> Any:
    return value


# --------------------------------------------------------------------------- columns


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
    segments: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", parse_path(self.path))

    @property
    def root(self) -> str:
        return self.segments[0][0]

    @property
    def loc(self) -> tuple | None:
        """The location of the value in its part's document, as Pydantic reports it (None if keyed)."""
        loc: list = []
        for name, key in self.segments[1:]:
            loc.append(name)
            if key is not None:
                if not isinstance(key, int):
                    return None
                loc.append(key)
        return tuple(loc)


def parse_path(path: str) -> tuple[tuple[str, Any], ...]:
    """``member.incomes[0].wages`` → (("member", None), ("incomes", 0), ("wages", None))."""
    out = []
    for part in path.split("."):
        match = re.fullmatch(r"(\w+)(?:\[(\d+|\w+=\w+)\])?", part)
        if not match:
            raise ValueError(f"bad column path {path}")
        name, key = match.groups()
        if key is None:
            out.append((name, None))
        elif key.isdigit():
            out.append((name, int(key)))
        else:
            k, v = key.split("=")
            out.append((name, (k, v)))
    return tuple(out)


def get_path(view: dict, segments: tuple) -> Any:
    node: Any = view
    for name, key in segments:
        if not isinstance(node, dict):
            return None
        node = node.get(name)
        if key is None or node is None:
            continue
        if isinstance(key, int):
            node = node[key] if key < len(node) else None
        else:
            k, v = key
            node = next((item for item in node if _key_value(item.get(k)) == v), None)
    return node


def set_path(view: dict, segments: tuple, value: Any) -> tuple:
    """Set a value, creating dicts and list items on the way; returns its concrete location."""
    node = view
    loc: list = []
    for i, (name, key) in enumerate(segments):
        last = i == len(segments) - 1
        if key is None:
            loc.append(name)
            if last:
                node[name] = value
            else:
                node = node.setdefault(name, {})
            continue
        items = node.setdefault(name, [])
        if isinstance(key, int):
            while len(items) <= key:
                items.append({})
            index = key
        else:
            k, v = key
            index = next((j for j, item in enumerate(items) if _key_value(item.get(k)) == v), None)
            if index is None:
                items.append({k: v})
                index = len(items) - 1
        loc += [name, index]
        if last:
            items[index] = value
        else:
            node = items[index]
    return tuple(loc[1:])  # without the part's name ("member")


def _key_value(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


YES, NO = ("是", "Y", "y", "TRUE", "true", "1"), ("否", "N", "n", "FALSE", "false", "0")


def _yes_no() -> dict:
    return dict(parse=parse_flag(YES, NO), format=format_flag("是", "否"), kind="text", allowed="是 / 否")


def _choices(enum: type[Labelled]) -> str:
    return " / ".join(m.label for m in enum)


def _labelled(enum: type[Labelled]) -> dict:
    return dict(parse=parse_label(enum), format=format_label(enum), kind="text", allowed=_choices(enum))


_TEXT = dict(parse=parse_text, format=format_text, kind="text")
_DATE = dict(parse=parse_date, format=format_as_is, kind="date", allowed="2025-07-31, 2025/7/31 or a date cell")
_YUAN = dict(parse=parse_yuan, format=format_decimal, kind="amount",
             allowed="yuan, ≤ 2 decimals, '1,234.50' or a number cell; blank = not known")


def _columns() -> list[Column]:
    c = Column
    cols = [
        c("户编号", "household.household_no", parse_household_no, format_text, "text",
          "the bureau's household number; the rows of one household share it",
          "letters, digits, '-'", "500111119-000001", required=True),
        c("区划代码", "household.area_code", parse_area_code, format_text, "text",
          "township (9 digits) or village/community (12) of the household",
          "official code (民政部 2025-12-31) or a village under one", "500111119", required=True),
        c("家庭住址", "household.address", **_TEXT, meaning="address of the household",
          allowed="text", example="大足区铁山镇示例村3组12号"),
        c("城乡类别", "household.urban", parse_flag(("城市", "城镇"), ("农村",)), format_flag("城市", "农村"),
          "text", "which 低保 line applies", "城市 / 农村", "农村", required=True),
        c("申报日期", "household.declared_on", **_DATE,
          meaning="date of the household's declaration of its economic situation (家庭经济状况申报): from it, "
                  "blank income cells of earlier months count as zero; blank = not declared, so unknown",
          example="2025-08-05"),
        c("与户主关系", "member.relation", **_labelled(Relation), meaning="relation to the head (户主)",
          example="户主", required=True),
        c("姓名", "member.name", **_TEXT, meaning="name", allowed="1–40 characters", example="王德福", required=True),
        c("身份证号", "member.id_number", parse_long_number("ID number"), format_text, "text",
          "resident ID number (GB 11643), checked", "18 characters, text cell", "512126195804120037",
          required=True),
        c("性别", "member.sex", **_labelled(Sex), meaning="sex; optional, must agree with the ID number",
          example="男"),
        c("出生日期", "member.birth_date", **{**_DATE, "allowed": "optional, must agree with the ID number"},
          meaning="birth date", example="1958-04-12"),
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
        c("行业", "member.sector", **_TEXT, meaning="sector of work", allowed="text", example="农业"),
        c("在校阶段", "member.school_level", **_labelled(SchoolLevel), meaning="school level of a student",
          example="小学"),
        c("重大疾病", "member.major_illness", parse_flag(YES, NO), format_flag("是", "否"), "text",
          "has a recognised major illness", "是 / 否 / blank = not known", "是"),
        c("残疾类别", "member.disability.category", **_labelled(DisabilityCategory),
          meaning="disability certificate: category (blank = no certificate)", example="肢体"),
        c("残疾等级", "member.disability.grade", parse_grade, format_as_is, "int",
          "disability grade, 1 most severe", "1–4 (also 一级)", "2"),
        c("残疾证号", "member.disability.certificate_no", parse_long_number("certificate number"), format_text,
          "text", "disability certificate number", "text cell", "51212619580412003542"),
        c("残疾证有效期起", "member.disability.valid_from", **_DATE, meaning="certificate valid from",
          example="2021-05-01"),
        c("残疾证有效期止", "member.disability.valid_to", **_DATE, meaning="certificate valid to",
          example="2031-04-30"),
    ]
    for act in SELF_CARE_ACTIVITIES:
        cols.append(c(SELF_CARE_LABELS[act], f"member.self_care.{act}", parse_flag(("能",), ("不能",)),
                      format_flag("能", "不能"), "text", f"self-care: {act.replace('_', ' ')} unaided",
                      "能 / 不能; all six or none (blank = not assessed)", "能"))
    cols.append(c("收入月份", "member.incomes[0].month", parse_month, format_text, "text",
                  "the month the income columns describe; the asset columns are as of its last day",
                  "YYYY-MM (2025-07)", "2025-07"))
    for cat in INCOME_CATEGORIES:
        cols.append(c(INCOME_LABELS[cat], f"member.incomes[0].{cat}", **_YUAN,
                      meaning=f"income of the month: {cat.replace('_', ' ')}", example="280.00"))
    for kind in AssetKind:
        cols.append(c(kind.label, f"member.financial_assets[kind={kind.value}].amount", **_YUAN,
                      meaning=f"{kind.value.replace('_', ' ')} as of the last day of 收入月份 (total)",
                      example="3200.50"))
    cols += [
        c("机动车类型", "member.vehicles[0].kind", **_labelled(VehicleKind), meaning="motor vehicle (one slot)",
          example="残疾人代步车"),
        c("机动车价值", "member.vehicles[0].value", **_YUAN, meaning="value of the vehicle", example="2500.00"),
        c("残疾人代步车", "member.vehicles[0].mobility_for_disabled", **_yes_no(),
          meaning="the vehicle is a disabled person's mobility vehicle", example="是"),
        c("住房用途", "member.real_estate[0].use", **_labelled(PropertyUse), meaning="real estate (one slot)",
          example="住宅"),
        c("住房面积", "member.real_estate[0].floor_area_m2", parse_area, format_decimal, "number",
          "floor area", "m², ≤ 2 decimals", "86.00"),
        c("统一社会信用代码", "member.businesses[0].uscc", parse_long_number("credit code"), format_text, "text",
          "business registered to the person (one slot)", "18 characters (GB 32100)", "92500111MA5U7K2L3M"),
        c("注册资本", "member.businesses[0].registered_capital", **_YUAN, meaning="registered capital",
          example="50000.00"),
        c("享受项目", "enrolment.programme", **_labelled(Programme),
          meaning="programme the household (最低生活保障, 低保边缘家庭, 刚性支出困难家庭) or this person receives",
          example="最低生活保障"),
        c("月救助金额", "enrolment.monthly_amount", **_YUAN, meaning="monthly amount of that programme",
          example="630.00"),
        c("享受起始日期", "enrolment.start_date", **_DATE, meaning="start of that programme", example="2024-01-01"),
    ]
    return cols


COLUMNS: list[Column] = _columns()
BY_HEADER: dict[str, Column] = {col.header: col for col in COLUMNS}
HEADERS: list[str] = [col.header for col in COLUMNS]
REQUIRED_HEADERS: list[str] = [col.header for col in COLUMNS if col.required]
SELF_CARE_HEADERS: list[str] = [SELF_CARE_LABELS[a] for a in SELF_CARE_ACTIVITIES]
HOUSEHOLD_COLUMNS: list[Column] = [col for col in COLUMNS if col.root == "household"]
ENROLMENT_COLUMNS: list[Column] = [col for col in COLUMNS if col.root == "enrolment"]


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
