"""built_once: one build per process even when many threads ask at the same moment (the web application's first
concurrent evaluations built the rules twice at once, and OpenFisca's loader failed under it)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from jiuzhu.once import built_once


def test_many_threads_at_once_build_once_and_get_the_same_value():
    builds = []
    gate = threading.Barrier(8)

    @built_once
    def slow():
        builds.append(1)
        time.sleep(0.05)  # long enough for every other thread to arrive while the first builds
        return object()

    def ask(_):
        gate.wait()
        return slow()

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(ask, range(8)))
    assert len(builds) == 1
    assert all(g is got[0] for g in got)


def test_cache_clear_builds_again():
    counter = iter(range(10))

    @built_once
    def value():
        return next(counter)

    assert value() == 0 and value() == 0
    value.cache_clear()
    assert value() == 1


def test_the_rules_built_from_many_threads_at_once_are_one_system():
    from jiuzhu.rules import law, system

    system.rules.cache_clear()
    law.in_force_from.cache_clear()
    gate = threading.Barrier(4)

    def ask(_):
        gate.wait()
        return system.rules(), law.in_force_from()

    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(ask, range(4)))
    assert len({id(r) for r, _ in got}) == 1
    assert len({first for _, first in got}) == 1
