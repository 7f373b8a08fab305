"""The registry as Parquet: its tables in foreign-key order and their Arrow schemas, exactly as models.py
declares them. ``jiuzhu synth`` writes this layout, ``jiuzhu load`` reads it, a scan snapshots the
database into it.

Registry Parquet files carry exactly the database columns (same names), money in integer fen,
dates as date32, numeric columns as decimal128 with the column's precision and scale.
"""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, Numeric, String, Text

from jiuzhu.db import Base
from jiuzhu.registry import models  # noqa: F401  (registers the tables on Base.metadata)

REGISTRY_TABLES = ("areas", "households", "persons", "members", "incomes", "financial_assets", "vehicles",
                   "real_estate", "businesses", "supporters", "rigid_spending", "emergencies", "enrolments")
# Tables added after the first snapshots were written: a snapshot without their file has no such rows.
OPTIONAL_TABLES = frozenset({"emergencies"})


def arrow_type(column) -> pa.DataType:
    t = column.type
    if isinstance(t, Boolean):
        return pa.bool_()
    if isinstance(t, (BigInteger, Integer)):
        return pa.int64()
    if isinstance(t, Numeric):
        return pa.decimal128(t.precision or 18, t.scale or 0)
    if isinstance(t, Date):
        return pa.date32()
    if isinstance(t, DateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(t, (String, Text)):
        return pa.string()
    raise TypeError(f"no Arrow type for {column.table.name}.{column.name} ({t!r})")


def registry_schema(table: str) -> pa.Schema:
    cols = Base.metadata.tables[table].columns
    return pa.schema([pa.field(c.name, arrow_type(c), nullable=bool(c.nullable)) for c in cols])
