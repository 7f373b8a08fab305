"""``/api/v1/households/{no}/verifications`` and ``/api/v1/verifications/{id}``: household economic verification
(核对, docs/verification.md "On the web and the API"). Thin: each route parses, makes one call of
``verification.service`` / ``verification.views`` / ``verification.compare``, and renders; the services check the
permission (``verification.run`` to start, ``verification.read`` to read; the comparison also ``rules.evaluate``)
and the area again — a verification outside it is "not found" — log each read of a report, and mask identifiers.

    POST /households/{no}/verifications         start one: 202 {id, status}; 409 consent_required naming the
                                                members (masked) who have not authorized the purpose
    GET  /households/{no}/verifications         the household's, newest first
    GET  /verifications                         the latest of the user's area (核对管理)
    GET  /verifications/{id}                    its status and one row per endpoint (待查询 … 已返回 / 失败（未知）)
    GET  /verifications/{id}/report             the 核对报告 JSON as frozen at the end (masked; the read logged)
    GET  /verifications/{id}/report.pdf         the same as a PDF
    GET  /verifications/{id}/evaluation         申报 vs 核对: the rules on the declared and the verified household
    GET  /exchange/sources                      the endpoints asked and how each is guarded (no personal data)
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from jiuzhu.access import Permission, Principal
from jiuzhu.api.deps import DbSession, require
from jiuzhu.api.schemas import ERRORS
from jiuzhu.consent.service import Purpose
from jiuzhu.errors import ConflictError
from jiuzhu.i18n import language, t
from jiuzhu.verification import compare, service, views
from jiuzhu.verification.schemas import VerificationView

router = APIRouter(tags=["verifications"], responses=ERRORS)
Verifier = Annotated[Principal, Depends(require(Permission.VERIFY))]
Reader = Annotated[Principal, Depends(require(Permission.READ_VERIFICATION))]
HouseholdNo = Annotated[str, Path(max_length=40)]
VerificationId = Annotated[int, Path(ge=1, le=2**62, description="the verification's number")]
PDF = {200: {"content": {"application/pdf": {}}, "description": "the report as an A4 PDF"}}


class StartAsked(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt as_of must not silently mean today

    purpose_kind: Literal["application", "review", "spot_check"] = Field(
        description="the purpose the members authorized: application, review or spot_check")
    purpose_ref: str = Field(default="", max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$",
                             description="which application or review: the members authorized this purpose")
    as_of: dt.date | None = Field(None, description="the day the departments answer for; default today")


class Started(BaseModel):
    id: int
    status: str
    status_label: str
    household_no: str


class EndpointOut(BaseModel):
    endpoint: str
    department: str
    state: str = Field(description="waiting, asking, answered, stale, failed, refused, breaker_open, skipped")
    label: str
    attempts: int
    latency_ms: float | None
    reason: str | None


class VerificationOut(VerificationView):
    endpoints: list[EndpointOut] = Field(description="one row per department's endpoint, with its state")


def out(view: VerificationView, *, rows: bool = True) -> VerificationOut:
    return VerificationOut(**view.model_dump(),
                           endpoints=[EndpointOut(**r.as_dict()) for r in views.endpoint_rows(view)] if rows else [])


@router.post("/households/{household_no}/verifications", response_model=Started, status_code=202,
             summary="Start a verification of the household with the departments (every member must have "
                     "authorized the purpose)")
def start_verification(household_no: HouseholdNo, asked: StartAsked, session: DbSession, who: Verifier) -> Started:
    compare.check_as_of(asked.as_of, "as_of")
    view = service.start(session, who, household_no, Purpose(asked.purpose_kind, asked.purpose_ref), asked.as_of)
    return Started(id=view.id, status=view.status, status_label=view.status_label, household_no=view.household_no)


@router.get("/households/{household_no}/verifications", response_model=list[VerificationOut],
            summary="The household's verifications, newest first")
def household_verifications(household_no: HouseholdNo, session: DbSession, who: Reader) -> list[VerificationOut]:
    return [out(v, rows=False) for v in views.for_household(session, who, household_no)]


@router.get("/verifications", response_model=list[VerificationOut],
            summary="The latest verifications of the user's area, newest first")
def recent_verifications(session: DbSession, who: Reader,
                         status: Annotated[Literal["queued", "running", "done", "incomplete", "failed"] | None,
                                           Query()] = None,
                         limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[VerificationOut]:
    return [out(v, rows=False) for v in views.recent(session, who, limit=limit, status=status)]


@router.get("/verifications/{verification_id}", response_model=VerificationOut,
            summary="A verification's status and each endpoint's state (no personal data)")
def read_verification(verification_id: VerificationId, session: DbSession, who: Reader) -> VerificationOut:
    return out(service.get(session, who, verification_id))


@router.get("/verifications/{verification_id}/report", response_model=dict[str, Any],
            summary="The 核对报告 as frozen at the end (docs/schema/verification-report.schema.json), identifiers "
                    "masked; each read is logged")
def read_report(verification_id: VerificationId, session: DbSession, who: Reader) -> dict[str, Any]:
    view = service.get(session, who, verification_id)
    report = service.report(session, who, verification_id)
    if report is None:
        raise ConflictError(t(views.NO_REPORT, id=verification_id, status=view.status_label))
    return report


@router.get("/verifications/{verification_id}/report.pdf", response_class=Response, responses={**ERRORS, **PDF},
            summary="The 核对报告 as an A4 PDF (Chinese, fonts embedded); each read is logged")
def read_report_pdf(verification_id: VerificationId, session: DbSession, who: Reader) -> Response:
    from urllib.parse import quote

    data, name = views.report_pdf(session, who, verification_id, language())
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=\"report-{verification_id}.pdf\"; "
                                                    f"filename*=UTF-8''{quote(name)}"})


@router.get("/verifications/{verification_id}/evaluation", response_model=dict[str, Any],
            summary="申报 vs 核对: every programme on the declared and on the verified household, and what changes")
def read_evaluation(verification_id: VerificationId, session: DbSession, who: Reader,
                    month: Annotated[str | None, Query(max_length=7, description="YYYY-MM; default the "
                                                                                 "verification's month")] = None,
                    ) -> dict[str, Any]:
    return compare.side_by_side(session, who, verification_id, month)


@router.get("/exchange/sources", response_model=dict[str, Any],
            summary="The departments' endpoints this installation asks and how each is guarded (time-outs, "
                    "retries, rate limit, breaker); no personal data, no addresses")
def exchange_sources(who: Reader) -> dict[str, Any]:
    return views.sources(who)
