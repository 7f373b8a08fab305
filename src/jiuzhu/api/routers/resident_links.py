"""``/api/v1/households/{no}/application-link``: a signed, expiring link for the household's applicant to apply on
their own phone (申请救助, ``casework.selfservice``; docs/casework.md "A resident applies on a phone"). Thin: the
service checks ``cases.apply`` and the area again, revokes the household's earlier unused link and writes the audit
row. The link is to copy into an SMS (nothing is sent from here); ``qr_svg`` is its QR code.
``/api/v1/applications/{no}/resident-contact``: the phone and note the resident gave with it (``cases.read``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from jiuzhu.access import Permission, Principal
from jiuzhu.api.deps import DbSession, require
from jiuzhu.api.schemas import ERRORS
from jiuzhu.casework import selfservice
from jiuzhu.consent.links import qr_svg

router = APIRouter(tags=["cases"], responses=ERRORS)
Applicant = Annotated[Principal, Depends(require(Permission.APPLY))]
Reader = Annotated[Principal, Depends(require(Permission.READ_CASES))]
HouseholdNo = Annotated[str, Path(max_length=40)]


class LinkAsked(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hours: int = Field(default=selfservice.LINK_HOURS, ge=1, le=selfservice.MAX_LINK_HOURS)
    member: str | None = Field(None, max_length=40, pattern=r"^[^\x00-\x1f\x7f]*$",
                               description="who applies: a member's name or ID number (default: the head)")


class LinkOut(BaseModel):
    household_no: str
    applicant: str = Field(description="who the link is for, masked (王**)")
    url: str = Field(description="the address to send to the resident: <site>/a/<token>")
    expires_at: dt.datetime
    qr_svg: str = Field(description="the address as a QR code, an inline SVG element")


@router.post("/households/{household_no}/application-link", response_model=LinkOut, status_code=201,
             summary="A signed, expiring link for the household's applicant to apply on a phone (the previous "
                     "unused one revoked)")
def application_link(household_no: HouseholdNo, request: Request, session: DbSession, who: Applicant,
                     asked: LinkAsked | None = None) -> LinkOut:
    asked = asked or LinkAsked()
    issued = selfservice.issue_link(session, who, household_no, base_url=str(request.base_url), hours=asked.hours,
                                    member=asked.member)
    return LinkOut(household_no=issued.household_no, applicant=issued.applicant, url=issued.url,
                   expires_at=issued.expires_at, qr_svg=qr_svg(issued.url))


@router.get("/applications/{application_no}/resident-contact", response_model=selfservice.Contact,
            summary="The contact phone and note a resident gave with an application filed on a phone (the phone in "
                    "full for who handles cases)")
def resident_contact(application_no: Annotated[str, Path(max_length=30)], session: DbSession,
                     who: Reader) -> selfservice.Contact:
    return selfservice.resident_contact(session, who, application_no)
