"""Identity numbers and codes, checked with python-stdnum.

Resident ID numbers (居民身份证号码, GB 11643): length, check digit (ISO 7064
MOD 11-2), birth date, and birth place valid in the birth year (stdnum's table
of historical county codes). Unified social credit codes (GB 32100): check digit.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from stdnum import exceptions
from stdnum.cn import ric, uscc

from jiuzhu.i18n import N_, t
from jiuzhu.registry.codes import Sex

_RIC_REASONS = {
    exceptions.InvalidLength: N_("must be 18 characters"),
    exceptions.InvalidFormat: N_("must be 17 digits followed by a digit or X"),
    exceptions.InvalidChecksum: N_("check digit is wrong"),
    exceptions.InvalidComponent: N_("birth date or area code is not valid"),
}


_PLAIN_ID = re.compile(r"^\d{17}[\dXx]$")


def check_id_number(number: str) -> str:
    """The compact ID number, or ValueError with the reason it is invalid."""
    if _PLAIN_ID.match(number):
        # The common case, checked without the library's cleaning and table search per number (an import
        # checks every member's number: that was most of its time); anything wrong goes the library's way
        # below, which says what.
        upper = number.upper()
        if upper[-1] == ric.calc_check_digit(upper) and _is_date(upper[6:14]) and _place_valid(upper[:6], upper[6:10]):
            return upper
    try:
        return ric.validate(number)
    except KeyError:  # stdnum's table knows the province but not the county (stdnum 2.x): an unknown county
        raise ValueError(t("ID number {number}: {reason}", number=mask_id(number),
                           reason=_component_reason(ric.compact(number)))) from None
    except exceptions.ValidationError as exc:
        reason = t(_RIC_REASONS[type(exc)]) if type(exc) in _RIC_REASONS else str(exc)
        if isinstance(exc, exceptions.InvalidComponent):
            reason = _component_reason(ric.compact(number))
        raise ValueError(t("ID number {number}: {reason}", number=mask_id(number), reason=reason)) from None


def stated_birth_date(number: str) -> dt.date | None:
    """The birth date an ID number of the right form and check digit holds, if it is a date (else None)."""
    upper = number.upper()
    if not _PLAIN_ID.match(upper) or upper[-1] != ric.calc_check_digit(upper) or not _is_date(upper[6:14]):
        return None
    return birth_date_of(upper)


def _component_reason(number: str) -> str:
    try:
        ric.get_birth_date(number)
    except exceptions.ValidationError:
        return t("birth date {digits} is not a valid date", digits=number[6:14])
    return t("area code {code} was not a valid county code in {year}", code=number[:6], year=number[6:10])


def _is_date(digits: str) -> bool:
    try:
        dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return True


@lru_cache(maxsize=65_536)
def _place_valid(area: str, year: str) -> bool:
    """The area code was a county's in the birth year (stdnum's table of historical codes)."""
    try:
        ric.get_birth_place(f"{area}{year}01010000")
    except (exceptions.ValidationError, KeyError):  # KeyError: a province stdnum knows, a county it does not
        return False
    return True


def birth_date_of(number: str) -> dt.date:
    if _PLAIN_ID.match(number):
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    return ric.get_birth_date(number)


def sex_of(number: str) -> Sex:
    """The 17th digit is odd for men and even for women (GB 11643)."""
    return Sex.male if int(number[16]) % 2 else Sex.female


def check_uscc(code: str) -> str:
    try:
        return uscc.validate(code)
    except exceptions.ValidationError as exc:
        raise ValueError(t("unified social credit code {code}: {reason}", code=code,
                           reason=t(_USCC_REASONS[type(exc)]) if type(exc) in _USCC_REASONS else exc.message)) from None


_USCC_REASONS = {
    exceptions.InvalidLength: N_("must be 18 characters"),
    exceptions.InvalidFormat: N_("must be digits and capital letters (no I, O, S, V, Z)"),
    exceptions.InvalidChecksum: N_("check digit is wrong"),
    exceptions.InvalidComponent: N_("a part of the code is not valid"),
}


def mask_id(number: str) -> str:
    """Show the first 6 and last 4 characters: 500111********123X."""
    number = str(number)
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_account(account: str) -> str:
    """Bank accounts and plates: only the last 4 characters stay visible."""
    return "*" * max(len(account) - 4, 0) + account[-4:]
