"""政策找人: run a scan of the account's area and watch it; the 应享未享 / 享而不应 worklists of the latest scan (or
the one chosen), per community and ranked as the workbooks rank them — cards on a phone, each with 记录走访结果;
the township workbooks to download. Everything is read through ``discovery.worklists`` (scoped, masked)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from jiuzhu import paging
from jiuzhu.access import Permission
from jiuzhu.clock import today
from jiuzhu.discovery import worklists
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import N_
from jiuzhu.jobs import kinds
from jiuzhu.jobs import service as jobs
from jiuzhu.months import month_of, previous_months
from jiuzhu.registry import search
from jiuzhu.registry.codes import Programme
from jiuzhu.web import glue
from jiuzhu.web.frame import FormText, Page, csrf_checked, menu
from jiuzhu.web.pages.jobs import POLL_SECONDS
from jiuzhu.web.render import partial, render

router = APIRouter()
MenuPage = Annotated[Page, Depends(menu("discovery"))]  # signed in, and the role may use the page
PER_PAGE = 20
LISTS = [("unclaimed", N_("Entitled, not enrolled")), ("ineligible", N_("Enrolled, no longer entitled"))]
RECENT = 5


@router.get("/discovery", name="discovery")
def discovery(request: Request, page: MenuPage, session: glue.Db,
              kind: str = "unclaimed", run: int | None = None, area: str | None = None,
              programme: str | None = None, outcome: str | None = None, p: int = 1):
    kind = kind if kind in dict(LISTS) else "unclaimed"
    query = {k: v for k, v in {"kind": kind, "run": run, "area": area or None, "programme": programme or None,
                               "outcome": outcome or None}.items() if v}
    error, found = None, None
    try:
        found = worklists.list_entries(session, page.principal, kind=kind, run_id=run, area=area or None,
                                       programme=programme or None, outcome=outcome or None, page=max(p, 1),
                                       per_page=PER_PAGE)
    except JiuzhuError as exc:
        error = exc
    context = dict(kind=kind, lists=LISTS, query=query, found=found, error=error,
                   outcomes=list(worklists.OUTCOMES.items()), not_visited=worklists.NOT_VISITED,
                   programmes=[(x.value, x.words()) for x in Programme], pages=_pages(found))
    if partial(request) and request.headers.get("HX-Target") == "worklist":
        return render(request, "discovery/_worklist.html", **context)
    townships = worklists.summary_by_township(session, page.principal, run_id=found.run_id if found else run)
    workbooks = worklists.workbook_townships(session, page.principal, found.run_id) if found and found.run_id \
        else set()
    recent = jobs.list_jobs(session, page.principal, kind="scan", limit=RECENT) if page.can(Permission.SCAN) else []
    return render(request, "discovery/discovery.html", **context, townships=townships, recent=recent,
                  workbooks=workbooks,
                  areas=[a for a in search.list_areas(session, page.principal) if a["households"]],
                  months=[*previous_months(month_of(today()), 24)][::-1],
                  default_month=_default_month(found))


def _default_month(found) -> str:
    """The month to scan first: the month of the scan shown (run again with new data), else last month."""
    return found.month if found is not None and found.month else previous_months(month_of(today()), 1)[0]


def _pages(found) -> list[int]:
    return paging.pager(found.page, found.total, found.per_page) if found is not None else []


@router.post("/discovery/scans", dependencies=[Depends(csrf_checked)])
def start_scan(request: Request, page: MenuPage, session: glue.Db,
               month: FormText, area: FormText = ""):
    try:
        job = kinds.submit_scan(session, page.principal, month=month.strip(), area=area.strip() or None)
    except JiuzhuError as exc:
        if partial(request):
            return render(request, "_error.html", status_code=400, message=exc.message)
        raise
    if partial(request):
        return render(request, "jobs/_job.html", job=job, poll=POLL_SECONDS)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.post("/discovery/entries/{entry_id}/outcome", name="record_outcome", dependencies=[Depends(csrf_checked)])
def record_outcome(request: Request, entry_id: int, page: MenuPage,
                   session: glue.Db, outcome: FormText = "", note: FormText = ""):
    """记录走访结果: the outcome of the visit, who and when (the service stores them and writes the audit row)."""
    try:
        recorded = worklists.record_outcome(session, page.principal, entry_id, outcome=outcome, note=note)
    except JiuzhuError as exc:
        if partial(request):
            return render(request, "discovery/_outcome_form.html", status_code=400, entry_id=entry_id,
                          outcomes=list(worklists.OUTCOMES.items()), error=exc, note=note)
        raise
    if partial(request):
        return render(request, "discovery/_outcome.html", outcome=recorded, just_recorded=True)
    return RedirectResponse("/discovery", status_code=303)
