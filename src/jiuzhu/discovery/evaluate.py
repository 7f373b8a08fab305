"""One household-aligned chunk through the rules: the unit of work of every scan, embedded or on Spark.

``evaluate_chunk(persons, households, month)`` takes the input tables of ``rules.inputs.population``
and runs them through the one chunk function, ``rules.batch.calculate_each``. It returns three tables:
one row per household (household programmes) and one row per person (person programmes), each with
``<programme>_state`` (0 not eligible, 1 needs information, 2 eligible), ``<programme>_amount`` (fen; 0
unless eligible) and ``<programme>_failed``, a bit mask of the programme's conditions that failed, in the
order of ``rules.programmes.SPECS``; and the households whose inputs made the rules raise (``FAILED_SCHEMA``:
left out of the other two, with the reason), so that one bad household never stops a scan.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyarrow as pa

from jiuzhu.rules.batch import calculate_each, frame_from_tables, state_and_paid
from jiuzhu.rules.programmes import SPECS, Spec
from jiuzhu.rules.tri import FAIL

HOUSEHOLD_KEYS = ("household_id", "household_no", "area_code")
# Names and ID numbers stay out of the results: the lists take them from the registry for the few people
# listed (less personal data copied into result files, and fewer bytes through every stage of a scan).
PERSON_KEYS = ("person_id",)
FAILED_SCHEMA = pa.schema([pa.field("household_id", pa.int64()), pa.field("household_no", pa.string()),
                           pa.field("area_code", pa.string()), pa.field("reason", pa.string())])


class ChunkResults(NamedTuple):
    households: pa.Table
    persons: pa.Table
    failed: pa.Table


def condition_names(spec: Spec) -> list[str]:
    return [c.variable for c in spec.conditions]


def result_variables() -> list[str]:
    """Every variable the results read: each programme's state, amount and conditions."""
    names = [name for spec in SPECS for name in (spec.state, spec.amount, *condition_names(spec)) if name]
    return list(dict.fromkeys(names))


def evaluate_chunk(persons: pa.Table, households: pa.Table, month: str, system=None) -> ChunkResults:
    frame = frame_from_tables(persons, households, month)
    got = calculate_each(frame, result_variables(), system)
    values, h_rows, p_rows = got.values, got.households, got.persons
    h_cols = {k: households.column(k).take(pa.array(h_rows)) for k in HOUSEHOLD_KEYS}
    p_cols = {k: persons.column(k).take(pa.array(p_rows)) for k in PERSON_KEYS}
    p_cols["household_id"] = pa.array(households.column("household_id").to_numpy()[frame.household_index[p_rows]])
    for spec in SPECS:
        state, paid = state_and_paid(spec, values)
        failed = np.zeros(len(state), dtype=np.int32)
        for bit, name in enumerate(condition_names(spec)):
            failed |= (np.asarray(values[name]) == FAIL).astype(np.int32) << bit
        target = h_cols if spec.level == "household" else p_cols
        key = spec.programme.value
        target[f"{key}_state"] = pa.array(state.astype(np.int8))
        target[f"{key}_amount"] = pa.array(paid)
        target[f"{key}_failed"] = pa.array(failed)
    rows = pa.array([row for row, _ in got.failed], pa.int64())
    failed_table = pa.table({"household_id": households.column("household_id").take(rows).cast(pa.int64()),
                             "household_no": households.column("household_no").take(rows).cast(pa.string()),
                             "area_code": households.column("area_code").take(rows).cast(pa.string()),
                             "reason": pa.array([reason for _, reason in got.failed], pa.string())},
                            schema=FAILED_SCHEMA)
    return ChunkResults(pa.table(h_cols), pa.table(p_cols), failed_table)
