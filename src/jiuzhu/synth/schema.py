"""Arrow schemas of the outside files: the departments' records and the planted truth (the registry
tables' are in ``jiuzhu.registry.parquet``)."""

from __future__ import annotations

import pyarrow as pa


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
