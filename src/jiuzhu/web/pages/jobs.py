"""Long work on a page: a job's progress, polled by htmx every second until it is done, then its report —
台账导入 (the report by row and column, the rejects to download), 政策找人's scan (the lists it found), 政策测算 (cost
and households per programme). The job is read through ``jobs.service.get``: a job outside the account's area is
"not found"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from jiuzhu.jobs import kinds
from jiuzhu.jobs import service as jobs
from jiuzhu.web import glue
from jiuzhu.web.frame import Page, signed_in
from jiuzhu.web.render import partial, render

router = APIRouter()
MENU_OF_KIND = {"import": "imports", "scan": "discovery", "whatif": "whatif"}
POLL_SECONDS = 1


@router.get("/jobs/{job_id}", name="job")
def job(request: Request, job_id: int, page: Annotated[Page, Depends(signed_in)], session: glue.Db):
    view = jobs.get(session, page.principal, job_id)
    page.active = MENU_OF_KIND.get(view.kind, "")
    # 政策测算 by township: its 合计 rows, per programme (they equal the programme table above it)
    totals = kinds.township_totals(view.result) if view.kind == "whatif" and view.result else []
    if partial(request):
        return render(request, "jobs/_job.html", job=view, poll=POLL_SECONDS, township_totals=totals)
    return render(request, "jobs/job.html", job=view, poll=POLL_SECONDS, township_totals=totals)
