"""The distributed scan: the rules over every township of a prepared population, on Apache Spark.

DuckDB prepares the inputs on one machine (``rules.inputs.population.Population.write_prepared``:
``inputs_persons.parquet`` and ``inputs_households.parquet``, each row tagged with its 9-digit
``township``). Spark reads the two files, brings each township's households and persons together
(``cogroup(...).applyInArrow``: one call per township, Arrow tables in and out) and runs the same code as
the embedded scan,
``discovery.evaluate.evaluate_chunk``, on each township; household rows are renumbered 0..h-1
within the township first, in their global order (``rules.inputs.tables.renumber``). The results are
written as three Parquet folders (Spark part files) with exactly the columns of ``evaluate_chunk``'s three
tables: ``spark_results_households.parquet``, ``spark_results_persons.parquet`` and
``spark_results_failed.parquet`` (households whose inputs made the rules raise, with the reason: one bad
household never stops a township).

Each township's result is one Arrow table whose rows are tagged ``kind`` ('household', 'person' or
'failed') over the union of the result schemas; it is kept (memory, then disk) between the writes so
that the rules run once per township.

    python -m jiuzhu.discovery.spark PREPARED_DIR MONTH OUT_DIR [--master URL] [--partitions N]

or the same arguments after ``spark-submit .../jiuzhu/discovery/spark.py`` (docs/operations.md).
Paths may be local paths or URIs (``hdfs://``, ``s3a://``): give URIs as strings, not ``Path``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa

APP_NAME = "jiuzhu-scan"
JAVA_MIN = 17  # Spark 4 runs on Java 17 or 21
PERSONS_IN, HOUSEHOLDS_IN = "inputs_persons.parquet", "inputs_households.parquet"
HOUSEHOLDS_OUT, PERSONS_OUT = "spark_results_households.parquet", "spark_results_persons.parquet"
FAILED_OUT = "spark_results_failed.parquet"
KIND = "kind"
LOCAL_CONFIG = {  # a local run (tests, a laptop): small memory, no web UI
    "spark.driver.memory": "1g",
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "4",
}
SESSION_CONFIG = {
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    # the work is CPU in Python, one township per group: keep the partitions asked for, do not merge small ones
    "spark.sql.adaptive.coalescePartitions.enabled": "false",
}


def run_spark_scan(prepared_dir: Path | str, month: str, out_dir: Path | str, master: str | None = "local[*]",
                   *, partitions: int | None = None) -> dict:
    """Evaluate every township of ``prepared_dir`` for ``month`` on Spark; write the results to ``out_dir``.

    ``master``: a Spark master URL (``local[2]``, ``spark://host:7077``, ``yarn``, ``k8s://…``), or
    ``None`` to take it from ``spark-submit``. A ``local`` master gets small-memory settings and runs
    its Python workers with this interpreter. ``partitions``: shuffle partitions (about the number of
    townships on a cluster; 4 locally unless given).

    Returns ``{"townships", "households", "persons", "failed", "households_path", "persons_path",
    "failed_path"}``.
    """
    try:
        import pandas  # noqa: F401  (applyInArrow goes through pandas_udf, which requires pandas)
        from pyspark import StorageLevel
        from pyspark.sql import SparkSession
        from pyspark.sql import functions as F
        from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema
    except ImportError as error:
        raise ModuleNotFoundError(
            f"the Spark scan needs PySpark 4 with its SQL extras ({error}): pip install -e '.[spark]' "
            "(or pip install 'pyspark[sql]>=4.0,<5' 'pandas>=2.2,<3')") from error

    local = master is not None and master.startswith("local")
    in_spark_submit = "PYSPARK_GATEWAY_PORT" in os.environ  # the JVM is already running
    if not in_spark_submit:
        check_java()
    if local:
        # local Python workers are started as PYSPARK_PYTHON (default: `python3` on the PATH): use this venv
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    builder = SparkSession.builder.appName(APP_NAME)
    if master is not None:
        builder = builder.master(master)
    if local:
        for key, value in LOCAL_CONFIG.items():
            builder = builder.config(key, value)
    for key, value in SESSION_CONFIG.items():
        builder = builder.config(key, value)
    created = SparkSession.getActiveSession() is None
    spark = builder.getOrCreate()
    try:
        for key, value in SESSION_CONFIG.items():  # also on a session that existed before
            spark.conf.set(key, value)
        if partitions:
            spark.conf.set("spark.sql.shuffle.partitions", str(partitions))

        persons = spark.read.parquet(_join(prepared_dir, PERSONS_IN))
        households = spark.read.parquet(_join(prepared_dir, HOUSEHOLDS_IN))
        h_schema, p_schema, f_schema = result_schemas(to_arrow_schema(persons.schema),
                                                      to_arrow_schema(households.schema), month)
        combined = combined_schema(h_schema, p_schema, f_schema)

        def evaluate(township_households: pa.Table, township_persons: pa.Table) -> pa.Table:
            return evaluate_township(township_households, township_persons, month, combined)

        results = (households.groupBy("township").cogroup(persons.groupBy("township"))
                   .applyInArrow(evaluate, schema=from_arrow_schema(combined)))
        results = results.persist(StorageLevel.MEMORY_AND_DISK)
        paths = {"household": _join(out_dir, HOUSEHOLDS_OUT), "person": _join(out_dir, PERSONS_OUT),
                 "failed": _join(out_dir, FAILED_OUT)}
        for kind, schema in (("household", h_schema), ("person", p_schema), ("failed", f_schema)):
            results.filter(F.col(KIND) == kind).select(*schema.names).write.mode("overwrite").parquet(paths[kind])
        township = F.when(F.col(KIND) == "household", F.substring("area_code", 1, 9))
        summary = results.groupBy(KIND).agg(F.count("*").alias("rows"), F.countDistinct(township).alias("townships"))
        counts = {row[KIND]: (row["rows"], row["townships"]) for row in summary.collect()}
        results.unpersist()
    finally:
        if created:
            spark.stop()
    (households_n, townships), (persons_n, _) = counts.get("household", (0, 0)), counts.get("person", (0, 0))
    return {"townships": townships, "households": households_n, "persons": persons_n,
            "failed": counts.get("failed", (0, 0))[0], "households_path": paths["household"],
            "persons_path": paths["person"], "failed_path": paths["failed"]}


def result_schemas(persons: pa.Schema, households: pa.Schema, month: str) -> tuple[pa.Schema, pa.Schema, pa.Schema]:
    """The schemas of ``evaluate_chunk``'s (household, person, failed) results for inputs of these schemas:
    the function itself run on no rows, so the Spark output can never drift from it."""
    from jiuzhu.discovery.evaluate import evaluate_chunk

    h, p, failed = evaluate_chunk(_chunk_inputs(persons.empty_table(), "persons"),
                                  _chunk_inputs(households.empty_table(), "households"), month)
    return h.schema, p.schema, failed.schema


def combined_schema(*schemas: pa.Schema) -> pa.Schema:
    """``kind`` then the union of the result schemas (a name in several must have one type)."""
    fields = {KIND: pa.field(KIND, pa.string())}
    for field in [f for schema in schemas for f in schema]:
        if field.name in fields and fields[field.name].type != field.type:
            raise TypeError(f"result column {field.name} has two types: {fields[field.name].type}, {field.type}")
        fields.setdefault(field.name, field.with_nullable(True))
    return pa.schema(list(fields.values()))


def evaluate_township(households: pa.Table, persons: pa.Table, month: str, schema: pa.Schema) -> pa.Table:
    """One township through ``evaluate_chunk`` (runs on a Spark Python worker).

    The rows arrive in any order: households are put in their global ``household_row`` order and
    renumbered 0..h-1, persons follow their household then ``position``.
    """
    from jiuzhu.discovery.evaluate import evaluate_chunk  # imported on the worker
    from jiuzhu.rules.inputs.tables import renumber

    if households.num_rows == 0:
        if persons.num_rows:
            raise ValueError(f"{persons.num_rows} persons of township {persons.column('township')[0]} "
                             "have no household row")
        return schema.empty_table()
    households = households.sort_by("household_row")
    persons = persons.sort_by([("household_row", "ascending"), ("position", "ascending")])
    global_rows = households.column("household_row").to_numpy()
    person_rows = persons.column("household_row").to_numpy()
    local = np.searchsorted(global_rows, person_rows)
    matched = global_rows[np.minimum(local, len(global_rows) - 1)] == person_rows
    if not matched.all() or len(np.unique(local)) != len(global_rows):
        township = households.column("township")[0]
        raise ValueError(f"township {township}: persons and households do not match "
                         f"({int((~matched).sum())} persons without household, "
                         f"{len(global_rows) - len(np.unique(local[matched]))} households without persons)")
    persons, households = renumber(_chunk_inputs(persons, "persons"), _chunk_inputs(households, "households"))
    results = evaluate_chunk(persons, households, month)
    return pa.concat_tables([_tagged(results.households, "household", schema),
                             _tagged(results.persons, "person", schema), _tagged(results.failed, "failed", schema)])


def _chunk_inputs(table: pa.Table, side: str) -> pa.Table:
    """The prepared rows as ``Population.fetch`` gives them: without township, persons without position."""
    drop = ["township", "position"] if side == "persons" else ["township"]
    return table.drop_columns([c for c in drop if c in table.column_names])


def _tagged(table: pa.Table, kind: str, schema: pa.Schema) -> pa.Table:
    n = table.num_rows
    columns = [pa.array([kind] * n, pa.string()) if f.name == KIND
               else table.column(f.name).cast(f.type) if f.name in table.column_names
               else pa.nulls(n, f.type) for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)


def _join(folder: Path | str, name: str) -> str:
    """A file in a folder given as a local path or as a URI (``hdfs://…``, ``s3a://…``)."""
    if isinstance(folder, Path) or "://" not in str(folder):
        return str(Path(folder).absolute() / name)
    return f"{str(folder).rstrip('/')}/{name}"


def java_command() -> str | None:
    """The ``java`` that Spark's launcher uses: ``$JAVA_HOME/bin/java``, else the one on the PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / "java"
        return str(candidate) if candidate.exists() else None
    return shutil.which("java")


def check_java() -> int:
    """Java's major version; a clear error if Spark cannot start for lack of Java 17+."""
    install = ("install a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless; "
               "`./dev test` does it) or set JAVA_HOME")
    java = java_command()
    if java is None:
        where = f"JAVA_HOME={os.environ['JAVA_HOME']} has no bin/java" if os.environ.get("JAVA_HOME") \
            else "no `java` on the PATH"
        raise RuntimeError(f"the Spark scan needs Java {JAVA_MIN} or newer, and {where}: {install}")
    shown = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60).stderr
    found = re.search(r'version "(\d+)(?:\.(\d+))?', shown)
    if not found:
        raise RuntimeError(f"cannot read the version of {java}: {shown.strip()!r}")
    major = int(found.group(2)) if found.group(1) == "1" else int(found.group(1))  # "1.8.0" is Java 8
    if major < JAVA_MIN:
        raise RuntimeError(f"the Spark scan needs Java {JAVA_MIN} or newer; {java} is Java {major}: {install}")
    return major


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="jiuzhu.discovery.spark", description=__doc__.splitlines()[0])
    parser.add_argument("prepared_dir", help="folder (path or URI) with inputs_persons/households.parquet")
    parser.add_argument("month", help="YYYY-MM")
    parser.add_argument("out_dir", help="folder (path or URI) for the two result folders")
    parser.add_argument("--master", default=None,
                        help="Spark master URL; default: the one given to spark-submit, else local[*]")
    parser.add_argument("--partitions", type=int, default=None, help="shuffle partitions (≈ townships)")
    args = parser.parse_args(argv)
    master = args.master or (None if "PYSPARK_GATEWAY_PORT" in os.environ else "local[*]")
    counts = run_spark_scan(args.prepared_dir, args.month, args.out_dir, master, partitions=args.partitions)
    print(", ".join(f"{k}: {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
