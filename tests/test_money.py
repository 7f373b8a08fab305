"""Money conversions: exact fen from yuan strings and from the rules' float parameters."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.i18n import use_language
from jiuzhu.money import fen_to_yuan, format_amount, format_yuan, parameter_fen, yuan_to_fen


@given(st.integers(min_value=0, max_value=10**11))
def test_a_parameter_read_as_a_float_gives_back_its_fen(fen):
    # YAML parameters reach the rules as floats: 70.1 yuan must be 7010 fen, not 7009.
    assert parameter_fen(fen / 100) == fen


def test_truncation_would_lose_a_fen_where_rounding_does_not():
    assert int(70.1 * 100) == 7009 and parameter_fen(70.1) == 7010


@given(st.integers(min_value=0, max_value=10**12))
def test_yuan_strings_round_trip_through_fen(fen):
    assert yuan_to_fen(str(fen_to_yuan(fen))) == fen


@pytest.mark.parametrize("bad", ["1.005", "abc", "NaN", 1.5])
def test_yuan_with_sub_fen_precision_or_not_money_is_refused(bad):
    with pytest.raises(ValueError):
        yuan_to_fen(bad)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_formatted_money_has_thousands_separators_two_decimals_and_reads_back(fen):
    text = format_yuan(fen)
    whole, _, cents = text.lstrip("-").partition(".")
    assert len(cents) == 2 and all(len(g) == 3 for g in whole.split(",")[1:]) and 1 <= len(whole.split(",")[0]) <= 3
    assert yuan_to_fen(text.replace(",", "")) == fen


def test_formatted_money_examples():
    assert format_yuan(123456) == "1,234.56" and format_yuan(0) == "0.00" and format_yuan(5) == "0.05"
    assert format_yuan(2**31) == "21,474,836.48" and format_amount("2090.00") == "2,090.00"


def test_unknown_money_is_unknown_never_zero(zh):
    assert format_yuan(None) == "未知" and format_amount(None) == "未知"
    with use_language("en"):
        assert format_yuan(None) == "unknown"
