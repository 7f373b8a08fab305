"""The API's bodies (what ``/openapi.json`` publishes): the error body, the signed-in user, areas, pages."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    """Every error: ``code`` stable across languages (for programs), ``message`` one line in the caller's
    language, ``field`` the input at fault (a query parameter, a form field, a path in a posted document)."""

    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["户 500111119-000001 不在登记库中"])
    field: str | None = None
    errors: list[dict[str, Any]] | None = Field(None, description="every problem, when there are several")
    reference: str | None = Field(None, description="internal errors: where the server's log holds the details")


ERRORS = {status: {"model": ErrorBody} for status in (400, 401, 403, 404, 409, 422, 503)}


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=60)
    password: str = Field(min_length=1, max_length=200)


class UserOut(BaseModel):
    username: str
    role: str | None = Field(description="community_worker, township_caseworker, township_approver, "
                                         "district_officer, auditor or administrator")
    role_title: str
    area_code: str | None
    area_name: str | None
    permissions: list[str]


class SessionOut(BaseModel):
    user: UserOut
    csrf_token: str = Field(description="send it back as the header X-CSRF-Token (or the form field csrf_token) "
                                        "with every POST, PUT, PATCH and DELETE")


class AreaOut(BaseModel):
    code: str
    name: str
    level: int = Field(description="1 province, 2 prefecture, 3 district, 4 township, 5 village or community")
    parent_code: str | None
    households: int


class HouseholdSummary(BaseModel):
    household_no: str
    area_code: str
    area_name: str
    address: str | None
    urban: bool
    head: dict[str, str] | None = Field(description="the head's name and ID number (masked)")
    members: int
    programmes: list[str] = Field(description="the programmes the household is enrolled in today")


class HouseholdPage(BaseModel):
    items: list[HouseholdSummary]
    total: int
    page: int
    per_page: int


class Change(BaseModel):
    at: str
    actor: str
    reason: str
    path: str
    old: Any = None
    new: Any = None


class History(BaseModel):
    household_no: str
    unmasked: bool
    changes: list[Change]
