"""How a population is cut into parts (rules/inputs/population.part_sizes): every household once, no part too
large, and for the scan the last parts shrinking by halves so that the end nothing overlaps is short."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.rules.inputs.population import part_sizes

sizes = st.integers(min_value=1, max_value=5_000)


@settings(max_examples=300, deadline=None)
@given(households=st.integers(min_value=0, max_value=200_000), per_part=sizes)
def test_even_parts_are_full_but_the_last(households, per_part):
    parts = part_sizes(households, per_part)
    assert sum(parts) == households
    assert all(size == per_part for size in parts[:-1])
    assert all(1 <= size <= per_part for size in parts)


@settings(max_examples=300, deadline=None)
@given(households=st.integers(min_value=0, max_value=200_000), per_part=sizes, taper_to=sizes)
def test_tapered_parts_shrink_by_halves_to_the_end(households, per_part, taper_to):
    parts = part_sizes(households, per_part, taper_to)
    assert sum(parts) == households
    assert all(1 <= size <= per_part for size in parts)
    if not parts:
        return
    # From the end: taper_to, twice that, four times… each at most per_part; only the first part holds less.
    expected = [min(taper_to * 2**k, per_part) for k in range(len(parts))][::-1]
    assert parts[1:] == expected[1:]
    assert parts[0] <= expected[0]


def test_the_scan_of_32_million_people_ends_in_a_chunk():
    parts = part_sizes(11_603_872, 400_000, 80_000)
    assert parts[-3:] == [320_000, 160_000, 80_000]
    assert parts[0] == 11_603_872 - 27 * 400_000 - 560_000 and len(parts) == 31
