"""Verifying thousands of households (定期复核) as one job: waves of households, a few in flight, each asking every
endpoint about all its households' members at once (docs/verification.md "Batch").

    result = run_blocking(engine, job_id, spec, exchange, check=…, progress=…)   the batch, to its end, here

Per wave: T1 (``batch_service.prepare_wave``: consents re-checked, a household not wholly authorized ``blocked``
and not asked about; verifications, requests and audit rows committed), the fan-out (one request per endpoint and
chunk of at most ``max_subjects`` members, through the same ``Guards`` as a single verification: rate limit,
in-flight cap, retries, breaker per endpoint), T2 (``record_wave``: each household's items, report and status).
Before every attempt the wave's consent records are read afresh: a member whose authorization ended is left out
of the request (the next generation, audited first), their items unknown.

Killed and run again (the job claimed anew): the households done or blocked are skipped; a wave prepared and not
recorded resends its stored bodies with the same request ids (the departments replay: nobody is looked up twice)
and is recorded once; the rest go on in new waves. Every household ends done, blocked or failed — none lost, none
verified twice (UNIQUE keys, one T2 per wave).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from sqlalchemy import Engine

from jiuzhu.exchange.adapters import adapter_for
from jiuzhu.exchange.errors import ExchangeFailure
from jiuzhu.exchange.format import QueryRequest
from jiuzhu.verification import batch_service as store
from jiuzhu.verification.batch_service import BatchSpec, Check, Result, Wave
from jiuzhu.verification.fanout import Query, fan_out
from jiuzhu.verification.flows import ConsentEnded, ConsentGate, Links
from jiuzhu.verification.service import Exchange

log = logging.getLogger("jiuzhu.verification.batch")
Progress = Callable[[int, int], None]  # (households ended, households in the batch)


def _attempts(engine: Engine, links: Links, gate: ConsentGate, wave: Wave, result: Result, check: Check,
              posting: asyncio.Semaphore | None = None):
    adapter = adapter_for(result.query.endpoint)

    async def send(n: int):
        result.attempts = n
        ended = await gate.ended(result.query.consent_ids)
        if ended:
            q = await asyncio.to_thread(store.regenerate, engine, wave, result.query, ended, links.exchange, check)
            if q is None:
                result.query.subjects = []
                raise ConsentEnded(ended)
            result.query = q
        q = result.query
        if result.request is None or result.request.request_id != q.request_id:  # once per body, not per attempt
            built = q.request if q.request is not None and q.request.request_id == q.request_id else None
            result.request = built or QueryRequest.model_validate_json(q.body)
        request = result.request
        try:
            async with posting or _FREE:
                signed = await links.client(q.endpoint).post(q.request_id, q.body)
        except ExchangeFailure as exc:
            result.http_status = exc.status
            raise
        answer = adapter.read(q.endpoint, request, signed.response, kid=signed.kid, latency_ms=signed.latency_ms)
        result.http_status, result.latency_ms = signed.status, round(signed.latency_ms, 1)
        result.answered_at = dt.datetime.now(dt.timezone.utc)
        return answer

    return send


class _Free:
    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


_FREE = _Free()


async def run_wave(engine: Engine, links: Links, wave: Wave, check: Check,
                   posting: asyncio.Semaphore | None = None, reports: store.Reports | None = None) -> dict[str, int]:
    """The wave's requests, all at once through the endpoints' guards (and at most ``posting``'s worth posted at
    a time across every endpoint), then its T2."""
    ids = {x["c"] for q in wave.queries for x in q.asked}  # the wave's consent records, read in one query
    gate = ConsentGate(lambda: store.ended_consents(engine, ids))
    results = [Result(q) for q in wave.queries]
    live = [r for r in results if r.query.subjects]
    began = time.monotonic()
    outcomes = await fan_out(links.guards, [Query(r.query.endpoint, _attempts(engine, links, gate, wave, r, check,
                                                                                   posting)) for r in live])
    for r, outcome in zip(live, outcomes, strict=True):
        r.answer, r.failure = outcome.answer, outcome.failure
    asked = time.monotonic()
    counts = await asyncio.to_thread(store.record_wave, engine, wave, results, check, reports)
    log.info("wave %s: %d households, %d requests asked in %.2f s, T2 %.2f s", wave.number, len(wave.households),
             len(live), asked - began, time.monotonic() - asked)
    return counts


async def run(engine: Engine, job_id: int, spec: BatchSpec, exchange: Exchange, *, check: Check,
              progress: Progress | None = None, after_prepare: Callable[[Wave], None] | None = None,
              links: Links | None = None) -> dict:
    """The batch to its end: the waves an earlier run left prepared first (resent), then new ones, at most
    ``spec.in_flight`` at once. Returns the result (``summary`` with seconds and per-source counts)."""
    started = time.monotonic()
    spec = await asyncio.to_thread(store.with_handler, engine, spec)
    total = await asyncio.to_thread(store.materialise, engine, job_id, spec, check)
    own = links is None
    links = links or Links(exchange)
    slots = asyncio.Semaphore(max(1, spec.in_flight))
    # The batch's requests in flight at once, across every endpoint: its waves must not queue so many at the
    # departments that their answers run past the read time-out (each request asks about up to 100 people).
    posting = asyncio.Semaphore(max(1, spec.max_requests))
    pool, reports = _report_pool(spec)
    tasks: list[asyncio.Task] = []
    ended = {"n": (await asyncio.to_thread(store.summary, engine, job_id))}

    def report() -> None:
        if progress is not None:
            s = ended["n"]
            progress(s["households"] - s["pending"], total)

    async def one(wave: Wave) -> None:
        try:
            if after_prepare is not None:
                await asyncio.to_thread(after_prepare, wave)
            if wave.households:
                await run_wave(engine, links, wave, check, posting, reports)
            ended["n"] = await asyncio.to_thread(store.summary, engine, job_id)
            report()
        finally:
            slots.release()

    async def launch(wave: Wave) -> None:
        tasks.append(asyncio.create_task(one(wave)))

    def failed() -> BaseException | None:
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                return task.exception()
        return None

    try:
        report()
        number = await asyncio.to_thread(store.last_wave, engine, job_id)
        for n in await asyncio.to_thread(store.pending_waves, engine, job_id):
            await slots.acquire()
            await launch(await asyncio.to_thread(store.load_wave, engine, job_id, spec, n, exchange, check))
        while True:
            await slots.acquire()
            if (error := failed()) is not None:
                raise error
            number += 1
            began = time.monotonic()
            wave = await asyncio.to_thread(store.prepare_wave, engine, job_id, spec, number, exchange, check)
            log.info("wave %s: T1 %.2f s", number, time.monotonic() - began)
            if wave is None:
                slots.release()
                break
            await launch(wave)
        if tasks:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            if (error := failed()) is not None:
                raise error
            await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        stats = links.guards.stats()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        if own:
            await links.aclose()
    result = await asyncio.to_thread(store.summary, engine, job_id)
    sources = await asyncio.to_thread(store.per_source, engine, job_id)
    for name, s in stats.items():  # this run's own counts (a resumed batch: since it was resumed)
        if name in sources:
            sources[name] |= {"rate_limited": s.rate_limited, "attempts": s.attempts}
    return result | {"seconds": round(time.monotonic() - started, 3), "per_source": sources}


def _report_pool(spec: BatchSpec):
    """With ``spec.report_processes``: the households' reports built in processes of their own (12 ms a household,
    a third of the batch's CPU; the batch's own process is one core's worth of Python, and a report needs no
    database) — for a machine with cores to spare (not the default: docs/performance.md). Spawned, not forked: the
    process that runs a batch has threads (the server's, the heartbeat). None on a single core."""
    if spec.report_processes < 1 or (os.cpu_count() or 1) < 2:
        return None, None
    pool = ProcessPoolExecutor(max_workers=spec.report_processes, mp_context=multiprocessing.get_context("spawn"))

    def reports(function, tasks: list) -> list:
        return list(pool.map(function, tasks, chunksize=max(1, len(tasks) // (4 * spec.report_processes))))

    return pool, reports


def run_blocking(engine: Engine, job_id: int, spec: BatchSpec, exchange: Exchange, **options) -> dict:
    """``run`` in an event loop of its own (the jobs worker's thread, the CLI)."""
    return asyncio.run(run(engine, job_id, spec, exchange, **options))
