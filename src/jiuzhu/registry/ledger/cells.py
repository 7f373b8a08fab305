"""One ledger cell ⇄ one document value: parsers and formatters.

Parsers take what a cell holds (str from CSV; str, int, float, bool, datetime from .xlsx) and return the
document value; they raise ValueError with a reason, in the user's language, fit for the rejection
report. A blank cell never reaches a parser: blank is "not known", never zero. Formatters take the
document value and return str, Decimal, int or date (the writers render those for .xlsx or CSV), or None
for a blank cell. Ranges that the household format declares (dates not in the future, lengths …) are
checked by the format itself; the parsers refuse what cannot even be read, and negative amounts.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from jiuzhu.i18n import t
from jiuzhu.registry import areas
from jiuzhu.registry.codes import Labelled

CENT = Decimal("0.01")
# An Excel cell holds a binary float: 612.4 is 612.39999999999997726...; a float this close to a
# two-decimal amount is taken as that amount, anything else is refused (money is never rounded).
FLOAT_NOISE = Decimal("1e-9")
# What a spreadsheet shows (and openpyxl reads) in a cell whose formula failed.
EXCEL_ERRORS = frozenset({"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!",
                          "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})
EXCEL_EPOCH = dt.date(1899, 12, 30)  # day 0 of Excel's date serial numbers (1900 system)


class UnsavedFormula(str):
    """A cell holding a formula whose result was never saved (a file written by a program, not by a spreadsheet):
    its value is not known, so the row is refused naming the column, never read as blank."""


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def text_of(value: Any) -> str:
    """A cell as text; whole numbers from Excel lose their '.0'; an Excel error is refused by name."""
    if isinstance(value, bool):
        raise ValueError(t("expected text, got the logical value {value}", value=value))
    if isinstance(value, (dt.date, dt.datetime)):
        day = value.strftime("%Y-%m-%d")
        raise ValueError(t("expected text, got the date {value}", value=day))
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(t("expected text, got the number {value}", value=value))
        value = int(value)
    if isinstance(value, UnsavedFormula):
        raise ValueError(t("the cell holds the formula {formula} but no result of it was saved: open the file in "
                           "Excel or WPS and save it again, or type the value itself", formula=str(value)))
    text = str(value).strip()
    if text.upper() in EXCEL_ERRORS:
        raise ValueError(t("the cell holds the spreadsheet error {error} (a formula that failed): type the "
                           "value itself", error=text))
    return text


def parse_text(value: Any) -> str:
    return text_of(value)


def parse_code(value: Any) -> str:
    """A numeric code: digits, possibly typed into a number cell."""
    text = text_of(value)
    if not re.fullmatch(r"\d+", text):
        raise ValueError(t("'{text}' is not a code of digits", text=text))
    return text


def parse_identifier(*, number_cells: bool = False) -> Callable[[Any], str]:
    """An identifier (ID, certificate, account number, plate, phone); a masked one is refused.

    ``number_cells``: whether a number cell can hold it whole. ID and account numbers cannot: Excel keeps
    15 digits, so such a cell has already lost some.
    """

    def parse(value: Any) -> str:
        if not number_cells and isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError(t("stored as a number ({value}) and Excel keeps only 15 digits; format the column as "
                               "text (文本) and type it again", value=repr(value)))
        text = text_of(value)
        if "*" in text:
            raise ValueError(t("masked ({text}): a ledger exported without unmask cannot be imported; export it "
                               "again with unmask (--unmask)", text=text))
        return text

    return parse


def parse_id_number(value: Any) -> str:
    return parse_identifier()(value).upper()


def parse_household_no(value: Any) -> str:
    text = text_of(value)
    if not re.fullmatch(r"[0-9A-Za-z-]{1,40}", text):
        raise ValueError(t("'{text}' is not a household number (letters, digits and '-', at most 40)", text=text))
    return text


def parse_area_code(value: Any) -> str:
    """A district, township or village/community code (``500111119S02`` for a synthetic community)."""
    return areas.check_in_jurisdiction(text_of(value).upper())


def parse_label(enum: type[Labelled], aliases: dict[str, Labelled] | None = None) -> Callable[[Any], Labelled]:
    """A member of the vocabulary by its Chinese label or code (or an older label in ``aliases``)."""
    aliases = aliases or {}

    def parse(value: Any) -> Labelled:
        text = text_of(value)
        return aliases[text] if text in aliases else enum.parse(text)

    return parse


def parse_flag(true_words: tuple[str, ...], false_words: tuple[str, ...]) -> Callable[[Any], bool]:
    def parse(value: Any) -> bool:
        if isinstance(value, bool):  # an Excel TRUE/FALSE cell
            return value
        text = text_of(value)
        if text in true_words:
            return True
        if text in false_words:
            return False
        raise ValueError(t("'{text}' is not {yes} or {no}", text=text, yes=true_words[0], no=false_words[0]))

    return parse


def parse_date(value: Any) -> dt.date:
    """2025-07-31, 2025/7/31, 2025年7月31日, 20250731 or an Excel date cell."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not _yyyymmdd(value):
        raise ValueError(_serial_reason(value))
    text = text_of(value)
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text)
    if not match:
        if re.fullmatch(r"\d{1,6}(\.\d+)?", text):
            raise ValueError(_serial_reason(float(text)))
        raise ValueError(t("'{text}' is not a date such as 2025-07-31 or 2025/7/31", text=text))
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        raise ValueError(t("'{text}' is not a date of the calendar", text=text)) from None


def _yyyymmdd(value: float) -> bool:
    return float(value).is_integer() and 10_000_000 <= value <= 99_999_999


def _serial_reason(value: float) -> str:
    """A date typed as a number: say what date Excel would show, so the user can fix the column's format."""
    try:
        as_date = (EXCEL_EPOCH + dt.timedelta(days=int(value))).isoformat() if 0 < value < 2_958_466 else "?"
    except OverflowError:
        as_date = "?"
    return t("{value} is a number, not a date (as an Excel date serial it would be {date}): format the column "
             "as a date (日期) or type 2025-07-31", value=_plain_number(value), date=as_date)


def _plain_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def parse_month(value: Any) -> str:
    """2025-07, 2025/7, 2025年7月, 202507, or an Excel date cell of the first of the month."""
    if isinstance(value, (dt.date, dt.datetime)):
        if value.day != 1:
            day = value.strftime("%Y-%m-%d")
            raise ValueError(t("the date {value} is not a month; write 2025-07", value=day))
        return f"{value:%Y-%m}"
    text = text_of(value)
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})月?", text) or re.fullmatch(r"(\d{4})(\d{2})", text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(t("'{text}' is not a month such as 2025-07", text=text))
    return f"{match.group(1)}-{int(match.group(2)):02d}"


def decimal_of(value: Any) -> Decimal:
    """A number of at most two decimals from a cell, exactly.

    Excel floats are read through their shortest representation (``repr``) and rounded to two
    decimals only when they lie within 1e-9 of a two-decimal value; strings may use thousands
    separators ("1,234.50").
    """
    if isinstance(value, bool):
        raise ValueError(t("expected a number, got the logical value {value}", value=value))
    if isinstance(value, int):
        return _bounded(Decimal(value), value).quantize(CENT)
    if isinstance(value, float):
        return _decimal_of_float(value)
    text = str(value) if isinstance(value, Decimal) else text_of(value)
    text = text.replace("，", ",").replace(" ", "")
    if not re.fullmatch(r"-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?", text):
        raise ValueError(t("'{text}' is not a number (digits, optional thousands separators, '.')", text=text))
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(t("'{text}' cannot be read as a number", text=text)) from None
    if amount != _bounded(amount, text).quantize(CENT):
        raise ValueError(t("'{text}' has more than two decimals (amounts are never rounded)", text=text))
    return amount.quantize(CENT)


# Beyond any amount the format takes (at most 999,999,999,999.99), and beyond what Decimal can round to the fen
# in its 28 digits: refused here, with the format's own words, before rounding would raise.
_TOO_LARGE = Decimal(10) ** 15


def _bounded(amount: Decimal, text: object) -> Decimal:
    if abs(amount) >= _TOO_LARGE:
        raise ValueError(t("'{value}' is not an amount in yuan with at most two decimals (at most "
                           "999,999,999,999.99)", value=text))
    return amount


def _decimal_of_float(value: float) -> Decimal:
    if not math.isfinite(value):
        raise ValueError(t("'{text}' cannot be read as a number", text=value))
    exact = _bounded(Decimal(repr(value)), repr(value))
    rounded = exact.quantize(CENT)
    if abs(exact - rounded) > FLOAT_NOISE:
        raise ValueError(t("'{text}' has more than two decimals (amounts are never rounded)", text=repr(value)))
    return rounded


def parse_yuan(value: Any) -> str:
    """An amount of yuan, as the interchange format's string ("612.40"); never negative."""
    amount = decimal_of(value)
    text = f"{amount:.2f}"
    if amount < 0:
        raise ValueError(t("'{value}' is negative: amounts of money are 0.00 or more", value=text))
    if len(str(amount).split(".")[0]) > 12:
        raise ValueError(t("{amount} yuan is too large (at most 999,999,999,999.99)", amount=text))
    return text


def parse_area(value: Any) -> str:
    amount = decimal_of(value)
    text = f"{amount:.2f}"
    if amount < 0:
        raise ValueError(t("'{value}' is negative: a floor area is 0.00 m² or more", value=text))
    return text


_GRADE_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4}


def parse_grade(value: Any) -> int:
    """1–4, also '1级', '一级'; the range itself is the document's check."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = text_of(value).removesuffix("级")
    if text in _GRADE_WORDS:
        return _GRADE_WORDS[text]
    if not re.fullmatch(r"-?\d+", text):
        raise ValueError(t("'{text}' is not a disability grade (1 to 4)", text=text))
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
