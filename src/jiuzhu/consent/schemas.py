"""What the consent service gives back to faces: records and members' states, identifiers masked."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel

MemberState = Literal["valid", "missing", "refused", "withdrawn", "expired", "guardian_missing"]


class RecordView(BaseModel):
    """One consent record as shown (ID numbers masked; ``status`` as stored, ``effective_status`` on the day read:
    a given record past its last valid day reads ``expired`` before the expiry is written)."""

    record_id: str
    household_no: str
    area_code: str
    person_name: str
    person_id_number: str
    signer_role: str
    signer_name: str
    signer_id_number: str | None
    signer_relation: str | None
    capacity_basis: str | None
    authority_document: str | None
    proxy_reason: str | None
    controller_code: str
    controller_name: str
    purpose_kind: str
    purpose_ref: str
    legal_basis: str
    categories: list[str]
    sources: list[str]
    notice_version: str
    notice_sha256: str
    method: str | None
    status: str
    effective_status: str
    status_title: str
    requested_at: dt.datetime
    requested_by: str
    decided_at: dt.datetime | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    withdrawn_at: dt.datetime | None
    withdrawal_reason: str | None
    end_reason: str | None
    supersedes: str | None
    renewed_by: str | None
    receipt_no: str | None
    terms_sha256: str | None
    evidence: list[dict]


class MemberConsent(BaseModel):
    """Whether one member who must authorize has a valid authorization for the purpose on the day, and if not why
    (``state``; ``reason`` in the reader's words: 未授权, 已拒绝, 已撤回, 已过期, 监护人未签). ``record_id``: the
    record the state is read from; ``waiting_record_id``: a request of this purpose waiting for a signature (a
    withdrawal still reads 已撤回 while it waits); ``covered_by_kind``/``covered_by_ref``: the purpose of another
    purpose's record read for this one (an application's, for a review), said in ``reason`` too."""

    person_id: int
    name: str
    id_number: str
    role_needed: str
    state: MemberState
    reason: str
    record_id: str | None
    valid_until: dt.date | None
    waiting_record_id: str | None = None
    covered_by_kind: str | None = None
    covered_by_ref: str | None = None

    @property
    def valid(self) -> bool:
        return self.state == "valid"


class HouseholdConsents(BaseModel):
    household_no: str
    purpose_kind: str
    purpose_ref: str
    on: dt.date
    all_valid: bool
    members: list[MemberConsent]
    records: list[RecordView]


class LinkIssued(BaseModel):
    record_id: str
    url: str
    token: str
    expires_at: dt.datetime


class LinkPage(BaseModel):
    """What the phone page shows a member who opened a link (nothing but what they are asked to agree to)."""

    record_id: str
    controller_name: str
    person_name: str
    signer_name: str
    signer_role: str
    purpose_kind: str
    purpose_ref: str
    legal_basis: str
    categories: list[str]
    sources: list[str]
    notice_title: str
    notice_body: str
    notice_version: str
    notice_sha256: str
    validity_months: int
    expires_at: dt.datetime
    attempts_left: int


class LinkDecision(BaseModel):
    """The outcome of ``decide_by_link``: ``decided`` with the record's new status and receipt, or the identity
    check failed (``attempts_left``; 0: the link is now locked)."""

    decided: bool
    record_id: str
    status: str | None = None
    receipt_no: str | None = None
    terms_sha256: str | None = None
    attempts_left: int
    message: str = ""
    malformed: bool = False  # the check was not the shape of the last 6 ID characters: said, not counted
