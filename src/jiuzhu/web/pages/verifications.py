"""核对 on the web: the household page's 核对 tab, one verification's page, and 核对管理.

    GET  /households/{no}?tab=verifications   the household's verifications (newest first) and 发起核对 with its purpose
    POST /households/{no}/verifications       start one (``verification.service.start``); then its page. Members
                                              who have not authorized are said on the tab, pointing to 授权
    GET  /verifications/{id}                  polled every second while it runs (htmx, as ``jobs``): one row per
                                              department's endpoint with its state; once ended the report's summary
                                              (income by category and per person, assets, property, vehicles,
                                              businesses, differences, completeness — 未知 in words, never 0.00),
                                              下载PDF, and 申报 vs 核对 in two columns (``verification.compare``)
    GET  /verifications/{id}/report.pdf       the PDF (each read logged by the service)
    GET  /verifications                       核对管理: the latest verifications of the user's area

Identifiers are masked (the report is stored masked). The services check the permission and the area: a
verification outside it is "not found".
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from jiuzhu.access import Permission
from jiuzhu.clock import today
from jiuzhu.consent.service import Purpose
from jiuzhu.db import DatabaseBusy
from jiuzhu.errors import AuthenticationError, ForbiddenError, JiuzhuError, NotFoundError
from jiuzhu.i18n import N_, language, t
from jiuzhu.verification import compare, service, views
from jiuzhu.verification.service import ConsentRequiredError
from jiuzhu.web import glue
from jiuzhu.web.frame import FormText, Page, csrf_checked, menu
from jiuzhu.web.render import partial, render

router = APIRouter()
MenuPage = Annotated[Page, Depends(menu("verifications"))]
HouseholdPage = Annotated[Page, Depends(menu("households"))]
POLL_SECONDS = 1
RECENT = 100
PURPOSES = [("review", N_("periodic review")), ("application", N_("application")),
            ("spot_check", N_("spot check"))]
STATUS_TAGS = {"queued": "plain", "running": "info", "done": "ok", "incomplete": "warn", "failed": "bad"}
CONSENTS_MISSING = N_("Not every member has authorized this verification yet. Open the Authorization tab, have "
                      "each member sign (in person or by the QR link), then start again.")
BAD_DATE = N_("the as-of date {value} is not a date: write it as YYYY-MM-DD")


def purpose_words(kind: str) -> str:
    return t(dict(PURPOSES).get(kind, kind))


def _common() -> dict:
    return {"purpose_words": purpose_words, "status_tags": STATUS_TAGS, "purposes": PURPOSES}


# --------------------------------------------------------------------------------------------- the household's tab


def tab_context(session: Session, page: Page, household_no: str) -> dict:
    """What the 核对 tab shows: the household's verifications and, for a role that may, the form to start one."""
    return {"verifications": views.for_household(session, page.principal, household_no),
            "can_verify": page.can(Permission.VERIFY), "today": today().isoformat(), **_common()}


def _tab(request: Request, page: Page, session: Session, household_no: str, **extra):
    from jiuzhu.web.pages import households

    return households.show(request, page, session, household_no, tab="verifications", extra=extra)


@router.post("/households/{household_no}/verifications", dependencies=[Depends(csrf_checked)])
def start(request: Request, household_no: str, page: HouseholdPage, session: glue.Db,
          purpose_kind: FormText = "review", purpose_ref: FormText = "", as_of: FormText = ""):
    """发起核对: queued, then its page (polled until it ends). A refusal is said on the tab, nothing kept."""
    form = {"purpose_kind": purpose_kind, "purpose_ref": purpose_ref.strip()[:100], "as_of": as_of.strip()}
    try:
        day = _day(form["as_of"])
        started = service.start(session, page.principal, household_no, Purpose(purpose_kind, form["purpose_ref"]),
                                day)
    except JiuzhuError as exc:
        if isinstance(exc, ForbiddenError | NotFoundError | AuthenticationError | DatabaseBusy):
            raise
        session.rollback()
        missing = isinstance(exc, ConsentRequiredError)
        return _tab(request, page, session, household_no, verify_error=exc.message, consents_missing=missing,
                    verify_form=form)
    return RedirectResponse(f"/verifications/{started.id}", status_code=303)


def _day(text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise JiuzhuError(t(BAD_DATE, value=text), field="as_of") from None


# --------------------------------------------------------------------------------------------- one verification


@router.get("/verifications/{verification_id}", name="verification")
def verification(request: Request, verification_id: int, page: MenuPage, session: glue.Db,
                 month: str | None = None):
    view = service.get(session, page.principal, verification_id)
    context = dict(v=view, rows=views.endpoint_rows(view), poll=POLL_SECONDS, **_common())
    if view.finished and view.status != "failed":
        context.update(_finished(session, page, view, month))
    template = "verifications/_verification.html" if partial(request) else "verifications/verification.html"
    return render(request, template, **context)


def _finished(session: Session, page: Page, view, month: str | None) -> dict:
    from jiuzhu.verification.pdf import LABELS, _View

    report = service.report(session, page.principal, view.id)  # the read, logged
    out = {"report": report, "view": _View(report), "L": {k: t(v) for k, v in LABELS.items()},
           "names": {m["member"]: m["name"] for m in report["members"]},  # masked ID number → name
           "counts": _counts(report), "evaluation": None, "evaluation_error": None}
    if page.can(Permission.EVALUATE):
        try:
            out["evaluation"] = _side_by_side(compare.side_by_side(session, page.principal, view.id, month,
                                                                       log_read=False))
        except JiuzhuError as exc:  # a month the rules do not know …: said where the comparison would be
            if isinstance(exc, ForbiddenError | NotFoundError | DatabaseBusy):
                raise
            out["evaluation_error"] = exc.message
    return out


def _counts(report: dict) -> dict:
    c = report["completeness"]
    return {"endpoints": c["endpoints"], "answered": c["answered"],
            "unknown": c["endpoints"] - c["answered"]}


def _side_by_side(got: dict) -> dict:
    """The two evaluations as rows: one per programme, the declared and the verified side, changed or not."""
    after = {p["programme"]: p for p in got["verified"]["programmes"]}
    changed = {c["programme"] for c in got["changes"]}
    rows = [{"programme": p["programme"], "name": p["name"], "before": p, "after": after.get(p["programme"]),
             "changed": p["programme"] in changed} for p in got["declared"]["programmes"]]
    return {**got, "rows": rows}


@router.get("/verifications/{verification_id}/report.pdf", name="verification_pdf")
def report_pdf(verification_id: int, page: MenuPage, session: glue.Db):
    from urllib.parse import quote

    data, name = views.report_pdf(session, page.principal, verification_id, language())
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=\"report-{verification_id}.pdf\"; "
                                                    f"filename*=UTF-8''{quote(name)}"})


# --------------------------------------------------------------------------------------------- 核对管理


@router.get("/verifications", name="verifications")
def recent(request: Request, page: MenuPage, session: glue.Db, status: str | None = None,
           household_no: str | None = None):
    status = status if status in STATUS_TAGS else None
    household_no = (household_no or "").strip()[:40] or None
    found = views.recent(session, page.principal, limit=RECENT, status=status, household_no=household_no)
    return render(request, "verifications/list.html", found=found, query={"status": status or "",
                                                                          "household_no": household_no or ""},
                  statuses=[(k, service.STATUS_TITLES[k]) for k in STATUS_TAGS], limit=RECENT,
                  can_verify=page.can(Permission.VERIFY), **_common())
