"""A Parquet snapshot of the registry database: the same layout ``jiuzhu synth`` writes and
``jiuzhu load`` reads (``registry/<table>.parquet``, the database columns, money in fen)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine, select

from jiuzhu.db import Base
from jiuzhu.registry.parquet import REGISTRY_TABLES, registry_schema

BATCH = 100_000


def export_registry(engine: Engine, out_dir: Path) -> dict[str, int]:
    """Write every registry table to ``out_dir/registry``; returns the row count per table."""
    folder = Path(out_dir) / "registry"
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    with engine.connect() as conn:
        for name in REGISTRY_TABLES:
            table = Base.metadata.tables[name]
            schema = registry_schema(name)
            order = list(table.primary_key.columns)
            result = conn.execution_options(stream_results=True).execute(select(table).order_by(*order))
            with pq.ParquetWriter(folder / f"{name}.parquet", schema) as writer:
                counts[name] = 0
                while rows := result.fetchmany(BATCH):
                    columns = list(zip(*rows, strict=True))
                    arrays = [pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)]
                    writer.write_table(pa.table(arrays, schema=schema))
                    counts[name] += len(rows)
    return counts
