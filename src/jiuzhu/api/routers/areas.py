"""``GET /api/v1/areas``: the areas inside the signed-in person's area, with their households (no personal data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from jiuzhu.access import Principal
from jiuzhu.api.deps import DbSession, require
from jiuzhu.api.schemas import ERRORS, AreaOut
from jiuzhu.registry import search

router = APIRouter(tags=["areas"], responses=ERRORS)


@router.get("/areas", response_model=list[AreaOut], summary="Areas inside the account's area")
def list_areas(session: DbSession, who: Annotated[Principal, Depends(require())],
               parent: Annotated[str | None, Query(description="only the areas directly under this code")] = None,
               ) -> list[AreaOut]:
    return [AreaOut(**a) for a in search.list_areas(session, who, parent=parent)]
