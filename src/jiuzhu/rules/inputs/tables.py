"""The inputs as two Arrow tables, and the one way to number their rows within households.

``persons`` has one row per person with ``household_row``, the row of its household in ``households``;
``households`` one row per household with ``household_row``. Every piece of the inputs handed around — a
chunk of a part, a part less the households an earlier scan lends its results to, a township on Spark —
is numbered 0, 1, 2… by ``renumber``; ``slices`` cuts household-aligned chunks.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from jiuzhu.rules.simulation import bounds

CHUNK_HOUSEHOLDS = 80_000  # about 200,000 people: the arrays stay in cache; measured fastest (docs/performance.md)
ROW = "household_row"


def renumber(persons: pa.Table, households: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Number ``households`` 0, 1, 2… in the order given and point each person at its household's new number.

    ``households`` must be in increasing ``household_row`` (any numbers: a slice's, a township's rows of the
    whole population); each person's ``household_row`` names its household among them. Persons of a household
    not in ``households`` are dropped.
    """
    old = households.column(ROW).to_numpy()
    rows = persons.column(ROW).to_numpy()
    new = np.searchsorted(old, rows)
    found = old[np.minimum(new, max(len(old) - 1, 0))] == rows if len(old) else np.zeros(len(rows), bool)
    if not found.all():
        persons, new = persons.filter(pa.array(found)), new[found]
    persons = _set(persons, new)
    households = _set(households, np.arange(households.num_rows))
    return persons, households


def slices(persons: pa.Table, households: pa.Table, size: int) -> Iterator[tuple[pa.Table, pa.Table]]:
    """Household-aligned chunks of ``size`` households (the rows numbered 0… by ``renumber``): a household's
    persons never straddle two chunks. Persons are in household order."""
    rows = persons.column(ROW).to_numpy()
    first_rows = households.column(ROW).to_numpy()
    for first in range(0, households.num_rows, size):
        last = min(first + size, households.num_rows)
        lo, hi = bounds(rows, int(first_rows[first]), int(first_rows[last - 1]) + 1)
        yield renumber(persons.slice(lo, hi - lo), households.slice(first, last - first))


def keep(persons: pa.Table, households: pa.Table, mask: np.ndarray) -> tuple[pa.Table, pa.Table]:
    """The households where ``mask`` with their persons, renumbered."""
    return renumber(persons, households.filter(pa.array(mask)))


def _set(table: pa.Table, values: np.ndarray) -> pa.Table:
    i = table.schema.get_field_index(ROW)
    kind = table.schema.field(i).type
    return table.set_column(i, table.schema.field(i), pa.array(values.astype(kind.to_pandas_dtype()), type=kind))
