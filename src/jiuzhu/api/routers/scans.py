"""``/api/v1/scans`` (政策找人): start a scan as a job, list the scans of the account's area, and download a
township's outreach workbook (入户核查工作簿). The checks, the scope and the one-scan-per-area rule are the
services' (``jobs.kinds.submit_scan``, ``discovery.worklists``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from jiuzhu.access import Permission, Principal
from jiuzhu.api.deps import DbSession, require
from jiuzhu.api.routers.jobs import ACCEPTED, MAX_ID, JobOut, job_out
from jiuzhu.api.schemas import ERRORS
from jiuzhu.discovery import worklists
from jiuzhu.jobs import kinds

router = APIRouter(tags=["scans"], responses=ERRORS)
Scanner = Annotated[Principal, Depends(require(Permission.SCAN))]
Reader = Annotated[Principal, Depends(require(Permission.READ_WORKLISTS))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONTH = r"^\d{4}-\d{2}$"


class ScanIn(BaseModel):
    month: str = Field("2025-08", pattern=MONTH, description="the month to decide, YYYY-MM")
    area: str | None = Field(None, max_length=12, description="default: the account's whole area")
    workbooks: Literal["township", "community"] | None = Field(
        "township", description="also write outreach workbooks, one per township (or community)")
    full: bool = Field(False, description="evaluate every household, not only those changed since the last scan")


@router.post("/scans", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Start a scan of the account's area (or an area inside it): a job")
def start_scan(body: ScanIn, session: DbSession, who: Scanner) -> JobOut:
    return job_out(kinds.submit_scan(session, who, month=body.month, area=body.area, workbooks=body.workbooks,
                                     full=body.full))


@router.get("/scans", response_model=list[worklists.RunView], summary="The latest scans of the account's area "
            "(unclaimed / ineligible: the entries inside it; workbooks: its areas with one to download)")
def list_scans(session: DbSession, who: Reader) -> list[worklists.RunView]:
    return worklists.list_runs(session, who)


@router.get("/workbooks/{run_id}/{area}", response_class=FileResponse,
            responses={**ERRORS, 200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
                                       "description": "the workbook"}},
            summary="Download the outreach workbook of a township (identifiers masked)")
def download_workbook(run_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                      area: Annotated[str, Path(max_length=12)], session: DbSession, who: Reader) -> FileResponse:
    path = worklists.workbook_path(session, who, run_id, area)
    return FileResponse(path, media_type=XLSX, filename=path.name)
