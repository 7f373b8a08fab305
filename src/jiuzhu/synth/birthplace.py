"""The county codes an ID number may carry, and which synthetic district may use each of them.

An ID number (GB 11643) begins with the county code of the place of first registration, valid in the
birth year: python-stdnum checks this with its table ``stdnum/cn/loc.dat`` of historical codes.

**Ownership.** So that two synthetic districts never give the same ID number, every county code valid
in a birth year belongs, for that year, to exactly one Chongqing district of the official table
(``code_owner``), and a district only ever uses the codes it owns:

* a code of Chongqing or Sichuan (50, 51) whose county had the district's name that year is the
  district's own (大足: 512126 before 1983, 510230 1983-97, 500225 1997-2011, 500111 from 2011);
* every other code valid that year is dealt in turn to the districts in code order: first the other
  codes of Chongqing and Sichuan (ring 0), then those of the neighbouring provinces (ring 1: Hubei,
  Hunan, Guizhou, Yunnan, Shaanxi), then the rest of the country (ring 2).

A district draws its people's codes from its home code (most people), from its ring-0 codes (people born
elsewhere in the region) and, when those are full, from every code it owns. The partition depends only
on stdnum's table and the official area table; both ship with the installed packages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from jiuzhu.registry.areas import lookup, official_areas

FIRST_YEAR, LAST_YEAR = 1900, 2100  # LAST_YEAR stands for an open end in the table
YEARS_COVERED = range(FIRST_YEAR, 2036)  # birth years the generator can place
CHONGQING = "50"
RINGS = ((50, 51), (42, 43, 52, 53, 61))  # then every other province
# Former names a stem cannot find: 开县 became 开州区 in 2016.
ALIASES = {"开县": "开州"}


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


def stem(name: str) -> str:
    """A county's name without its kind: 大足县 and 大足区 are both 大足, 石柱土家族自治县 is 石柱."""
    for suffix in ("自治县", "区", "县", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            name = name[: -len(suffix)]
            break
    for people in ("苗族", "土家族"):  # the autonomous counties' peoples, in any order
        name = name.replace(people, "") if len(name.replace(people, "")) >= 2 else name
    return ALIASES.get(name, name)


def valid_in_year(code: int, year: int) -> bool:
    """Whether ``code`` was a county code in ``year`` by stdnum's table (as ric.validate checks it)."""
    return any(start <= year <= end for start, end, _ in county_codes().get(code, []))


def current_codes(province_prefix: int, year: int) -> np.ndarray:
    """County codes of a province (first two digits) valid in ``year``, for 户籍 elsewhere."""
    return np.array(sorted(c for c in county_codes() if c // 10000 == province_prefix and c % 100
                           and valid_in_year(c, year)), dtype=np.int64)


@lru_cache(maxsize=1)
def chongqing_districts() -> tuple[str, ...]:
    """The county-level codes of Chongqing in the official table, in code order."""
    return tuple(sorted(a.code for a in official_areas().values() if a.level == 3 and a.code.startswith(CHONGQING)))


def _ring(code: int) -> int:
    province = code // 10000
    return next((i for i, ring in enumerate(RINGS) if province in ring), len(RINGS))


@dataclass(frozen=True)
class YearCodes:
    """The county codes valid in one birth year (sorted) and the index of the district owning each."""

    codes: np.ndarray   # int64, sorted
    owner: np.ndarray   # int16, index into chongqing_districts()
    home: np.ndarray    # bool: the owner's own name that year
    ring: np.ndarray    # int8


@lru_cache(maxsize=1)
def ownership() -> dict[int, YearCodes]:
    """Birth year → the partition of that year's county codes among the Chongqing districts."""
    districts = chongqing_districts()
    by_stem = {stem(lookup(d).name): i for i, d in enumerate(districts)}
    valid: dict[int, list[tuple[int, str]]] = {y: [] for y in YEARS_COVERED}
    for code, entries in county_codes().items():
        if code % 100 == 0:  # a prefecture or province, not a county
            continue
        for start, end, name in entries:
            for year in range(max(start, FIRST_YEAR), min(end, YEARS_COVERED[-1]) + 1):
                valid[year].append((code, name))
    out = {}
    for year, entries in valid.items():
        seen: dict[int, str] = {}
        for code, name in entries:
            seen.setdefault(code, name)  # stdnum lists one name per code and year; keep the first if not
        codes = np.array(sorted(seen), dtype=np.int64)
        owner = np.full(len(codes), -1, dtype=np.int16)
        home = np.zeros(len(codes), dtype=bool)
        ring = np.array([_ring(int(c)) for c in codes], dtype=np.int8)
        for i, c in enumerate(codes.tolist()):
            d = by_stem.get(stem(seen[c])) if ring[i] == 0 else None
            if d is not None:
                owner[i], home[i] = d, True
        rest = np.nonzero(~home)[0]
        rest = rest[np.lexsort((codes[rest], ring[rest]))]
        owner[rest] = np.arange(len(rest)) % len(districts)
        out[year] = YearCodes(codes, owner, home, ring)
    return out


def code_owner(code: int, year: int) -> str | None:
    """The Chongqing district that owns ``code`` for people born in ``year`` (None: not a county code then)."""
    table = ownership().get(year)
    if table is None:
        return None
    i = int(np.searchsorted(table.codes, code))
    if i == len(table.codes) or table.codes[i] != code:
        return None
    return chongqing_districts()[table.owner[i]]


@dataclass(frozen=True)
class BirthCodes:
    """For each birth year (index year - FIRST_YEAR), the codes a district may give:

    home      its own code that year (0 if no county had its name then)
    fallback  its other codes in Chongqing and Sichuan (people born elsewhere in the region)
    owned     every code it owns that year (when the others are full)
    """

    home: np.ndarray            # int64[years]
    fallback: list[np.ndarray]  # per year, int64 codes
    owned: list[np.ndarray]     # per year, int64 codes

    def home_for(self, years: np.ndarray) -> np.ndarray:
        return self.home[years - FIRST_YEAR]


@lru_cache(maxsize=64)
def birth_codes(district_code: str) -> BirthCodes:
    """The codes of ``district_code`` (a Chongqing district of the official table) per birth year."""
    index = chongqing_districts().index(district_code)
    home = np.zeros(len(YEARS_COVERED), dtype=np.int64)
    fallback, owned = [], []
    for i, year in enumerate(YEARS_COVERED):
        t = ownership()[year]
        mine = t.owner == index
        same = t.codes[mine & t.home]
        # Prefer the district's own code (e.g. 500111 over 500225 in 2011), else the newest of its names.
        if int(district_code) in same:
            home[i] = int(district_code)
        elif len(same):
            home[i] = same.max()
        fallback.append(t.codes[mine & (t.ring == 0) & (t.codes != home[i])])
        owned.append(t.codes[mine])
    return BirthCodes(home, fallback, owned)
