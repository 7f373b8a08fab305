"""Age on the last day of the month, from the vectorised formula, equals plain calendar arithmetic."""

import datetime as dt

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jiuzhu.months import month_end
from jiuzhu.rules.simulation import Frame, build_simulation


def _calendar_age(born: dt.date, on: dt.date) -> int:
    """Whole years (周岁). Comparing (month, day) makes someone born on 29 February a year older on
    1 March in common years."""
    return max(on.year - born.year - ((on.month, on.day) < (born.month, born.day)), 0)


@settings(max_examples=60, deadline=None)
@given(born=st.lists(st.dates(dt.date(1890, 1, 1), dt.date(2030, 12, 31)), min_size=1, max_size=40),
       year=st.integers(2020, 2027), mon=st.integers(1, 12))
@example(born=[dt.date(2024, 2, 29), dt.date(2023, 2, 28), dt.date(1895, 2, 28)], year=2025, mon=2)
@example(born=[dt.date(2020, 2, 29), dt.date(2023, 3, 1), dt.date(2030, 1, 1)], year=2024, mon=2)
def test_age_equals_calendar_arithmetic(born, year, mon):
    month = f"{year:04d}-{mon:02d}"
    end = month_end(month)
    frame = Frame(period=month, household_index=np.zeros(len(born), dtype=np.int32),
                  persons={"birth_date": np.array(born, dtype="datetime64[D]")})
    ages = build_simulation(frame).calculate("age", month)
    assert [int(a) for a in ages] == [min(_calendar_age(b, end), 130) for b in born]
