"""A circuit breaker for one department's endpoint: stop asking a source that keeps failing, try it again later.

    breaker = Breaker(failures=5, window_seconds=30, open_seconds=15)
    if not breaker.allow():   # open: fail fast, the items stay unknown (reason ``breaker_open``)
        ...
    breaker.success() / breaker.failure()

States: **closed** (queries go) → **open** after ``failures`` retryable failures within ``window_seconds`` (queries
fail at once, so a source that is down costs no time-outs and no load on it) → **half-open** after
``open_seconds``: one query at a time is let through as a probe; its success closes the breaker, its failure opens
it again for another ``open_seconds``.

Only the failures a later attempt might not meet count (connection refused, time-out, 5xx, 429): a 403 for a
withdrawn consent says nothing about the source's health. Ours, not a library's: pybreaker's asynchronous path
needs Tornado and aiobreaker is unmaintained since 2021 (../shared/ecosystem.md); this is the whole of it.
The clock is injected so that tests run on a fake one.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class Breaker:
    """Closed → open → half-open → closed, counted per endpoint. Not thread-safe: one event loop owns it."""

    def __init__(self, failures: int = 5, window_seconds: float = 30.0, open_seconds: float = 15.0,
                 clock: Callable[[], float] = time.monotonic):
        if failures < 1 or window_seconds <= 0 or open_seconds <= 0:
            raise ValueError("failures >= 1, window_seconds > 0 and open_seconds > 0")
        self.failures, self.window, self.open_seconds, self.clock = failures, window_seconds, open_seconds, clock
        self._recent: deque[float] = deque()  # times of the recent failures, while closed
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self.clock() - self._opened_at >= self.open_seconds:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def allow(self) -> bool:
        """May a query go now? In half-open, only one at a time (the probe)."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.HALF_OPEN and not self._probing:
            self._probing = True
            return True
        return False

    def success(self) -> None:
        self._opened_at, self._probing = None, False
        self._recent.clear()

    def failure(self) -> None:
        """A retryable failure of a query that ``allow`` let through."""
        now = self.clock()
        if self._opened_at is not None:  # the probe failed: open again, for another open_seconds
            self._opened_at, self._probing = now, False
            return
        self._recent.append(now)
        while self._recent and now - self._recent[0] > self.window:
            self._recent.popleft()
        if len(self._recent) >= self.failures:
            self._opened_at = now
            self._recent.clear()

    def release(self) -> None:
        """A query let through ended neither way (cancelled, or refused for a reason that is not the source's
        health): a half-open breaker may send another probe."""
        self._probing = False
