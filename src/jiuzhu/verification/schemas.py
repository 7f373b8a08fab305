"""What the verification service gives back to faces: a verification, its sources' progress (no personal data)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class SourceView(BaseModel):
    """One endpoint's query: ``status`` sent (not answered yet) / answered / failed / refused / skipped."""

    endpoint: str
    kind: str
    chunk: int
    request_id: str
    status: str
    status_label: str
    attempts: int
    http_status: int | None
    error_code: str | None
    error_message: str | None
    latency_ms: float | None
    replayed: bool


class VerificationView(BaseModel):
    id: int
    household_no: str
    area_code: str
    purpose_kind: str
    purpose_ref: str
    as_of: dt.date
    window_from: str
    window_to: str
    requested_by: str
    status: str
    status_label: str
    complete: bool | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    attempts: int
    report_sha256: str | None
    error: str | None
    sources: list[SourceView]
    unknown_sources: list[str]  # endpoints whose items are unknown (failed, refused, skipped)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "incomplete", "failed")
