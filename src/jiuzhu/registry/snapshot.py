"""A Parquet snapshot of the registry database: the same layout ``jiuzhu synth`` writes and
``jiuzhu load`` reads (``registry/<table>.parquet``, the database columns, money in fen).

A snapshot is one moment of the registry. Every table is read in one transaction: on SQLite (WAL) a
transaction's reads see the database as of its first read; on PostgreSQL the transaction is REPEATABLE READ
(and read-only), whose statements all see the snapshot taken at its first one. An import committed
while the snapshot is being written is then wholly absent from it, never half present (a household
without its members, members without their incomes). The folder ``registry`` appears only when every
file is complete (``files.atomic_folder``). ``check(path)`` is the one check that a folder is a snapshot.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Connection, Engine, select

from jiuzhu.db import Base
from jiuzhu.errors import JiuzhuError
from jiuzhu.files import atomic_folder
from jiuzhu.i18n import t
from jiuzhu.registry.parquet import REGISTRY_TABLES, registry_schema

BATCH = 100_000
REQUIRED = ("persons", "households")  # a folder without these is no snapshot


def check(path: Path | str, field: str | None = None) -> Path:
    """``path`` if it is a snapshot folder (``registry/persons.parquet`` and ``households.parquet`` in it, as
    ``jiuzhu synth`` and ``export_registry`` write them); else one line naming it (``field``: the input it was
    given as). The one check of a snapshot before any work (the load checks every table as it reads it)."""
    path = Path(path)
    if not path.exists():
        raise JiuzhuError(t("{folder}: no such folder", folder=path), field=field)
    if not path.is_dir():
        raise JiuzhuError(t("{folder} is a file; give the folder written by jiuzhu synth", folder=path), field=field)
    for table in REQUIRED:
        if not (path / "registry" / f"{table}.parquet").is_file():
            raise JiuzhuError(t("{folder} is not a snapshot written by jiuzhu synth (it has no "
                                "registry/{table}.parquet)", folder=path, table=table), field=field)
    return path


def export_registry(engine: Engine, out_dir: Path) -> dict[str, int]:
    """Write every registry table to ``out_dir/registry``, all of one moment; returns the row count per table."""
    with atomic_folder(Path(out_dir) / "registry") as folder, engine.connect() as conn:
        _one_moment(conn)
        with conn.begin():
            return {name: _write_table(conn, name, folder) for name in REGISTRY_TABLES}


def _one_moment(conn: Connection) -> None:
    """Make the connection's next transaction read one snapshot of the whole database."""
    if conn.dialect.name == "postgresql":
        # READ COMMITTED (PostgreSQL's default) takes a new snapshot for every statement.
        conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)


def _write_table(conn: Connection, name: str, folder: Path) -> int:
    table = Base.metadata.tables[name]
    schema = registry_schema(name)
    order = list(table.primary_key.columns)
    result = conn.execution_options(stream_results=True).execute(select(table).order_by(*order))
    count = 0
    with pq.ParquetWriter(folder / f"{name}.parquet", schema) as writer:
        while rows := result.fetchmany(BATCH):
            columns = list(zip(*rows, strict=True))
            arrays = [pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)]
            writer.write_table(pa.table(arrays, schema=schema))
            count += len(rows)
    return count
