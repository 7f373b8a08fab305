"""``/api/v1/worklists`` (政策找人): the 应享未享 (``unclaimed``) and 享而不应 (``ineligible``) entries of the latest
scan (or a given one) inside the account's area, filtered and ranked as the workbooks; the outcome of each
visit, recorded from a phone (who and when are the signed-in person and now). Scope, masking and the audit rows
are the service's (``discovery.worklists``)."""

from __future__ import annotations

import datetime as dt
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


class OutcomeOut(BaseModel):
    outcome: OutcomeName
    label: str
    note: str | None
    actor: str
    at: dt.datetime
    entry_id: int | None


class EntryOut(BaseModel):
    id: int
    run_id: int
    list: str
    list_label: str
    programme: str
    programme_label: str
    rank: int = Field(description="the order within the township, as in the workbook")
    township: str
    township_name: str
    area_code: str
    area_name: str
    household_no: str
    name: str | None
    id_number: str | None = Field(description="masked")
    amount_fen: int = Field(description="monthly amount (one-off for 临时救助), in fen")
    reason: str
    since: str
    last_review: dt.date | None
    change: str = Field(description="new or continuing since the previous scan")
    contact_name: str | None
    contact_relation: str | None
    contact_phone: str | None = Field(description="masked")
    address: str | None
    note: str | None
    outcome: OutcomeOut | None = Field(description="the latest outcome recorded for this entry")


class EntryPage(BaseModel):
    items: list[EntryOut]
    total: int
    page: int
    per_page: int
    run_id: int | None
    month: str | None


class TownshipOut(BaseModel):
    township: str
    name: str
    unclaimed: int
    unclaimed_fen: int
    ineligible: int
    ineligible_fen: int
    recorded: int = Field(description="entries with an outcome recorded")


class OutcomeIn(BaseModel):
    outcome: OutcomeName
    note: str | None = Field(None, max_length=NOTE_LENGTH)


def entry_out(e: worklists.Entry) -> EntryOut:
    data = vars(e).copy()
    data["outcome"] = OutcomeOut(**vars(e.outcome)) if e.outcome is not None else None
    return EntryOut(**data)


@router.get("/worklists/summary", response_model=list[TownshipOut],
            summary="Entries of each list per township inside the account's area, and how many were visited")
def summary(session: DbSession, who: Reader, run: RunId = None) -> list[TownshipOut]:
    return [TownshipOut(**vars(r)) for r in worklists.summary_by_township(session, who, run)]


@router.get("/worklists/{kind}", response_model=EntryPage,
            summary="A worklist: unclaimed (应享未享) or ineligible (享而不应), ranked, with outcomes")
def list_entries(
    kind: Literal["unclaimed", "ineligible"], session: DbSession, who: Reader, run: RunId = None,
    area: Annotated[str | None, Query(max_length=12, description="a township or village inside the account's")]
    = None,
    programme: Annotated[str | None, Query(max_length=30)] = None,
    outcome: Annotated[OutcomeName | Literal["none"] | None, Query(
        description="entries whose latest outcome is this (none: not visited yet)")] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 20,
) -> EntryPage:
    found = worklists.list_entries(session, who, kind=kind, run_id=run, area=area, programme=programme,
                                   outcome=outcome, page=page, per_page=per_page)
    return EntryPage(items=[entry_out(e) for e in found.items], total=found.total, page=found.page,
                     per_page=found.per_page, run_id=found.run_id, month=found.month)


@router.post("/worklists/entries/{entry_id}/outcome", response_model=OutcomeOut, status_code=201,
             summary="Record the outcome of a visit to an entry (by the signed-in person, now)")
def record_outcome(entry_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: OutcomeIn, session: DbSession,
                   who: Visitor) -> OutcomeOut:
    saved = worklists.record_outcome(session, who, entry_id, outcome=body.outcome, note=body.note)
    return OutcomeOut(**vars(saved))


@router.get("/worklists/entries/{entry_id}/outcomes", response_model=list[OutcomeOut],
            summary="Every outcome recorded for an entry, newest first")
def outcomes(entry_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: DbSession, who: Reader) -> list[OutcomeOut]:
    return [OutcomeOut(**vars(o)) for o in worklists.outcomes_of(session, who, entry_id)]
