"""Running the rules over many households at once, from columns: the one way to do it.

    calculate(frame, variables, system)        the variables over a chunk (a :class:`Frame`): every evaluation
                                               goes through it (scan, what-if, explanations, synthetic enrolment)
    calculate_each(frame, variables, system)   the same, but a household whose inputs make the rules raise is
                                               set aside with the reason and the others are still evaluated
    evaluate_frame(frame, system)              per household: every programme's state and amount
    state_and_paid(spec, values)               one programme's state and what it pays (its amount if eligible)

Input is a :class:`Frame` (or two Arrow tables, ``rules.inputs.tables``: persons with ``household_row`` plus
the person input variables, households with the household input variables). ``evaluate_frame`` gives one row
per household: for every programme its state (0 not eligible, 1 needs information, 2 eligible) and its monthly
amount in fen (0 unless eligible). Person-level programmes are summed over the household's members; their
state is the best of the members'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from jiuzhu.rules.inputs.tables import CHUNK_HOUSEHOLDS, slices
from jiuzhu.rules.programmes import SPECS, Spec
from jiuzhu.rules.simulation import Frame, bounds, build_simulation
from jiuzhu.rules.system import JiuzhuRules, rules
from jiuzhu.rules.tri import PASS

__all__ = ["CHUNK_HOUSEHOLDS", "Calculated", "calculate", "calculate_each", "evaluate_frame", "evaluate_in_chunks",
           "evaluate_tables", "frame_from_tables", "frame_to_tables", "state_and_paid"]

REASON_LENGTH = 300


def calculate(frame: Frame, variables: Sequence[str], system: JiuzhuRules | None = None) -> dict:
    """``variables`` computed over every household and person of ``frame`` (arrays as OpenFisca gives them:
    an enum variable is an ``EnumArray``). Raises what the rules raise."""
    simulation = build_simulation(frame, system)
    return {name: simulation.calculate(name, frame.period) for name in variables}


@dataclass
class Calculated:
    """``calculate_each``'s answer: the values over the households kept (person variables over their persons),
    which households and persons of the frame those are, and the households set aside with the reason."""

    values: dict[str, np.ndarray]
    households: np.ndarray  # rows of the frame's households kept, increasing
    persons: np.ndarray  # rows of the frame's persons kept, increasing
    failed: list[tuple[int, str]] = field(default_factory=list)  # (household row, reason)


def calculate_each(frame: Frame, variables: Sequence[str], system: JiuzhuRules | None = None) -> Calculated:
    """``calculate``, where one household whose inputs make the rules raise never stops the others: the
    chunk is halved until the households at fault are alone (a few more evaluations of small pieces, and
    only when something failed), and each is reported with the reason."""
    n, m = len(frame.household_index), frame.n_households
    try:
        values = {k: np.asarray(v) for k, v in calculate(frame, variables, system).items()}
        return Calculated(values, np.arange(m), np.arange(n))
    except Exception:  # noqa: BLE001  (any fault of one household's inputs: isolated below, then reported)
        pass
    pieces: list[tuple[int, int, dict]] = []
    failed: list[tuple[int, str]] = []
    _bisect(frame, 0, m, variables, system, pieces, failed)
    empty = np.zeros(0, np.int64)
    h_rows = np.concatenate([empty] + [np.arange(a, b) for a, b, _ in pieces])
    p_rows = np.concatenate([empty] + [np.arange(*bounds(frame.household_index, a, b)) for a, b, _ in pieces])
    values = {name: np.concatenate([np.asarray(v[name]) for _, _, v in pieces]) if pieces else empty
              for name in variables}
    return Calculated(values, h_rows, p_rows, sorted(failed))


def _bisect(frame: Frame, first: int, last: int, variables, system, pieces: list, failed: list) -> None:
    try:
        pieces.append((first, last, calculate(frame.slice(first, last), variables, system)))
    except Exception as error:  # noqa: BLE001
        if last - first == 1:
            failed.append((first, _reason(error)))
            return
        middle = (first + last) // 2
        _bisect(frame, first, middle, variables, system, pieces, failed)
        _bisect(frame, middle, last, variables, system, pieces, failed)


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".strip()[:REASON_LENGTH]


def state_and_paid(spec: Spec, values: dict) -> tuple[np.ndarray, np.ndarray]:
    """A programme's state and what it pays (int64 fen: its amount when eligible, else 0), per household or
    person as its spec is, from evaluated ``values`` (``calculate``'s)."""
    state = np.asarray(values[spec.state])
    amount = np.asarray(values[spec.amount], dtype=np.int64) if spec.amount else np.zeros(len(state), np.int64)
    return state, np.where(state == PASS, amount, 0).astype(np.int64)


def evaluate_frame(frame: Frame, system: JiuzhuRules | None = None) -> dict[str, np.ndarray]:
    """Per household: ``<programme>_state`` (int8) and ``<programme>_amount`` (int64 fen)."""
    names = [name for spec in SPECS for name in (spec.state, spec.amount) if name]
    values = calculate(frame, names, system)
    m = frame.n_households
    out: dict[str, np.ndarray] = {}
    for spec in SPECS:
        state, paid = state_and_paid(spec, values)
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
    households = {"household_row": np.arange(frame.n_households), "household_no": household_nos,
                  **frame.households}
    return pa.table(persons), pa.table(households)


def evaluate_tables(persons: pa.Table, households: pa.Table, month: str, *, chunk_households: int = CHUNK_HOUSEHOLDS,
                    system: JiuzhuRules | None = None) -> pa.Table:
    """Evaluate every household of the tables, ``chunk_households`` at a time; one output row each."""
    parts = []
    for p_chunk, h_chunk in slices(persons, households, chunk_households):
        result = evaluate_frame(frame_from_tables(p_chunk, h_chunk, month), system)
        parts.append(pa.table({"household_no": h_chunk.column("household_no"), **result}))
    return pa.concat_tables(parts) if parts else pa.table({})

