"""Places: the district's area rows, and the county codes an ID number may carry for a birth year.

Areas down to townships come from the official 民政部 table (``jiuzhu.registry.areas``); below each
township the generator adds a few villages and communities with codes ``<township>S<nn>``, the only
invented form the registry accepts, named e.g. "铁山镇第3村(合成)".

ID numbers carry the county code of the place of first registration, valid in the birth year
(python-stdnum checks this with its table ``stdnum/cn/loc.dat`` of historical codes). For each
birth year we pick a code whose county has the district's name then (大足: 512126 before 1983,
510230 1983-97, 500225 1997-2011, 500111 from 2011), else another Chongqing county code valid that
year, else any Chongqing or Sichuan code valid that year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from jiuzhu.registry.areas import OFFICIAL_SOURCE, lineage, lookup, official_areas, townships_of

FIRST_YEAR, LAST_YEAR = 1900, 2100  # LAST_YEAR stands for an open end in the table
YEARS_COVERED = range(FIRST_YEAR, 2036)  # birth years the generator can place
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


# --- county codes in ID numbers -------------------------------------------------------------

def _loc_dat() -> Path:
    import stdnum

    return Path(stdnum.__file__).parent / "cn" / "loc.dat"


_ENTRY = re.compile(r"^(?:\[(\d*)-(\d*)\])?(.*)$")


@lru_cache(maxsize=1)
def county_codes() -> dict[int, list[tuple[int, int, str]]]:
    """Six-digit codes of stdnum's table → [(first year, last year, county name)]."""
    table: dict[int, list[tuple[int, int, str]]] = {}
    prefix = ""
    for line in _loc_dat().read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, props = line.strip().partition(" ")
        if not line.startswith(" "):
            prefix = key
            continue
        if "county=" not in props:
            continue
        code = prefix + key
        if len(code) != 6 or not code.isdigit():
            continue
        value = props.split('county="', 1)[1].rsplit('"', 1)[0]
        entries = []
        for part in value.split(","):
            m = _ENTRY.match(part)
            start, end, name = m.group(1), m.group(2), m.group(3)
            entries.append((int(start) if start else FIRST_YEAR, int(end) if end else LAST_YEAR, name))
        table[int(code)] = entries
    return table


def _stem(name: str) -> str:
    for suffix in ("自治县", "区", "县", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class BirthCodes:
    """For each birth year (index year - FIRST_YEAR): the home code (0 if none) and fallback codes."""

    home: np.ndarray          # int64[years]
    fallback: list[np.ndarray]  # per year, int64 codes

    def home_for(self, years: np.ndarray) -> np.ndarray:
        return self.home[years - FIRST_YEAR]


@lru_cache(maxsize=16)
def birth_codes(district_code: str) -> BirthCodes:
    name = lookup(district_code).name
    stem = _stem(name)
    cq_stems = {_stem(a.name) for a in official_areas().values() if a.level == 3 and a.code.startswith("50")}
    table = county_codes()
    years = YEARS_COVERED
    home = np.zeros(len(years), dtype=np.int64)
    fallback: list[np.ndarray] = []
    for i, year in enumerate(years):
        same, chongqing, region = [], [], []
        for code, entries in table.items():
            if code % 100 == 0 or code // 10000 not in (50, 51):
                continue
            for start, end, county in entries:
                if start <= year <= end:
                    s = _stem(county)
                    if s == stem:
                        same.append(code)
                    elif s in cq_stems:
                        chongqing.append(code)
                    region.append(code)
                    break
        # Prefer the newest home code (e.g. 500111 over 500225 in 2011) and the district's own code.
        if int(district_code) in same:
            home[i] = int(district_code)
        elif same:
            home[i] = max(same)
        fallback.append(np.array(sorted(chongqing or region), dtype=np.int64))
    return BirthCodes(home, fallback)


def valid_in_year(code: int, year: int) -> bool:
    """Whether ``code`` was a county code in ``year`` by stdnum's table (as ric.validate checks it)."""
    return any(start <= year <= end for start, end, _ in county_codes().get(code, []))


def current_codes(province_prefix: int, year: int) -> np.ndarray:
    """County codes of a province (first two digits) valid in ``year``, for 户籍 elsewhere."""
    return np.array(sorted(c for c in county_codes() if c // 10000 == province_prefix and c % 100
                           and valid_in_year(c, year)), dtype=np.int64)
