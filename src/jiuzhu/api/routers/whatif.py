"""``POST /api/v1/whatif`` (政策测算): the registry of the account's area under changed parameters, as a job; its
result is the cost and the households affected per programme (``jobs.kinds.run_whatif``). Bad changes are
refused at once, each naming the parameter and its range (``rules.whatif``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from jiuzhu.access import Permission, Principal
from jiuzhu.api.deps import DbSession, require
from jiuzhu.api.routers.jobs import ACCEPTED, JobOut, job_out
from jiuzhu.api.schemas import ERRORS
from jiuzhu.jobs import kinds

router = APIRouter(tags=["whatif"], responses=ERRORS)
Planner = Annotated[Principal, Depends(require(Permission.WHATIF))]


class WhatIfIn(BaseModel):
    changes: list[Annotated[str, Field(max_length=200)]] = Field(
        min_length=1, max_length=20, examples=[["dibao.line.urban=800"]],
        description="NAME=VALUE[@YYYY-MM-01] each (src/jiuzhu/rules/parameters/)")
    month: str = Field("2025-08", pattern=r"^\d{4}-\d{2}$", description="the month to compare, YYYY-MM")
    area: str | None = Field(None, max_length=12, description="default: the account's whole area")


@router.post("/whatif", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Compare the registry under changed parameters: a job")
def start_whatif(body: WhatIfIn, session: DbSession, who: Planner) -> JobOut:
    return job_out(kinds.submit_whatif(session, who, changes=body.changes, month=body.month, area=body.area))
