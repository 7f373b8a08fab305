"""How a population is cut into parts (rules/inputs/population.part_sizes): every household once, no part too
large, and for the scan of more than one part the last parts shrinking by halves so that the end nothing
overlaps is short."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.rules.inputs.population import part_sizes

sizes = st.integers(min_value=1, max_value=5_000)


@settings(max_examples=300, deadline=None)
@given(households=st.integers(min_value=0, max_value=50_000), per_part=sizes)
def test_even_parts_are_full_but_the_last(households, per_part):
    parts = part_sizes(households, per_part)
    assert sum(parts) == households
    assert all(size == per_part for size in parts[:-1])
    assert all(1 <= size <= per_part for size in parts)


@settings(max_examples=300, deadline=None)
@given(households=st.integers(min_value=0, max_value=50_000), per_part=sizes, taper_to=sizes)
def test_tapered_parts_shrink_by_halves_to_the_end(households, per_part, taper_to):
    parts = part_sizes(households, per_part, taper_to)
    assert sum(parts) == households
    assert all(1 <= size <= per_part for size in parts)
    if households <= per_part:  # one part, as without tapering
        assert parts == part_sizes(households, per_part)
        return
    # From the end: taper_to, twice that, four times… each at most per_part; only the first part holds less.
    expected, size = [], taper_to
    for _ in parts:
        expected.insert(0, min(size, per_part))
        size = min(size * 2, per_part)
    assert parts[1:] == expected[1:]
    assert parts[0] <= expected[0]


def test_the_scans_of_4_and_32_million_people_end_in_a_chunk_per_worker_and_one_million_is_one_part():
    # The scan's cut on 2 workers: chunks of 80,000 households, parts of 400,000.
    assert part_sizes(1_450_484, 400_000, 160_000) == [170_484, 400_000, 400_000, 320_000, 160_000]
    parts = part_sizes(11_603_872, 400_000, 160_000)
    assert parts[-3:] == [400_000, 320_000, 160_000]
    assert parts[0] == 11_603_872 - 27 * 400_000 - 480_000 == 323_872 and len(parts) == 30  # as many as even parts
    assert part_sizes(362_621, 400_000, 160_000) == [362_621]
