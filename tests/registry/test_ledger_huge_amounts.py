"""A ledger cell holding an amount beyond anything the format takes is refused as a value, never a crash in rounding."""

from decimal import Decimal

import pytest

from jiuzhu.registry.ledger.cells import decimal_of


@pytest.mark.parametrize("cell", [10**30, 1e30, 1e300, "1" * 40, "1" * 29 + ".5", -(10**30)])
def test_an_amount_too_large_to_round_is_a_clear_value_error(cell):
    with pytest.raises(ValueError, match="999,999,999,999.99"):
        decimal_of(cell)


@pytest.mark.parametrize("cell, amount", [(999_999_999_999, "999999999999.00"),
                                          ("999,999,999,999.99", "999999999999.99"),
                                          (0.1 + 0.2, "0.30"), ("1,234.50", "1234.50")])
def test_amounts_up_to_the_format_maximum_are_read_exactly(cell, amount):
    assert decimal_of(cell) == Decimal(amount)
