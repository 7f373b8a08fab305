"""Counters kept across chunks: row ids, serial numbers, household numbers and the ID numbers' order codes.

Household numbers are ``<township>-S<seed, 2 digits>-<6-digit sequence>`` (``500111119-S01-000001``):
the bureau's form ``<township>-<sequence>`` with the seed in between, so that no synthetic household
number is ever one a person writes (the README's ``500111119-000001``) and two seeds, or two districts
(their townships differ), never number a household alike.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.registry.parquet import REGISTRY_TABLES
from jiuzhu.synth import ids

SERIALS = ("account", "plate", "estate", "business", "policy", "fund")


def household_number_prefix(seed: int) -> str:
    """What follows the township code in every household number of ``seed``: ``-S01-`` for seed 1."""
    return f"-S{seed:02d}-"


class Numbering:
    def __init__(self, seed: int, townships: int) -> None:
        self.seed = seed
        self.allocator = ids.IdAllocator.for_seed(seed)
        self.next_id = {t: 1 for t in REGISTRY_TABLES}
        self.town_seq = np.zeros(townships, dtype=np.int64)
        self.serial = dict.fromkeys(SERIALS, 0)

    def ids(self, table: str, count: int) -> np.ndarray:
        """The next ``count`` row ids of ``table`` (from 1)."""
        start = self.next_id[table]
        self.next_id[table] += count
        return np.arange(start, start + count, dtype=np.int64)

    def serials(self, kind: str, count: int) -> np.ndarray:
        start = self.serial[kind]
        self.serial[kind] += count
        return np.arange(start, start + count, dtype=np.int64)

    def household_numbers(self, township: np.ndarray, town_codes: list[str]) -> pa.Array:
        """Numbers for households of the given township indices, in order within each township."""
        n = len(township)
        order = np.argsort(township, kind="stable")
        counts = np.bincount(township, minlength=len(town_codes))
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
        seq = self.town_seq[township] + rank + 1
        self.town_seq += counts
        prefix = np.array(town_codes, dtype=object)[township] + household_number_prefix(self.seed)
        return pc.binary_join_element_wise(pa.array(prefix, pa.string()), ids.padded(seq, 6), "")
