"""Arrow schemas of what only a synthetic district has: the planted truth and the planted differences
between what households declared and what the departments hold."""

from __future__ import annotations

from jiuzhu.exchange.records import I64, STR
from jiuzhu.exchange.records import schema_of as _s

# id_number: the person, for a person programme (an 'unenrolled' 特困, disability or child allowance, 单人保).
PLANTED_SCHEMA = _s(("household_no", STR), ("kind", STR), ("programme", STR), ("expected", STR), ("detail", STR),
                    ("id_number", STR))
DIFFERENCES_SCHEMA = _s(("household_no", STR), ("id_number", STR), ("source", STR), ("item", STR), ("month", STR),
                        ("declared", STR), ("actual", STR), ("declared_fen", I64), ("actual_fen", I64),
                        ("reference", STR))
