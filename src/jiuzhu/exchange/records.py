"""The departments' record format: one Arrow schema per source, the records keyed by ID number (departments
know no households). The synthetic district writes these files, the scan and the coming verification adapters
and department simulator read them; docs/synthetic-data.md describes each field."""

from __future__ import annotations

import pyarrow as pa


def schema_of(*fields: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema([pa.field(n, t) for n, t in fields])


STR, I64, DATE, BOOL = pa.string(), pa.int64(), pa.date32(), pa.bool_()
_s = schema_of

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
