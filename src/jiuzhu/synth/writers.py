"""Parquet writers for a snapshot: one ParquetWriter per file, one row group per chunk, exact schemas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from jiuzhu.exchange.records import DEPARTMENT_SCHEMAS
from jiuzhu.registry.parquet import REGISTRY_TABLES, registry_schema
from jiuzhu.synth import ids
from jiuzhu.synth.truth import DIFFERENCES_SCHEMA, PLANTED_SCHEMA


def snapshot_schemas() -> dict[str, pa.Schema]:
    """Every file of a snapshot (relative path) and its schema."""
    schemas = {f"registry/{t}.parquet": registry_schema(t) for t in REGISTRY_TABLES}
    schemas |= {f"departments/{k}.parquet": s for k, s in DEPARTMENT_SCHEMAS.items()}
    schemas |= {"truth/planted.parquet": PLANTED_SCHEMA, "truth/differences.parquet": DIFFERENCES_SCHEMA}
    return schemas


class Writers:
    """One ParquetWriter per file, opened on first write; empty files get their schema on close."""

    def __init__(self, root: Path, schemas: dict[str, pa.Schema]) -> None:
        self.root, self.schemas = root, schemas
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.rows = dict.fromkeys(schemas, 0)

    def write(self, rel: str, columns: dict) -> None:
        """Append ``columns`` (name → values; a missing column is NULL) to the file ``rel``."""
        schema = self.schemas[rel]
        table = pa.table({f.name: _column(columns.get(f.name), f.type, columns) for f in schema}, schema=schema)
        if table.num_rows == 0:
            return
        if rel not in self.writers:
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            self.writers[rel] = pq.ParquetWriter(path, schema, compression="snappy")
        self.writers[rel].write_table(table)
        self.rows[rel] += table.num_rows

    def close(self) -> None:
        for rel, schema in self.schemas.items():
            if rel in self.writers:
                self.writers[rel].close()
            else:
                path = self.root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(schema.empty_table(), path, compression="snappy")


def _column(values, typ: pa.DataType, columns: dict) -> pa.Array:
    n = _length(columns)
    if values is None:
        return pa.nulls(n, typ)
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values.cast(typ) if values.type != typ else values
    values = np.asarray(values)
    if values.dtype.kind == "M":
        return pa.array(values.astype("datetime64[D]"), typ, mask=np.isnat(values))
    if values.dtype == object:
        return pa.array(values.tolist(), typ)
    return pa.array(values, typ)


def _length(columns: dict) -> int:
    for v in columns.values():
        if v is not None:
            return len(v)
    return 0


def decimals(centi: np.ndarray) -> pa.Array:
    """Exact decimal128(10, 2) from hundredths."""
    whole = pc.cast(pa.array(centi // 100), pa.string())
    frac = ids.padded(centi % 100, 2)
    return pc.cast(pc.binary_join_element_wise(whole, frac, "."), pa.decimal128(10, 2))
