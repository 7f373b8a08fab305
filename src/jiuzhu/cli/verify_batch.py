"""``jiuzhu verify batch``: the batch verification job (``verify_batch``) run here in the foreground, or taken up
again after its process was killed (``--resume JOB``); its progress, then its summary (docs/verification.md)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import typer

from jiuzhu import config
from jiuzhu.cli.context import ExitCode, open_registry
from jiuzhu.cli.output import add_row, print_json, print_table, say, table
from jiuzhu.db import session_scope
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import t
from jiuzhu.jobs import board, kinds
from jiuzhu.jobs import service as jobs
from jiuzhu.jobs.service import JobView
from jiuzhu.jobs.worker import Worker
from jiuzhu.verification import flows

LEASE_SECONDS = 10.0  # the foreground run's claim: a killed run's batch can be taken up this long after
WAIT_SECONDS = 90.0  # how long --resume waits for the claim of the run before it to run out


def run(*, area: str | None, programme: str | None, purpose: str, ref: str, as_of: dt.date | None,
        limit: int | None, resume: int | None, as_json: bool, wave_size: int = 100) -> None:
    from jiuzhu.cli.verify import _operator

    engine = open_registry()
    if resume is None:
        if not area:
            raise JiuzhuError(t("which area? jiuzhu verify batch --area AREA (or --resume JOB)"), field="area")
        with session_scope(engine) as session:
            job = kinds.submit_verify_batch(session, _operator(), area=area, programme=programme,
                                            purpose_kind=purpose, purpose_ref=ref, as_of=as_of, limit=limit,
                                            wave_size=wave_size)
            flows.load_exchange()  # in the transaction: without sources.toml nothing stays queued
        job_id = job.id
        if not as_json:
            say(t("batch verification job {id} of {area}: asking the departments …", id=job_id, area=job.scope))
    else:
        job_id = resume
    view = _run_here(engine, job_id, as_json=as_json)
    if as_json:
        print_json({"job": view.id, "status": view.status, "error": view.error, **(view.result or {})})
    else:
        _summary(view)
    if view.status != "done":
        raise typer.Exit(ExitCode.REFUSED)
    r = view.result or {}
    if r.get("incomplete") or r.get("blocked") or r.get("failed") or r.get("pending"):
        raise typer.Exit(ExitCode.REJECTED)


def _get(engine, job_id: int) -> JobView:
    from jiuzhu.cli.verify import _operator

    with session_scope(engine, write=False) as session:
        return jobs.get(session, _operator(), job_id)


def _run_here(engine, job_id: int, *, as_json: bool) -> JobView:
    """Claim the job (waiting for an earlier run's claim to run out) and run it in a thread, printing its progress."""
    view = _get(engine, job_id)
    if view.kind != "verify_batch":
        raise JiuzhuError(t("job {id} is not a batch verification", id=job_id), field="resume")
    worker = Worker(engine, config.get_settings(), lease_seconds=LEASE_SECONDS, tick_seconds=1.0)
    deadline = time.monotonic() + WAIT_SECONDS
    while (claimed := jobs.claim(engine, worker.owner, LEASE_SECONDS, only=job_id)) is None:
        view = _get(engine, job_id)
        if view.finished:
            return view
        if time.monotonic() > deadline:
            raise JiuzhuError(t("job {id} is being run by another process; wait for it to end", id=job_id))
        if not as_json:
            say(t("waiting for the earlier run of job {id} to let it go …", id=job_id))
        time.sleep(2.0)
    if claimed.attempts > 1 and not as_json:
        say(t("job {id}: taken up again; households already done are not asked again", id=job_id))
    thread = threading.Thread(target=worker.run, args=(claimed,), name=f"jiuzhu-batch-{job_id}", daemon=True)
    thread.start()
    shown = -1
    while thread.is_alive():
        thread.join(1.0)
        live = board.read(job_id)
        percent = int((live[0] if live else 0.0) * 100)
        if not as_json and live and percent != shown:
            shown = percent
            say(t("job {id}: {percent}% of the households ended", id=job_id, percent=percent))
    return _get(engine, job_id)


def _summary(view: JobView) -> None:
    if view.status != "done":
        say(t("batch verification job {id} {status}: {error}", id=view.id, status=view.status_label,
              error=view.error or "-"))
        return
    r = view.result or {}
    say(t("batch verification job {id}: {households} households — {done} complete, {incomplete} incomplete, "
          "{blocked} blocked (not authorized), {failed} failed; {differences} with differences from their "
          "declaration; {seconds} s", id=view.id, households=r.get("households", 0), done=r.get("done", 0),
          incomplete=r.get("incomplete", 0), blocked=r.get("blocked", 0), failed=r.get("failed", 0),
          differences=r.get("differences", 0), seconds=r.get("seconds", 0)))
    sources = table(t("requests per source"), [(t("source"), False), (t("requests"), True), (t("answered"), True),
                                                (t("failed"), True), (t("retried"), True), (t("rate limited"), True)])
    for name, s in (r.get("per_source") or {}).items():
        add_row(sources, name, str(s.get("requests", 0)), str(s.get("answered", 0)), str(s.get("failed", 0)),
                str(s.get("retried", 0)), str(s.get("rate_limited", 0)))
    print_table(sources, t("no source was asked"))
