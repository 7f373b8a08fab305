"""ID numbers, credit codes and area codes are checked with the maintained libraries and tables."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from jiuzhu.registry import areas, validation
from jiuzhu.registry.codes import Sex
from tests.factories import id_number

births = st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2024, 12, 31))


@given(birth=births, seq=st.integers(0, 499), male=st.booleans())
def test_a_well_formed_id_number_is_accepted_and_says_birth_and_sex(birth, seq, male):
    number = id_number(birth, seq, male)
    assert validation.check_id_number(number) == number
    assert validation.birth_date_of(number) == birth
    assert validation.sex_of(number) == (Sex.male if male else Sex.female)


@given(birth=births, seq=st.integers(0, 499), male=st.booleans(), wrong=st.sampled_from("0123456789X"))
def test_any_other_check_digit_is_rejected_by_name(birth, seq, male, wrong):
    number = id_number(birth, seq, male)
    if wrong == number[-1]:
        return
    with pytest.raises(ValueError, match="check digit is wrong"):
        validation.check_id_number(number[:-1] + wrong)


def _with_check(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def test_an_impossible_birth_date_is_rejected():
    with pytest.raises(ValueError, match="birth date 20111302 is not a valid date"):
        validation.check_id_number(_with_check("50011120111302001"))


def test_an_area_code_not_valid_in_the_birth_year_is_rejected():
    # 500111 (大足区) exists from 2011; a person born in 1990 cannot carry it at birth.
    with pytest.raises(ValueError, match="area code 500111 was not a valid county code in 1990"):
        validation.check_id_number(_with_check("50011119900302001"))


def test_an_unknown_area_code_is_rejected():
    with pytest.raises(ValueError, match="area code 999999"):
        validation.check_id_number(_with_check("99999920110302001"))


def test_error_messages_mask_the_id_number():
    with pytest.raises(ValueError) as info:
        validation.check_id_number("500111201103020010")
    assert "20110302" not in str(info.value)


def test_unified_social_credit_codes():
    assert validation.check_uscc("92500111MA5U7K2L3M") == "92500111MA5U7K2L3M"
    with pytest.raises(ValueError, match="unified social credit code"):
        validation.check_uscc("92500111MA5U7K2L3A")


def test_area_codes_come_from_the_official_table():
    assert areas.check_area_code("500111119") == "500111119"  # 铁山镇
    assert [a.name for a in areas.lineage("500109102")] == ["重庆市", "北碚区", "澄江镇"]
    with pytest.raises(ValueError, match="not in the official division table"):
        areas.check_area_code("500111999")
    with pytest.raises(ValueError, match="province or prefecture"):
        areas.check_area_code("500000")


def test_village_codes_must_sit_under_an_official_township():
    assert areas.check_area_code("500111119201") == "500111119201"
    assert areas.check_area_code("500111119S03") == "500111119S03"
    with pytest.raises(ValueError, match="township 500111999"):
        areas.check_area_code("500111999201")


def test_townships_of_a_district_are_the_official_ones():
    names = {a.code: a.name for a in areas.townships_of("500111")}
    assert names["500111119"] == "铁山镇" and names["500111120"] == "高升镇"
    assert all(code.startswith("500111") and len(code) == 9 for code in names)


@pytest.mark.parametrize("masker,value,expected", [
    (validation.mask_id, "500111201103020017", "500111********0017"),
    (validation.mask_account, "6217000012345678", "************5678"),
])
def test_masking(masker, value, expected):
    assert masker(value) == expected


@given(number=st.text(alphabet="0123456789Xx", min_size=18, max_size=18)
       | st.builds(lambda b, s, m: id_number(b, s, m), births, st.integers(0, 499), st.booleans())
       | st.builds(lambda first17: first17 + ric.calc_check_digit(first17 + "0"),
                   st.sampled_from(["512126", "510230", "500225", "500111", "110101", "999999", "500000"]).flatmap(
                       lambda area: st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2030, 12, 31)).map(
                           lambda d: f"{area}{d:%Y%m%d}123"))))
def test_the_quick_check_of_an_id_number_agrees_with_the_library(number):
    """The import checks ID numbers without stdnum's cleaning and table search per number (a cache per area
    and year): it accepts exactly what ``stdnum.cn.ric`` accepts, and gives the library's reason otherwise."""
    try:
        expected = ric.validate(number)
    except (ValueError, KeyError):  # KeyError: stdnum's own slip on a county it does not know (refused too)
        expected = None
    if expected is None:
        with pytest.raises(ValueError, match="ID number"):
            validation.check_id_number(number)
    else:
        assert validation.check_id_number(number) == expected
        assert validation.birth_date_of(expected) == ric.get_birth_date(expected)


def test_a_county_the_table_does_not_know_is_refused_with_a_reason_not_a_crash():
    """stdnum raises KeyError (not its ValidationError) for a known province with an unknown county."""
    with pytest.raises(ValueError, match="area code 117716 was not a valid county code in 2830"):
        validation.check_id_number("117716283007101872"[:17] + ric.calc_check_digit("117716283007101872"))
