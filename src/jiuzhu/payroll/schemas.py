"""What the payroll's services return (the API renders them as they are, the CLI as tables): identifiers masked
unless the caller unmasked them, money in fen (``*_fen``) and in yuan text (``*_yuan``, two decimals)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class LineView(BaseModel):
    seq: int
    kind: str = Field(description="regular, arrear (a past month not paid) or adjustment")
    programme: str
    service_month: str
    household_no: str
    area_code: str
    payee_name: str
    payee_id_number: str = Field(description="masked unless unmasked")
    account_no: str = Field(description="masked unless unmasked")
    bank_name: str
    amount_fen: int
    amount_yuan: str
    status: str = Field(description="pending, paid, failed or cancelled")
    fail_code: str | None = None
    fail_text: str | None = None
    reason: str | None = Field(None, description="an adjustment's or a re-issue's reason")
    reissue_of_seq: str | None = Field(None, description="the failed line re-issued: <payroll>#<seq>")


class FileView(BaseModel):
    bank_code: str
    file_name: str
    sha256: str
    line_count: int
    total_fen: int
    total_yuan: str
    batch_no: str | None
    written_by: str
    written_at: dt.datetime


class ReturnView(BaseModel):
    bank_code: str
    file_name: str
    paid: int
    failed: int
    unmatched: list[dict]
    imported_by: str
    imported_at: dt.datetime


class PayrollSummary(BaseModel):
    payroll_no: str
    kind: str
    programme: str
    area_code: str
    month: str
    status: str
    line_count: int
    total_fen: int
    total_yuan: str
    prepared_by: str
    approved_by: str | None
    closed_by: str | None
    skipped: list[dict] = Field(description="enrolments not paid, each with its household and the reason")


class PayrollView(PayrollSummary):
    counts: dict[str, int] = Field(description="lines by status")
    amounts_fen: dict[str, int] = Field(default_factory=dict, description="the lines' amounts by status, fen")
    matching: int = Field(0, description="the lines the status filter keeps (all of them without a filter)")
    lines: list[LineView]
    files: list[FileView]
    returns: list[ReturnView]


class FileWritten(BaseModel):
    bank_code: str
    path: str
    line_count: int
    total_yuan: str


class TotalRow(BaseModel):
    programme: str
    township: str
    township_name: str
    month: str = Field(description="the payroll's month: when the money went out (arrears count in it)")
    lines: int
    amount_fen: int = Field(description="paid or issued, not failed")
    amount_yuan: str
    paid_fen: int = Field(description="confirmed paid by the bank's return file")
    paid_yuan: str
    failed: int


class AccountOut(BaseModel):
    """A payee account as recorded (numbers masked)."""

    id: int
    id_number: str = Field(description="masked")
    holder_name: str
    kind: str = Field(description="card (一卡通) or account (银行账户)")
    bank_code: str
    bank_name: str
    account_no: str = Field(description="masked: the last 4 digits")
    branch_name: str | None
    interbank_no: str | None
    opened_on: dt.date | None
    closed_on: dt.date | None
