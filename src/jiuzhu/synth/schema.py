"""Arrow schemas: the registry tables exactly as models.py declares them, and the outside files.

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


def _s(*fields: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema([pa.field(n, t) for n, t in fields])


STR, I64, DATE, BOOL = pa.string(), pa.int64(), pa.date32(), pa.bool_()

# Outside departments' raw records: the truth, keyed by ID number (departments know no households).
DEPARTMENT_SCHEMAS: dict[str, pa.Schema] = {
    "banks": _s(("id_number", STR), ("name", STR), ("bank", STR), ("account_no", STR), ("account_type", STR),
                ("balance_fen", I64), ("as_of", DATE)),
    "securities": _s(("id_number", STR), ("name", STR), ("firm", STR), ("account_no", STR),
                     ("market_value_fen", I64), ("as_of", DATE)),
    "insurers": _s(("id_number", STR), ("name", STR), ("insurer", STR), ("policy_no", STR),
                   ("cash_value_fen", I64), ("as_of", DATE)),
    "vehicles": _s(("id_number", STR), ("name", STR), ("plate", STR), ("vehicle_type", STR),
                   ("registered_on", DATE), ("status", STR)),
    "real_estate": _s(("id_number", STR), ("name", STR), ("certificate_no", STR), ("location", STR), ("use", STR),
                      ("floor_area_m2", pa.decimal128(10, 2)), ("registered_on", DATE)),
    "pensions": _s(("id_number", STR), ("name", STR), ("month", STR), ("scheme", STR), ("amount_fen", I64),
                   ("central_basic_fen", I64)),
    "social_security": _s(("id_number", STR), ("name", STR), ("month", STR), ("employer_uscc", STR),
                          ("employer_name", STR), ("wage_fen", I64), ("contribution_base_fen", I64)),
    "tax": _s(("id_number", STR), ("name", STR), ("month", STR), ("income_type", STR),
              ("withholding_agent_uscc", STR), ("income_fen", I64), ("tax_withheld_fen", I64)),
    "market_regulation": _s(("uscc", STR), ("name", STR), ("entity_type", STR), ("legal_rep_id_number", STR),
                            ("legal_rep_name", STR), ("registered_capital_fen", I64), ("established_on", DATE),
                            ("status", STR)),
    "disability_federation": _s(("id_number", STR), ("name", STR), ("certificate_no", STR), ("category", STR),
                                ("grade", I64), ("valid_from", DATE), ("valid_to", DATE)),
    "deaths": _s(("id_number", STR), ("name", STR), ("death_date", DATE), ("reported_by", STR),
                 ("cremated", BOOL)),
}

# id_number: the person, for a person programme (an 'unenrolled' 特困, disability or child allowance, 单人保).
PLANTED_SCHEMA = _s(("household_no", STR), ("kind", STR), ("programme", STR), ("expected", STR), ("detail", STR),
                    ("id_number", STR))
DIFFERENCES_SCHEMA = _s(("household_no", STR), ("id_number", STR), ("source", STR), ("item", STR), ("month", STR),
                        ("declared", STR), ("actual", STR), ("declared_fen", I64), ("actual_fen", I64),
                        ("reference", STR))
