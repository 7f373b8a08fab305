"""Nobody in the synthetic registry holds a disability certificate dated after the day it describes."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from jiuzhu.synth import ids
from jiuzhu.synth.config import SynthConfig
from jiuzhu.synth.population import assign_health


def test_a_baby_too_young_for_a_certificate_holds_none_and_nobody_holds_one_from_the_future():
    ref = dt.date(2025, 8, 31)
    n = 4_000
    ages = np.array([0] * (n // 2) + [40] * (n // 2))  # half babies born in the last 100 days, half adults
    births = ids.date64(ref) - np.where(ages == 0, np.arange(n) % 100, 40 * 365)
    pp = {"P": n, "age": ages, "birth": births}
    cfg = dataclasses.replace(SynthConfig(), disability_base=0.5)  # many certificates, so babies draw some
    assign_health(np.random.default_rng(7), pp, ref, cfg)
    holders = ~np.isnat(pp["dis_from"])
    assert holders[ages == 40].sum() > 500  # adults still draw certificates
    assert not holders[ages == 0].any()
    assert (pp["dis_from"][holders] <= ids.date64(ref)).all()
    assert (pp["dis_grade"][~holders] == 0).all() and all(c is None for c in pp["dis_category"][~holders])
