"""Every endpoint asked at once; a failed one leaves the others' answers whole and is reported, never as empty."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.verification.fanout import Guards, Query, fan_out
from jiuzhu.verification.resilience import Policy


class Down(Exception):
    code, retryable, retry_after = "unavailable", True, None


class Refused(Exception):
    code, retryable, retry_after = "consent_invalid", False, None


def guards(**policy) -> Guards:
    async def no_sleep(_):
        return None
    return Guards(default=Policy(per_second=10_000, **policy), sleep=no_sleep, jitter=lambda: 0.0)


def test_a_source_down_leaves_the_others_answers_and_is_named():
    async def ok(n):
        await asyncio.sleep(0)
        return {"items": [1, 2]}

    async def down(n):
        raise Down()

    async def refused(n):
        raise Refused()
    seen = []
    outcomes = asyncio.run(fan_out(guards(), [Query("tax", ok), Query("bank.x", down), Query("hrss", refused)],
                                   on_outcome=lambda o: seen.append(o.endpoint)))
    assert [o.endpoint for o in outcomes] == ["tax", "bank.x", "hrss"]
    assert outcomes[0].answered and outcomes[0].answer == {"items": [1, 2]}
    assert not outcomes[1].answered and outcomes[1].answer is None and outcomes[1].failure.code == "unavailable"
    assert outcomes[1].failure.attempts == 3  # retried, then given up
    assert outcomes[2].failure.code == "consent_invalid" and outcomes[2].failure.attempts == 1
    assert sorted(seen) == ["bank.x", "hrss", "tax"]


def test_the_endpoints_are_asked_at_once_not_one_after_another():
    """Each source waits until all have started: sequential asking would never finish (a count, not a time)."""
    async def main():
        started, n = asyncio.Event(), 5
        count = 0

        async def send(_):
            nonlocal count
            count += 1
            if count == n:
                started.set()
            await asyncio.wait_for(started.wait(), 5)
            return "answer"
        return await fan_out(guards(), [Query(f"s{i}", send) for i in range(n)])
    assert all(o.answered for o in asyncio.run(main()))


def test_one_guard_per_endpoint_shared_by_every_query():
    g = guards(attempts=1, breaker_failures=2)

    async def down(n):
        raise Down()

    async def main():
        await fan_out(g, [Query("bank.x", down), Query("bank.x", down)])
        return await fan_out(g, [Query("bank.x", down)])
    last = asyncio.run(main())
    assert last[0].failure.code == "breaker_open"  # two failures of the two queries before opened it
    assert g.states() == {"bank.x": "open"} and g.stats()["bank.x"].breaker_open == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["ok", "down", "refused"]), min_size=1, max_size=8))
def test_every_query_has_exactly_one_outcome_matching_its_source(kinds):
    async def make(kind, i):
        if kind == "ok":
            return {"endpoint": i}
        raise Down() if kind == "down" else Refused()
    queries = [Query(f"e{i}", lambda n, k=k, i=i: make(k, i)) for i, k in enumerate(kinds)]
    outcomes = asyncio.run(fan_out(guards(), queries))
    assert len(outcomes) == len(kinds)
    for i, (kind, outcome) in enumerate(zip(kinds, outcomes, strict=True)):
        assert outcome.endpoint == f"e{i}" and outcome.answered == (kind == "ok")
        assert (outcome.answer == {"endpoint": i}) if kind == "ok" else (outcome.answer is None)
