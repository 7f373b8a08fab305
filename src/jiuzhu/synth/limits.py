"""What ``generate`` accepts, checked before any work: the district, the seed, the size, the months.

The guarantee of unique ID numbers (``jiuzhu.synth.ids``) holds for the Chongqing districts of the
official table and seeds 0-99; anything else is refused. Each (district, seed) slot has a fixed
share of the ID numbers of every birth date (its block of order codes on every county code it owns,
about 60 codes a year), so a slot holds a bounded number of people: ``MAX_HOUSEHOLDS`` per seed
tier, with a margin of at least 2 (tests/synth/test_identifiers.py checks the arithmetic).
"""

from __future__ import annotations

from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import N_, t
from jiuzhu.synth import ids

# Households a (district, seed) slot may hold: seeds 0-9 have 30 order codes per county code, date and sex,
# seeds 10-99 two.
MAX_HOUSEHOLDS = {0: 5_000_000, 10: 400_000}
AT_LEAST_ONE = {"households": N_("households must be at least 1, not {value}"),
                "months": N_("months of income must be at least 1, not {value}"),
                "chunk_households": N_("chunk_households must be at least 1, not {value}")}


class SynthError(JiuzhuError):
    """A synthetic district that cannot be made as asked."""


class IdCapacityError(SynthError):
    """The ID numbers of a (district, seed) slot ran out (the size check should prevent it)."""

    def __init__(self, people: int) -> None:
        super().__init__(t("{people} people could not get an ID number of their own: this seed's share of the "
                           "district's ID numbers is full; generate fewer households", people=people))


def max_households(seed: int) -> int:
    """The most households a run of ``seed`` may generate (seeds 0-9 more than 10-99)."""
    return MAX_HOUSEHOLDS[max(low for low in MAX_HOUSEHOLDS if low <= seed)]


def check(district: str, households: int, seed: int, months: int, chunk_households: int) -> None:
    """Refuse, with one line naming the argument, what the generator cannot do or cannot keep unique."""
    from jiuzhu.synth.birthplace import chongqing_districts

    if district not in chongqing_districts():
        raise SynthError(t("district {district} is not a district or county of Chongqing (500000) in the official "
                           "table: synthetic districts are Chongqing's, e.g. 500111 (大足区)", district=district))
    if not 0 <= seed <= ids.MAX_SEED:
        raise SynthError(t("seed {seed} is outside 0-{max_seed}: only those seeds keep synthetic ID numbers apart "
                           "across districts and seeds", seed=seed, max_seed=ids.MAX_SEED))
    for name, value in (("households", households), ("months", months), ("chunk_households", chunk_households)):
        if value < 1:
            raise SynthError(t(AT_LEAST_ONE[name], value=value))
    limit = max_households(seed)
    if households > limit:
        raise SynthError(t("{households} households are more than seed {seed} can number uniquely (at most "
                           "{limit}); seeds 0-9 allow {large}", households=households, seed=seed, limit=limit,
                           large=MAX_HOUSEHOLDS[0]))
