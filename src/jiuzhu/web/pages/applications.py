"""申请受理: an application on a phone page (a community worker 帮代办, or the office with the resident), several
programmes at once (一件事一次办); the receipt with its number and what is missing as a checklist; and 发起申请 from a
应享未享 entry in one click. Everything goes through ``casework.applications`` (it checks the permission and the
area, evaluates the household and opens the case); a refused input is shown beside its field."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from jiuzhu import paging
from jiuzhu.access import Permission
from jiuzhu.casework import applications, views
from jiuzhu.casework.words import CHANNEL_TITLES
from jiuzhu.errors import ForbiddenError, JiuzhuError, NotFoundError
from jiuzhu.registry.codes import Programme
from jiuzhu.web import glue
from jiuzhu.web.frame import FormList, FormText, Page, csrf_checked, menu, signed_in
from jiuzhu.web.render import render

router = APIRouter()
MenuPage = Annotated[Page, Depends(menu("applications"))]  # signed in, and the role may file (APPLY)
SignedIn = Annotated[Page, Depends(signed_in)]
CasesPage = Annotated[Page, Depends(menu("cases"))]  # who reads cases reads the applications list (under 审核审批)
# the channels staff choose on the form: an outreach application comes from its 应享未享 entry, a resident's from
# the resident's own link (casework.selfservice)
STAFF_CHANNELS = ("phone", "office", "proxy")
PER_PAGE = 20
STATUS_TAGS = {"eligible": "ok", "not_eligible": "bad", "needs_information": "warn"}


def _form(request: Request, page: Page, *, values: dict, error: JiuzhuError | None = None, status: int = 200):
    channels = [(c, CHANNEL_TITLES[c]) for c in STAFF_CHANNELS]
    return render(request, "applications/new.html", status_code=status, values=values, error=error,
                  programmes=[(p.value, p.words()) for p in Programme], channels=channels)


@router.get("/applications", name="applications")
def application_list(request: Request, page: CasesPage, session: glue.Db, area: str = "", household_no: str = "",
                     p: int = 1):
    """The applications of the account's area, newest first, with their case's state (共 N 条, pages, 导出Excel)."""
    area, household_no, p = area.strip()[:12], household_no.strip()[:40], min(max(p, 1), 1_000_000)
    query = {k: v for k, v in {"area": area, "household_no": household_no}.items() if v}
    error, found = None, None
    try:
        found = views.applications_list(session, page.principal, area=area or None,
                                        household_no=household_no or None, page=p, per_page=PER_PAGE)
    except JiuzhuError as exc:  # an area outside the account's: beside the form
        error = exc
    total = found.total if found else 0
    export_href = (f"/api/v1/exports/applications?{urlencode(query)}".rstrip("?")
                   if page.can(Permission.EXPORT) else None)
    return render(request, "applications/list.html", rows=found.items if found else [], total=total,
                  query=query, error=error, page_no=p, pages=paging.pager(p, total, PER_PAGE),
                  export_href=export_href, channel_titles=CHANNEL_TITLES)


@router.get("/applications/new", name="new_application")
def new_application(request: Request, page: MenuPage, household_no: str = ""):
    default = "proxy" if page.principal.role == "community_worker" else "office"
    return _form(request, page, values={"household_no": household_no[:40], "programmes": [], "channel": default,
                                        "filed_for": "", "month": ""})


@router.post("/applications", dependencies=[Depends(csrf_checked)])
def file_application(request: Request, page: MenuPage, session: glue.Db, household_no: FormText = "",
                     programmes: FormList = None, channel: FormText = "office", filed_for: FormText = "",
                     month: FormText = ""):
    values = {"household_no": household_no.strip()[:40], "programmes": programmes or [], "channel": channel,
              "filed_for": filed_for.strip()[:60], "month": month.strip()[:7]}
    try:
        with session.begin_nested():  # a refusal leaves nothing half-written
            app, _ = applications.file(session, page.principal, household_no=values["household_no"],
                                       programmes=values["programmes"], channel=channel,
                                       filed_for=values["filed_for"] or None, month=values["month"] or None)
    except (ForbiddenError, NotFoundError) as exc:
        if isinstance(exc, NotFoundError) and exc.field in (None, "household_no", "household"):
            return _form(request, page, values=values, error=_on(exc, "household_no"), status=404)
        raise
    except JiuzhuError as exc:
        return _form(request, page, values=values, error=exc, status=400)
    return RedirectResponse(f"/applications/{app.application_no}", status_code=303)


def _on(exc: JiuzhuError, field: str) -> JiuzhuError:
    exc.field = exc.field or field
    return exc


@router.post("/applications/from-entry/{entry_id}", dependencies=[Depends(csrf_checked)])
def from_entry(entry_id: int, page: SignedIn, session: glue.Db):
    """发起申请 from a 应享未享 card: one click, its household and programme; the entry is marked applied."""
    page.principal.require(Permission.APPLY)
    app, _ = applications.from_entry(session, page.principal, entry_id)
    return RedirectResponse(f"/applications/{app.application_no}", status_code=303)


@router.get("/applications/{application_no}", name="application_receipt")
def receipt(request: Request, application_no: str, page: SignedIn, session: glue.Db):
    """The receipt: its number, the case opened, and per programme what the rules said — what is missing or not
    met as a checklist (the explanation's conditions not passed)."""
    page.active = "applications" if page.can(Permission.APPLY) else "cases"
    view = views.application_view(session, applications.get(session, page.principal, application_no[:30]))
    return render(request, "applications/receipt.html", app=view, tags=STATUS_TAGS,
                  channel_title=CHANNEL_TITLES.get(view.channel, view.channel))
