"""How one endpoint is asked: retries on retryable errors only, Retry-After, the deadline, the breaker across
calls, the number in flight and the rate — on a fake clock where time matters, never asserting wall-clock time."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.verification.breaker import BreakerState
from jiuzhu.verification.resilience import Policy, SourceFailed, SourceGuard


class Failure(Exception):
    def __init__(self, code: str, retryable: bool, retry_after: float | None = None):
        super().__init__(code)
        self.code, self.retryable, self.retry_after = code, retryable, retry_after


class FakeTime:
    """A clock that only moves when the guard sleeps (and when a test moves it)."""

    def __init__(self) -> None:
        self.now, self.slept = 0.0, []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def guard(time: FakeTime, **policy) -> SourceGuard:
    policy = {"per_second": 10_000, **policy}
    return SourceGuard("bank.test", Policy(**policy), clock=time.clock, sleep=time.sleep, jitter=lambda: 0.0)


def scripted(*outcomes):
    """An attempt function answering from a script: an exception is raised, anything else returned."""
    calls = []

    async def attempt(n: int):
        calls.append(n)
        outcome = outcomes[n - 1]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome
    return attempt, calls


def run(coro):
    return asyncio.run(coro)


def test_retryable_errors_are_retried_with_growing_waits():
    time = FakeTime()
    attempt, calls = scripted(Failure("unavailable", True), Failure("upstream_timeout", True), "answer")
    assert run(guard(time).call(attempt)) == "answer"
    assert calls == [1, 2, 3] and time.slept == [0.1, 0.2]


def test_an_error_that_is_not_retryable_ends_the_call_at_once():
    time = FakeTime()
    attempt, calls = scripted(Failure("consent_invalid", False), "never")
    with pytest.raises(SourceFailed) as failed:
        run(guard(time).call(attempt))
    assert calls == [1] and failed.value.code == "consent_invalid" and failed.value.attempts == 1
    assert failed.value.endpoint == "bank.test"


def test_an_unexpected_exception_is_not_retried_and_is_named():
    attempt, calls = scripted(KeyError("bug"), "never")
    with pytest.raises(SourceFailed) as failed:
        run(guard(FakeTime()).call(attempt))
    assert calls == [1] and failed.value.code == "internal" and isinstance(failed.value.cause, KeyError)


def test_after_the_last_attempt_the_source_failed_with_the_last_code():
    attempt, calls = scripted(Failure("unavailable", True), Failure("unavailable", True),
                              Failure("rate_limited", True, 0.5), "too late")
    g = guard(FakeTime())
    with pytest.raises(SourceFailed) as failed:
        run(g.call(attempt))
    assert calls == [1, 2, 3] and failed.value.code == "rate_limited" and failed.value.attempts == 3
    assert g.stats.rate_limited == 1 and g.stats.failed == 1 and g.stats.retried == 2


def test_retry_after_is_waited_when_longer_than_the_backoff():
    time = FakeTime()
    attempt, _ = scripted(Failure("rate_limited", True, retry_after=2.0), "answer")
    assert run(guard(time).call(attempt)) == "answer"
    assert time.slept == [2.0]


def test_no_retry_starts_after_the_deadline():
    time = FakeTime()
    attempt, calls = scripted(Failure("unavailable", True, retry_after=10.0), "answer")
    with pytest.raises(SourceFailed) as failed:
        run(guard(time, deadline_seconds=6).call(attempt))
    assert calls == [1] and time.slept == [] and failed.value.code == "unavailable"


def test_the_breaker_opens_across_calls_and_then_nothing_is_sent():
    time = FakeTime()
    g = guard(time, attempts=1, breaker_failures=3, breaker_window_seconds=30, breaker_open_seconds=15)

    async def main():
        for _ in range(3):
            attempt, _ = scripted(Failure("unavailable", True))
            with pytest.raises(SourceFailed):
                await g.call(attempt)
        assert g.state is BreakerState.OPEN
        attempt, calls = scripted("answer")
        with pytest.raises(SourceFailed) as failed:
            await g.call(attempt)
        assert calls == [] and failed.value.code == "breaker_open" and g.stats.breaker_open == 1
        time.now += 15  # half-open: one probe goes, and its answer closes the breaker
        assert await g.call(attempt) == "answer" and g.state is BreakerState.CLOSED
    run(main())


def test_refusals_do_not_open_the_breaker():
    g = guard(FakeTime(), attempts=1, breaker_failures=2)

    async def main():
        for _ in range(5):
            attempt, _ = scripted(Failure("consent_scope", False))
            with pytest.raises(SourceFailed):
                await g.call(attempt)
    run(main())
    assert g.state is BreakerState.CLOSED


def test_no_more_than_max_in_flight_at_once():
    async def main():
        g = SourceGuard("tax", Policy(max_in_flight=3, per_second=10_000))
        now = peak = 0

        async def attempt(n):
            nonlocal now, peak
            now += 1
            peak = max(peak, now)
            await asyncio.sleep(0.01)
            now -= 1
            return n
        assert await asyncio.gather(*(g.call(attempt) for _ in range(12))) == [1] * 12
        return peak
    assert run(main()) == 3


def test_attempts_are_spread_so_no_second_holds_more_than_the_rate():
    """Real time, as aiolimiter reads the loop's clock: the starts are recorded and counted per window (a count,
    not a duration, is asserted)."""
    async def main():
        g = SourceGuard("bank.test", Policy(per_second=20, max_in_flight=50))
        loop, starts = asyncio.get_running_loop(), []

        async def attempt(n):
            starts.append(loop.time())
            return n
        await asyncio.gather(*(g.call(attempt) for _ in range(30)))
        return starts
    starts = sorted(run(main()))
    assert len(starts) == 30
    most = max(sum(1 for s in starts if t <= s < t + 1.0) for t in starts)
    assert most <= 21


OUTCOME = st.one_of(st.just("ok"), st.sampled_from(["unavailable", "rate_limited", "upstream_timeout"]),
                    st.sampled_from(["consent_invalid", "signature_invalid"]))
RETRYABLE = {"unavailable", "rate_limited", "upstream_timeout"}


@settings(max_examples=150, deadline=None)
@given(script=st.lists(OUTCOME, min_size=5, max_size=5), attempts=st.integers(1, 5))
def test_the_guard_is_the_simple_rule(script, attempts):
    """Whatever the answers: the first success within the attempts, before any refusal, is returned; otherwise
    the source failed with the code of the last attempt made; never more attempts than allowed."""
    outcomes = ["answer" if s == "ok" else Failure(s, s in RETRYABLE) for s in script]
    attempt, calls = scripted(*outcomes)
    expected_calls = 0
    for k, s in enumerate(script[:attempts], start=1):
        expected_calls = k
        if s == "ok" or s not in RETRYABLE:
            break
    try:
        got = run(guard(FakeTime(), attempts=attempts, deadline_seconds=1000).call(attempt))
    except SourceFailed as failed:
        assert script[expected_calls - 1] != "ok" and failed.code == script[expected_calls - 1]
        assert failed.attempts == expected_calls
    else:
        assert got == "answer" and script[expected_calls - 1] == "ok"
    assert calls == list(range(1, expected_calls + 1))
