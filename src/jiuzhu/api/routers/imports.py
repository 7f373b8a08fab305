"""``/api/v1/imports`` (台账导入): upload a ledger (.xlsx, .csv) or households as JSON (.json, .jsonl); the import
runs as a job (poll ``/api/v1/jobs/{id}``); its report lists every rejection by row (or record) and column, and
the rejections download as CSV that spreadsheets open as text (``jiuzhu.spreadsheet``).

The upload is refused before it is queued when it is too large, of a type Jiuzhu does not import, or not what
its name says (``jobs.uploads``), in one line naming the file."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from jiuzhu.access import Permission, Principal
from jiuzhu.api.deps import DbSession, require
from jiuzhu.api.routers.jobs import ACCEPTED, MAX_ID, JobOut, job_out
from jiuzhu.api.schemas import ERRORS
from jiuzhu.errors import ConflictError, JiuzhuError, NotFoundError
from jiuzhu.i18n import N_, t
from jiuzhu.jobs import kinds, service, uploads
from jiuzhu.spreadsheet import csv_text

router = APIRouter(tags=["imports"], responses=ERRORS)
Importer = Annotated[Principal, Depends(require(Permission.WRITE_REGISTRY))]
LEDGER_HEADERS = ("行号", "户编号", "字段", "原因")  # as the CLI's rejection file (registry.ledger.report)
JSON_HEADERS = ("记录", "字段", "原因")  # as the CLI's (registry.interchange)
NOT_FINISHED = N_("import {id} has not finished ({status}): its report is there when it is done")
TOO_LARGE = N_("{file} is larger than {limit} MB: split it into several files and upload each")


class Rejection(BaseModel):
    row: int | None = Field(description="the spreadsheet's row (ledgers)")
    record: str = Field(description="where: 第 3 行, or a JSON record with its household")
    household_no: str | None
    field: str = Field(description="the column (ledgers: its Chinese header) or the field of the document")
    reason: str


class ImportReport(BaseModel):
    job: int
    file: str
    format: Literal["ledger", "json"]
    rows: int
    stored_households: int
    stored_people: int | None
    unchanged_households: int
    rejected_households: int
    rejected_rows: int | None
    rejections: list[Rejection]
    warnings: list[str]
    resumed: bool
    rejects_csv: str = Field(description="the rejections as CSV")


@router.post("/imports", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Upload a ledger (.xlsx, .csv) or households (.json, .jsonl) and import it: a job")
def start_import(request: Request, session: DbSession, who: Importer,
                 file: Annotated[UploadFile, File(description="the file to import")],
                 reason: Annotated[str, Form(max_length=200, description="why, for the change log")] = "导入",
                 ) -> JobOut:
    name = file.filename or "upload"
    uploads.check_name(name)
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > uploads.MAX_BYTES + 1024 * 1024:  # refused before it is read
        raise JiuzhuError(t(TOO_LARGE, file=uploads.safe_name(name), limit=uploads.MAX_BYTES // (1024 * 1024)),
                          field="file")
    kept = uploads.save_upload(request.app.state.settings.home, name, file.file)
    try:
        return job_out(kinds.submit_import(session, who, path=kept, name=name, reason=reason))
    except BaseException:
        uploads.remove(kept)
        raise


@router.get("/imports/{job_id}/report", response_model=ImportReport,
            responses={**ERRORS, 200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                                       "description": "the report (JSON), or its rejections as CSV"}},
            summary="The report of an import: every rejection by row and column (format=csv: the rejections)")
def import_report(job_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: DbSession, who: Importer,
                  format: Annotated[Literal["json", "csv"], Query()] = "json") -> ImportReport | Response:
    job = service.get(session, who, job_id)
    if job.kind != "import":
        raise NotFoundError(t("job {id} not found", id=job_id))
    if job.status != "done":
        raise ConflictError(t(NOT_FINISHED, id=job_id, status=job.status_label))
    result = job.result or {}
    if format == "csv":
        stem = result.get("file", "import").rsplit(".", 1)[0]
        filename = f"{stem}-rejected.csv"
        return Response(rejects_csv(result), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f"attachment; filename=\"rejected.csv\"; filename*=UTF-8''{quote(filename)}"})
    return ImportReport(job=job_id, **{k: result.get(k) for k in (
        "file", "format", "rows", "stored_households", "stored_people", "unchanged_households",
        "rejected_households", "rejected_rows", "rejections", "warnings", "resumed")},
        rejects_csv=f"/api/v1/imports/{job_id}/report?format=csv")


def rejects_csv(result: dict) -> bytes:
    """The rejections as the CLI writes them: UTF-8 with a BOM (Excel), Chinese headers, text never a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    ledger = result.get("format") == "ledger"
    writer.writerow(LEDGER_HEADERS if ledger else JSON_HEADERS)
    for r in result.get("rejections", []):
        cells = [r["row"], r["household_no"], r["field"], r["reason"]] if ledger else \
            [r["record"], r["field"], r["reason"]]
        writer.writerow([csv_text(c) if isinstance(c, str) else "" if c is None else c for c in cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
