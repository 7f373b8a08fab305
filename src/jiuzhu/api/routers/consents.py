"""``/api/v1/households/{no}/consents`` and ``/api/v1/consents/{id}``: personal electronic authorization (个人电子授权,
docs/consent.md) — who must sign and each record's state, requests, the caseworker's decisions, links for members
far away (with their QR code). Thin: each route parses, makes one call of ``consent.service`` / ``consent.links``,
and renders; the service checks the permission (``consent.manage`` to change, ``registry.read`` to read) and the
area again, masks the ID numbers and writes the audit rows. The messages are the CLI's (the service's own).

``links.qr_svg`` is the link's QR code (segno, SVG inline: no external service; the web's 授权 tab shows the same).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from jiuzhu.access import Permission, Principal
from jiuzhu.api.deps import DbSession, require
from jiuzhu.api.schemas import ERRORS
from jiuzhu.consent import links, receipts, service
from jiuzhu.consent.schemas import HouseholdConsents, RecordView
from jiuzhu.errors import RecordError
from jiuzhu.i18n import N_, t

router = APIRouter(tags=["consents"], responses=ERRORS)
Reader = Annotated[Principal, Depends(require(Permission.READ_REGISTRY))]
Manager = Annotated[Principal, Depends(require(Permission.CONSENT_MANAGE))]
HouseholdNo = Annotated[str, Path(max_length=40)]
RecordId = Annotated[str, Path(max_length=40, description="the record's identifier, CR-…")]
PurposeKind = Literal["application", "review", "spot_check"]
Text = Annotated[str | None, Field(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")]
Line = Field(default="", max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")


class ConsentOut(RecordView):
    receipt_path: str | None = Field(None, description="the receipt page (/c/r/…) of a decided record: the member "
                                                       "keeps it and may withdraw there")


class Body(BaseModel):
    """A body of these routes: a field it does not know is refused (422, named), never dropped silently."""

    model_config = ConfigDict(extra="forbid")


SIGNER_FIELDS = ("signer_role", "signer", "signer_name", "signer_id_number", "signer_relation", "capacity_basis",
                 "authority_document", "proxy_reason")


class ConsentRequest(Body):
    """Ask the household's members to authorize: every member who must and has neither a valid authorization nor
    a request waiting (no ``member``), or one member, with a signer named if not the default. The signer's fields
    are one member's: with no ``member`` they are refused (422), not dropped."""

    purpose_kind: PurposeKind = "application"
    purpose_ref: str = Field(default="", max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")
    member: Annotated[str | None, Field(max_length=18, description="the member's ID number; none: everyone "
                                                                   "who must authorize")] = None
    signer_role: Literal["self", "guardian", "proxy"] | None = None
    signer: Annotated[str | None, Field(max_length=18, description="a member who signs (their ID number)")] = None
    signer_name: Annotated[str | None, Field(max_length=60, pattern=r"^[^\x00-\x1f\x7f]*$")] = None
    signer_id_number: Annotated[str | None, Field(max_length=18)] = None
    signer_relation: Text = None
    capacity_basis: Literal["no_capacity", "limited_capacity"] | None = None
    authority_document: Text = None
    proxy_reason: Annotated[str | None, Field(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")] = None


FOR_ONE_MEMBER = N_("who signs is named for one member: give member too (without it, every member who must "
                    "authorize is asked, each with their default signer)")


class ConsentsRequested(BaseModel):
    records: list[ConsentOut]
    skipped: list[str] = Field(description="members who could not be asked, one line each, and why")


class Decision(Body):
    method: Literal["in_person", "paper"] = "in_person"
    form: Annotated[str | None, Field(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$",
                                      description="the signed form's scan reference or SHA-256")] = None
    witness: Annotated[str | None, Field(max_length=60, pattern=r"^[^\x00-\x1f\x7f]*$")] = None


class Reason(Body):
    reason: str = Line


class LinkAsked(Body):
    hours: int = Field(default=links.LINK_HOURS, ge=1, le=links.MAX_LINK_HOURS)


class LinkOut(BaseModel):
    record_id: str
    url: str = Field(description="the address to send to the member: <site>/c/<token>")
    expires_at: dt.datetime
    qr_svg: str = Field(description="the address as a QR code, an inline SVG element")


def out(view: RecordView) -> ConsentOut:
    path = f"/c/r/{receipts.receipt_token(view.receipt_no)}" if view.receipt_no else None
    return ConsentOut(**view.model_dump(), receipt_path=path)


@router.get("/households/{household_no}/consents", response_model=HouseholdConsents,
            summary="Who must authorize a purpose, whether they have, and every consent record (masked)")
def list_consents(household_no: HouseholdNo, session: DbSession, who: Reader,
                  purpose_kind: Annotated[PurposeKind, Query()] = "application",
                  purpose_ref: Annotated[str, Query(max_length=100)] = "") -> HouseholdConsents:
    return service.household_consents(session, who, household_no,
                                      purpose=service.Purpose(purpose_kind, purpose_ref))


@router.post("/households/{household_no}/consents", response_model=ConsentsRequested, status_code=201,
             summary="Request the authorizations a purpose needs (every member who must sign, or one)")
def request_consents(household_no: HouseholdNo, asked: ConsentRequest, session: DbSession,
                     who: Manager) -> ConsentsRequested:
    purpose = service.Purpose(asked.purpose_kind, asked.purpose_ref)
    extra = next((f for f in SIGNER_FIELDS if getattr(asked, f) is not None), None)
    if asked.member is None and extra:  # one member's signer, never dropped silently
        raise RecordError(household_no, extra, t(FOR_ONE_MEMBER))
    if asked.member is None:
        made, skipped = service.request_required(session, who, household_no=household_no, purpose=purpose)
        return ConsentsRequested(records=[out(v) for v in made], skipped=skipped)
    view = service.request(session, who, household_no=household_no, member=asked.member, purpose=purpose,
                           signer_role=asked.signer_role, signer=asked.signer, signer_name=asked.signer_name,
                           signer_id_number=asked.signer_id_number, signer_relation=asked.signer_relation,
                           capacity_basis=asked.capacity_basis, authority_document=asked.authority_document,
                           proxy_reason=asked.proxy_reason)
    return ConsentsRequested(records=[out(view)], skipped=[])


@router.get("/consents/{record_id}", response_model=ConsentOut, summary="One consent record (masked), its receipt")
def read_consent(record_id: RecordId, session: DbSession, who: Reader) -> ConsentOut:
    return out(service.get_record(session, who, record_id))


def _evidence(decision: Decision) -> dict:
    return {k: v for k, v in (("form", decision.form), ("witness", decision.witness)) if v}


@router.post("/consents/{record_id}/give", response_model=ConsentOut,
             summary="Record the authorization given in person or on a signed paper form")
def give_consent(record_id: RecordId, decision: Decision, session: DbSession, who: Manager) -> ConsentOut:
    return out(service.give(session, who, record_id, method=decision.method, evidence=_evidence(decision)))


@router.post("/consents/{record_id}/refuse", response_model=ConsentOut, summary="Record a refusal")
def refuse_consent(record_id: RecordId, decision: Decision, session: DbSession, who: Manager) -> ConsentOut:
    return out(service.refuse(session, who, record_id, method=decision.method, evidence=_evidence(decision)))


@router.post("/consents/{record_id}/withdraw", response_model=ConsentOut,
             summary="Record a withdrawal: no query is sent after it")
def withdraw_consent(record_id: RecordId, reason: Reason, session: DbSession, who: Manager) -> ConsentOut:
    return out(service.withdraw(session, who, record_id, reason=reason.reason))


@router.post("/consents/{record_id}/renew", response_model=ConsentOut, status_code=201,
             summary="A new request with the same terms under the current notice (the old stays valid until given)")
def renew_consent(record_id: RecordId, session: DbSession, who: Manager) -> ConsentOut:
    return out(service.renew(session, who, record_id))


@router.post("/consents/{record_id}/invalidate", response_model=ConsentOut,
             summary="End a record made in error (the reason is required)")
def invalidate_consent(record_id: RecordId, reason: Reason, session: DbSession, who: Manager) -> ConsentOut:
    return out(service.invalidate(session, who, record_id, reason=reason.reason))


@router.post("/consents/{record_id}/link", response_model=LinkOut, status_code=201,
             summary="A signed, expiring link for a member far away (the previous one revoked), with its QR code")
def link_consent(record_id: RecordId, request: Request, session: DbSession, who: Manager,
                 asked: LinkAsked | None = None) -> LinkOut:
    issued = links.issue_link(session, who, record_id, base_url=str(request.base_url),
                              hours=(asked or LinkAsked()).hours)
    return LinkOut(record_id=issued.record_id, url=issued.url, expires_at=issued.expires_at,
                   qr_svg=links.qr_svg(issued.url))
