"""The circuit breaker of one endpoint, on a fake clock."""

from __future__ import annotations

import pytest

from jiuzhu.verification.breaker import Breaker, BreakerState


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def test_opens_after_failures_within_the_window(clock):
    b = Breaker(failures=3, window_seconds=10, open_seconds=5, clock=clock)
    for _ in range(2):
        assert b.allow()
        b.failure()
        clock.now += 1
    assert b.state is BreakerState.CLOSED and b.allow()
    b.failure()
    assert b.state is BreakerState.OPEN and not b.allow()


def test_failures_older_than_the_window_do_not_count(clock):
    b = Breaker(failures=3, window_seconds=10, open_seconds=5, clock=clock)
    b.failure()
    b.failure()
    clock.now += 11
    b.failure()
    assert b.state is BreakerState.CLOSED
    b.failure()
    b.failure()
    assert b.state is BreakerState.OPEN


def test_a_success_clears_the_count(clock):
    b = Breaker(failures=2, window_seconds=10, open_seconds=5, clock=clock)
    b.failure()
    b.success()
    b.failure()
    assert b.state is BreakerState.CLOSED


def test_half_open_lets_one_probe_through_whose_outcome_decides(clock):
    b = Breaker(failures=1, window_seconds=10, open_seconds=5, clock=clock)
    b.failure()
    clock.now += 4.9
    assert not b.allow()
    clock.now += 0.1
    assert b.state is BreakerState.HALF_OPEN
    assert b.allow() and not b.allow()  # one probe at a time
    b.failure()  # the probe failed: open again, for another open_seconds
    assert b.state is BreakerState.OPEN and not b.allow()
    clock.now += 5
    assert b.allow()
    b.success()
    assert b.state is BreakerState.CLOSED and b.allow() and b.allow()


def test_a_released_probe_lets_another_go(clock):
    b = Breaker(failures=1, window_seconds=10, open_seconds=5, clock=clock)
    b.failure()
    clock.now += 5
    assert b.allow() and not b.allow()
    b.release()
    assert b.allow()


@pytest.mark.parametrize("kwargs", [{"failures": 0}, {"window_seconds": 0}, {"open_seconds": -1}])
def test_nonsense_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        Breaker(**kwargs)
