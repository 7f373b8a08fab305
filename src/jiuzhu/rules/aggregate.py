"""Fast member aggregates. OpenFisca's ``household.all`` and ``any`` loop over member positions, and
``household.sum`` is a float64-weighted ``bincount``; counting only the members that match (usually
few: the members who fail a condition) is an integer ``bincount`` over a small subset."""

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
                    np.where(any_member(household, states == 1), 1, 0)).astype(np.int32)


def known_for_dibao_members(household, period, flag: str) -> np.ndarray:
    """``flag`` (an input's ``*_known``) holds for every member of the 低保 household."""
    members = household.members
    return all_members(household, members(flag, period) | ~members("dibao_member", period))


def dibao_members_sum(household, period, variable: str) -> np.ndarray:
    """``variable`` summed over the members of the 低保 household (特困 members and non-counted left out)."""
    members = household.members
    return household.sum(members(variable, period) * members("dibao_member", period))
