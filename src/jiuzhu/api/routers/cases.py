"""``/api/v1/applications``, ``/api/v1/cases``, ``/api/v1/publicity``, ``/api/v1/reviews``: casework
(docs/casework.md). Thin: each route parses, makes one call of ``jiuzhu.casework`` and renders its view; the
services check the permission and the area again, mask identifiers and write the timeline and audit rows.

Every step of a case is ``POST /cases/{no}/actions/{action}`` (``cases.handle``) and every decision ``POST
/cases/{no}/decisions/{decision}`` (``cases.decide``: approve, reject, a review's decide), with the fields it takes
and, from a page, ``expected_version`` (the version the page showed): a case changed meanwhile answers 409."""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask

from jiuzhu import clock
from jiuzhu.access import Permission, Principal
from jiuzhu.api.deps import DbSession, require
from jiuzhu.api.schemas import ERRORS
from jiuzhu.casework import actions, applications, exports, reviews, views
from jiuzhu.files import writable_folder

router = APIRouter(tags=["cases"], responses=ERRORS)
Applicant = Annotated[Principal, Depends(require(Permission.APPLY))]
Reader = Annotated[Principal, Depends(require(Permission.READ_CASES))]
Handler = Annotated[Principal, Depends(require(Permission.HANDLE_CASES))]
Decider = Annotated[Principal, Depends(require(Permission.DECIDE))]
CaseNo = Annotated[str, Path(max_length=30, description="the case's number, C-… or R-…")]
Line = Annotated[str | None, Field(max_length=2000)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewApplication(Body):
    household_no: str = Field(max_length=40)
    programmes: list[Annotated[str, Field(max_length=30)]] = Field(max_length=9, description="一件事一次办")
    channel: Literal["phone", "office", "proxy", "outreach"] = "office"
    filed_for: Annotated[str | None, Field(max_length=60, description="帮代办: the resident (name or ID number)")
                         ] = None
    month: Annotated[str | None, Field(max_length=7, description="the month the rules assess, YYYY-MM")] = None


class FromEntry(Body):
    month: Annotated[str | None, Field(max_length=7)] = None


class Action(Body):
    expected_version: int | None = Field(None, ge=1, description="the version the page showed")
    missing: list[Annotated[str, Field(max_length=200)]] | None = Field(None, max_length=50)
    staff: list[Annotated[str, Field(max_length=60)]] | None = Field(None, max_length=10)
    note: Line = None
    visited_on: dt.date | None = None
    verification_id: int | None = None
    as_of: dt.date | None = Field(None, description="start_verification: the day the departments answer as of")
    objection: Line = None
    raised_by: Annotated[str | None, Field(max_length=60)] = None
    reasons: Line = None
    reason: Annotated[str | None, Field(max_length=200)] = None
    programmes: list[Annotated[str, Field(max_length=30)]] | None = Field(None, max_length=9)
    outcome: Literal["keep", "adjust", "stop"] | None = None
    taper_from: Annotated[str | None, Field(max_length=7)] = None


class NewReview(Body):
    household_no: str = Field(max_length=40)
    month: Annotated[str | None, Field(max_length=7)] = None


@router.post("/applications", status_code=201, response_model=views.ApplicationView,
             summary="File an application for one or several programmes (phone, office, 帮代办); opens its case")
def file_application(body: NewApplication, session: DbSession, who: Applicant) -> views.ApplicationView:
    app, _ = applications.file(session, who, **body.model_dump())
    return views.application_view(session, app)


@router.post("/worklists/entries/{entry_id}/application", status_code=201, response_model=views.ApplicationView,
             summary="Turn a 应享未享 entry into an application in one step (the entry is marked applied)")
def application_from_entry(entry_id: int, body: FromEntry, session: DbSession,
                           who: Applicant) -> views.ApplicationView:
    app, _ = applications.from_entry(session, who, entry_id, month=body.month)
    return views.application_view(session, app)


@router.get("/applications", response_model=list[views.ApplicationSummary],
            summary="Applications of the account's area, newest first, with their case's state (a page)",
            description="``X-Total-Count`` says how many match in all, ``X-Page`` and ``X-Per-Page`` the page; "
            "the resident filed for (帮代办) is masked.")
def list_applications(response: Response, session: DbSession, who: Reader,
                      area: Annotated[str | None, Query(max_length=12)] = None,
                      household_no: Annotated[str | None, Query(max_length=40)] = None,
                      page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
                      per_page: Annotated[int, Query(ge=1, le=views.MAX_PER_PAGE)] = 50
                      ) -> list[views.ApplicationSummary]:
    found = views.applications_list(session, who, area=area, household_no=household_no, page=page,
                                    per_page=per_page)
    _paged(response, found)
    return found.items


def _paged(response: Response, found) -> None:
    response.headers.update({"X-Total-Count": str(found.total), "X-Page": str(found.page),
                             "X-Per-Page": str(found.per_page)})


@router.get("/applications/{application_no}", response_model=views.ApplicationView,
            summary="An application and what the rules said of each programme")
def get_application(application_no: Annotated[str, Path(max_length=30)], session: DbSession,
                    who: Reader) -> views.ApplicationView:
    return views.application_view(session, applications.get(session, who, application_no))


@router.get("/cases", response_model=list[views.CaseSummary],
            summary="Cases by state and by time-limit status (breached, unknown, at risk first), a page of them",
            description="``state``, ``status`` and ``kind`` as people write them: the code, the Chinese or the "
            "English title (公示中, 已超期, 即将超期 …). The body is the page's cases (a list, as before pages); "
            "``X-Total-Count`` says how many match in all (共 N 条), ``X-Page`` and ``X-Per-Page`` the page.")
def list_cases(response: Response, session: DbSession, who: Reader,
               state: Annotated[str | None, Query(max_length=40)] = None,
               status: Annotated[str | None, Query(max_length=40)] = None,
               kind: Annotated[str | None, Query(max_length=40)] = None,
               include_closed: bool = False,
               area: Annotated[str | None, Query(max_length=12)] = None,
               household_no: Annotated[str | None, Query(max_length=40)] = None,
               page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
               per_page: Annotated[int, Query(ge=1, le=views.MAX_PER_PAGE)] = 50) -> list[views.CaseSummary]:
    found = views.worklist(session, who, state=state, status=status, kind=kind, include_closed=include_closed,
                           area=area, household_no=household_no, page=page, per_page=per_page)
    _paged(response, found)
    return found.items


@router.get("/cases/{case_no}", response_model=views.CaseView,
            summary="A case: its state, allowed actions, timeline and time limits")
def get_case(case_no: CaseNo, session: DbSession, who: Reader) -> views.CaseView:
    return views.case_view(session, who, case_no)


@router.post("/cases/{case_no}/actions/{action}", response_model=views.CaseView,
             summary="A step of a case (check, resubmit, authorize, start_verification, verify, visit, propose, "
                     "publish, object, special, enrol, enact, notify)")
def act(case_no: CaseNo, action: Annotated[str, Path(max_length=20)], body: Action, session: DbSession,
        who: Handler) -> views.CaseView:
    return _act(session, who, case_no, action, body, deciding=False)


@router.post("/cases/{case_no}/decisions/{decision}", response_model=views.CaseView,
             summary="A decision with written reasons: approve or reject an application, decide a review (keep, "
                     "adjust, stop)")
def decide(case_no: CaseNo, decision: Annotated[str, Path(max_length=20)], body: Action, session: DbSession,
           who: Decider) -> views.CaseView:
    return _act(session, who, case_no, decision, body, deciding=True)


def _act(session, who: Principal, case_no: str, action: str, body: Action, *, deciding: bool) -> views.CaseView:
    fields = body.model_dump(exclude={"expected_version"})
    case = actions.act(session, who, case_no, action, expected_version=body.expected_version, deciding=deciding,
                       **fields)
    return views.view(session, case)


@router.get("/publicity", response_model=list[views.PublicityEntry],
            summary="The 公示 list: proposed decisions posted, names masked")
def publicity(session: DbSession, who: Reader,
              area: Annotated[str | None, Query(max_length=12)] = None) -> list[views.PublicityEntry]:
    return views.publicity(session, who, area=area)


@router.get("/reviews/due", response_model=list[reviews.ReviewDue],
            summary="Households whose review falls due (12 months if stable, else 6)")
def reviews_due(session: DbSession, who: Reader,
                within_days: Annotated[int, Query(ge=0, le=366)] = 31,
                area: Annotated[str | None, Query(max_length=12, description="a township or village inside the "
                                                  "account's (refused when outside)")] = None,
                ) -> list[reviews.ReviewDue]:
    return reviews.due(session, who, within_days=within_days, area=area)


@router.post("/reviews", status_code=201, response_model=views.CaseView, summary="Open a household's review case")
def open_review(body: NewReview, session: DbSession, who: Handler) -> views.CaseView:
    return views.view(session, reviews.open_review(session, who, body.household_no, month=body.month))


# 导出Excel of each list: the same filters as the list, every row (casework.exports; masked, audited as an export).
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE = {"200": {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}, "description": "the .xlsx"}}
Exporter = Annotated[Principal, Depends(require(Permission.EXPORT))]  # and cases.read (the service)


def _download(request: Request, session, who: Principal, which: str, **filters) -> FileResponse:
    # personal data: written under the home folder (never a shared temporary folder), removed once sent
    folder = writable_folder(request.app.state.settings.home / "tmp" / f"export-{secrets.token_hex(8)}")
    path = folder / f"{which}-{clock.today().isoformat()}.xlsx"
    try:
        exports.export(session, who, which, path, **filters)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(path, media_type=XLSX, filename=path.name,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


@router.get("/exports/cases", response_class=FileResponse, responses={**ERRORS, **FILE},
            summary="导出Excel: the case worklist with its filters, every row")
def export_cases(request: Request, session: DbSession, who: Exporter,
                 state: Annotated[str | None, Query(max_length=40)] = None,
                 status: Annotated[str | None, Query(max_length=40)] = None,
                 kind: Annotated[str | None, Query(max_length=40)] = None,
                 include_closed: bool = False,
                 area: Annotated[str | None, Query(max_length=12)] = None,
                 household_no: Annotated[str | None, Query(max_length=40)] = None) -> FileResponse:
    return _download(request, session, who, "cases", state=state, status=status, kind=kind,
                     include_closed=include_closed, area=area, household_no=household_no)


@router.get("/exports/publicity", response_class=FileResponse, responses={**ERRORS, **FILE},
            summary="导出Excel: the 公示 list")
def export_publicity(request: Request, session: DbSession, who: Exporter,
                     area: Annotated[str | None, Query(max_length=12)] = None) -> FileResponse:
    return _download(request, session, who, "publicity", area=area)


@router.get("/exports/applications", response_class=FileResponse, responses={**ERRORS, **FILE},
            summary="导出Excel: the applications")
def export_applications(request: Request, session: DbSession, who: Exporter,
                        area: Annotated[str | None, Query(max_length=12)] = None,
                        household_no: Annotated[str | None, Query(max_length=40)] = None) -> FileResponse:
    return _download(request, session, who, "applications", area=area, household_no=household_no)


@router.get("/exports/reviews-due", response_class=FileResponse, responses={**ERRORS, **FILE},
            summary="导出Excel: the households whose review falls due")
def export_reviews_due(request: Request, session: DbSession, who: Exporter,
                       within_days: Annotated[int, Query(ge=0, le=366)] = 31,
                       area: Annotated[str | None, Query(max_length=12)] = None) -> FileResponse:
    return _download(request, session, who, "reviews", within_days=within_days, area=area)
