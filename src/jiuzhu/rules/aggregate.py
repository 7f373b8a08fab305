"""Fast member aggregates. OpenFisca's ``household.all`` and ``any`` loop over member positions;
a weighted ``bincount`` (which ``household.sum`` is) gives the same answers in one pass."""

import numpy as np


def all_members(household, values) -> np.ndarray:
    return household.sum(~np.asarray(values, dtype=bool)) == 0


def any_member(household, values) -> np.ndarray:
    return household.sum(np.asarray(values, dtype=bool)) > 0


def best_state(household, states) -> np.ndarray:
    """The highest three-valued state among the members (2 if anyone passes, else 1 if anyone is unknown)."""
    states = np.asarray(states)
    return np.where(household.sum(states == 2) > 0, 2, np.where(household.sum(states == 1) > 0, 1, 0)).astype(np.int32)


def known_for_dibao_members(household, period, flag: str) -> np.ndarray:
    """``flag`` (an input's ``*_known``) holds for every member of the 低保 household."""
    members = household.members
    return all_members(household, members(flag, period) | ~members("dibao_member", period))


def dibao_members_sum(household, period, variable: str) -> np.ndarray:
    """``variable`` summed over the members of the 低保 household (特困 members and non-counted left out)."""
    members = household.members
    return household.sum(members(variable, period) * members("dibao_member", period))
