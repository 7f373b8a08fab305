"""Asking every endpoint of a verification at once: each through its endpoint's guard, none waiting on another,
and one that fails never stopping the rest.

    guards = Guards({"tax": Policy(per_second=20)}, default=Policy())
    outcomes = await fan_out(guards, [Query("tax", send_tax), Query("bank.cqrcb", send_bank)], on_outcome=post)

Each ``Query`` names its endpoint and an attempt function (``send(n)``, n = 1, 2 … the attempt; see
``resilience.SourceGuard.call``). ``fan_out`` returns one ``Outcome`` per query, in the order given: ``answer`` set
when the endpoint answered, else ``failure`` (the endpoint, the code, the attempts). A failed endpoint's items are
**unknown** to the caller — never empty, never zero. ``on_outcome`` is called as each endpoint ends (the page shows
the sources one by one).

``Guards`` keeps one ``SourceGuard`` per endpoint for the life of an event loop (the verification runner's), so
that every verification in the process, single or batch, shares each endpoint's limits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from jiuzhu.verification.resilience import GuardStats, Policy, SourceFailed, SourceGuard


@dataclass(frozen=True)
class Query:
    endpoint: str
    send: Callable[[int], Awaitable[Any]]


@dataclass(frozen=True)
class Outcome:
    endpoint: str
    answer: Any = None
    failure: SourceFailed | None = None

    @property
    def answered(self) -> bool:
        return self.failure is None


class Guards:
    """One guard per endpoint, made on first use with the endpoint's policy (or the default)."""

    def __init__(self, policies: dict[str, Policy] | None = None, default: Policy = Policy(),  # noqa: B008
                 **guard_options):
        self.policies, self.default, self.options = dict(policies or {}), default, guard_options
        self._guards: dict[str, SourceGuard] = {}

    def __getitem__(self, endpoint: str) -> SourceGuard:
        if endpoint not in self._guards:
            self._guards[endpoint] = SourceGuard(endpoint, self.policies.get(endpoint, self.default),
                                                 **self.options)
        return self._guards[endpoint]

    def stats(self) -> dict[str, GuardStats]:
        return {name: guard.stats for name, guard in sorted(self._guards.items())}

    def states(self) -> dict[str, str]:
        """Each endpoint's breaker: closed, open or half_open (for the sources page)."""
        return {name: guard.state.value for name, guard in sorted(self._guards.items())}


async def fan_out(guards: Guards, queries: Iterable[Query],
                  on_outcome: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Every query at once, each through its endpoint's guard; an outcome per query, in the order given."""
    queries = list(queries)

    async def one(query: Query) -> Outcome:
        try:
            outcome = Outcome(query.endpoint, answer=await guards[query.endpoint].call(query.send))
        except SourceFailed as failed:
            outcome = Outcome(query.endpoint, failure=failed)
        if on_outcome is not None:
            on_outcome(outcome)
        return outcome

    # A TaskGroup, so that cancelling the verification cancels every query; a source's failure is an outcome,
    # not an exception, so it cancels nothing.
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(one(q)) for q in queries]
    return [task.result() for task in tasks]
