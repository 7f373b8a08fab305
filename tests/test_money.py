"""Money conversions: exact fen from yuan strings and from the rules' float parameters."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.money import fen_to_yuan, parameter_fen, yuan_to_fen


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
