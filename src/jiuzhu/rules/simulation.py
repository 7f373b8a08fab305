"""Building OpenFisca simulations straight from column arrays.

The standard ``SimulationBuilder`` walks Python dictionaries person by person; for
millions of people that is the slow part. Here entity ids and the person → household
index are set from arrays, and inputs go in with ``set_input`` one column at a time.
Single-household evaluation uses the same path, so there is one way in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from openfisca_core.simulations import Simulation

from jiuzhu.rules.entities import MONEY_DTYPE
from jiuzhu.rules.system import JiuzhuRules, rules

MONEY_INPUT_MAX = 2**50  # fen, about 11 trillion yuan: see rules/aggregate.py for why sums then fit in int64


@dataclass
class Frame:
    """Inputs for one month: person columns, household columns and the person → household index.

    Persons must be grouped by household (``household_index`` non-decreasing) in member order.
    """

    period: str
    household_index: np.ndarray
    persons: dict[str, np.ndarray] = field(default_factory=dict)
    households: dict[str, np.ndarray] = field(default_factory=dict)
    sources: list[int] | None = None  # positions of the households in the caller's list, if some were left out

    @property
    def n_households(self) -> int:
        return int(self.household_index[-1]) + 1 if len(self.household_index) else 0

    def slice(self, first: int, last: int) -> "Frame":
        """Households ``first`` to ``last`` (exclusive) with their persons, renumbered from 0."""
        lo, hi = bounds(self.household_index, first, last)
        return Frame(period=self.period, household_index=self.household_index[lo:hi] - first,
                     persons={k: v[lo:hi] for k, v in self.persons.items()},
                     households={k: v[first:last] for k, v in self.households.items()})


def build_simulation(frame: Frame, system: JiuzhuRules | None = None) -> Simulation:
    system = system or rules()
    populations = system.instantiate_entities()
    person, household = populations["person"], populations["household"]
    n, m = len(frame.household_index), frame.n_households
    person.count, person.ids = n, np.arange(n)
    household.count, household.ids = m, np.arange(m)
    # intp: numpy casts any other index type to it on every gather and bincount (4x slower projections).
    household.members_entity_id = frame.household_index.astype(np.intp)
    # members_role is left unset: no formula filters by role, and OpenFisca fills the one role lazily.
    household.members_position = _positions(frame.household_index)
    household.grouped_in_member_order = bool(np.all(frame.household_index[1:] >= frame.household_index[:-1]))
    simulation = Simulation(system, populations)
    for name, values in {**frame.persons, **frame.households}.items():
        variable = system.variables.get(name)
        if variable is not None and variable.dtype == MONEY_DTYPE:
            values = money_input(values)
        simulation.set_input(name, frame.period, values)
    return simulation


def money_input(values: np.ndarray) -> np.ndarray:
    """A money column as int64 fen within ±``MONEY_INPUT_MAX``: larger sums (a person's thousand accounts
    at the format's largest amount) are far above every limit of the law, so saturating them changes no
    decision, and it keeps every sum and comparison of the rules inside 64 bits."""
    values = np.asarray(values)
    if values.dtype.kind == "O":  # Python integers beyond int64 (numpy keeps them as objects)
        values = np.array([min(max(int(v), -MONEY_INPUT_MAX), MONEY_INPUT_MAX) for v in values], dtype=MONEY_DTYPE)
    elif values.dtype.kind == "u":
        values = np.minimum(values, MONEY_INPUT_MAX).astype(MONEY_DTYPE)
    elif values.dtype.kind not in "ib":
        raise TypeError(f"money is integer fen, not {values.dtype}")
    elif values.dtype.itemsize < 8:  # 32 bits or fewer: within the bound already
        return values.astype(MONEY_DTYPE)
    values = values.astype(MONEY_DTYPE, copy=False)
    if len(values) and (values.max() > MONEY_INPUT_MAX or values.min() < -MONEY_INPUT_MAX):
        values = np.clip(values, -MONEY_INPUT_MAX, MONEY_INPUT_MAX)
    return values


def bounds(index: np.ndarray, first: int, last: int) -> tuple[int, int]:
    """Rows of households ``first`` to ``last`` in a grouped index. The keys take the index's type:
    with Python ints numpy would cast (copy) the whole index to int64 for every search."""
    lo, hi = np.searchsorted(index, np.array([first, last], dtype=index.dtype))
    return int(lo), int(hi)


def _positions(index: np.ndarray) -> np.ndarray:
    """0, 1, 2… within each household, for persons grouped by household."""
    starts = np.r_[0, np.flatnonzero(np.diff(index)) + 1]
    sizes = np.diff(np.r_[starts, len(index)])
    return (np.arange(len(index)) - np.repeat(starts, sizes)).astype(np.int32)
