"""The SQLite side of the bulk load, run as a process of its own by ``jiuzhu.registry.bulk``.

    python -m jiuzhu.registry.sqlite_load '{"path": ..., "snapshot_dir": ..., "fd": N, ...}'

Rows go in through ADBC (the Arrow project's database connectivity): its SQLite driver binds each
column straight from the Arrow buffers in C, where binding values from Python tuples was most of
the cost of the load. The driver brings its own build of SQLite, which is why this runs in its own
process (see the comment in ``bulk``). Messages to the caller are pickled on the file descriptor
``fd``: ("progress", people), then ("done", LoadSummary) or ("error", exception).
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from adbc_driver_sqlite import dbapi
from sqlalchemy.dialects import sqlite

from jiuzhu.db import Base, sqlite_error
from jiuzhu.errors import ConflictError, JiuzhuError
from jiuzhu.i18n import t
from jiuzhu.registry import models as m
from jiuzhu.registry.bulk import TABLES, BulkLoadError, SnapshotError, load_through

CACHE_KIB = 512 * 1024  # page cache for the load connection, KiB
BUSY_MS = 30_000  # wait this long for another writer to finish before giving up


def main(job: dict) -> None:
    with os.fdopen(job["fd"], "wb") as out:
        def send(message: tuple) -> None:
            pickle.dump(message, out)
            out.flush()

        try:
            writer = SqliteWriter(Path(job["path"]))
            try:
                summary = load_through(writer, Path(job["snapshot_dir"]), lambda n: send(("progress", n)),
                                       job["actor"], job["reason"], job["batch_rows"])
            finally:
                writer.close()
            send(("done", summary))
        except BaseException as exc:  # sent to the caller, who raises it
            send(("error", portable_error(exc, Path(job["path"]))))


def portable_error(exc: BaseException, path: Path) -> BaseException:
    """The error as the caller can receive it whole: a user's one line for what a user can act on (a full
    disk, a lock held too long, a clash with rows already loaded), else the error itself if it survives the
    pipe (the driver's do not: their constructors take other arguments), else its type and message."""
    candidate = exc if isinstance(exc, JiuzhuError) else (user_error(exc, path) or exc)
    try:
        pickle.loads(pickle.dumps(candidate))
    except Exception:
        return BulkLoadError(t("the bulk load stopped: {kind}: {message}; nothing was loaded",
                               kind=type(exc).__name__, message=str(exc).strip().splitlines()[0] if str(exc) else ""))
    return candidate


def user_error(exc: BaseException, path: Path) -> JiuzhuError | None:
    message = str(exc)
    if "UNIQUE constraint failed" in message:
        detail = message[message.index("UNIQUE constraint failed"):].splitlines()[0]
        return ConflictError(t("the snapshot holds rows already in the registry ({detail}): it was loaded before; "
                               "nothing was loaded", detail=detail))
    return sqlite_error(message, path)


class SqliteWriter:
    """One ADBC connection on the database file, in one ``BEGIN IMMEDIATE`` transaction."""

    def __init__(self, path: Path) -> None:
        self.con = dbapi.connect(str(path), autocommit=True)  # autocommit: BEGIN and COMMIT are ours
        self.cur = self.con.cursor()
        self.cur.execute(f"PRAGMA busy_timeout={BUSY_MS}")
        self.cur.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        # Foreign keys are checked for the whole load at once at the end (finish). The pragma must
        # be set before BEGIN: inside a transaction it does nothing.
        self.cur.execute("PRAGMA foreign_keys=OFF")
        self.cur.execute("BEGIN IMMEDIATE")
        self.open = True
        self.indexes: list[str] = []

    def scalar(self, sql: str):
        self.cur.execute(sql)
        return self.cur.fetchone()[0]

    def area_codes(self) -> set[str]:
        self.cur.execute("SELECT code FROM areas")
        return {code for code, in self.cur.fetchall()}

    def start(self, fresh: bool) -> None:
        # Into empty tables, secondary indexes are cheaper to build once at the end than to keep
        # up row by row. DDL is transactional in SQLite: a failed load restores them too.
        if not fresh:
            return
        marks = ", ".join("?" * len(TABLES))
        self.cur.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                         f"AND tbl_name IN ({marks})", TABLES)
        found = self.cur.fetchall()
        for name, _ in found:
            self.cur.execute(f'DROP INDEX "{name}"')
        self.indexes = [sql for _, sql in found]

    def insert(self, table: str, batch: pa.RecordBatch) -> None:
        if batch.num_rows:
            self.cur.adbc_ingest(table, sqlite_batch(batch), mode="append")

    def finish(self, offsets: dict[str, int]) -> dict[str, float]:
        t0 = time.perf_counter()
        for sql in self.indexes:
            self.cur.execute(sql)
        self.indexes = []
        t1 = time.perf_counter()
        for table in TABLES:
            self.cur.execute(f'PRAGMA foreign_key_check("{table}")')
            bad = self.cur.fetchmany(1)
            if bad:
                raise SnapshotError(self._dangling(*bad[0], offsets))
        return {"indexes": t1 - t0, "foreign keys": time.perf_counter() - t1}

    def _dangling(self, table: str, rowid: int, parent: str, fk_id: int, offsets: dict[str, int]) -> str:
        """Which row refers to what that is not there, in the words of the registry."""
        self.cur.execute(f'PRAGMA foreign_key_list("{table}")')
        column = next(row[3] for row in self.cur.fetchall() if row[0] == fk_id)
        keys = [c.name for c in Base.metadata.tables[table].primary_key.columns]
        self.cur.execute(f'SELECT {", ".join(keys)}, "{column}" FROM "{table}" WHERE rowid = ?', (rowid,))
        *key, value = self.cur.fetchone()
        where = ", ".join(f"{k} {v}" for k, v in zip(keys, key, strict=True))
        shift = offsets.get(parent, 0)
        if shift:
            return t("{table} ({where}): {column} {value} refers to no row of {parent} ({original} in the snapshot, "
                     "whose ids were shifted by {shift}); nothing was loaded", table=table, where=where,
                     column=column, value=value, parent=parent, original=value - shift, shift=shift)
        return t("{table} ({where}): {column} {value} refers to no row of {parent}; nothing was loaded",
                 table=table, where=where, column=column, value=value, parent=parent)

    def log(self, values: dict) -> None:
        # Through the columns' types, so that the time is the text SQLAlchemy itself stores in SQLite.
        dialect = sqlite.dialect()
        table = m.Change.__table__
        procs = [table.c[k].type.dialect_impl(dialect).bind_processor(dialect) for k in values]
        args = [p(v) if p else v for p, v in zip(procs, values.values(), strict=True)]
        cols = ", ".join(f'"{k}"' for k in values)
        self.cur.execute(f'INSERT INTO changes ({cols}) VALUES ({", ".join("?" * len(values))})', args)

    def commit(self) -> None:
        self.cur.execute("COMMIT")
        self.open = False

    def close(self) -> None:
        # After an I/O error or a full disk SQLite has ended the transaction itself: nothing is left to roll
        # back, and the error that ended it (not this ROLLBACK's) is the one to report.
        try:
            if self.open:
                with contextlib.suppress(Exception):
                    self.cur.execute("ROLLBACK")
        finally:
            self.cur.close()
            self.con.close()


def sqlite_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Values as SQLAlchemy stores them in SQLite: dates and times as ISO text, numerics as REAL."""
    columns = []
    for col in batch.columns:
        t = col.type
        if pa.types.is_date(t) or pa.types.is_timestamp(t):
            col = pc.cast(col, pa.string())
        elif pa.types.is_decimal(t):
            col = pc.cast(col, pa.float64())
        columns.append(col)
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
