"""batching.Combiner: concurrent calls done together, each caller given its own result or its own error."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.batching import Combiner
from tests.concurrency import together


def _slow_squares(batches: list[list[int]]):
    def many(items: list[int]) -> list[int]:
        batches.append(list(items))
        time.sleep(0.02)  # the others arrive meanwhile
        return [i * i for i in items]

    return many


def test_each_caller_gets_its_own_result_and_calls_arriving_together_share_batches():
    batches: list[list[int]] = []
    square = Combiner(_slow_squares(batches))
    results, errors = together(12, square)
    assert errors == []
    assert results == [k * k for k in range(12)]
    assert sorted(i for b in batches for i in b) == list(range(12))  # each item done once
    assert len(batches) < 12 and square.batches == len(batches)


@settings(max_examples=25, deadline=None)
@given(items=st.lists(st.integers(-1000, 1000), min_size=1, max_size=10), limit=st.integers(1, 4))
def test_batch_equals_single(items, limit):
    batches: list[list[int]] = []
    square = Combiner(_slow_squares(batches), max_items=limit)
    results, errors = together(len(items), lambda k: square(items[k]))
    assert errors == [] and results == [i * i for i in items]
    assert all(len(b) <= limit for b in batches)


def test_one_failing_item_fails_its_caller_only():
    def many(items: list[int]) -> list[int]:
        time.sleep(0.02)
        if 3 in items:
            raise ValueError("three cannot be done")
        return [i + 1 for i in items]

    results, errors = together(8, Combiner(many))
    assert [str(e) for e in errors] == ["three cannot be done"]
    assert [r for k, r in enumerate(results) if k != 3] == [k + 1 for k in range(8) if k != 3]


def test_a_batch_function_returning_the_wrong_count_is_an_error_for_its_callers():
    broken = Combiner(lambda items: [])
    with pytest.raises(RuntimeError, match="returned 0 results for 1 items"):
        broken(1)


def test_an_item_heavier_than_the_limit_is_done_alone():
    seen: list[list[list[int]]] = []

    def many(items):
        seen.append(items)
        return [len(i) for i in items]

    assert Combiner(many, max_items=3, size=len)([1, 2, 3, 4, 5]) == 5
    assert seen == [[[1, 2, 3, 4, 5]]]
