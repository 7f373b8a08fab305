"""What is fixed for a whole run: the district and its places, the months, the law in force, the seed's
salts and the employers. Built once from the arguments; nothing here changes from chunk to chunk."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from jiuzhu.months import month_end
from jiuzhu.synth import ids
from jiuzhu.synth.birthplace import BirthCodes, birth_codes, current_codes
from jiuzhu.synth.config import SynthConfig
from jiuzhu.synth.enrol import Law
from jiuzhu.synth.places import District, district_places

SALTED = ("account", "plate", "business", "employer", "policy", "fund")  # "fund" last: the others keep their salt
EMPLOYER_WORDS = ("宏达", "兴旺", "鑫源", "巴渝", "海棠", "石刻", "龙城", "万通", "顺发", "嘉禾", "瑞丰", "长江")
EMPLOYER_KINDS = ("机械制造", "建筑工程", "商贸", "餐饮管理", "物流", "物业服务", "五金制品", "食品", "电子",
                  "汽车配件")


def month_list(month: str, months: int) -> list[str]:
    """The ``months`` months ending with ``month``, oldest first."""
    y, m = int(month[:4]), int(month[5:7])
    start = y * 12 + (m - 1) - (months - 1)
    return [f"{(start + i) // 12:04d}-{(start + i) % 12 + 1:02d}" for i in range(months)]


@dataclass(frozen=True)
class Employers:
    name: np.ndarray  # object
    uscc: np.ndarray  # object
    p: np.ndarray     # probability of each being a person's employer


@dataclass(frozen=True)
class Setting:
    district: str
    seed: int
    cfg: SynthConfig
    month: str
    months: list[str]
    ref: dt.date                 # the last day of ``month``
    refd: np.datetime64
    declared_on: dt.date         # the day after the income window
    place: District
    codes: BirthCodes            # the county codes the district's ID numbers may carry
    elsewhere: np.ndarray        # Sichuan county codes, for 户籍 elsewhere
    rules: Law
    urban_share: float
    salt: dict[str, int]
    employers: Employers

    @classmethod
    def create(cls, district: str, seed: int, month: str, months: int, cfg: SynthConfig) -> "Setting":
        ref = month_end(month)
        salt_rng = np.random.default_rng([seed, 2**31 - 1])
        salt = {k: int(salt_rng.integers(0, 2**40)) for k in SALTED}
        place = district_places(district)
        return cls(district=district, seed=seed, cfg=cfg, month=month, months=month_list(month, months), ref=ref,
                   refd=ids.date64(ref), declared_on=ref + dt.timedelta(days=1), place=place,
                   codes=birth_codes(district), elsewhere=current_codes(51, ref.year), rules=Law.for_month(month),
                   urban_share=cfg.urban_share_for(district), salt=salt,
                   employers=_employers(seed, district, place.name, cfg.employers, salt["employer"]))


def _employers(seed: int, district: str, district_name: str, k: int, salt: int) -> Employers:
    """``k`` employers of the district, a few large and many small, with valid USCCs."""
    rng = np.random.default_rng([seed, 2**31 - 2])
    words, kinds = np.array(EMPLOYER_WORDS, dtype=object), np.array(EMPLOYER_KINDS, dtype=object)
    short = district_name.removesuffix("区").removesuffix("县")
    name = ("重庆市" + short + words[rng.integers(0, len(words), k)] + kinds[rng.integers(0, len(kinds), k)]
            + "有限公司(合成)" + np.array([f"{i:03d}" for i in range(k)], dtype=object))
    uscc = np.array(ids.uscc_codes(np.arange(k), np.full(k, 1), district, salt).to_pylist(), dtype=object)
    weights = 1.0 / np.arange(1, k + 1) ** 0.8
    return Employers(name=name, uscc=uscc, p=weights / weights.sum())
