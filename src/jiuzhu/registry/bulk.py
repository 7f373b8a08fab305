"""Bulk load of a Parquet snapshot (``jiuzhu synth`` output) into the registry database.

``load_snapshot(engine, snapshot_dir)`` reads ``snapshot_dir/registry/<table>.parquet`` batch by
batch and inserts every table in foreign-key order in ONE transaction: either everything is
loaded or nothing is. The ids in the snapshot are pre-assigned from 1; when the database already
holds rows, ids (households, persons and each table's row ids, and the columns that refer to
them) are shifted by the current maximum, and areas that already exist are skipped.

SQLite: Arrow batches go in through ADBC (the Arrow project's database connectivity; its SQLite
driver binds each column straight from the Arrow buffers in C), from a process of its own
(``jiuzhu.registry.sqlite_load``), because binding values from Python tuples was most of the
cost of the load.
Into empty tables the secondary indexes are built once at the end, and foreign keys are checked
once at the end (``PRAGMA foreign_key_check``) instead of row by row; a violation names the table,
the row and the column and rolls everything back. PostgreSQL: psycopg 3 ``COPY ... FROM STDIN``.

One row in ``changes`` records the load (household_no "*", path "(bulk load)", the counts, the
offsets and the source folder in new_value).

Before anything is written (``check_snapshot``), the snapshot is refused with one line naming the table,
the row and the column if an amount is negative or an area lies outside the installation's jurisdiction
(``JIUZHU_JURISDICTION``), and with a ConflictError if any of its households or people is already in the
registry (a district is loaded once). An error in the load's own process (a full disk, a lock held too
long, a clash) arrives whole, as the one line that process wrote.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Engine, insert, select, text

from jiuzhu.db import Base
from jiuzhu.errors import ConflictError, JiuzhuError
from jiuzhu.i18n import N_, t
from jiuzhu.registry import areas
from jiuzhu.registry import models as m
from jiuzhu.registry.codes import INCOME_CATEGORIES
from jiuzhu.registry.parquet import OPTIONAL_TABLES, REGISTRY_TABLES
from jiuzhu.registry.privacy import mask_id

TABLES = REGISTRY_TABLES  # foreign-key order: every table after the tables it refers to
BATCH_ROWS = 65_536


@dataclass
class LoadSummary:
    households: int
    persons: int
    rows: dict[str, int]
    seconds: float
    offsets: dict[str, int] = field(default_factory=dict)
    source: str = ""
    timings: dict[str, float] = field(default_factory=dict)  # seconds per table, "indexes", "commit"


class BulkLoadError(JiuzhuError, ValueError):
    """A bulk load that cannot be done, said in one line."""


class SnapshotError(BulkLoadError):
    """The folder is not a loadable snapshot (missing file, unknown column, a dangling reference, a value out
    of range)."""


class Writer(Protocol):
    """Where ``load_through`` puts the rows: one database, in one transaction the writer holds open."""

    def scalar(self, sql: str): ...
    def area_codes(self) -> set[str]: ...
    def start(self, fresh: bool) -> None: ...
    def insert(self, table: str, batch: pa.RecordBatch) -> None: ...
    def finish(self, offsets: dict[str, int]) -> dict[str, float]: ...
    def log(self, values: dict) -> None: ...
    def commit(self) -> None: ...


def _files(snapshot_dir: Path) -> dict[str, pq.ParquetFile]:
    files = {}
    for table in TABLES:
        path = snapshot_dir / "registry" / f"{table}.parquet"
        if not path.exists() and table in OPTIONAL_TABLES:  # added later: older snapshots lack it
            continue
        if not path.exists():
            raise SnapshotError(t("{path} is missing: not a snapshot written by `jiuzhu synth`", path=path))
        f = pq.ParquetFile(path)
        db_cols = {c.name for c in Base.metadata.tables[table].columns}
        extra = [n for n in f.schema_arrow.names if n not in db_cols]
        if extra:
            raise SnapshotError(t("{path}: columns {columns} are not in the registry table {table}", path=path,
                                  columns=", ".join(extra), table=table))
        missing = [c.name for c in Base.metadata.tables[table].columns
                   if c.name not in f.schema_arrow.names and not c.nullable]
        if missing:
            raise SnapshotError(t("{path}: required columns {columns} are missing", path=path,
                                  columns=", ".join(missing)))
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
                  *, actor: str = "bulk-load", reason: str = "批量装入",
                  batch_rows: int = BATCH_ROWS) -> LoadSummary:
    """Load every registry table of a snapshot into the database, all or nothing."""
    snapshot_dir = Path(snapshot_dir)
    database = _sqlite_file(engine) if engine.dialect.name == "sqlite" else None
    check_snapshot(engine, snapshot_dir)  # refused before anything (or any process) is started for it
    if database is not None:
        summary = _load_in_child(database, snapshot_dir, progress, actor, reason, batch_rows)
    else:
        with engine.connect() as conn:  # closing without a commit rolls back
            writer = _CopyWriter(conn)
            try:
                summary = load_through(writer, snapshot_dir, progress, actor, reason, batch_rows)
            finally:
                writer.close()
    _audit_load(engine, snapshot_dir, summary, actor=actor, reason=reason)
    return summary


def _audit_load(engine: Engine, snapshot_dir: Path, summary: LoadSummary, *, actor: str, reason: str) -> None:
    """The load as a row of the audit log, right after its commit (the load writes through its own connection or
    process, which cannot take part in the chain's transaction; its ``changes`` row is written inside it)."""
    from jiuzhu.audit import service as audit
    from jiuzhu.db import session_scope  # (registry imports audit: the layers allow it)

    codes = _files(snapshot_dir)["households"].read(columns=["area_code"]).column("area_code")
    districts = sorted({code[:6] for code in pc.unique(codes).to_pylist() if code})
    with session_scope(engine) as session:
        audit.append(session, actor=actor, action="create", subject=t(
            "bulk load of {households} households, {people} people from {source}", households=summary.households,
            people=summary.persons, source=snapshot_dir.name), area_code=districts[0] if len(districts) == 1 else None,
            reason=reason, detail={"rows": summary.rows})


def check_snapshot(engine: Engine, snapshot_dir: Path) -> None:
    """Refuse, before any long work, a snapshot that is not one, holds values out of range, or is loaded."""
    files = _files(snapshot_dir)
    _check_amounts(files)
    _check_areas(files)
    try:
        _check_not_loaded(engine, files)
    except ConflictError as exc:  # which snapshot: the user may have several
        raise ConflictError(f"{Path(snapshot_dir).name}: {exc.message}") from None


def amount_columns(table: str) -> list[str]:
    """The columns of a table that hold amounts (money in fen, floor areas): never negative."""
    return [c.name for c in Base.metadata.tables[table].columns
            if c.name.endswith("_fen") or c.name == "floor_area_m2" or (table == "incomes" and
                                                                        c.name in INCOME_CATEGORIES)]


def _check_amounts(files: dict[str, pq.ParquetFile]) -> None:
    for table, f in files.items():
        columns = [c for c in amount_columns(table) if c in f.schema_arrow.names]
        if not columns:
            continue
        keys = [c.name for c in Base.metadata.tables[table].primary_key.columns]
        for batch in f.iter_batches(batch_size=BATCH_ROWS, columns=keys + columns):
            for column in columns:
                values = batch.column(column)
                zero = pa.scalar(Decimal(0) if pa.types.is_decimal(values.type) else 0, type=values.type)
                negative = pc.less(values, zero)
                if pc.any(negative).as_py():
                    row = batch.filter(pc.fill_null(negative, False)).slice(0, 1).to_pylist()[0]
                    where = ", ".join(f"{k} {row[k]}" for k in keys)
                    raise SnapshotError(t("{table} ({where}): {column} is {value}, a negative amount; nothing was "
                                          "loaded", table=table, where=where, column=column, value=row[column]))


def _check_areas(files: dict[str, pq.ParquetFile]) -> None:
    codes = set(files["households"].read(columns=["area_code"]).column(0).unique().to_pylist())
    areas_file = files["areas"].read(columns=["code", "level"])
    codes |= {c for c, level in zip(areas_file.column("code").to_pylist(), areas_file.column("level").to_pylist(),
                                    strict=True) if level >= 3}
    for code in sorted(codes):
        try:
            areas.check_in_jurisdiction(code)
        except ValueError as exc:
            raise SnapshotError(t("area {code}: {reason}; nothing was loaded", code=code, reason=exc)) from None


def _check_not_loaded(engine: Engine, files: dict[str, pq.ParquetFile]) -> None:
    """No household number or ID number of the snapshot is in the registry yet."""
    checks = (("households", "household_no", m.Household.household_no,
               N_HOUSEHOLD), ("persons", "id_number", m.Person.id_number, N_PERSON))
    with engine.connect() as conn:
        for table, column, key, message in checks:
            for batch in files[table].iter_batches(batch_size=500, columns=[column]):
                values = batch.column(0).to_pylist()
                found = conn.execute(select(key).where(key.in_(values)).limit(1)).scalar()
                if found is not None:
                    raise ConflictError(t(message, value=found if table == "households" else mask_id(found)))


N_HOUSEHOLD = N_("household {value} of this snapshot is already in the registry: the district (or part of it) "
                 "was loaded before; nothing was loaded. A district is loaded once: to load it again, start from "
                 "an empty database")
N_PERSON = N_("the person {value} of this snapshot is already in the registry: the district (or part of it) was "
              "loaded before; nothing was loaded. A district is loaded once: to load it again, start from an "
              "empty database")


def load_through(writer: Writer, snapshot_dir: Path, progress: Callable[[int], None] | None,
                 actor: str, reason: str, batch_rows: int) -> LoadSummary:
    """Every table through ``writer``, inside the one transaction the caller owns."""
    files = _files(snapshot_dir)
    started = time.perf_counter()
    total_rows = sum(f.metadata.num_rows for f in files.values())
    tables = [t for t in TABLES if t in files]
    total_people = files["persons"].metadata.num_rows
    done_rows = 0
    rows: dict[str, int] = {}
    timings: dict[str, float] = {}
    offsets = {t: writer.scalar(f'SELECT coalesce(max(id), 0) FROM "{t}"')
               for t in TABLES if "id" in Base.metadata.tables[t].c}
    existing_areas = writer.area_codes()
    writer.start(fresh=not any(offsets.values()))
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
    timings.update(writer.finish(offsets))
    writer.log({"at": dt.datetime.now(dt.timezone.utc), "actor": actor, "reason": reason, "household_no": "*",
                "path": "(bulk load)", "old_value": None,
                "new_value": json.dumps({"source": str(snapshot_dir.resolve()), "rows": rows,
                                         "offsets": {t: o for t, o in offsets.items() if o},
                                         "manifest": _manifest_summary(snapshot_dir)}, ensure_ascii=False)})
    committing = time.perf_counter()
    writer.commit()
    timings["commit"] = time.perf_counter() - committing
    return LoadSummary(households=rows["households"], persons=rows["persons"], rows=rows,
                       seconds=time.perf_counter() - started, offsets={t: o for t, o in offsets.items() if o},
                       source=str(snapshot_dir), timings=timings)


def _manifest_summary(snapshot_dir: Path) -> dict:
    path = snapshot_dir / "manifest.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: data.get(k) for k in ("district", "seed", "month", "months", "households", "persons")}


# --- SQLite -------------------------------------------------------------------------------------
#
# The ADBC driver brings its own build of SQLite. Two copies of SQLite in one process must never
# open the same file: POSIX locks belong to the process, so one copy closing the file drops the
# other's locks, and the database can be corrupted (https://www.sqlite.org/howtocorrupt.html,
# 2.2.1; seen here as "database disk image is malformed" when both ran in the test process). The
# caller's engine already uses Python's sqlite3 on the file, so the load runs in a process of its
# own (``python -m jiuzhu.registry.sqlite_load``), which reports progress and its result through a
# pipe. A plain subprocess rather than multiprocessing's spawn: spawn re-imports the caller's main
# script, which fails in any script without an ``if __name__ == "__main__"`` guard. If the caller
# stops (Ctrl-C), that process is ended and its uncommitted transaction leaves nothing behind.

def _sqlite_file(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BulkLoadError(t("the bulk load writes to an SQLite database file; {url} is not one",
                              url=engine.url.render_as_string(hide_password=True)))
    return Path(database).resolve()


def _load_in_child(path: Path, snapshot_dir: Path, progress: Callable[[int], None] | None,
                   actor: str, reason: str, batch_rows: int) -> LoadSummary:
    started = time.perf_counter()
    read_fd, write_fd = os.pipe()
    job = json.dumps({"path": str(path), "snapshot_dir": str(snapshot_dir.resolve()), "actor": actor,
                      "reason": reason, "batch_rows": batch_rows, "fd": write_fd})
    try:
        child = subprocess.Popen([sys.executable, "-m", "jiuzhu.registry.sqlite_load", job],
                                 pass_fds=(write_fd,), env=_child_env())
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)
    with os.fdopen(read_fd, "rb") as messages:
        try:
            while True:
                try:
                    kind, value = pickle.load(messages)  # messages from our own child process only
                except EOFError:
                    raise BulkLoadError(t("the bulk load process ended without a result (exit code {code}: killed, "
                                          "or out of memory?); nothing was loaded", code=child.wait())) from None
                if kind == "error":
                    raise value
                if kind == "done":
                    value.seconds = time.perf_counter() - started  # the caller's wall time, start-up included
                    return value
                if progress is not None:
                    progress(value)
        except BaseException:  # Ctrl-C, or the progress callback failed: the load stops uncommitted
            child.terminate()
            raise
        finally:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _child_env() -> dict[str, str]:
    """The caller's environment, with the folder jiuzhu is imported from first on the path."""
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


# --- PostgreSQL ---------------------------------------------------------------------------------

class _CopyWriter:
    def __init__(self, conn) -> None:
        self.conn = conn
        self.cur = conn.connection.driver_connection.cursor()

    def scalar(self, sql: str):
        return self.conn.execute(text(sql)).scalar()

    def area_codes(self) -> set[str]:
        return set(self.conn.execute(text("SELECT code FROM areas")).scalars())

    def start(self, fresh: bool) -> None:
        pass

    def insert(self, table: str, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        cols = ", ".join(f'"{n}"' for n in batch.schema.names)
        with self.cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            for row in zip(*(c.to_pylist() for c in batch.columns), strict=True):
                copy.write_row(row)

    def finish(self, offsets: dict[str, int]) -> dict[str, float]:
        t0 = time.perf_counter()
        for table in TABLES:  # sequences follow the loaded ids
            if "id" in Base.metadata.tables[table].c:
                self.conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f"(SELECT max(id) FROM {table}))"))
        return {"sequences": time.perf_counter() - t0}

    def commit(self) -> None:
        self.conn.commit()

    def log(self, values: dict) -> None:
        self.conn.execute(insert(m.Change.__table__).values(**values))

    def close(self) -> None:
        self.cur.close()
