"""``/api/v1/jobs``: the long work a request started (a scan, an import, a what-if), its progress and its result.

A page polls ``GET /api/v1/jobs/{id}`` (every second or two) to show the progress live; the job's own routes
(``/scans``, ``/imports``, ``/whatif``) start it and answer 202 with the job. Scope and visibility are the
service's (``jobs.service``): a job is seen inside its area, by the roles that may start it (and, a scan, read
its worklists); elsewhere it is "not found"."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from jiuzhu.access import Principal
from jiuzhu.api.deps import DbSession, require
from jiuzhu.api.schemas import ERRORS
from jiuzhu.jobs import service
from jiuzhu.jobs.service import JobView

router = APIRouter(tags=["jobs"], responses=ERRORS)
SignedIn = Annotated[Principal, Depends(require())]
MAX_ID = 2**62  # an id the database can hold (a larger one is a 422, never a server error)


class JobOut(BaseModel):
    """A job: ``status`` queued → running → done or failed; ``progress`` from 0 to 1; ``stage`` what it is doing
    (in the caller's language); ``result`` when done (by kind: docs/jobs.md); ``error`` one line when failed."""

    id: int
    kind: Literal["scan", "import", "whatif"] | str
    kind_label: str
    status: Literal["queued", "running", "done", "failed"]
    status_label: str
    progress: float = Field(ge=0, le=1)
    stage: str | None
    params: dict[str, Any]
    scope: str | None = Field(description="the area the job works on")
    result: dict[str, Any] | None
    error: str | None
    submitted_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    attempts: int = Field(description="runs so far: more than 1 when a server restart interrupted it")
    url: str = Field(description="where to poll it")


def job_out(job: JobView) -> JobOut:
    return JobOut(id=job.id, kind=job.kind, kind_label=job.kind_label, status=job.status,
                  status_label=job.status_label, progress=job.progress, stage=job.stage, params=job.params,
                  scope=job.scope, result=job.result, error=job.error, submitted_by=job.submitted_by,
                  created_at=job.created_at, started_at=job.started_at, finished_at=job.finished_at,
                  attempts=job.attempts, url=f"/api/v1/jobs/{job.id}")


ACCEPTED = {202: {"model": JobOut, "description": "the job, queued: poll its url"}}


@router.get("/jobs", response_model=list[JobOut], summary="The latest jobs inside the account's area")
def list_jobs(
    session: DbSession, who: SignedIn,
    kind: Annotated[Literal["scan", "import", "whatif"] | None, Query()] = None,
    status: Annotated[Literal["queued", "running", "done", "failed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[JobOut]:
    return [job_out(j) for j in service.list_jobs(session, who, kind=kind, status=status, limit=limit)]


@router.get("/jobs/{job_id}", response_model=JobOut, summary="One job: its status, progress and result")
def read_job(job_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: DbSession, who: SignedIn) -> JobOut:
    return job_out(service.get(session, who, job_id))
