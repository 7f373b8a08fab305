"""Batch evaluation: the same variables over many households at once, from columns.

Input is a :class:`Frame` (or two Arrow tables: persons with ``household_row`` plus the person
input variables, households with ``household_no`` plus the household input variables). Output is
one row per household: for every programme its state (0 not eligible, 1 needs information,
2 eligible) and its monthly amount in fen (0 unless eligible). Person-level programmes are summed
over the household's members; their state is the best of the members'.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from jiuzhu.rules.programmes import SPECS
from jiuzhu.rules.simulation import Frame, bounds, build_simulation
from jiuzhu.rules.system import JiuzhuRules, rules
from jiuzhu.rules.tri import PASS

PERSON_DATES = ("birth_date",)


def evaluate_frame(frame: Frame, system: JiuzhuRules | None = None) -> dict[str, np.ndarray]:
    """Per household: ``<programme>_state`` (int8) and ``<programme>_amount`` (int64 fen)."""
    simulation = build_simulation(frame, system)
    m = frame.n_households
    out: dict[str, np.ndarray] = {}
    for spec in SPECS:
        state = np.asarray(simulation.calculate(spec.state, frame.period))
        amount = (np.asarray(simulation.calculate(spec.amount, frame.period), dtype=np.int64)
                  if spec.amount else np.zeros(len(state), dtype=np.int64))
        paid = np.where(state == PASS, amount, 0)
        if spec.level == "person":
            state, paid = _per_household(state, paid, frame.household_index, m)
        out[f"{spec.programme.value}_state"] = state.astype(np.int8)
        out[f"{spec.programme.value}_amount"] = paid.astype(np.int64)
    return out


def _per_household(state: np.ndarray, paid: np.ndarray, household_index: np.ndarray,
                   m: int) -> tuple[np.ndarray, np.ndarray]:
    """The best state among each household's members and the sum of what they are paid.

    Only members whose state is not FAIL (0) can change either (``paid`` is 0 unless the member passes),
    and for person-level programmes they are few (a few per cent of people), so the reduction runs over
    them alone: ``reduceat`` costs about 25 ns per segment, and most households would be all-zero ones.
    """
    best, total = np.zeros(m, dtype=state.dtype), np.zeros(m, dtype=np.int64)
    rows = np.flatnonzero(state)
    if len(rows):
        households = household_index[rows]
        starts = np.r_[0, np.flatnonzero(np.diff(households)) + 1]
        best[households[starts]] = np.maximum.reduceat(state[rows], starts)
        total[households[starts]] = np.add.reduceat(paid[rows], starts)
    return best, total


CHUNK_HOUSEHOLDS = 80_000  # about 200,000 people: the arrays stay in cache; measured fastest (docs/performance.md)


def evaluate_in_chunks(frame: Frame, system: JiuzhuRules | None = None,
                       chunk_households: int = CHUNK_HOUSEHOLDS) -> dict[str, np.ndarray]:
    """``evaluate_frame`` over household-aligned slices, concatenated: same result, less memory traffic."""
    parts = [evaluate_frame(frame.slice(first, min(first + chunk_households, frame.n_households)), system)
             for first in range(0, frame.n_households, chunk_households)]
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]} if parts else {}


def frame_from_tables(persons: pa.Table, households: pa.Table, month: str) -> Frame:
    """A frame from Arrow tables (persons sorted by ``household_row``, then member order)."""
    known = rules().variables  # other columns (household_no, area_code …) ride along but are not inputs
    person_cols = {name: _numpy(persons.column(name)) for name in persons.column_names if name in known}
    household_cols = {name: _numpy(households.column(name)) for name in households.column_names if name in known}
    return Frame(period=month, household_index=_numpy(persons.column("household_row")).astype(np.int32),
                 persons=person_cols, households=household_cols)


def _numpy(column: pa.ChunkedArray) -> np.ndarray:
    if pa.types.is_date(column.type):
        return column.to_numpy().astype("datetime64[D]")
    return column.to_numpy()


def frame_to_tables(frame: Frame, household_nos: list[str]) -> tuple[pa.Table, pa.Table]:
    persons = {"household_row": frame.household_index, **frame.persons}
    households = {"household_no": household_nos, **frame.households}
    return pa.table(persons), pa.table(households)


def evaluate_tables(persons: pa.Table, households: pa.Table, month: str, *, chunk_households: int = CHUNK_HOUSEHOLDS,
                    system: JiuzhuRules | None = None) -> pa.Table:
    """Evaluate every household of the tables, ``chunk_households`` at a time; one output row each."""
    parts = []
    for p_chunk, h_chunk in chunks(persons, households, chunk_households):
        result = evaluate_frame(frame_from_tables(p_chunk, h_chunk, month), system)
        parts.append(pa.table({"household_no": h_chunk.column("household_no"), **result}))
    return pa.concat_tables(parts) if parts else pa.table({})


def chunks(persons: pa.Table, households: pa.Table, size: int) -> Iterator[tuple[pa.Table, pa.Table]]:
    """Household-aligned slices: a household's persons never straddle two chunks."""
    rows = persons.column("household_row").to_numpy()
    for first in range(0, households.num_rows, size):
        last = min(first + size, households.num_rows)
        lo, hi = bounds(rows, first, last)
        p = persons.slice(lo, hi - lo)
        p = p.set_column(p.schema.get_field_index("household_row"), "household_row",
                         pa.array(rows[lo:hi] - first, type=pa.int32()))
        yield p, households.slice(first, last - first)
