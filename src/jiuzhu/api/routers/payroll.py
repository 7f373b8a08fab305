"""``/api/v1/payrolls``: a month's payroll per programme and area, its adjustments, approval (maker-checker), bank
files (报盘), returns (回盘), re-issues, closing and totals (docs/payroll.md). Thin: each route parses, makes one
call of ``jiuzhu.payroll.service`` (or ``totals``), and renders; the service checks the permission and the area,
masks identifiers and writes the audit rows; errors are translated by the application's handlers.

Bank files are written under ``JIUZHU_HOME/payroll/files`` and downloaded from there (they carry account and ID
numbers in full: ``personal.unmask`` and a reason, audited).
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import asdict
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask

from jiuzhu.access import Permission, Principal
from jiuzhu.api.deps import DbSession, require
from jiuzhu.api.schemas import ERRORS
from jiuzhu.errors import JiuzhuError
from jiuzhu.files import writable_folder
from jiuzhu.i18n import t
from jiuzhu.payroll import accounts, export, service, totals
from jiuzhu.payroll.schemas import (
    AccountOut,
    FileView,
    FileWritten,
    LineView,
    PayrollSummary,
    PayrollView,
    ReturnView,
    TotalRow,
)

router = APIRouter(tags=["payroll"], responses=ERRORS)
Reader = Annotated[Principal, Depends(require(Permission.READ_PAYMENTS))]
Preparer = Annotated[Principal, Depends(require(Permission.PREPARE_PAYROLL))]
Approver = Annotated[Principal, Depends(require(Permission.APPROVE_PAYROLL))]
PayrollNo = Annotated[str, Path(max_length=60, pattern=r"^[A-Za-z0-9_-]+$")]
Bank = Annotated[str, Path(max_length=20, pattern=r"^[a-z0-9_]+$")]
Line = Field(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")
Month = Annotated[str, Field(pattern=r"^\d{4}-\d{2}$")]
MAX_RETURN_BYTES = 20 * 1024 * 1024


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Prepare(Body):
    programme: Literal["dibao", "tekun", "disability_living", "disability_care", "orphan", "unsupported_child"]
    area: str = Field(max_length=12, pattern=r"^\d{6,12}$")
    month: Month


class Adjustment(Body):
    household_no: str = Field(max_length=40)
    service_month: Month
    amount: str = Field(max_length=20, description="yuan, e.g. 50.00")
    reason: str = Line
    id_number: str | None = Field(None, max_length=18, description="the person, for a per-person programme")


class Reason(Body):
    reason: str = Line


class AccountSet(Body):
    id_number: str = Field(max_length=18, description="the payee (the person of a per-person programme, the head)")
    holder_name: str = Field(max_length=60, description="the account holder: the payee's name in the registry")
    bank: str = Field(max_length=40, description="the bank's code or name (banks.toml)")
    account_no: str = Field(max_length=40, description="8 to 32 digits")
    opened_on: str = Field(max_length=10, description="the opening date, YYYY-MM-DD (required, as in the ledger)")
    kind: str = Field("", max_length=10, description="一卡通 (card, the default) or 银行账户 (account)")
    branch_name: str = Field("", max_length=100, description="another bank's account only")
    interbank_no: str = Field("", max_length=12, description="联行号, another bank's account only")
    reason: str = Line


class BatchNo(Body):
    batch_no: str = Field(max_length=60, pattern=r"^[^\x00-\x1f\x7f]*$")


def _folder(request: Request):
    return request.app.state.settings.home / "payroll" / "files"


@router.get("/payrolls", response_model=list[PayrollSummary], summary="The payrolls in one's area, newest first")
def list_payrolls(session: DbSession, who: Reader, month: Annotated[str | None, Query(max_length=7)] = None,
                  programme: Annotated[str | None, Query(max_length=30)] = None) -> list[PayrollSummary]:
    return service.list_payrolls(session, who, month=month, programme=programme)


@router.get("/payrolls/totals", response_model=list[TotalRow],
            summary="Totals by programme, township and month (exact fen, and yuan)")
def payroll_totals(session: DbSession, who: Reader, area: Annotated[str, Query(max_length=12)],
                   year: Annotated[int | None, Query(ge=1900, le=9999)] = None,
                   month: Annotated[str | None, Query(max_length=7)] = None,
                   programme: Annotated[str | None, Query(max_length=30)] = None) -> list[TotalRow]:
    return totals.totals(session, who, area=area, year=year, month=month, programme=programme)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_FILE = {**ERRORS, 200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
                             "description": "the Excel file"}}


def _xlsx(request: Request, session, who: Principal, what: str, name: str, **filters) -> FileResponse:
    """The list as an Excel file (``payroll.export``: masked, audited), written in the home folder (personal data:
    never a shared temporary folder) and removed once sent, as ``exports`` does."""
    folder = writable_folder(request.app.state.settings.home / "tmp" / f"payroll-{secrets.token_hex(8)}")
    path = folder / name
    try:
        export.write_xlsx(session, who, what, path, **filters)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(path, media_type=XLSX, filename=name,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


@router.get("/payrolls/export", response_class=FileResponse, responses=XLSX_FILE,
            summary="导出Excel: the payrolls in one's area (the list's filters)")
def export_payrolls(request: Request, session: DbSession, who: Reader,
                    month: Annotated[str | None, Query(max_length=7)] = None,
                    programme: Annotated[str | None, Query(max_length=30)] = None) -> FileResponse:
    return _xlsx(request, session, who, "payrolls", "资金发放名册.xlsx", month=month, programme=programme)


@router.get("/payrolls/totals/export", response_class=FileResponse, responses=XLSX_FILE,
            summary="导出Excel: totals by programme, township and month")
def export_totals(request: Request, session: DbSession, who: Reader, area: Annotated[str, Query(max_length=12)],
                  year: Annotated[int | None, Query(ge=1900, le=9999)] = None,
                  month: Annotated[str | None, Query(max_length=7)] = None,
                  programme: Annotated[str | None, Query(max_length=30)] = None) -> FileResponse:
    return _xlsx(request, session, who, "totals", f"资金发放统计-{area}.xlsx", area=area, year=year, month=month,
                 programme=programme)


@router.get("/payrolls/{payroll_no}/export", response_class=FileResponse, responses=XLSX_FILE,
            summary="导出Excel: a payroll's lines (numbers masked; an export of personal data, audited)")
def export_lines(payroll_no: PayrollNo, request: Request, session: DbSession,
                 who: Annotated[Principal, Depends(require(Permission.EXPORT))],
                 status: Annotated[Literal["pending", "paid", "failed", "cancelled"] | None, Query()] = None,
                 ) -> FileResponse:
    return _xlsx(request, session, who, "lines", f"{payroll_no}.xlsx", payroll_no=payroll_no, status=status)


@router.post("/payrolls", response_model=PayrollSummary, status_code=201,
             summary="Prepare a month's payroll of a programme in a district or township (arrears included)")
def prepare(asked: Prepare, session: DbSession, who: Preparer) -> PayrollSummary:
    return service.prepare(session, who, programme=asked.programme, area=asked.area, month=asked.month)


@router.post("/payroll-accounts", response_model=AccountOut, status_code=201,
             summary="Record one payee's corrected account (checked as a ledger row; reason required, audited)")
def record_account(asked: AccountSet, session: DbSession, who: Preparer) -> AccountOut:
    return AccountOut(**asdict(accounts.record_account(session, who, **asked.model_dump())))


@router.get("/payrolls/{payroll_no}", response_model=PayrollView,
            summary="One payroll: lines (masked unless unmasked with a reason), files, returns")
def show(payroll_no: PayrollNo, session: DbSession, who: Reader,
         status: Annotated[Literal["pending", "paid", "failed", "cancelled"] | None, Query()] = None,
         unmask: bool = False, reason: Annotated[str | None, Query(max_length=200)] = None,
         offset: Annotated[int, Query(ge=0, le=10_000_000, description="lines to skip (with limit: one page)")] = 0,
         limit: Annotated[int | None, Query(ge=1, le=10000, description="at most this many lines")] = None,
         ) -> PayrollView:
    return service.show(session, who, payroll_no, unmask=unmask, reason=reason, status=status, first=offset,
                        most=limit)


@router.post("/payrolls/{payroll_no}/adjustments", response_model=LineView, status_code=201,
             summary="Add an adjustment line (an extra payment with its reason) to a prepared payroll")
def adjust(payroll_no: PayrollNo, asked: Adjustment, session: DbSession, who: Preparer) -> LineView:
    return service.adjust(session, who, payroll_no, household_no=asked.household_no,
                          service_month=asked.service_month, amount=asked.amount, reason=asked.reason,
                          id_number=asked.id_number)


@router.post("/payrolls/{payroll_no}/approve", response_model=PayrollSummary,
             summary="Approve a prepared payroll (never one's own: maker-checker; once)")
def approve(payroll_no: PayrollNo, session: DbSession, who: Approver) -> PayrollSummary:
    return service.approve(session, who, payroll_no)


@router.post("/payrolls/{payroll_no}/cancel", response_model=PayrollSummary, summary="Cancel a prepared payroll")
def cancel(payroll_no: PayrollNo, asked: Reason, session: DbSession, who: Preparer) -> PayrollSummary:
    return service.cancel(session, who, payroll_no, asked.reason)


@router.post("/payrolls/{payroll_no}/files", response_model=list[FileWritten], status_code=201,
             summary="Write the approved payroll's bank files (numbers in full: unmask permission, audited)")
def write_files(payroll_no: PayrollNo, asked: Reason, request: Request, session: DbSession,
                who: Preparer) -> list[FileWritten]:
    written = service.write_files(session, who, payroll_no, _folder(request), reason=asked.reason)
    return [w.model_copy(update={"path": f"/api/v1/payrolls/{payroll_no}/files/{w.bank_code}"}) for w in written]


@router.get("/payrolls/{payroll_no}/files/{bank}", response_class=Response,
            responses={**ERRORS, 200: {"content": {"application/octet-stream": {}}, "description": "the file"}},
            summary="Download a bank file as written (numbers in full: unmask permission and a reason, audited)")
def download(payroll_no: PayrollNo, bank: Bank, request: Request, session: DbSession, who: Preparer,
             reason: Annotated[str, Query(max_length=200)]) -> Response:
    name, data = service.read_file(session, who, payroll_no, bank, _folder(request), reason=reason)
    return Response(data, media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename=\"payroll\"; filename*=UTF-8''{quote(name)}"})


@router.put("/payrolls/{payroll_no}/files/{bank}/batch-no", response_model=FileView,
            summary="Record the batch number the bank gave on upload")
def batch_no(payroll_no: PayrollNo, bank: Bank, asked: BatchNo, session: DbSession, who: Preparer) -> FileView:
    return service.record_batch_no(session, who, payroll_no, bank, asked.batch_no)


@router.post("/payrolls/{payroll_no}/returns/{bank}", response_model=ReturnView, status_code=201,
             summary="Import the bank's return file and reconcile it line by line (a bad file: nothing imported)")
def import_return(payroll_no: PayrollNo, bank: Bank, session: DbSession, who: Preparer,
                  file: Annotated[UploadFile, File(description="the return file")]) -> ReturnView:
    data = file.file.read(MAX_RETURN_BYTES + 1)
    if len(data) > MAX_RETURN_BYTES:
        raise JiuzhuError(t("{file} is larger than {limit} MB", file=file.filename or "-",
                            limit=MAX_RETURN_BYTES // (1024 * 1024)), field="file")
    return service.import_return(session, who, payroll_no, bank, data, (file.filename or "return")[:200])


@router.post("/payrolls/{payroll_no}/reissue", response_model=PayrollSummary, status_code=201,
             summary="Prepare a re-issue of the failed lines whose account was corrected (once per line)")
def reissue(payroll_no: PayrollNo, asked: Reason, session: DbSession, who: Preparer) -> PayrollSummary:
    return service.reissue(session, who, payroll_no, asked.reason)


@router.post("/payrolls/{payroll_no}/close", response_model=PayrollSummary,
             summary="Ask to close the reconciliation (every line returned)")
def request_close(payroll_no: PayrollNo, session: DbSession, who: Preparer) -> PayrollSummary:
    return service.request_close(session, who, payroll_no)


@router.post("/payrolls/{payroll_no}/close/confirm", response_model=PayrollSummary,
             summary="Close the reconciliation another person asked to close (maker-checker)")
def close(payroll_no: PayrollNo, session: DbSession, who: Approver) -> PayrollSummary:
    return service.close(session, who, payroll_no)
