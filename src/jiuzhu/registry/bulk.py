"""Bulk load of a Parquet snapshot (``jiuzhu synth`` output) into the registry database.

``load_snapshot(engine, snapshot_dir)`` reads ``snapshot_dir/registry/<table>.parquet`` batch by
batch and inserts every table in foreign-key order in ONE transaction: either everything is
loaded or nothing is. The ids in the snapshot are pre-assigned from 1; when the database already
holds rows, ids (households, persons and each table's row ids, and the columns that refer to
them) are shifted by the current maximum, and areas that already exist are skipped.

SQLite: the DBAPI's ``executemany`` on tuples, with a large page cache. Each batch is split by
its pattern of NULL columns and every group is inserted with only its non-NULL columns, because
binding parameters is most of the cost of an insert from Python (a typical income row binds 3-4
values instead of 13). PostgreSQL: psycopg 3 ``COPY ... FROM STDIN`` with ``write_row``.

One row in ``changes`` records the load (household_no "*", path "(bulk load)", the counts, the
offsets and the source folder in new_value).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Engine, func, insert, select, text

from jiuzhu.db import Base
from jiuzhu.registry import models as m
from jiuzhu.registry.parquet import OPTIONAL_TABLES, REGISTRY_TABLES

TABLES = REGISTRY_TABLES  # foreign-key order: every table after the tables it refers to
BATCH_ROWS = 65_536
SELF_REFERENCING = {"areas"}
SQLITE_CACHE_KIB = 512 * 1024  # page cache for the load connection, KiB


@dataclass
class LoadSummary:
    households: int
    persons: int
    rows: dict[str, int]
    seconds: float
    offsets: dict[str, int] = field(default_factory=dict)
    source: str = ""
    timings: dict[str, float] = field(default_factory=dict)  # seconds per table, "indexes", "commit"

    @property
    def people_per_second(self) -> float:
        return self.persons / self.seconds if self.seconds > 0 else float("inf")


class SnapshotError(ValueError):
    """The folder is not a loadable snapshot (missing file, unknown column)."""


def _files(snapshot_dir: Path) -> dict[str, pq.ParquetFile]:
    files = {}
    for table in TABLES:
        path = snapshot_dir / "registry" / f"{table}.parquet"
        if not path.exists() and table in OPTIONAL_TABLES:  # added later: older snapshots lack it
            continue
        if not path.exists():
            raise SnapshotError(f"{path} is missing: not a snapshot written by `jiuzhu synth`")
        f = pq.ParquetFile(path)
        db_cols = {c.name for c in Base.metadata.tables[table].columns}
        extra = [n for n in f.schema_arrow.names if n not in db_cols]
        if extra:
            raise SnapshotError(f"{path}: columns {extra} are not in the registry table {table}")
        missing = [c.name for c in Base.metadata.tables[table].columns
                   if c.name not in f.schema_arrow.names and not c.nullable]
        if missing:
            raise SnapshotError(f"{path}: required columns {missing} are missing")
        files[table] = f
    return files


def _shifted_columns(table: str) -> dict[str, str]:
    """Column → the table whose ids it holds (its own ``id``, or a reference to households/persons)."""
    out = {}
    for col in Base.metadata.tables[table].columns:
        if col.name == "id" and col.primary_key:
            out[col.name] = table
        for fk in col.foreign_keys:
            if fk.column.table.name in ("households", "persons"):
                out[col.name] = fk.column.table.name
    return out


def load_snapshot(engine: Engine, snapshot_dir: Path | str, progress: Callable[[int], None] | None = None,
                  *, actor: str = "bulk-load", reason: str = "bulk load of a snapshot",
                  batch_rows: int = BATCH_ROWS) -> LoadSummary:
    """Load every registry table of a snapshot into the database, all or nothing."""
    snapshot_dir = Path(snapshot_dir)
    files = _files(snapshot_dir)
    started = time.perf_counter()
    total_rows = sum(f.metadata.num_rows for f in files.values())
    tables = [t for t in TABLES if t in files]
    total_people = files["persons"].metadata.num_rows
    done_rows = 0
    rows: dict[str, int] = {}
    timings: dict[str, float] = {}
    with engine.begin() as conn:
        dialect = engine.dialect.name
        if dialect == "sqlite" and not conn.connection.driver_connection.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # engines not made by jiuzhu.db.make_engine
        offsets = {t: int(conn.execute(select(func.coalesce(func.max(Base.metadata.tables[t].c.id), 0))).scalar())
                   for t in TABLES if "id" in Base.metadata.tables[t].c}
        existing_areas = set(conn.execute(select(m.Area.code)).scalars())
        writer = _SqliteWriter(conn, fresh=not any(offsets.values())) if dialect == "sqlite" else _CopyWriter(conn)
        try:
            for table in tables:
                shift = {c: offsets[t] for c, t in _shifted_columns(table).items() if offsets.get(t)}
                count = 0
                t0 = time.perf_counter()
                for batch in files[table].iter_batches(batch_size=batch_rows):
                    if table == "areas" and existing_areas:
                        keep = pc.invert(pc.is_in(batch.column("code"), pa.array(sorted(existing_areas), pa.string())))
                        batch = batch.filter(keep)
                    for name, offset in shift.items():
                        i = batch.schema.get_field_index(name)
                        batch = batch.set_column(i, name, pc.add(batch.column(i), pa.scalar(offset, pa.int64())))
                    writer.insert(table, batch)
                    count += batch.num_rows
                    done_rows += batch.num_rows
                    if progress is not None:
                        progress(int(total_people * done_rows / max(total_rows, 1)))
                rows[table] = count
                timings[table] = time.perf_counter() - t0
            t0 = time.perf_counter()
            writer.finish()
            timings["indexes"] = time.perf_counter() - t0
        finally:
            writer.close()
        if dialect == "postgresql":
            for table in TABLES:
                if "id" in Base.metadata.tables[table].c:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                      f"(SELECT max(id) FROM {table}))"))
        conn.execute(insert(m.Change.__table__).values(
            at=dt.datetime.now(dt.timezone.utc), actor=actor, reason=reason, household_no="*", path="(bulk load)",
            old_value=None,
            new_value=json.dumps({"source": str(snapshot_dir.resolve()), "rows": rows,
                                  "offsets": {t: o for t, o in offsets.items() if o},
                                  "manifest": _manifest_summary(snapshot_dir)}, ensure_ascii=False)))
        committing = time.perf_counter()
    timings["commit"] = time.perf_counter() - committing
    seconds = time.perf_counter() - started
    return LoadSummary(households=rows["households"], persons=rows["persons"], rows=rows, seconds=seconds,
                       offsets={t: o for t, o in offsets.items() if o}, source=str(snapshot_dir), timings=timings)


def _manifest_summary(snapshot_dir: Path) -> dict:
    path = snapshot_dir / "manifest.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: data.get(k) for k in ("district", "seed", "month", "months", "households", "persons")}


# --- SQLite -------------------------------------------------------------------------------------

class _SqliteWriter:
    def __init__(self, conn, fresh: bool) -> None:
        self.raw = conn.connection.driver_connection
        self.cur = self.raw.cursor()
        self.old_cache = self.cur.execute("PRAGMA cache_size").fetchone()[0]
        self.cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        self.statements: dict[tuple, str] = {}
        # Into empty tables, secondary indexes are cheaper to build once at the end than to keep
        # up row by row. DDL is transactional in SQLite: a failed load restores them too.
        self.indexes: list[str] = []
        if fresh:
            marks = ", ".join("?" * len(TABLES))
            self.indexes = [r[0] for r in self.cur.execute(
                f"SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
                TABLES)]
            for name, in self.cur.execute(
                    f"SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
                    TABLES).fetchall():
                self.cur.execute(f'DROP INDEX "{name}"')

    def insert(self, table: str, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        names = batch.schema.names
        columns = [_sqlite_values(c) for c in batch.columns]
        nullable = [i for i, c in enumerate(columns) if c.null_count]
        if not nullable or table in SELF_REFERENCING:  # keep the row order: parents before children
            self._run(table, names, range(len(names)), columns)
            return
        pattern = np.zeros(batch.num_rows, dtype=np.int64)
        for bit, i in enumerate(nullable):
            pattern |= columns[i].is_null().to_numpy(zero_copy_only=False).astype(np.int64) << bit
        groups, inverse = np.unique(pattern, return_inverse=True)
        for g, bits in enumerate(groups):
            present = [i for i in range(len(names))
                       if i not in nullable or not (int(bits) >> nullable.index(i)) & 1]
            if len(groups) == 1:
                self._run(table, names, present, columns)
            else:
                idx = pa.array(np.nonzero(inverse == g)[0])
                self._run(table, names, present, [c.take(idx) if i in present else None
                                                  for i, c in enumerate(columns)])

    def _run(self, table: str, names: list[str], present, columns) -> None:
        key = (table, tuple(present))
        sql = self.statements.get(key)
        if sql is None:
            cols = ", ".join(f'"{names[i]}"' for i in present)
            sql = self.statements[key] = f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join("?" * len(present))})'
        self.cur.executemany(sql, zip(*(columns[i].to_pylist() for i in present)))

    def finish(self) -> None:
        for sql in self.indexes:
            self.cur.execute(sql)
        self.indexes = []

    def close(self) -> None:
        self.cur.execute(f"PRAGMA cache_size={self.old_cache}")
        self.cur.close()


def _sqlite_values(col: pa.Array) -> pa.Array:
    """Values as SQLAlchemy stores them in SQLite: dates as ISO text, numerics as REAL."""
    t = col.type
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        return pc.cast(col, pa.string())
    if pa.types.is_decimal(t):
        return pc.cast(col, pa.float64())
    return col


# --- PostgreSQL ---------------------------------------------------------------------------------

class _CopyWriter:
    def __init__(self, conn) -> None:
        self.raw = conn.connection.driver_connection
        self.cur = self.raw.cursor()

    def insert(self, table: str, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        cols = ", ".join(f'"{n}"' for n in batch.schema.names)
        with self.cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            for row in _rows(batch):
                copy.write_row(row)

    def finish(self) -> None:
        pass

    def close(self) -> None:
        self.cur.close()


def _rows(batch: pa.RecordBatch) -> Iterator[tuple]:
    return zip(*(c.to_pylist() for c in batch.columns))
