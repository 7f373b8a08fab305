"""Places: the district's area rows (the county codes of ID numbers are in ``jiuzhu.synth.birthplace``).

Areas down to townships come from the official 民政部 table (``jiuzhu.registry.areas``); below each
township the generator adds a few villages and communities with codes ``<township>S<nn>``, the only
invented form the registry accepts, named e.g. "铁山镇第3村(合成)".
"""

from __future__ import annotations

from dataclasses import dataclass

from jiuzhu.registry.areas import OFFICIAL_SOURCE, lineage, lookup, townships_of
from jiuzhu.synth.birthplace import (  # noqa: F401 (re-exported: bench/tile_snapshot.py, tests)
    FIRST_YEAR,
    BirthCodes,
    birth_codes,
    county_codes,
    current_codes,
    valid_in_year,
)

SYNTHETIC_SOURCE = "synthetic"


@dataclass(frozen=True)
class AreaRow:
    code: str
    level: int
    parent_code: str | None
    name: str
    source: str


@dataclass(frozen=True)
class District:
    code: str
    name: str
    rows: list[AreaRow]                 # province .. villages, parents first
    townships: list[AreaRow]
    communities: list[tuple[int, str, str]]  # (township index, code, short label "第2社区")
    villages: list[tuple[int, str, str]]


def district_places(code: str) -> District:
    """The area rows of a district: its official chain and townships, plus synthetic villages."""
    official = lookup(code)
    if official is None or official.level != 3:
        raise ValueError(f"{code} is not a district/county code in the official table")
    rows = [AreaRow(a.code, a.level, a.parent_code, a.name, OFFICIAL_SOURCE) for a in lineage(code)]
    towns = [AreaRow(t.code, t.level, t.parent_code, t.name, OFFICIAL_SOURCE) for t in townships_of(code)]
    rows += towns
    communities: list[tuple[int, str, str]] = []
    villages: list[tuple[int, str, str]] = []
    for i, town in enumerate(towns):
        n_comm, n_vill = _subdivisions(town.name)
        for k in range(1, n_comm + n_vill + 1):
            vcode = f"{town.code}S{k:02d}"
            if k <= n_comm:
                label = f"第{k}社区"
                communities.append((i, vcode, label))
            else:
                label = f"第{k - n_comm}村"
                villages.append((i, vcode, label))
            rows.append(AreaRow(vcode, 5, town.code, f"{town.name}{label}(合成)", SYNTHETIC_SOURCE))
    return District(code, official.name, rows, towns, communities, villages)


def _subdivisions(township_name: str) -> tuple[int, int]:
    """Communities and villages under a township: 街道 are urban, 镇 and 乡 mostly rural."""
    if township_name.endswith("街道"):
        return 5, 1
    if township_name.endswith("乡"):
        return 1, 5
    return 2, 6
