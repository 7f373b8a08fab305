"""Member aggregates and money arithmetic that is exact in 64-bit integers.

OpenFisca's ``household.all`` and ``any`` loop over member positions, and ``household.sum`` is a
float64-weighted ``bincount``, exact only below 2⁵³ fen; counting only the members that match (usually
few: the members who fail a condition) is an integer ``bincount`` over a small subset, and money is
summed with an integer ``reduceat``.

Overflow: every money input reaches the formulas within ±``MONEY_INPUT_MAX`` (2⁵⁰ fen, about 11
trillion yuan: ``simulation.build_simulation`` saturates larger values; the household format's largest
amount is 10¹⁴ fen). A person's counted income is a sum of six inputs (< 2⁵³), a household's sum of
those over its members stays below 2⁶³ for households of up to 1,000 members (the format allows 100).
Products of such sums with percentages, multiples or 12 months could pass 2⁶³, so comparisons are
written with the division on the small side (``income × 12 < yearly × size`` as
``income < ⌈yearly × size / 12⌉``), never as products of the large
one; ``floor_times`` multiplies by a parameter's exact decimal fraction.
"""

from decimal import Decimal
from functools import lru_cache

import numpy as np


def count_members(household, flags) -> np.ndarray:
    """How many members of each household have ``flags`` set."""
    return np.bincount(household.members_entity_id[np.asarray(flags, dtype=bool)], minlength=household.count)


def all_members(household, values) -> np.ndarray:
    return count_members(household, ~np.asarray(values, dtype=bool)) == 0


def any_member(household, values) -> np.ndarray:
    return count_members(household, values) > 0


def best_state(household, states) -> np.ndarray:
    """The highest three-valued state among the members (2 if anyone passes, else 1 if anyone is unknown)."""
    states = np.asarray(states)
    return np.where(any_member(household, states == 2), 2,
                    np.where(any_member(household, states == 1), 1, 0)).astype(np.int8)


def sum_members(household, values) -> np.ndarray:
    """``values`` (one per person) summed per household, exactly, as int64.

    Persons grouped by household (the fast loader's order): differences of one running sum, the fastest
    exact way (2.5× a ``reduceat``). The running sum may pass 2⁶³ over a whole population and wrap around,
    but integer arithmetic is modulo 2⁶⁴, so each difference is exact whenever the household's own sum fits
    in int64 — which the input bound guarantees (module docstring)."""
    values = np.asarray(values)
    if values.dtype.kind == "b":
        return count_members(household, values).astype(np.int64)
    values = values.astype(np.int64, copy=False)
    groups = _groups(household)
    if groups is None:  # persons not grouped by household (a hand-built simulation): unbuffered, exact
        out = np.zeros(household.count, dtype=np.int64)
        np.add.at(out, household.members_entity_id, values)
        return out
    ends, owners = groups
    if not len(values):
        return np.zeros(household.count, dtype=np.int64)
    if np.count_nonzero(values) < len(values) // 8:  # mostly zeros (amounts paid to few): add the few
        rows = np.flatnonzero(values)
        out = np.zeros(household.count, dtype=np.int64)
        np.add.at(out, household.members_entity_id[rows], values[rows])
        return out
    running = np.cumsum(values)
    totals = running[ends]
    totals[1:] -= running[ends[:-1]]
    if owners is None:
        return totals
    out = np.zeros(household.count, dtype=np.int64)
    out[owners] = totals
    return out


def _groups(household):
    """(last row of each household, household of each group or None when it is every household in order),
    cached on the population; None when persons are not grouped by household."""
    ids = household.members_entity_id
    cached = getattr(household, "_jiuzhu_groups", None)
    if cached is not None and cached[0] is ids:
        return cached[1]
    if len(ids) and not bool(np.all(ids[1:] >= ids[:-1])):
        groups = None
    else:
        ends = np.flatnonzero(np.r_[ids[1:] != ids[:-1], True]) if len(ids) else np.zeros(0, dtype=np.intp)
        owners = None if len(ends) == household.count else ids[ends]
        groups = (ends, owners)
    household._jiuzhu_groups = (ids, groups)
    return groups


def known_for_dibao_members(household, period, flag: str) -> np.ndarray:
    """``flag`` (an input's ``*_known``) holds for every member of the 低保 household."""
    members = household.members
    return all_members(household, members(flag, period) | ~members("dibao_member", period))


def income_decided(household, period, passes) -> np.ndarray:
    """A test of the 低保 household's income (net of deductible rigid spending) is decided when every
    member's income is known and, where the test fails, the household's rigid spending is known too: a
    deduction of medical costs could only lower the income and make it pass."""
    known = known_for_dibao_members(household, period, "income_known")
    return known & (passes | household("rigid_spending_known", period))


def dibao_members_sum(household, period, variable: str) -> np.ndarray:
    """``variable`` summed over the members of the 低保 household (特困 members and non-counted left out)."""
    members = household.members
    return sum_members(household, members(variable, period) * members("dibao_member", period))


@lru_cache(maxsize=256)
def fraction(value) -> tuple[int, int]:
    """A parameter's value (OpenFisca reads YAML numbers as floats) as the exact decimal fraction it was
    written as: ``0.6`` → (3, 5), never the binary float 0.59999999999999997779…"""
    return Decimal(repr(float(value))).as_integer_ratio()


def floor_times(amounts, value) -> np.ndarray:
    """⌊amounts × value⌋ for a parameter ``value``, exact and overflow-free for non-negative int64 amounts
    whose product fits: the division comes first (q × num + ⌊r × num / den⌋)."""
    num, den = fraction(value)
    if den == 1:  # a whole multiple (24 months, 6 times the line, a share of 1): no division
        return np.asarray(amounts, dtype=np.int64) * num
    q, r = np.divmod(np.asarray(amounts, dtype=np.int64), den)
    return q * num + (r * num) // den


def ceil_div(a, b) -> np.ndarray:
    """⌈a / b⌉ for integer arrays, b > 0: ``x × b < a`` ⇔ ``x < ceil_div(a, b)`` for integers x."""
    return -(-np.asarray(a, dtype=np.int64) // b)


def halves_up(total, size) -> np.ndarray:
    """total / size rounded half up to an integer, without the 2 × total that could overflow."""
    size = np.maximum(np.asarray(size), 1).astype(np.int64)
    q, r = np.divmod(np.asarray(total, dtype=np.int64), size)
    return q + (2 * r >= size)
