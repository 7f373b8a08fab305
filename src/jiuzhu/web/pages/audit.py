"""审计: the audit log for auditors (``audit.service.browse``: READ_AUDIT, the rows of the account's area only,
newest first), filtered by who, what, the subject and the dates; 共 N 条 and pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from jiuzhu import paging
from jiuzhu.audit import service as audit
from jiuzhu.clock import local_day_start
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import t
from jiuzhu.web import glue
from jiuzhu.web.frame import Page, menu
from jiuzhu.web.render import partial, render

router = APIRouter()
MenuPage = Annotated[Page, Depends(menu("audit"))]  # signed in, and the role may use the page
PER_PAGE = 50


def _date(text: str | None, field: str) -> dt.date | None:
    if not text or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise JiuzhuError(t("'{value}' is not a date: write it as YYYY-MM-DD", value=text), field=field) from None


def _day_start(day: dt.date | None) -> dt.datetime | None:
    """A date typed here is the bureau's day, as the rows' times are shown (the service's dates are UTC days)."""
    return local_day_start(day) if day is not None else None


def _day_end(day: dt.date | None) -> dt.datetime | None:
    return local_day_start(day + dt.timedelta(days=1)) - dt.timedelta(microseconds=1) if day is not None else None


@router.get("/audit", name="audit")
def audit_log(request: Request, page: MenuPage, session: glue.Db,
              actor: str | None = None, action: str | None = None, subject: str | None = None,
              since: str | None = None, until: str | None = None, p: int = 1):
    query = {k: v.strip() for k, v in {"actor": actor, "action": action, "subject": subject, "since": since,
                                       "until": until}.items() if v and v.strip()}
    error, found = None, None
    try:
        found = audit.browse(session, page.principal, actor=query.get("actor"), action=query.get("action"),
                             subject=query.get("subject"), since=_day_start(_date(since, "since")),
                             until=_day_end(_date(until, "until")), page=max(p, 1), per_page=PER_PAGE)
    except JiuzhuError as exc:
        error = exc
    pages = paging.pager(found.page, found.total, found.per_page) if found is not None else []
    context = dict(query=query, found=found, error=error, pages=pages, action_title=audit.action_title)
    if partial(request) and request.headers.get("HX-Target") == "audit-results":
        return render(request, "audit/_results.html", **context)
    return render(request, "audit/audit.html", **context)
