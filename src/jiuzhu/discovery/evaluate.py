"""One household-aligned chunk through the rules: the unit of work of every scan, embedded or on Spark.

``evaluate_chunk(persons, households, month)`` takes the input tables of ``rules.inputs.population.fetch``
and returns two tables: one row per household (household programmes) and one row per person
(person programmes), each with ``<programme>_state`` (0 not eligible, 1 needs information,
2 eligible), ``<programme>_amount`` (fen; 0 unless eligible) and ``<programme>_failed``, a bit mask of
the programme's conditions that failed, in the order of ``rules.programmes.SPECS``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from jiuzhu.rules.batch import frame_from_tables
from jiuzhu.rules.programmes import SPECS, Spec
from jiuzhu.rules.simulation import build_simulation
from jiuzhu.rules.tri import FAIL, PASS

HOUSEHOLD_KEYS = ("household_id", "household_no", "area_code")
# Names and ID numbers stay out of the results: the lists take them from the registry for the few people
# listed (less personal data copied into result files, and fewer bytes through every stage of a scan).
PERSON_KEYS = ("person_id",)


def condition_names(spec: Spec) -> list[str]:
    return [c.variable for c in spec.conditions]


def evaluate_chunk(persons: pa.Table, households: pa.Table, month: str) -> tuple[pa.Table, pa.Table]:
    frame = frame_from_tables(persons, households, month)
    simulation = build_simulation(frame)
    h_cols = {k: households.column(k) for k in HOUSEHOLD_KEYS}
    p_cols = {k: persons.column(k) for k in PERSON_KEYS}
    p_cols["household_id"] = pa.array(households.column("household_id").to_numpy()[frame.household_index])
    for spec in SPECS:
        state = np.asarray(simulation.calculate(spec.state, month))
        amount = (np.asarray(simulation.calculate(spec.amount, month), dtype=np.int64) if spec.amount
                  else np.zeros(len(state), dtype=np.int64))
        failed = np.zeros(len(state), dtype=np.int32)
        for bit, name in enumerate(condition_names(spec)):
            failed |= (np.asarray(simulation.calculate(name, month)) == FAIL).astype(np.int32) << bit
        target = h_cols if spec.level == "household" else p_cols
        key = spec.programme.value
        target[f"{key}_state"] = pa.array(state.astype(np.int8))
        target[f"{key}_amount"] = pa.array(np.where(state == PASS, amount, 0))
        target[f"{key}_failed"] = pa.array(failed)
    return pa.table(h_cols), pa.table(p_cols)
