"""``/api/v1/households``: search (scoped, paginated, masked), one household (masked; in full with the permission
and a reason), its history. Scope, masking and the audit rows are the registry's (``registry.search``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from jiuzhu.access import Permission, Principal
from jiuzhu.api.deps import DbSession, require
from jiuzhu.api.schemas import ERRORS, History, HouseholdPage
from jiuzhu.registry import search
from jiuzhu.registry.search import MAX_PER_PAGE

router = APIRouter(tags=["households"], responses=ERRORS)
Reader = Annotated[Principal, Depends(require(Permission.READ_REGISTRY))]
Unmask = Annotated[bool, Query(description="identifiers in full: needs the permission personal.unmask and a "
                                           "reason; recorded in the audit log")]
Reason = Annotated[str | None, Query(max_length=200, description="why the identifiers are needed in full")]
Text = Annotated[str | None, Query(max_length=60)]
MAX_PAGE = 1_000_000


@router.get("/households", response_model=HouseholdPage, summary="Search households inside the account's area")
def find_households(
    session: DbSession, who: Reader,
    name: Annotated[str | None, Query(max_length=40, description="part of any member's name")] = None,
    household_no: Annotated[str | None, Query(max_length=40, description="the whole household number")] = None,
    id_number: Annotated[str | None, Query(max_length=18, description="a member's whole ID number (18)")] = None,
    area: Annotated[str | None, Query(max_length=12, description="district, township or village code")] = None,
    programme: Annotated[str | None, Query(max_length=30, description="enrolled in it today (dibao, tekun …)")]
    = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 20,
) -> HouseholdPage:
    found = search.find_households(session, who, name=name, household_no=household_no, id_number=id_number,
                                   area=area, programme=programme, page=page, per_page=per_page)
    return HouseholdPage(items=found.items, total=found.total, page=found.page, per_page=found.per_page)


@router.get("/households/{household_no}", response_model=dict[str, Any],
            summary="One household (docs/schema/household.schema.json), identifiers masked unless unmask")
def read_household(household_no: str, session: DbSession, who: Reader, unmask: Unmask = False,
                   reason: Reason = None) -> dict[str, Any]:
    return search.read_household_for(session, who, household_no, unmask=unmask, reason=reason)


@router.get("/households/{household_no}/history", response_model=History,
            summary="Every recorded change of a household: who, when, why, old and new value")
def read_history(household_no: str, session: DbSession, who: Reader, unmask: Unmask = False,
                 reason: Reason = None) -> History:
    changes = search.read_history_for(session, who, household_no, unmask=unmask, reason=reason)
    return History(household_no=household_no, unmasked=unmask, changes=changes)
