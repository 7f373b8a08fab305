"""Chinese names drawn with numpy from Faker's zh_CN person lists (Faker is never called per person)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@lru_cache(maxsize=1)
def _lists() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from faker.providers.person.zh_CN import Provider

    surnames = np.array(list(Provider.last_names.keys()), dtype=object)
    weights = np.array(list(Provider.last_names.values()), dtype=float)
    male = np.array(Provider.first_names_male, dtype=object)
    female = np.array(Provider.first_names_female, dtype=object)
    return surnames, weights / weights.sum(), male, female


def surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    names, p, _, _ = _lists()
    return names[rng.choice(len(names), size=n, p=p)]


def given_names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """One or two given-name elements by sex (two-character given names are the majority)."""
    _, _, m, f = _lists()
    n = len(male)
    m1 = np.array([x for x in m if len(x) == 1], dtype=object)
    f1 = np.array([x for x in f if len(x) == 1], dtype=object)
    first = np.where(male, m[rng.integers(0, len(m), n)], f[rng.integers(0, len(f), n)])
    second = np.where(male, m1[rng.integers(0, len(m1), n)], f1[rng.integers(0, len(f1), n)])
    single = np.array([len(x) for x in first]) > 1  # a two-character element is a whole given name
    two = (rng.random(n) < 0.6) & ~single
    return np.where(two, first + second, first)


def full_names(family: np.ndarray, given: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(pa.array(family, pa.string()), pa.array(given, pa.string()), "")
