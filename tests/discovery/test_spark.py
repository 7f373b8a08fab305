"""The Spark scan gives the embedded scan's results, household by household and person by person.

Needs PySpark 4 and Java 17+ (`./dev test` installs both); without them the test fails, it is
never skipped: CI must run it.
"""

from __future__ import annotations

import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from jiuzhu.discovery.evaluate import evaluate_chunk
from jiuzhu.rules.inputs.population import Population
from jiuzhu.synth import generate

pytestmark = pytest.mark.spark

MONTH = "2025-08"
HOUSEHOLDS = 3000


@pytest.fixture(scope="session")
def prepared(tmp_path_factory) -> dict:
    """A synthetic district prepared by DuckDB: the Parquet inputs and the embedded scan's results."""
    root = tmp_path_factory.mktemp("spark_scan")
    generate(district="500111", households=HOUSEHOLDS, seed=3, out_dir=root / "snap", month=MONTH, months=12)
    with Population(root / "snap", MONTH) as population:
        population.prepare()
        population.write_prepared(root / "prepared")
        persons, households = population.fetch()
    h_results, p_results, failed = evaluate_chunk(persons, households, MONTH)
    assert failed.num_rows == 0
    return {"root": root, "prepared": root / "prepared", "households": h_results, "persons": p_results}


@pytest.fixture(scope="session")
def spark_scan(prepared) -> dict:
    from jiuzhu.discovery.spark import run_spark_scan

    started = time.perf_counter()
    try:
        counts = run_spark_scan(prepared["prepared"], MONTH, prepared["root"] / "out", master="local[2]")
    except (ImportError, RuntimeError) as error:  # no PySpark or pandas, no Java: say so and fail
        missing = str(error)
    else:
        counts["seconds"] = time.perf_counter() - started
        return counts
    pytest.fail(f"the Spark scan cannot run here: {missing}", pytrace=False)


def _read(folder: str) -> pa.Table:
    return pq.read_table(folder)  # Spark's part files; _SUCCESS and .crc files are skipped


def _assert_same(spark: pa.Table, embedded: pa.Table, key: str) -> None:
    assert spark.column_names == embedded.column_names
    assert spark.num_rows == embedded.num_rows
    spark, embedded = spark.sort_by(key), embedded.sort_by(key)
    for name in embedded.column_names:
        ours, theirs = spark.column(name).combine_chunks(), embedded.column(name).combine_chunks()
        assert ours.type == theirs.type, f"{name}: {ours.type} on Spark, {theirs.type} embedded"
        if not ours.equals(theirs):
            diff = pc.not_equal(ours, theirs).to_numpy(zero_copy_only=False)
            first = int(diff.nonzero()[0][0])
            raise AssertionError(f"{name} differs on {int(diff.sum())} rows; first: {key} "
                                 f"{embedded.column(key)[first]}: Spark {ours[first]}, embedded {theirs[first]}")


def test_spark_scan_counts(spark_scan, prepared):
    assert spark_scan["households"] == prepared["households"].num_rows == HOUSEHOLDS
    assert spark_scan["persons"] == prepared["persons"].num_rows
    townships = {a[:9] for a in prepared["households"].column("area_code").to_pylist()}
    assert spark_scan["townships"] == len(townships) > 1
    assert Path(spark_scan["households_path"]).name == "spark_results_households.parquet"
    assert Path(spark_scan["persons_path"]).name == "spark_results_persons.parquet"
    assert spark_scan["failed"] == 0 and _read(spark_scan["failed_path"]).num_rows == 0


def test_spark_households_equal_embedded(spark_scan, prepared):
    _assert_same(_read(spark_scan["households_path"]), prepared["households"], "household_id")


def test_spark_persons_equal_embedded(spark_scan, prepared):
    _assert_same(_read(spark_scan["persons_path"]), prepared["persons"], "person_id")
