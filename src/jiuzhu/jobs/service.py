"""Jobs in the database: submit, read and list them for a principal; the worker's claim, lease and finish.

    submit(session, kind=..., params=..., principal=..., scope=...)   -> JobView (queued)
    get(session, principal, job_id)                                  -> JobView (not found outside the area)
    list_jobs(session, principal, kind=None, status=None, limit=50)  -> [JobView], newest first

The worker's side (each in a short transaction of its own, docs/jobs.md):

    claim(engine, owner, lease_seconds)     -> ClaimedJob | None: one queued job, or a running one whose lease ran
                                               out (its worker died), taken by one atomic UPDATE … WHERE
    renew(engine, job_id, owner, …)         the lease and the progress, while the job runs (False: lease lost)
    finish(session, job_id, owner, result)  done (in the caller's transaction: with the work's own last writes)
    fail(engine, job_id, owner, message)    failed, with one line for the user

A job is visible to the principals whose area covers the job's ``area_code`` (the area it works on); a job of
the whole installation (``area_code`` NULL: the CLI operator's) to none of the area-bound accounts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jiuzhu.access import Permission, Principal
from jiuzhu.audit import service as audit
from jiuzhu.clock import local_text
from jiuzhu.db import session_scope
from jiuzhu.errors import ConflictError, JiuzhuError, NotFoundError
from jiuzhu.i18n import N_, language, t
from jiuzhu.jobs import board
from jiuzhu.jobs.models import DONE, FAILED, QUEUED, RUNNING, STATUSES, Job

# What each kind of job needs of the role that submits it (access.ROLE_PERMISSIONS).
KIND_PERMISSIONS: dict[str, Permission] = {
    "scan": Permission.SCAN,
    "import": Permission.WRITE_REGISTRY,
    "whatif": Permission.WHATIF,
    "verify_batch": Permission.VERIFY,
}
# One at a time per scope: two scans of one area would race for its lists; two batches for its households.
EXCLUSIVE_KINDS = frozenset({"scan", "verify_batch"})
MAX_ATTEMPTS = 3  # a job whose worker died this many times is failed, not taken a fourth time (docs/jobs.md)

KIND_TITLES = {"scan": N_("scan"), "import": N_("import"), "whatif": N_("what-if"),
               "verify_batch": N_("batch verification")}
STATUS_TITLES = {QUEUED: N_("queued"), RUNNING: N_("running"), DONE: N_("done"), FAILED: N_("failed")}
WAITING = N_("waiting for the worker")
STOPPED = N_("stopped")  # the stage of a failed job: it does nothing any more (not "reading the file" …)
FAILED_AT = N_("failed: {reason}")  # what a failed job's stage says, in the reader's language, with its one line
GAVE_UP = N_("the job was interrupted {attempts} times (the server stopped while it ran); it is not tried again: "
             "submit it again")


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives back naive datetimes: every time stored is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class JobView:
    """A job as a face shows it; ``stage`` in the current language."""

    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    progress: float
    stage: str | None
    params: dict
    scope: str | None
    area_code: str | None
    result: dict | None
    error: str | None
    submitted_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    attempts: int

    @property
    def finished(self) -> bool:
        return self.status in (DONE, FAILED)


def view(job: Job) -> JobView:
    progress, stage = job.progress or 0.0, job.stage
    live = board.read(job.id) if job.status == RUNNING else None
    if live is not None:  # this process runs it: fresher than the row (on SQLite a long import holds the writes)
        progress, stage = max(progress, live[0]), live[1] or stage
    return JobView(id=job.id, kind=job.kind, kind_label=t(KIND_TITLES.get(job.kind, job.kind)), status=job.status,
                   status_label=t(STATUS_TITLES[job.status]), progress=round(min(max(progress, 0.0), 1.0), 4),
                   stage=stage_text(job.status, stage, job.error), params=public_params(job.params), scope=job.scope,
                   area_code=job.area_code, result=job.result, error=job.error, submitted_by=job.submitted_by,
                   created_at=_utc(job.created_at), started_at=_utc(job.started_at),
                   finished_at=_utc(job.finished_at), attempts=job.attempts or 0)


def stage_text(status: str, stage: str | None, error: str | None) -> str | None:
    """What the job is doing, in the reader's language. A failed job says so, and why in its one line — never the
    stage it was in when it failed ("reading the file" after the file was refused); a job failed before this was
    written (its row's stage still the last one) reads the same."""
    if status == FAILED:
        return t(FAILED_AT, reason=error.splitlines()[0] if error else t(STOPPED))
    return t(stage) if stage else None


def public_params(params: dict | None) -> dict:
    """The parameters a user may see (the worker's own, such as where an upload is kept, start with ``_``)."""
    return {k: v for k, v in (params or {}).items() if not k.startswith("_")}


# --------------------------------------------------------------------------- the faces' side


def submit(session: Session, *, kind: str, params: dict, principal: Principal, scope: str | None = None) -> JobView:
    """Queue a job of ``kind`` for ``principal`` on ``scope`` (an area inside the principal's; default: the
    principal's own area). A scan while another scan of the same scope is queued or running is refused
    (ConflictError naming that job)."""
    if kind not in KIND_PERMISSIONS:
        raise JiuzhuError(t("unknown kind of job '{kind}': use {kinds}", kind=kind,
                            kinds=", ".join(KIND_PERMISSIONS)), field="kind")
    principal.require(KIND_PERMISSIONS[kind])
    scope = scope or principal.area_code
    if scope is not None and not principal.covers(scope):
        principal.require_area(scope)
    if scope is None and principal.role is not None:  # an account is always bound to an area
        principal.require_area(scope)
    key = f"{kind}:{scope or '*'}" if kind in EXCLUSIVE_KINDS else None
    if key is not None:
        _refuse_second(session, kind, key)
    job = Job(kind=kind, params=dict(params), scope=scope, status=QUEUED, progress=0.0, stage=WAITING,
              submitted_by=principal.username, area_code=scope, language=language(), created_at=now(), attempts=0,
              exclusive_key=key)
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError:  # another request queued the same scan between the check and the insert
        _refuse_second(session, kind, key)
        raise
    audit.append(session, actor=principal.username, action="job.submit", subject=f"job:{job.id}",
                 area_code=scope, detail={"kind": kind, **public_params(params)})
    return view(job)


def _refuse_second(session: Session, kind: str, key: str) -> None:
    running = session.scalar(select(Job).where(Job.exclusive_key == key))
    if running is not None:
        raise ConflictError(t(
            "a {kind} of {scope} is already {status} (job {id}, submitted by {user} at {at}): wait for it to "
            "finish, then submit again", kind=t(KIND_TITLES[kind]), scope=running.scope or t("the whole registry"),
            status=t(STATUS_TITLES[running.status]), id=running.id, user=running.submitted_by,
            at=local_text(_utc(running.created_at))), field="scope")


def get(session: Session, principal: Principal, job_id: int) -> JobView:
    """The job, if the principal's area covers it; else "not found" (a job id outside the area reveals nothing)."""
    job = session.get(Job, job_id)
    if job is None or not principal.covers(job.area_code) or not may_see(principal, job.kind):
        raise NotFoundError(t("job {id} not found", id=job_id))
    return view(job)


def may_see(principal: Principal, kind: str) -> bool:
    """Whether the principal's role may see a job of ``kind``: whoever may submit it, and (a scan) whoever reads
    the worklists it makes."""
    needed = KIND_PERMISSIONS.get(kind)
    return needed is None or principal.can(needed) or (kind == "scan" and principal.can(Permission.READ_WORKLISTS))


def list_jobs(session: Session, principal: Principal, *, kind: str | None = None, status: str | None = None,
              limit: int = 50) -> list[JobView]:
    """The jobs inside the principal's area, newest first."""
    kinds = [k for k in KIND_PERMISSIONS if may_see(principal, k)]
    query = select(Job).where(principal.area_clause(Job.area_code), Job.kind.in_(kinds))
    if kind is not None:
        query = query.where(Job.kind == kind)
    if status is not None:
        if status not in STATUSES:
            raise JiuzhuError(t("unknown status '{status}': use {statuses}", status=status,
                                statuses=", ".join(STATUSES)), field="status")
        query = query.where(Job.status == status)
    return [view(j) for j in session.scalars(query.order_by(Job.id.desc()).limit(max(1, min(limit, 500))))]


# --------------------------------------------------------------------------- the worker's side


@dataclass(frozen=True)
class ClaimedJob:
    """What the worker needs of a job it holds the lease of."""

    id: int
    kind: str
    params: dict
    scope: str | None
    area_code: str | None
    submitted_by: str
    language: str
    attempts: int  # this claim included: 1 the first time, more when resumed after a worker died
    first_started: dt.datetime
    extra: dict = field(default_factory=dict)


def _claimable(at: dt.datetime):
    return or_(Job.status == QUEUED, and_(Job.status == RUNNING, Job.lease_until < at))


def claim(engine: Engine, owner: str, lease_seconds: float, only: int | None = None) -> ClaimedJob | None:
    """Take the oldest job nobody holds (``only``: that job, if nobody holds it): queued, or running with a lease
    that ran out (its worker died). The
    UPDATE repeats the condition, so of two workers racing for one job exactly one changes its row (SQLite:
    the write lock orders them; PostgreSQL: the second waits for the first's row lock, then finds the
    condition false). A job whose workers died ``MAX_ATTEMPTS`` times is failed instead."""
    while True:
        at = now()
        with session_scope(engine) as session:
            query = select(Job.id).where(_claimable(at)).order_by(Job.id).limit(1)
            if only is not None:
                query = query.where(Job.id == only)
            job_id = session.scalar(query)
            if job_id is None:
                return None
            job = session.get(Job, job_id)
            if job.status == RUNNING and (job.attempts or 0) >= MAX_ATTEMPTS:
                _give_up(session, job, at)
                continue
            taken = session.execute(
                update(Job).where(Job.id == job_id, _claimable(at)).values(
                    status=RUNNING, lease_owner=owner, lease_until=at + dt.timedelta(seconds=lease_seconds),
                    attempts=Job.attempts + 1, started_at=job.started_at or at)
                .execution_options(synchronize_session=False)).rowcount
            if taken != 1:
                continue  # another worker was quicker: look again
            session.refresh(job)
            return ClaimedJob(id=job.id, kind=job.kind, params=dict(job.params or {}), scope=job.scope,
                              area_code=job.area_code, submitted_by=job.submitted_by, language=job.language,
                              attempts=job.attempts, first_started=_utc(job.started_at))


def _give_up(session: Session, job: Job, at: dt.datetime) -> None:
    from jiuzhu.i18n import use_language

    with use_language(job.language or "zh"):
        message = t(GAVE_UP, attempts=job.attempts)
    session.execute(update(Job).where(Job.id == job.id, Job.status == RUNNING).values(
        status=FAILED, error=message, stage=STOPPED, finished_at=at, lease_owner=None, lease_until=None,
        exclusive_key=None))
    if job.kind == "verify_batch":  # its households still pending are failed too (their verifications freed)
        from jiuzhu.verification.batch_service import fail_pending

        fail_pending(session, job.id, message)


def holds(session: Session, job_id: int, owner: str) -> bool:
    """Whether ``owner`` still holds the job (read in the caller's transaction: a batch's wave writes nothing
    once its job was taken by another worker)."""
    return session.scalar(select(Job.id).where(Job.id == job_id, Job.lease_owner == owner,
                                               Job.status == RUNNING)) is not None


def renew(engine: Engine, job_id: int, owner: str, lease_seconds: float, *, progress: float | None = None,
          stage: str | None = None) -> bool:
    """Extend the lease (and write the progress) of a job this worker holds; False if it holds it no more."""
    values: dict[str, Any] = {"lease_until": now() + dt.timedelta(seconds=lease_seconds)}
    if progress is not None:
        values["progress"] = min(max(float(progress), 0.0), 1.0)
    if stage is not None:
        values["stage"] = stage
    with session_scope(engine) as session:
        return session.execute(update(Job).where(Job.id == job_id, Job.lease_owner == owner, Job.status == RUNNING)
                               .values(**values).execution_options(synchronize_session=False)).rowcount == 1


def finish(session: Session, job_id: int, owner: str, result: dict) -> bool:
    """Mark the job done with ``result``, in the caller's transaction (so that a job's last writes and its
    "done" are committed together, or neither); False if this worker no longer holds the job."""
    return session.execute(update(Job).where(Job.id == job_id, Job.lease_owner == owner, Job.status == RUNNING)
                           .values(status=DONE, progress=1.0, result=result, error=None, finished_at=now(),
                                   lease_owner=None, lease_until=None, exclusive_key=None)
                           .execution_options(synchronize_session=False)).rowcount == 1


def fail(engine: Engine, job_id: int, owner: str, message: str) -> bool:
    """Mark the job failed with ``message`` (one line for the user); False if this worker no longer holds it."""
    with session_scope(engine) as session:
        failed = session.execute(update(Job).where(Job.id == job_id, Job.lease_owner == owner, Job.status == RUNNING)
                                 .values(status=FAILED, error=message, stage=STOPPED, finished_at=now(),
                                         lease_owner=None, lease_until=None, exclusive_key=None)
                                 .execution_options(synchronize_session=False)).rowcount == 1
        if failed and session.scalar(select(Job.kind).where(Job.id == job_id)) == "verify_batch":
            from jiuzhu.verification.batch_service import fail_pending

            fail_pending(session, job_id, message)  # no household left pending, no verification left running
        return failed


def result_of(session: Session, job_id: int) -> dict | None:
    """The stored result of a job (for the worker's resumption of a job finished meanwhile)."""
    return session.scalar(select(Job.result).where(Job.id == job_id))
