"""申请救助 and 查看进度: the resident's phone pages (no sign-in), and the office's button that issues the link.

The resident, on a link the office sent by SMS (``casework.selfservice``; docs/casework.md "A resident applies on a
phone"):
    GET  /a/{token}      申请救助: who the link is for, the kinds of help (what the rules say may apply marked, no
                         amounts), the papers usually needed as a checklist, the identity check (last 6 characters
                         of the ID number), a contact phone and a short note
    POST /a/{token}      the application: a wrong check or a mistake in the form is said beside its field (the count
                         of wrong checks kept); filed, it goes to the progress page with the receipt number
    GET  /a/r/{token}    查看进度: the receipt number, where the application stands and what comes next, in plain
                         words (masked; nothing about staff); what is missing as a checklist
A link that cannot be used (tampered, expired, used, replaced, locked) is one plain page saying what to do, never an
error trace. 375 px first; the forms carry the anonymous session's CSRF token (as consent's phone pages).

The office (``cases.apply``; the service checks it and the area again), from the household page:
    POST /households/{no}/apply-link   生成申请链接: a page with the link to copy into an SMS, its QR code, expiry
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from jiuzhu.casework import selfservice
from jiuzhu.casework.selfservice import LinkError
from jiuzhu.consent.links import qr_svg
from jiuzhu.db import DatabaseBusy
from jiuzhu.errors import JiuzhuError, NotFoundError
from jiuzhu.i18n import N_, t
from jiuzhu.web import glue
from jiuzhu.web.frame import FormList, FormText, Page, anonymous_page, csrf_checked, menu
from jiuzhu.web.pages import consent as consent_pages
from jiuzhu.web.render import render

router = APIRouter()
# a writing transaction even for a GET: opening a link records that it was opened (and its audit row)
WriteDb = consent_pages.WriteDb
MenuPage = Annotated[Page, Depends(menu("households"))]

CLOSED_TITLE = N_("This link cannot be used")
NO_PROGRESS_TITLE = N_("Application not found")
ENTER_ID_CHECK = N_("enter the last {chars} characters of the ID number")


def closed(request: Request, message: str, *, status_code: int, title: str = CLOSED_TITLE, done: bool = False,
           progress_url: str | None = None):
    anonymous_page(request)
    return render(request, "resident/closed.html", status_code=status_code, title=t(title), message=message,
                  done=done, progress_url=progress_url)


def _closed(request: Request, exc: LinkError):
    progress = f"/a/r/{exc.progress_token}" if exc.progress_token else None
    return closed(request, exc.message, status_code=404 if exc.code == "tampered" else 410,
                  done=exc.code == "used", progress_url=progress)


def _form(request: Request, shown, *, values: dict, error: str | None = None, field: str | None = None,
          status_code: int = 200):
    anonymous_page(request)
    return render(request, "resident/apply.html", status_code=status_code, shown=shown, values=values,
                  error=error, error_field=field, token_path=request.url.path, id_chars=selfservice.ID_CHECK_CHARS)


@router.get("/a/{token}", name="resident_apply")
def apply_page(request: Request, token: str, session: WriteDb):
    try:
        shown = selfservice.open_link(session, token)
    except LinkError as exc:
        return _closed(request, exc)
    return _form(request, shown, values={"programmes": [], "phone": "", "note": ""})


@router.post("/a/{token}", dependencies=[Depends(csrf_checked)])
def apply_submit(request: Request, token: str, session: WriteDb, id_check: FormText = "",
                 programmes: FormList = None, phone: FormText = "", note: FormText = ""):
    values = {"programmes": [p[:40] for p in (programmes or [])][:20], "phone": phone[:40], "note": note[:20_000]}
    try:
        if not id_check.strip():  # not a wrong check: asked again
            return _form(request, selfservice.open_link(session, token), values=values, field="id_check",
                         error=t(ENTER_ID_CHECK, chars=selfservice.ID_CHECK_CHARS), status_code=400)
        if not values["programmes"]:  # the first step: who it is, then the choices with the rules' hints
            checked = selfservice.confirm(session, token, id_check)
            if checked.done:
                return _form(request, selfservice.open_link(session, token, verified=True),
                             values=values | {"id_check": id_check.strip()[:20]})
            return _wrong_check(request, session, token, values, checked)
        try:
            with session.begin_nested():  # a refused form leaves nothing of the application behind
                done = selfservice.submit(session, token, identity_check=id_check, programmes=values["programmes"],
                                          phone=values["phone"], note=values["note"],
                                          evidence=consent_pages._evidence(request))  # as consent's phone page
        except (LinkError, DatabaseBusy):
            raise
        except JiuzhuError as exc:
            return _form(request, selfservice.open_link(session, token, verified=True),
                         values=values | {"id_check": id_check.strip()[:20]}, error=exc.message,
                         field=exc.field or "form", status_code=409 if exc.code == "conflict" else 400)
        if not done.done:
            return _wrong_check(request, session, token, values, done)
    except LinkError as exc:
        return _closed(request, exc)
    return RedirectResponse(f"/a/r/{done.progress_token}?done=1", status_code=303)


def _wrong_check(request: Request, session, token: str, values: dict, answer: selfservice.Submitted):
    """An identity check that did not pass: asked again beside its field, or the link closed at the limit (the
    count is kept: this transaction commits)."""
    if answer.locked:
        return closed(request, answer.message, status_code=410)
    return _form(request, selfservice.open_link(session, token), values=values, error=answer.message,
                 field="id_check", status_code=400)


@router.get("/a/r/{token}", name="resident_progress")
def progress_page(request: Request, token: str, session: glue.Db, done: int = 0):
    try:
        shown = selfservice.progress(session, token)
    except NotFoundError as exc:
        return closed(request, exc.message, status_code=404, title=NO_PROGRESS_TITLE)
    anonymous_page(request)
    return render(request, "resident/progress.html", shown=shown, done=bool(done))


@router.post("/households/{household_no}/apply-link", dependencies=[Depends(csrf_checked)])
def issue_link(request: Request, household_no: str, page: MenuPage, session: glue.Db, member: FormText = "",
               hours: FormText = ""):
    """生成申请链接: the link to copy into an SMS (nothing is sent from here), its QR code and expiry; a refusal
    (no such member, hours out of range) is said on the same page."""
    try:
        wanted = int(hours) if hours.strip() else selfservice.LINK_HOURS
    except ValueError:
        wanted = 0  # refused by the service, with the range
    try:
        issued = selfservice.issue_link(session, page.principal, household_no, base_url=str(request.base_url),
                                        hours=wanted, member=member.strip()[:40] or None)
    except JiuzhuError as exc:
        consent_pages._on_tab_or_raise(session, exc)  # not allowed, not found, busy: the error edge's pages
        return render(request, "resident/issued.html", status_code=400, household_no=household_no, issued=None,
                      error=exc.message)
    return render(request, "resident/issued.html", household_no=household_no, issued=issued,
                  qr=qr_svg(issued.url), error=None)
