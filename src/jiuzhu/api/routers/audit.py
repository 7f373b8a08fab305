"""``GET /api/v1/audit``: the audit log's rows the account may read (auditors; inside their area), newest first."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from jiuzhu.access import Permission, Principal
from jiuzhu.api.deps import DbSession, require
from jiuzhu.api.schemas import ERRORS
from jiuzhu.audit import service as audit
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import N_, t

router = APIRouter(tags=["audit"], responses=ERRORS)
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2999, 12, 31)  # the log holds nothing outside these
DAY_OUT_OF_RANGE = N_("{field}: give a day from {earliest} to {latest}")


# The answer is the service's own page of entries (dataclasses FastAPI reads as they are): one definition of a row.
AuditPage = audit.Page


@router.get("/audit", response_model=AuditPage, summary="Browse the audit log (inside the account's area)")
def browse(
    session: DbSession, who: Annotated[Principal, Depends(require(Permission.READ_AUDIT))],
    actor: Annotated[str | None, Query(max_length=60)] = None,
    action: Annotated[str | None, Query(max_length=30, description="view, history, search, export, change, "
                                                                   "sign_in …")] = None,
    subject: Annotated[str | None, Query(max_length=60, description="part of the subject (a household number)")]
    = None,
    since: Annotated[dt.date | None, Query(description="from this day (UTC)")] = None,
    until: Annotated[dt.date | None, Query(description="to this day, included (UTC)")] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AuditPage:
    for name, day in (("since", since), ("until", until)):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise JiuzhuError(t(DAY_OUT_OF_RANGE, field=name, earliest=EARLIEST, latest=LATEST), field=name)
    found = audit.browse(session, who, actor=actor, action=action, subject=subject, since=since, until=until,
                         page=page, per_page=per_page)
    return found
