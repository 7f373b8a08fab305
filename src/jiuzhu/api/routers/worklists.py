"""``/api/v1/worklists`` (政策找人): the 应享未享 (``unclaimed``) and 享而不应 (``ineligible``) entries of the latest
scan (or a given one) inside the account's area, filtered and ranked as the workbooks; the outcome of each
visit, recorded from a phone (who and when are the signed-in person and now). Scope, masking and the audit rows
are the service's (``discovery.worklists``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from jiuzhu.access import Permission, Principal
from jiuzhu.api.deps import DbSession, require
from jiuzhu.api.routers.jobs import MAX_ID
from jiuzhu.api.schemas import ERRORS
from jiuzhu.discovery import worklists
from jiuzhu.discovery.worklists import MAX_PER_PAGE, NOTE_LENGTH

router = APIRouter(tags=["worklists"], responses=ERRORS)
Reader = Annotated[Principal, Depends(require(Permission.READ_WORKLISTS))]
Visitor = Annotated[Principal, Depends(require(Permission.RECORD_OUTREACH))]
OutcomeName = Literal["visited", "applied", "not_entitled_after_visit", "declined", "not_found"]
RunId = Annotated[int | None, Query(ge=1, le=MAX_ID, description="a scan run; default: the latest of the area")]


class OutcomeIn(BaseModel):
    outcome: OutcomeName
    note: str | None = Field(None, max_length=NOTE_LENGTH)


@router.get("/worklists/summary", response_model=list[worklists.TownshipSummary],
            summary="Entries of each list per township inside the account's area, and how many were visited "
            "(recorded: entries with an outcome recorded)")
def summary(session: DbSession, who: Reader, run: RunId = None) -> list[worklists.TownshipSummary]:
    return worklists.summary_by_township(session, who, run)


@router.get("/worklists/{kind}", response_model=worklists.Page,
            summary="A worklist: unclaimed (应享未享) or ineligible (享而不应), ranked, with outcomes",
            description="Each entry: ``position`` its number in the list as asked for (filtered, across pages: 1, "
            "2, 3 … without a gap); ``rank`` the order within its township and list, as in the township's "
            "workbook (排名: it starts again at 1 in each township); ``id_number`` and ``contact_phone`` "
            "masked; ``amount_fen`` the monthly amount (one-off for 临时救助) in fen; ``change`` new or "
            "continuing since the previous scan; ``outcome`` the latest outcome recorded for the entry (who, "
            "when, the note), or null.")
def list_entries(
    kind: Literal["unclaimed", "ineligible"], session: DbSession, who: Reader, run: RunId = None,
    area: Annotated[str | None, Query(max_length=12, description="a township or village inside the account's")]
    = None,
    programme: Annotated[str | None, Query(max_length=30)] = None,
    outcome: Annotated[OutcomeName | Literal["none"] | None, Query(
        description="entries whose latest outcome is this (none: not visited yet)")] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 20,
) -> worklists.Page:
    return worklists.list_entries(session, who, kind=kind, run_id=run, area=area, programme=programme,
                                  outcome=outcome, page=page, per_page=per_page)


@router.post("/worklists/entries/{entry_id}/outcome", response_model=worklists.Outcome, status_code=201,
             summary="Record the outcome of a visit to an entry (by the signed-in person, now)")
def record_outcome(entry_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: OutcomeIn, session: DbSession,
                   who: Visitor) -> worklists.Outcome:
    return worklists.record_outcome(session, who, entry_id, outcome=body.outcome, note=body.note)


@router.get("/worklists/entries/{entry_id}/outcomes", response_model=list[worklists.Outcome],
            summary="Every outcome recorded for an entry, newest first")
def outcomes(entry_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: DbSession,
             who: Reader) -> list[worklists.Outcome]:
    return worklists.outcomes_of(session, who, entry_id)
