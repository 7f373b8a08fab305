"""Running one verification: T1 (queries and audit rows committed), the fan-out to every endpoint, T2 (items and
report) — in the runner's event loop, or in the foreground for ``jiuzhu verify``.

    exchange = load_exchange()                           sources.toml and our key, from the installation's home
    links = Links(exchange)                              per event loop: one client and one guard per endpoint
    status = await run(engine, vid, owner, links)        the verification claimed by ``owner``, to its end
    status = run_here(engine, vid, on_outcome=print)     claim it and run it in this thread (the CLI)

No query is sent before its audit row is committed (T1). Before every attempt — the first and each retry — the
members' consent records are read afresh (``ConsentGate``): a withdrawal committed after T1 stops every attempt
after it: the member is left out of the query (the next generation: a new request id, audited first), their
items unknown; a query left with nobody is not sent (``skipped``). A source that fails is an outcome, its items unknown,
never zero; the others are whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import Engine

from jiuzhu.exchange import endpoints as endpoints_config
from jiuzhu.exchange import keys
from jiuzhu.exchange.adapters import adapter_for
from jiuzhu.exchange.client import EndpointClient
from jiuzhu.exchange.errors import ExchangeFailure
from jiuzhu.exchange.format import QueryRequest
from jiuzhu.i18n import N_
from jiuzhu.verification import service
from jiuzhu.verification.fanout import Guards, Outcome, Query, fan_out
from jiuzhu.verification.resilience import Policy
from jiuzhu.verification.service import Exchange, LeaseLost, Prepared, QueryResult

log = logging.getLogger("jiuzhu.verification")

LEASE_SECONDS = 60.0  # a runner silent this long is taken for dead: its verification is claimed again
TICK_SECONDS = 2.0  # how often a running verification's lease is renewed
INTERNAL = N_("the verification stopped on an internal error (verification {id}); the details are in the server's "
              "log")

# The progress of the verifications this process runs, in memory (the page's polling reads it; no write per
# answer): verification id → {endpoint: "answered" | failure code}.
_board_lock = threading.Lock()
_board: dict[int, dict[str, str]] = {}


def progress(verification_id: int) -> dict[str, str] | None:
    with _board_lock:
        live = _board.get(verification_id)
        return dict(live) if live is not None else None


def _post(verification_id: int, endpoint: str, state: str) -> None:
    with _board_lock:
        _board.setdefault(verification_id, {})[endpoint] = state


def new_owner(prefix: str = "runner") -> str:
    return f"{prefix}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def load_exchange(sources: os.PathLike | None = None, only: tuple[str, ...] = ()) -> Exchange:
    """The sources configuration (``<home>/exchange/sources.toml``) and our signing key (``<home>/exchange/keys``,
    made on first use; its public half is what each department pins: ``jiuzhu exchange keys export``)."""
    config = endpoints_config.load(sources)
    return Exchange(config=config, key=keys.load_or_create(config.requester.key_id), endpoints=tuple(only))


def policy(ep) -> Policy:
    return Policy(attempts=ep.attempts, deadline_seconds=ep.deadline_seconds, backoff_initial=ep.backoff_initial,
                  backoff_max=ep.backoff_max, per_second=ep.rate_per_second, max_in_flight=ep.max_in_flight,
                  breaker_failures=ep.breaker_failures, breaker_window_seconds=ep.breaker_window_seconds,
                  breaker_open_seconds=ep.breaker_open_seconds)


class Links:
    """Per event loop: the exchange, one client per endpoint (one httpx pool each) and the ``Guards`` (limits,
    retries, breakers) shared by every verification the loop runs."""

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        eps = exchange.config.endpoints
        self.guards = Guards({name: policy(ep) for name, ep in eps.items()})
        self._clients: dict[str, EndpointClient] = {}
        self.latency: dict[str, float] = {}  # each endpoint's last answer's latency (ms): the slowest asked first

    def client(self, endpoint: str) -> EndpointClient:
        if endpoint not in self._clients:
            self._clients[endpoint] = EndpointClient(self.exchange.config.endpoints[endpoint], key=self.exchange.key,
                                                     key_id=self.exchange.config.requester.key_id)
        return self._clients[endpoint]

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()


class ConsentEnded(Exception):
    """A subject's authorization ended after T1: this attempt is not made (not retried: nothing to wait for)."""

    code, retryable, retry_after = "consent_ended", False, None

    def __init__(self, consent_ids: set[str]) -> None:
        super().__init__("consent ended: " + ", ".join(sorted(consent_ids)))
        self.message = str(self)


class ConsentGate:
    """Reads the consent records afresh before each attempt (``read``: the ids of those no longer valid, run in a
    thread); attempts waiting at the same moment share one read, but only a read that began after they asked (so
    a withdrawal committed before an attempt asked is always seen by it). One household's verification and a
    batch's wave each have one."""

    def __init__(self, read: Callable[[], set[str]]) -> None:
        self._read = read
        self._lock = asyncio.Lock()
        self._read_at = float("-inf")
        self._ended: set[str] = set()

    @classmethod
    def of(cls, engine: Engine, prepared: Prepared) -> ConsentGate:
        ids = {c for q in prepared.queries for c in q.consent_ids}
        purpose = (prepared.purpose_kind, prepared.purpose_ref)
        return cls(lambda: service.consents_valid(engine, prepared.household_no, purpose, ids))

    async def ended(self, consent_ids: tuple[str, ...]) -> set[str]:
        asked = time.monotonic()
        async with self._lock:
            if self._read_at < asked:
                began = time.monotonic()
                self._ended = await asyncio.to_thread(self._read)
                self._read_at = began
            return set(consent_ids) & self._ended


def _attempts(engine: Engine, links: Links, gate: ConsentGate, verification_id: int, owner: str,
              result: QueryResult) -> Callable[[int], Awaitable]:
    """The attempt function of one query: consents re-read, then the stored bytes posted (same request id). A
    subject whose authorization ended is left out: the query without them is the next generation (new request id
    and body, audited and committed first); nobody left, the attempt is not made."""
    adapter = adapter_for(result.query.endpoint)

    async def send(n: int):
        result.attempts = n
        q = result.query
        ended = await gate.ended(q.consent_ids)
        if ended:
            q = await asyncio.to_thread(service.regenerate, engine, verification_id, owner, q, ended,
                                        links.exchange)
            if q is None:
                raise ConsentEnded(ended)
            result.query = q
        result.sent_at = result.sent_at or dt.datetime.now(dt.timezone.utc)
        try:
            signed = await links.client(q.endpoint).post(q.request_id, q.body)
        except ExchangeFailure as exc:
            result.http_status = exc.status
            raise
        # Parsed once the answer is in, not before the send: the 37 sends of a verification go out one after
        # another in the event loop, and what each does before its bytes leave delays the next.
        request = QueryRequest.model_validate_json(q.body)
        answer = adapter.read(q.endpoint, request, signed.response, kid=signed.kid, latency_ms=signed.latency_ms)
        result.http_status, result.kid, result.latency_ms = signed.status, signed.kid, round(signed.latency_ms, 1)
        result.response_sha256 = hashlib.sha256(signed.body).hexdigest()
        result.answered_at = dt.datetime.now(dt.timezone.utc)
        return answer

    return send


async def run(engine: Engine, verification_id: int, owner: str, links: Links, *,
              on_outcome: Callable[[Outcome], None] | None = None,
              after_prepare: Callable[[Prepared], None] | None = None) -> str:
    """T1, the fan-out, T2 of a verification ``owner`` has claimed; its final status. ``after_prepare`` runs
    between T1's commit and the first send (tests withdraw a consent there)."""
    prepared = await asyncio.to_thread(service.prepare, engine, verification_id, owner, links.exchange)
    if prepared.stopped:
        return "failed"
    if after_prepare is not None:
        await asyncio.to_thread(after_prepare, prepared)
    gate = ConsentGate.of(engine, prepared)
    results = [QueryResult(q, asked=list(q.subjects)) for q in prepared.queries]
    queries = [Query(r.query.endpoint, _attempts(engine, links, gate, verification_id, owner, r)) for r in results]

    def posted(outcome: Outcome) -> None:
        _post(verification_id, outcome.endpoint, "answered" if outcome.answered else outcome.failure.code)
        if outcome.answered:
            links.latency[outcome.endpoint] = outcome.answer.latency_ms
        if on_outcome is not None:
            on_outcome(outcome)

    try:
        outcomes = await _slowest_first(links, prepared, queries, posted)
        for r, outcome in zip(results, outcomes, strict=True):
            r.answer, r.failure = outcome.answer, outcome.failure
        return await asyncio.to_thread(service.record, engine, prepared, results, _per_endpoint(outcomes), owner)
    finally:
        with _board_lock:
            _board.pop(verification_id, None)


async def _slowest_first(links: Links, prepared: Prepared, queries: list[Query],
                         posted: Callable[[Outcome], None]) -> list[Outcome]:
    """The fan-out, the endpoints that answered slowest last time sent first (never heard from: first of all):
    the sends leave one after another (each signed on the way, about a millisecond), and the verification ends
    with its slowest source, so that one must not wait behind 36 others. Outcomes in the order planned (the
    report and the items are the same whatever the order of sending)."""
    expected = prepared.latencies | links.latency
    order = sorted(range(len(queries)), key=lambda i: -expected.get(queries[i].endpoint, float("inf")))
    sent = await fan_out(links.guards, [queries[i] for i in order], on_outcome=posted)
    outcomes: list[Outcome] = [None] * len(queries)  # type: ignore[list-item]
    for outcome, i in zip(sent, order, strict=True):
        outcomes[i] = outcome
    return outcomes


def _per_endpoint(outcomes: list[Outcome]) -> list[Outcome]:
    """One outcome per endpoint for the report: the chunks of one endpoint joined (a failed chunk fails it)."""
    out: dict[str, Outcome] = {}
    for o in outcomes:
        before = out.get(o.endpoint)
        if before is None:
            out[o.endpoint] = o
        elif before.answered and o.answered:
            out[o.endpoint] = Outcome(o.endpoint, answer=_joined(before.answer, o.answer))
        elif before.answered:
            out[o.endpoint] = o
    return list(out.values())


def _joined(a, b):
    import dataclasses

    return dataclasses.replace(a, results=tuple(a.results) + tuple(b.results), replayed=a.replayed and b.replayed)


async def with_lease(engine: Engine, verification_id: int, owner: str, work: Awaitable[str],
                     lease_seconds: float = LEASE_SECONDS, tick_seconds: float = TICK_SECONDS) -> str | None:
    """``work`` while renewing the lease; cancelled (None returned) if the lease is lost to another runner. An
    unexpected error fails the verification with one line (the details in the server's log)."""
    task = asyncio.ensure_future(work)

    async def heartbeat() -> None:
        while not task.done():
            await asyncio.sleep(tick_seconds)
            try:
                held = await asyncio.to_thread(service.renew, engine, verification_id, owner, lease_seconds)
            except Exception:  # noqa: BLE001 - the database busy for a moment: try at the next tick
                log.warning("verification %s: the lease could not be renewed; trying again", verification_id)
                continue
            if not held:
                task.cancel()
                return

    beat = asyncio.ensure_future(heartbeat())
    try:
        return await task
    except asyncio.CancelledError:
        if beat.done():  # the lease was lost: the other runner goes on
            return None
        raise
    except LeaseLost:
        return None
    except Exception as exc:  # noqa: BLE001 - one line for the user, the traceback in the log
        from jiuzhu.errors import JiuzhuError
        from jiuzhu.i18n import t

        log.exception("verification %s failed", verification_id)
        message = exc.message if isinstance(exc, JiuzhuError) else t(INTERNAL, id=verification_id)
        await asyncio.to_thread(service.fail, engine, verification_id, owner, message)
        return "failed"
    finally:
        beat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beat


def run_here(engine: Engine, verification_id: int, *, exchange: Exchange | None = None,
             on_outcome: Callable[[Outcome], None] | None = None,
             after_prepare: Callable[[Prepared], None] | None = None) -> str | None:
    """Claim the verification and run it to its end in this thread (``jiuzhu verify``); None if another runner
    holds it (a server's runner took it first: it finishes it)."""
    exchange = exchange or load_exchange()
    owner = new_owner("cli")
    if service.claim(engine, owner, LEASE_SECONDS, only=verification_id) is None:
        return None

    async def main() -> str | None:
        links = Links(exchange)
        try:
            return await with_lease(engine, verification_id, owner, run(
                engine, verification_id, owner, links, on_outcome=on_outcome, after_prepare=after_prepare))
        finally:
            await links.aclose()

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:  # Ctrl-C: the lease given up, so the same command again takes it up at once
        service.release(engine, verification_id, owner)
        raise
