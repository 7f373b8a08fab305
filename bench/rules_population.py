"""A synthetic population of rules inputs, made directly as columns (for the rules benchmarks)."""

from __future__ import annotations

import numpy as np

from jiuzhu.rules.simulation import Frame


def make_frame(persons: int, month: str = "2025-08", seed: int = 1) -> Frame:
    rng = np.random.default_rng(seed)
    sizes = rng.choice([1, 2, 3, 4, 5], p=[0.25, 0.30, 0.22, 0.15, 0.08], size=persons // 2)
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), persons, side="right")]
    index = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)
    n, m = len(index), len(sizes)
    ages = rng.integers(0, 95, n)
    birth = (np.datetime64("2025-08-31") - (ages * 365.25 + rng.integers(0, 365, n)).astype("timedelta64[D]"))
    wages = np.where((ages >= 18) & (ages < 60) & (rng.random(n) < 0.6), rng.lognormal(8.0, 0.6, n) * 100, 0)
    pension = np.where(ages >= 60, rng.lognormal(7.0, 0.8, n) * 100, 0)
    grade = np.where(rng.random(n) < 0.06, rng.integers(1, 5, n), 0)
    persons_cols = {
        "birth_date": birth.astype("datetime64[D]"),
        "income_wages": wages.astype(np.int64),
        "income_pension": pension.astype(np.int64),
        "income_business": np.where(rng.random(n) < 0.1, rng.lognormal(7.5, 0.7, n) * 100, 0).astype(np.int64),
        "financial_assets": (rng.lognormal(9, 1.5, n) * 100).astype(np.int64),
        "owns_motor_vehicle": rng.random(n) < 0.15,
        "residential_properties": rng.choice([0, 1, 2], p=[0.3, 0.6, 0.1], size=n).astype(np.int32),
        "residential_floor_area": rng.uniform(0, 120, n).astype(np.float32),
        "disability_grade": grade.astype(np.int32),
        "disability_category": np.where(grade > 0, rng.integers(1, 8, n), 0).astype(np.int16),
        "major_illness": rng.random(n) < 0.03,
        "self_care_failed_activities": np.where(ages > 70, rng.integers(0, 7, n), 0).astype(np.int32),
        "in_school": (ages >= 6) & (ages < 22),
        "has_able_supporter": rng.random(n) < 0.8,
        "income_known": rng.random(n) < 0.98,
    }
    households_cols = {
        "is_urban": rng.random(m) < 0.4,
        "rigid_medical_rehabilitation": np.where(rng.random(m) < 0.1, rng.lognormal(6, 1, m) * 100, 0).astype(np.int64),
        "rigid_spending_12_months": np.where(rng.random(m) < 0.2, rng.lognormal(8, 1, m) * 100, 0).astype(np.int64),
    }
    return Frame(period=month, household_index=index, persons=persons_cols, households=households_cols)
