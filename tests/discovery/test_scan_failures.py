"""One bad household never stops a scan: the households whose inputs make the rules raise are found (the chunk is
halved until they are alone), reported with the reason and written to the scan folder; the rest is evaluated
exactly as without them, and an incremental scan evaluates them again."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from jiuzhu.discovery.evaluate import evaluate_chunk, result_variables
from jiuzhu.discovery.scan import FAILED, RESULTS_H, RESULTS_P, run_scan
from jiuzhu.discovery.spark import combined_schema, evaluate_township, result_schemas
from jiuzhu.rules.batch import calculate, calculate_each, frame_from_tables
from jiuzhu.rules.inputs.population import Population
from jiuzhu.rules.inputs.tables import keep

MONTH = "2025-08"
BAD_CATEGORY = 99  # no such disability category: the rules' enum refuses it


def _inputs(snapshot, households: int = 40):
    with Population(snapshot, MONTH) as population:
        population.prepare()
        persons, hh = population.fetch()
    mask = np.zeros(hh.num_rows, bool)
    mask[:households] = True
    return keep(persons, hh, mask)


def _spoil(persons: pa.Table, rows: list[int]) -> pa.Table:
    """The persons of the households at ``rows`` get a disability category the rules cannot take."""
    bad = np.isin(persons.column("household_row").to_numpy(), rows)
    column = persons.column("disability_category").to_numpy().copy()
    column[bad] = BAD_CATEGORY
    i = persons.schema.get_field_index("disability_category")
    return persons.set_column(i, persons.schema.field(i), pa.array(column, persons.schema.field(i).type))


def test_the_households_at_fault_are_found_and_the_others_evaluated_as_without_them(district):
    _, snapshot = district
    persons, households = _inputs(snapshot)
    spoiled = _spoil(persons, [3, 17, 18])
    frame = frame_from_tables(spoiled, households, MONTH)
    got = calculate_each(frame, ["dibao_state", "tekun_state", "dibao_amount"])
    assert [row for row, _ in got.failed] == [3, 17, 18]
    assert all(reason.startswith("EnumMemberNotFoundError: ") for _, reason in got.failed)
    clean = keep(persons, households, ~np.isin(np.arange(households.num_rows), [3, 17, 18]))
    expected = calculate(frame_from_tables(*clean, MONTH), ["dibao_state", "tekun_state", "dibao_amount"])
    assert np.array_equal(got.households, np.setdiff1d(np.arange(households.num_rows), [3, 17, 18]))
    for name, values in expected.items():
        assert np.array_equal(got.values[name], np.asarray(values)), name


def test_a_chunk_without_fault_is_evaluated_once(district, monkeypatch):
    import jiuzhu.rules.batch as batch

    _, snapshot = district
    persons, households = _inputs(snapshot)
    calls = []
    monkeypatch.setattr(batch, "build_simulation", lambda *a, **k: calls.append(1) or _build(*a, **k))
    got = calculate_each(frame_from_tables(persons, households, MONTH), result_variables())
    assert len(calls) == 1 and not got.failed and len(got.households) == households.num_rows


def _build(*a, **k):
    from jiuzhu.rules.simulation import build_simulation

    return build_simulation(*a, **k)


def test_the_failed_table_names_the_household(district):
    _, snapshot = district
    persons, households = _inputs(snapshot)
    results = evaluate_chunk(_spoil(persons, [5]), households, MONTH)
    assert results.failed.column("household_no").to_pylist() == [households.column("household_no")[5].as_py()]
    assert results.failed.column("household_id").to_pylist() == [households.column("household_id")[5].as_py()]
    assert results.households.num_rows == households.num_rows - 1
    assert households.column("household_id")[5].as_py() not in results.households.column("household_id").to_pylist()
    assert households.column("household_id")[5].as_py() not in results.persons.column("household_id").to_pylist()


def test_a_township_on_spark_sets_a_bad_household_aside(district):
    """``evaluate_township`` (what each Spark worker runs) tags the failed household's row ``failed``."""
    _, snapshot = district
    persons, households = _inputs(snapshot, 10)
    persons = _spoil(persons, [2]).append_column("township", pa.array(["500111119"] * persons.num_rows))
    persons = persons.append_column("position", pa.array(np.arange(persons.num_rows)))
    households = households.append_column("township", pa.array(["500111119"] * households.num_rows))
    schema = combined_schema(*result_schemas(persons.schema, households.schema, MONTH))
    out = evaluate_township(households, persons, MONTH, schema)
    failed = out.filter(pc.equal(out.column("kind"), "failed"))
    assert failed.column("household_no").to_pylist() == [households.column("household_no")[2].as_py()]
    assert failed.column("reason")[0].as_py().startswith("EnumMemberNotFoundError")
    assert pc.sum(pc.equal(out.column("kind"), "household")).as_py() == 9


def test_a_scan_completes_reports_the_bad_household_and_evaluates_it_again_next_time(district, tmp_path,
                                                                                    monkeypatch):
    _, snapshot = district
    fetch = Population.fetch
    chosen: list[int] = []

    def spoiled_fetch(self):
        persons, households = fetch(self)
        chosen.append(households.column("household_id")[7].as_py())
        return _spoil(persons, [7]), households

    monkeypatch.setattr(Population, "fetch", spoiled_fetch)
    first = run_scan(snapshot, MONTH, tmp_path / "first", workers=2, chunk_households=500)
    assert [f[0] for f in first.failed] == chosen and first.failed[0][2].startswith("EnumMemberNotFoundError")
    assert first.evaluated_households == first.households
    failed = pq.read_table(tmp_path / "first" / FAILED)
    assert failed.column("household_id").to_pylist() == chosen
    ids = set(pq.read_table(tmp_path / "first" / RESULTS_H).column("household_id").to_pylist())
    assert chosen[0] not in ids and len(ids) == first.households - 1
    assert chosen[0] not in set(pq.read_table(tmp_path / "first" / RESULTS_P).column("household_id").to_pylist())
    monkeypatch.setattr(Population, "fetch", fetch)  # the registry mended: the household evaluates again
    second = run_scan(snapshot, MONTH, tmp_path / "second", workers=2, previous=tmp_path / "first")
    assert (second.evaluated_households, second.reused_households) == (1, second.households - 1)
    assert not second.failed
    assert chosen[0] in set(pq.read_table(tmp_path / "second" / RESULTS_H).column("household_id").to_pylist())
