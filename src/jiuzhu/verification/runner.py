"""The exchange runner: one thread per server process with its own asyncio event loop, running the queued
verifications (docs/verification.md).

    runner = start(engine)     the thread, started (the API's lifespan does this, as with the jobs worker)
    runner.stop()              on shutdown: takes no new verification; one still running is left to its lease

Not the jobs worker: that one runs one job at a time, and a caseworker's half-second verification must not wait
behind a 10,000-household batch. Several verifications run at once in the loop (``max_running``), sharing the
endpoints' clients and ``Guards`` (rate limits, in-flight caps, breakers: one per endpoint for the process).

A verification is claimed with a lease (``service.claim``: one atomic UPDATE … WHERE), renewed while it runs. A
runner that dies stops renewing; once the lease has run out the next runner to look claims it again and resends
the stored request bodies with their request ids — the departments replay their answers, nothing is queried
twice — then writes T2 once. Woken at once when a request of this process queued one (``wakeup``), else it looks
every ``poll_seconds``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

from sqlalchemy import Engine

from jiuzhu.errors import JiuzhuError
from jiuzhu.verification import flows, service, wakeup
from jiuzhu.verification.service import Exchange

log = logging.getLogger("jiuzhu.verification")

POLL_SECONDS = 1.0
MAX_RUNNING = 8
EXPIRY_SECONDS = 3600.0  # how often the authorizations whose validity ended are written expired (one audit row each)
EXPIRY_ACTOR = "jiuzhu:runner"  # who the audit log names for them


class Runner:
    def __init__(self, engine: Engine, *, exchange: Exchange | None = None, owner: str | None = None,
                 lease_seconds: float = flows.LEASE_SECONDS, tick_seconds: float = flows.TICK_SECONDS,
                 poll_seconds: float = POLL_SECONDS, max_running: int = MAX_RUNNING) -> None:
        self.engine = engine
        self.exchange = exchange  # None: read from the installation's home when the first verification comes
        self.owner = owner or flows.new_owner()
        self.lease_seconds, self.tick_seconds, self.poll_seconds = lease_seconds, tick_seconds, poll_seconds
        self.max_running = max_running
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self.finished: list[tuple[int, str | None]] = []  # (id, status) of what this runner ran (tests, logs)
        self.expiry_seconds = EXPIRY_SECONDS
        self._read_stamp: tuple | None = None
        self._expired_at = float("-inf")

    def start(self) -> Runner:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._main, args=(ready,), name=f"jiuzhu-verify-{self.owner}",
                                        daemon=True)
        self._thread.start()
        ready.wait(5)
        wakeup.listen(self.wake)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        wakeup.forget(self.wake)
        self._stop.set()
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        loop, event = self._loop, self._wake
        if loop is not None and event is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # the loop closed meanwhile
                pass

    # ------------------------------------------------------------------ the loop

    def _main(self, ready: threading.Event) -> None:
        asyncio.run(self._serve(ready))

    async def _serve(self, ready: threading.Event) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        ready.set()
        slots = asyncio.Semaphore(self.max_running)
        running: set[asyncio.Task] = set()
        links: flows.Links | None = None
        try:
            while not self._stop.is_set():
                await self._expire_due()
                await slots.acquire()
                vid = await self._claim()
                if vid is None:
                    slots.release()
                    self._wake.clear()
                    try:
                        await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
                    except TimeoutError:
                        pass
                    continue
                if links is not None and not running and self._changed():
                    await links.aclose()  # sources.toml changed (a simulator restarted on other ports): read again
                    links = None
                if links is None:
                    links = await self._links(vid)
                    if links is None:
                        slots.release()
                        continue
                task = asyncio.create_task(self._one(vid, links))
                running.add(task)
                task.add_done_callback(lambda t: (running.discard(t), slots.release()))
        finally:
            for task in running:  # left to their leases: the next runner resumes them
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            if links is not None:
                await links.aclose()

    async def _expire_due(self) -> None:
        """Hourly: every given authorization whose last valid day has passed is written ``expired`` (reads already
        treat it so; this puts it in the records and the audit log the day it happens, not when next asked)."""
        if time.monotonic() - self._expired_at < self.expiry_seconds:
            return
        self._expired_at = time.monotonic()
        try:
            count = await asyncio.to_thread(_expire, self.engine)
        except Exception:  # noqa: BLE001 - the database away for a moment: the next hour tries again
            log.exception("the runner could not write the expired authorizations")
            return
        if count:
            log.info("%d authorization(s) written expired", count)

    async def _claim(self) -> int | None:
        try:
            return await asyncio.to_thread(service.claim, self.engine, self.owner, self.lease_seconds)
        except Exception:  # the database away for a moment: log it, look again later
            log.exception("the verification runner could not claim a verification")
            return None

    def _changed(self) -> bool:
        """Whether sources.toml changed since it was read (a runner given its exchange never reads the file)."""
        return self.exchange is None and _stamp() != self._read_stamp

    async def _links(self, vid: int) -> flows.Links | None:
        """The exchange (sources.toml and the key), read again when the file changed and no verification is
        running; missing, the verification fails in one line."""
        self._read_stamp = _stamp()
        try:
            exchange = self.exchange or await asyncio.to_thread(flows.load_exchange)
        except JiuzhuError as exc:
            await asyncio.to_thread(service.fail, self.engine, vid, self.owner, exc.message)
            return None
        return flows.Links(exchange)

    async def _one(self, vid: int, links: flows.Links) -> None:
        status = await flows.with_lease(self.engine, vid, self.owner, flows.run(self.engine, vid, self.owner, links),
                                        self.lease_seconds, self.tick_seconds)
        self.finished.append((vid, status))


def _stamp() -> tuple | None:
    """sources.toml's modification time and size (None: no file)."""
    from jiuzhu.exchange import endpoints

    try:
        st = endpoints.default_path().stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _expire(engine: Engine) -> int:
    from jiuzhu import clock
    from jiuzhu.consent import service as consents
    from jiuzhu.db import session_scope

    with session_scope(engine) as session:
        return consents.expire_due(session, on=clock.today(), actor=EXPIRY_ACTOR)


def start(engine: Engine, **options) -> Runner:
    """The runner's thread, started (one per server process)."""
    return Runner(engine, **options).start()
