"""``GET /api/v1/exports/ledger``: the households of an area as a file to download — the ledger (台账, xlsx or csv)
of a month, or every fact (jsonl); masked unless the role may unmask and gives a reason. Logged as an export."""

from __future__ import annotations

import secrets
import shutil
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from jiuzhu.access import Permission, Principal
from jiuzhu.api.deps import DbSession, require
from jiuzhu.api.schemas import ERRORS
from jiuzhu.files import writable_folder
from jiuzhu.registry import search

router = APIRouter(tags=["exports"], responses=ERRORS)
MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}
FILE = {"200": {"content": {media: {"schema": {"type": "string", "format": "binary"}} for media in MEDIA.values()},
                "description": "the file"}}


@router.get("/exports/ledger", response_class=FileResponse, responses={**ERRORS, **FILE},
            summary="Download the ledger (xlsx, csv) or every fact (jsonl) of an area")
def export_ledger(
    request: Request, session: DbSession, who: Annotated[Principal, Depends(require(Permission.EXPORT))],
    area: Annotated[str | None, Query(max_length=12, description="default: the account's area")] = None,
    month: Annotated[str, Query(max_length=7, description="the ledger's income month, YYYY-MM")] = "2025-08",
    format: Annotated[Literal["xlsx", "csv", "jsonl"], Query()] = "xlsx",
    unmask: Annotated[bool, Query(description="identifiers in full: needs personal.unmask and a reason")] = False,
    reason: Annotated[str | None, Query(max_length=200)] = None,
) -> FileResponse:
    # The file is personal data: written in the home folder (never a shared temporary folder), removed once sent.
    folder = writable_folder(request.app.state.settings.home / "tmp" / f"export-{secrets.token_hex(8)}")
    try:
        path = search.export_for(session, who, folder, format=format, area=area, month=month, unmask=unmask,
                                 reason=reason)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(path, media_type=MEDIA[format], filename=path.name,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))
