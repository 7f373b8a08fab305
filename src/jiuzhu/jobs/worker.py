"""The worker: one thread that takes queued jobs one at a time and runs them (docs/jobs.md).

    worker = start(engine, settings)      the thread, started (the API's lifespan does this)
    worker.stop()                         on shutdown: takes no new job; a job still running is left to its lease
    Worker(engine, settings).run_once()   claim and run one job here (tests, a command)

A job is claimed with a lease (``service.claim``: one atomic UPDATE … WHERE, so two workers never both take
it); while it runs, a heartbeat thread renews the lease and writes the progress every ``tick`` seconds in a
transaction of its own. A worker that dies (the server killed, the machine restarted) stops renewing: once
its lease has run out, the next worker to look claims the job again and runs it anew — each kind's handler
(``kinds``) makes a second run continue, never repeat, what the first committed. A done or failed job is never
claimed again. If a worker finds it has lost its lease (it was paused longer than the lease and another took
the job), it stops at its next progress report and writes nothing more.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from jiuzhu import config
from jiuzhu.db import session_scope
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import N_, t, use_language
from jiuzhu.jobs import board, service
from jiuzhu.jobs.service import ClaimedJob

log = logging.getLogger("jiuzhu.jobs")

LEASE_SECONDS = 60.0  # a worker silent this long is taken for dead: its job is claimed again
TICK_SECONDS = 1.0  # how often a running job's progress is written and its lease renewed
POLL_SECONDS = 1.0  # how often an idle worker looks for a job
INTERNAL = N_("the job stopped on an internal error (job {id}); the details are in the server's log")


class LeaseLost(Exception):
    """This worker no longer holds the job's lease: another worker has it."""


class JobContext:
    """What a kind's handler gets: the job, where to work, and how to report progress."""

    def __init__(self, worker: Worker, job: ClaimedJob) -> None:
        self.worker = worker
        self.job = job
        self.engine = worker.engine
        self.home = worker.home
        self.finished = False
        self.lost = threading.Event()
        self._progress, self._stage = 0.0, None

    @property
    def resumed(self) -> bool:
        """Whether an earlier run of this job was interrupted (its worker died)."""
        return self.job.attempts > 1

    def progress(self, fraction: float, stage: str | None = None) -> None:
        """Record how far the job is (0..1) and, if given, its stage (a message id, ``N_``); the heartbeat writes
        it. Raises LeaseLost when another worker has taken the job: the handler stops there."""
        if self.lost.is_set():
            raise LeaseLost(self.job.id)
        self._progress = min(max(float(fraction), 0.0), 1.0)
        if stage is not None:
            self._stage = stage
        board.post(self.job.id, self._progress, self._stage)

    def stage(self, stage: str) -> None:
        self.progress(self._progress, stage)

    @property
    def current(self) -> tuple[float, str | None]:
        return self._progress, self._stage

    def finish_in(self, session: Session, result: dict) -> None:
        """Mark the job done in ``session``'s transaction, with the work's last writes (all or nothing)."""
        if not service.finish(session, self.job.id, self.worker.owner, result):
            raise LeaseLost(self.job.id)
        self.finished = True


Handler = Callable[[JobContext], dict]


class Worker:
    def __init__(self, engine: Engine, settings: config.Settings | None = None, *,
                 handlers: dict[str, Handler] | None = None, owner: str | None = None,
                 lease_seconds: float = LEASE_SECONDS, tick_seconds: float = TICK_SECONDS,
                 poll_seconds: float = POLL_SECONDS) -> None:
        self.engine = engine
        self.home = Path((settings or config.get_settings()).home)
        if handlers is None:
            from jiuzhu.jobs.kinds import HANDLERS

            handlers = HANDLERS
        self.handlers = handlers
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease_seconds, self.tick_seconds, self.poll_seconds = lease_seconds, tick_seconds, poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ the thread

    def start(self) -> Worker:
        self._thread = threading.Thread(target=self._loop, name=f"jiuzhu-worker-{self.owner}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Take no new job. A job still running goes on until the process ends; its lease then runs out and the
        next server resumes it (docs/jobs.md)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ran = self.run_once()
            except Exception:  # the database away for a moment: log it, look again later
                log.exception("the job worker could not claim a job")
                ran = None
            if ran is None:
                self._stop.wait(self.poll_seconds)

    # ------------------------------------------------------------------ one job

    def run_once(self) -> int | None:
        """Claim one job and run it to its end; its id, or None when there was none."""
        job = service.claim(self.engine, self.owner, self.lease_seconds)
        if job is None:
            return None
        self.run(job)
        return job.id

    def run(self, job: ClaimedJob) -> None:
        ctx = JobContext(self, job)
        done = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(ctx, done), name=f"jiuzhu-heartbeat-{job.id}",
                                daemon=True)
        beat.start()
        try:
            with use_language(job.language or "zh"):
                self._execute(ctx)
        finally:
            done.set()
            beat.join()
            board.remove(job.id)

    def _execute(self, ctx: JobContext) -> None:
        job = ctx.job
        handler = self.handlers.get(job.kind)
        try:
            if handler is None:
                raise JiuzhuError(t("unknown kind of job '{kind}': use {kinds}", kind=job.kind,
                                    kinds=", ".join(self.handlers)))
            result = handler(ctx)
            if not ctx.finished:
                with session_scope(self.engine) as session:
                    ctx.finish_in(session, result)
        except LeaseLost:
            log.warning("job %s: lease lost to another worker; this run stops", job.id)
        except JiuzhuError as exc:
            service.fail(self.engine, job.id, self.owner, exc.message)
        except Exception:
            log.exception("job %s (%s) failed", job.id, job.kind)
            service.fail(self.engine, job.id, self.owner, t(INTERNAL, id=job.id))

    def _heartbeat(self, ctx: JobContext, done: threading.Event) -> None:
        """Renew the lease and write the progress until the job ends; a refused renewal means the lease is lost."""
        while not done.wait(self.tick_seconds):
            progress, stage = ctx.current
            try:
                if not service.renew(self.engine, ctx.job.id, self.owner, self.lease_seconds, progress=progress,
                                     stage=stage):
                    ctx.lost.set()
                    return
            except (SQLAlchemyError, JiuzhuError):  # SQLite busy past its timeout: try at the next tick
                log.warning("job %s: the heartbeat could not be written; trying again", ctx.job.id)


def start(engine: Engine, settings: config.Settings | None = None, **options) -> Worker:
    """The worker's thread, started (one per server process)."""
    return Worker(engine, settings, **options).start()
