"""审核审批: the cases of the account's area by state and by time-limit status (breached first), one case's page
(一户一档 style: its state, time limits with due dates, the proposal, the actions the role may take now, the
timeline: who, when, why) and the 公示 list. Thin: ``casework.views`` reads (scoped, masked, audited),
``casework.actions.act`` does (it checks the permission, the state and the version again)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from jiuzhu import paging
from jiuzhu.access import Permission
from jiuzhu.api.errors import status_of
from jiuzhu.casework import actions, limits, machine, selfservice, views, words
from jiuzhu.errors import ForbiddenError, JiuzhuError, NotFoundError
from jiuzhu.i18n import N_, t
from jiuzhu.registry import search
from jiuzhu.web import glue
from jiuzhu.web.frame import FormText, Page, csrf_checked, menu
from jiuzhu.web.render import render

router = APIRouter()
MenuPage = Annotated[Page, Depends(menu("cases"))]  # signed in, and the role may read cases
PER_PAGE = 20
TIME_TAGS = {"breached": "bad", "at_risk": "warn", "on_track": "ok", "unknown": "plain", "met": "ok"}
STATE_TAGS = {"rejected": "bad", "closed": "plain", "approved": "ok", "enrolled": "ok", "publicity": "info",
              "incomplete": "warn", "reinvestigation": "warn"}
# The machine's next steps as the forms of the page: (form, permission). ``check`` answers both accept and
# ask_missing (an empty list of missing papers accepts); a review's keep/adjust/stop is one ``decide`` form.
FORMS = {"accept": "check", "ask_missing": "check", "resubmit": "resubmit", "authorize": "authorize",
         "verify": "verify", "visit": "visit", "propose": "propose", "publish": "publish", "object": "object",
         "approve": "approve", "reject": "reject", "enrol": "enrol", "notify": "notify", "keep": "decide",
         "adjust": "decide", "stop": "decide", "enact": "enact"}
DECIDING = {"approve", "reject", "decide"}
FORM_TITLES = {"check": N_("Completeness check"), "resubmit": N_("Missing papers handed in"),
               "authorize": N_("Check every member's authorization"), "verify": N_("Verification"),
               "visit": N_("Home visit (two staff)"), "propose": N_("Propose the decision"),
               "publish": N_("Post for public notice (7 days)"), "object": N_("Record an objection"),
               "approve": N_("Approve, with written reasons"), "reject": N_("Reject, with written reasons"),
               "enrol": N_("Enrol from next month"), "notify": N_("Send the notice to the resident"),
               "decide": N_("Decide the review, with written reasons"), "enact": N_("Change the enrolments")}
OUTCOMES = [("keep", N_("continue")), ("adjust", N_("adjust")), ("stop", N_("stop"))]


def _forms(page: Page, case: views.CaseView) -> list[str]:
    """The forms of the actions the case's state allows and the role may take."""
    out = []
    for action in case.allowed:
        form = FORMS.get(action)
        need = Permission.DECIDE if form in DECIDING else Permission.HANDLE_CASES
        if form and form not in out and page.can(need):
            out.append(form)
    return out


@router.get("/cases", name="cases")
def worklist(request: Request, page: MenuPage, session: glue.Db, state: str = "", status: str = "",
             kind: str = "", closed: bool = False, area: str = "", household_no: str = "", p: int = 1):
    state, status, kind = state.strip()[:40], status.strip()[:40], kind.strip()[:40]
    area, household_no = area.strip()[:12], household_no.strip()[:40]
    error, found = None, None
    p = min(max(p, 1), 1_000_000)
    try:  # filtered, sorted, counted and paged in SQL; a word or an area the service refuses is shown by the form
        state, status = (words.parse_state(state) if state else ""), (words.parse_status(status) if status else "")
        kind = words.parse_kind(kind) if kind else ""
        found = views.worklist(session, page.principal, state=state or None, status=status or None,
                               kind=kind or None, include_closed=closed, area=area or None,
                               household_no=household_no or None, page=p, per_page=PER_PAGE)
    except JiuzhuError as exc:
        error = exc
    query = {k: v for k, v in {"state": state, "status": status, "kind": kind, "closed": "1" if closed else "",
                               "area": area, "household_no": household_no}.items() if v}
    rows, total = (found.items, found.total) if found else ([], 0)
    counts = found.counts if found else dict.fromkeys(limits.ORDER, 0)
    export = {"state": state, "status": status, "kind": kind, "include_closed": "true" if closed else "",
              "area": area, "household_no": household_no}
    return render(request, "cases/list.html", rows=rows, total=total, counts=counts, query=query,
                  export_href=_export_href(page, "cases", export),
                  error=error, page_no=p, pages=paging.pager(p, total, PER_PAGE), tags=TIME_TAGS,
                  state_tags=STATE_TAGS, states=list(machine.STATE_TITLES.items()),
                  statuses=[(s, t(limits.STATUS_TITLES[s])) for s in limits.ORDER],
                  areas=[a for a in search.list_areas(session, page.principal) if a["households"]])


@router.get("/cases/{case_no}", name="case")
def show(request: Request, case_no: str, page: MenuPage, session: glue.Db):
    case = views.case_view(session, page.principal, case_no[:30])
    return _case_page(request, page, case, contact=_contact(session, page, case))


def _contact(session, page: Page, case: views.CaseView) -> selfservice.Contact | None:
    """The phone and note a resident left when applying through a link (to call back on); None otherwise."""
    if not case.application_no:
        return None
    try:
        return selfservice.resident_contact(session, page.principal, case.application_no)
    except NotFoundError:  # not filed through a link
        return None


def _case_page(request: Request, page: Page, case: views.CaseView, *, action: str = "",
               error: JiuzhuError | None = None, values: dict | None = None, status: int = 200,
               contact: selfservice.Contact | None = None):
    return render(request, "cases/case.html", status_code=status, case=case, forms=_forms(page, case), contact=contact,
                  form_titles=FORM_TITLES, outcomes=OUTCOMES, tags=TIME_TAGS, state_tags=STATE_TAGS,
                  failed_action=action, error=error, values=values or {},
                  action_title=machine.action_title)


@router.post("/cases/{case_no}/actions/{action}", dependencies=[Depends(csrf_checked)])
def act(request: Request, case_no: str, action: str, page: MenuPage, session: glue.Db,
        expected_version: FormText = "", missing: FormText = "", staff_1: FormText = "", staff_2: FormText = "",
        note: FormText = "", visited_on: FormText = "", verification_id: FormText = "", objection: FormText = "",
        raised_by: FormText = "", reasons: FormText = "", outcome: FormText = ""):
    """One action of the case page's forms; a refusal shows the case again with the message beside the form."""
    case_no = case_no[:30]
    values = {"missing": missing, "staff_1": staff_1, "staff_2": staff_2, "note": note, "visited_on": visited_on,
              "verification_id": verification_id, "objection": objection, "raised_by": raised_by,
              "reasons": reasons, "outcome": outcome}
    try:
        fields = _fields(action, values)
        with session.begin_nested():  # a refusal leaves nothing half-written
            actions.act(session, page.principal, case_no, action, expected_version=_int(expected_version),
                        **fields)
    except (ForbiddenError, NotFoundError):
        raise
    except JiuzhuError as exc:
        return _case_page(request, page, views.view(session, _case(session, page, case_no)), action=action,
                          error=exc, values=values, status=status_of(exc))
    return RedirectResponse(f"/cases/{case_no}#timeline", status_code=303)


def _case(session, page: Page, case_no: str):
    from jiuzhu.casework import service

    return service.get_case(session, page.principal, case_no)


def _int(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("；", "\n").replace(";", "\n").splitlines() if line.strip()]


def _fields(action: str, v: dict) -> dict:
    """The form's fields as the action takes them (the service refuses what is missing or wrong, naming it)."""
    if action == "check":
        return {"missing": _lines(v["missing"]) or None}
    if action == "visit":
        day = None
        if v["visited_on"].strip():
            try:
                day = dt.date.fromisoformat(v["visited_on"].strip())
            except ValueError:
                raise JiuzhuError(t("'{value}' is not a date: type YYYY-MM-DD", value=v["visited_on"][:20]),
                                  field="visited_on") from None
        staff = [s.strip() for s in (v["staff_1"], v["staff_2"]) if s.strip()]
        return {"staff": staff or None, "note": v["note"].strip() or None, "visited_on": day}
    if action == "verify":
        if not v["verification_id"].strip().isdigit():
            raise JiuzhuError(t("type the verification's number (digits)"), field="verification_id")
        return {"verification_id": int(v["verification_id"])}
    if action == "propose":
        return {"note": v["note"].strip() or None}
    if action == "object":
        return {"objection": v["objection"].strip() or None, "raised_by": v["raised_by"].strip() or None}
    if action in ("approve", "reject"):
        return {"reasons": v["reasons"].strip() or None}
    if action == "decide":
        return {"outcome": v["outcome"] or None, "reasons": v["reasons"].strip() or None}
    return {}


@router.get("/publicity", name="publicity")
def publicity(request: Request, page: MenuPage, session: glue.Db, p: int = 1):
    rows = views.publicity(session, page.principal)
    p = max(p, 1)
    shown = rows[paging.first_row(p, PER_PAGE):paging.first_row(p, PER_PAGE) + PER_PAGE]
    # an objection takes a case off the posting and back to investigation: those cases are listed below it
    objected = views.worklist(session, page.principal, state="reinvestigation", per_page=views.MAX_PER_PAGE).items
    return render(request, "cases/publicity.html", rows=shown, total=len(rows), page_no=p,
                  export_href=_export_href(page, "publicity", {}),
                  pages=paging.pager(p, len(rows), PER_PAGE), objected=objected, tags=TIME_TAGS)


def _export_href(page: Page, which: str, filters: dict) -> str | None:
    """导出Excel: the API's download of the list with the page's filters (the session signs it), for a role that
    may export personal data (registry.export); None hides the button."""
    if not page.can(Permission.EXPORT):
        return None
    query = urlencode({k: v for k, v in filters.items() if v})
    return f"/api/v1/exports/{which}" + (f"?{query}" if query else "")
