"""How a query to one department's endpoint is sent: at most so many at once, at most so many a second, retried
with back-off on retryable errors only, behind a circuit breaker.

    guard = SourceGuard("bank.cqrcb", Policy(per_second=40, attempts=3, deadline_seconds=6))
    answer = await guard.call(lambda n: client.query(request_for(n)))   # n = 1, 2, 3 … the attempt

``call`` returns the answer of the first attempt that succeeds, or raises ``SourceFailed`` naming the endpoint,
the last error's ``code`` and how many attempts were made: the caller marks that source's items **unknown** and
the report incomplete — a failed source is never read as "nothing found" or as zero.

An error is retried only when it says so: an exception with ``retryable = True`` (connection refused or reset, a
time-out, 429, 5xx: ``jiuzhu.exchange``'s client classifies them); anything else — a refused consent, a bad
signature, a bug — ends the call at once. A ``retry_after`` (seconds, from the department's Retry-After) is waited
when it is longer than the back-off (exponential with jitter, tenacity's ``wait_exponential_jitter``); a retry
that could not start before ``deadline_seconds`` is not made. The attempt function is called anew for each attempt,
so that the caller can re-read the consents before a retry and leave out anyone who withdrew meanwhile.

One ``SourceGuard`` per endpoint per process, shared by every verification (single or batch), so the limits hold
for all of them together. The rate limit is aiolimiter's leaky bucket; the breaker is ``breaker.Breaker``. Clock,
sleep and jitter are injected for tests.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from aiolimiter import AsyncLimiter
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, stop_any

from jiuzhu.verification.breaker import Breaker, BreakerState

T = TypeVar("T")


@dataclass(frozen=True)
class Policy:
    """The limits of one endpoint (docs/exchange.md, sources.toml): time-outs per attempt are the client's."""

    attempts: int = 3
    deadline_seconds: float = 6.0  # from the first attempt's start: no retry starts later
    backoff_initial: float = 0.1  # seconds before the first retry, doubling, with up to as much again of jitter
    backoff_max: float = 1.0
    per_second: float = 40.0  # at most this many attempts started in any second (≤ the department's own limit)
    max_in_flight: int = 16
    breaker_failures: int = 5
    breaker_window_seconds: float = 30.0
    breaker_open_seconds: float = 15.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.deadline_seconds <= 0 or self.per_second <= 0 or self.max_in_flight < 1:
            raise ValueError("attempts >= 1, deadline_seconds > 0, per_second > 0 and max_in_flight >= 1")


class BreakerOpen(Exception):
    """The endpoint's breaker is open: not asked (it failed too often just now)."""

    code, retryable, retry_after = "breaker_open", False, None


class SourceFailed(Exception):
    """Every allowed attempt failed, or one failed in a way not worth retrying: the source's items are unknown."""

    def __init__(self, endpoint: str, cause: BaseException, attempts: int):
        super().__init__(f"{endpoint}: {getattr(cause, 'code', type(cause).__name__)} after {attempts} attempt(s)")
        self.endpoint, self.cause, self.attempts = endpoint, cause, attempts
        self.code: str = getattr(cause, "code", "internal")


@dataclass
class GuardStats:
    """Counts since start, shown per source on the pages and in a batch's result."""

    attempts: int = 0
    answered: int = 0
    retried: int = 0
    rate_limited: int = 0  # answers 429
    failed: int = 0  # calls that ended in SourceFailed
    breaker_open: int = 0  # attempts not made because the breaker was open
    by_code: dict[str, int] = field(default_factory=dict)


def is_retryable(exc: BaseException) -> bool:
    return bool(getattr(exc, "retryable", False))


class SourceGuard:
    """The limits, retries and breaker of one endpoint (see the module's docstring)."""

    def __init__(self, endpoint: str, policy: Policy = Policy(), *,  # noqa: B008 (frozen)
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 jitter: Callable[[], float] = random.random):
        self.endpoint, self.policy, self.clock, self.sleep, self.jitter = endpoint, policy, clock, sleep, jitter
        self.breaker = Breaker(policy.breaker_failures, policy.breaker_window_seconds, policy.breaker_open_seconds,
                               clock=clock)
        # A bucket of one, leaking every 1/per_second s: attempts evenly spaced, so no second holds more than
        # per_second + 1 (a bucket of per_second would let two seconds' worth through in one, tripping the
        # department's own limit).
        self.limiter = AsyncLimiter(1, 1.0 / policy.per_second)
        self.slots = asyncio.Semaphore(policy.max_in_flight)
        self.stats = GuardStats()

    @property
    def state(self) -> BreakerState:
        return self.breaker.state

    async def call(self, attempt: Callable[[int], Awaitable[T]]) -> T:
        """The answer of ``attempt(n)`` for the first n that succeeds; ``SourceFailed`` otherwise."""
        start = self.clock()
        n = 0
        waits: dict[int, float] = {}  # one draw of jitter per attempt, for the stop and the wait alike

        def wait(state: RetryCallState) -> float:
            return waits.setdefault(state.attempt_number, self._wait(state))

        async def once() -> T:
            nonlocal n
            n += 1
            return await self._attempt(attempt, n)

        retrying = AsyncRetrying(
            retry=retry_if_exception(is_retryable), reraise=True, sleep=self.sleep,
            stop=stop_any(stop_after_attempt(self.policy.attempts),
                          lambda state: wait(state) > self._left(start)),
            wait=wait, before_sleep=self._count_retry)
        try:
            return await retrying(once)
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - every failure of the source ends as SourceFailed, named
            self.stats.failed += 1
            self.stats.by_code[getattr(exc, "code", "internal")] = \
                self.stats.by_code.get(getattr(exc, "code", "internal"), 0) + 1
            raise SourceFailed(self.endpoint, exc, n) from exc

    async def _attempt(self, attempt: Callable[[int], Awaitable[T]], n: int) -> T:
        if not self.breaker.allow():
            self.stats.breaker_open += 1
            raise BreakerOpen()
        try:
            async with self.slots, self.limiter:  # a slot first: queued calls take no share of the rate
                self.stats.attempts += 1
                answer = await attempt(n)
        except Exception as exc:
            if getattr(exc, "code", None) == "rate_limited":
                self.stats.rate_limited += 1
            if is_retryable(exc):
                self.breaker.failure()
            else:  # the source answered (a refusal) or we failed: nothing said about its health
                self.breaker.release()
            raise
        except BaseException:  # cancelled: the probe, if it was one, may go again
            self.breaker.release()
            raise
        self.breaker.success()
        self.stats.answered += 1
        return answer

    def _wait(self, state: RetryCallState) -> float:
        """Exponential back-off with jitter (0.1, 0.2, 0.4 … s, capped), or the department's Retry-After if longer."""
        k = max(state.attempt_number - 1, 0)
        backoff = min(self.policy.backoff_initial * 2 ** k, self.policy.backoff_max)
        backoff += self.jitter() * self.policy.backoff_initial
        error = state.outcome.exception() if state.outcome else None
        retry_after = getattr(error, "retry_after", None) or 0.0
        return max(backoff, float(retry_after))

    def _left(self, start: float) -> float:
        return self.policy.deadline_seconds - (self.clock() - start)

    def _count_retry(self, state: RetryCallState) -> None:
        self.stats.retried += 1
