"""The exchange format v1 (docs/exchange.md): what Jiuzhu asks a department, what the department answers, and its
errors — JSON over HTTP, UTF-8, money in integer fen, dates ISO, ``"format": "jiuzhu-exchange/1"`` in every body.

A v2 changes the format string; a department refuses a format it does not speak (``unsupported_format``). The
JSON schemas in docs/schema/exchange/ are written from these models (``write_schemas``) and a test keeps them equal.

    QueryRequest        POST {base}/v1/query: requester, purpose, as-of date, months, categories, subjects
    QueryResponse       200: one SubjectResult per subject: found (items) | none (known none) | refused (error)
    ErrorResponse       any other status: one ErrorBody for the whole request
    ERRORS              every error code: HTTP status, retryable or not, the message a department sends
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from jiuzhu.i18n import N_, t

FORMAT = "jiuzhu-exchange/1"
MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
ID_NUMBER = r"^[0-9]{17}[0-9X]$"
MAX_SUBJECTS = 100  # per request; a department may set a lower limit (too_many_subjects)

Unit = Literal["fen", "fen/month", "m2", "date", "bool", "code", "count"]
UNITS: tuple[str, ...] = ("fen", "fen/month", "m2", "date", "bool", "code", "count")
PurposeKind = Literal["application", "review", "spot_check"]
AttrValue = str | int | bool | None


class _Strict(BaseModel):
    # Unknown fields are refused, not ignored: a misspelt field would otherwise read as absent.
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Requester(_Strict):
    id: str = Field(min_length=1, max_length=64, description="the requesting office's code, e.g. 500111-mzj")
    name: str = Field(min_length=1, max_length=100, description="its name, e.g. 重庆市大足区民政局")


class Purpose(_Strict):
    kind: PurposeKind
    reference: str = Field(min_length=1, max_length=200, description="the application or review, in words")
    legal_basis: str = Field(min_length=1, max_length=200)


class Months(_Strict):
    """The months asked for monthly items (incomes), both ends included."""

    from_: str = Field(alias="from", pattern=MONTH)
    to: str = Field(pattern=MONTH)

    @model_validator(mode="after")
    def _ordered(self) -> Months:
        if self.from_ > self.to:
            raise ValueError("months.from is after months.to")
        return self

    def contains(self, month: str) -> bool:
        return self.from_ <= month <= self.to


class Subject(_Strict):
    id_number: str = Field(pattern=ID_NUMBER)
    name: str = Field(min_length=1, max_length=50)
    consent: str = Field(min_length=1, max_length=4000, description="consent assertion: compact JWS (assertions.py)")


class QueryRequest(_Strict):
    format: Literal["jiuzhu-exchange/1"] = FORMAT
    request_id: str = Field(min_length=1, max_length=64, description="idempotency key: same id, same body")
    requester: Requester
    purpose: Purpose
    as_of: dt.date
    months: Months | None = None
    categories: list[str] = Field(min_length=1, max_length=20)
    subjects: list[Subject] = Field(min_length=1, max_length=MAX_SUBJECTS)


class ErrorBody(_Strict):
    code: str = Field(min_length=1, max_length=64)
    message: str = Field(max_length=500)
    retryable: bool


class Item(_Strict):
    """One fact a department holds about a subject. ``value`` by ``unit``: fen, fen/month and count are integers;
    m2 a decimal string ("89.50"); date an ISO date string; bool a boolean; code a string."""

    item: str = Field(min_length=1, max_length=64)
    category: str = Field(min_length=1, max_length=32)
    ref: str | None = Field(default=None, max_length=64, description="account, plate, certificate… of the item")
    month: str | None = Field(default=None, pattern=MONTH, description="for monthly items")
    value: int | bool | str
    unit: Unit
    as_of: dt.date = Field(description="the date the department's data is true on")
    attrs: dict[str, AttrValue] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _value_fits_unit(self) -> Item:
        problem = value_problem(self.value, self.unit)
        if problem:
            raise ValueError(f"value {self.value!r} for unit {self.unit}: {problem}")
        return self


def value_problem(value: object, unit: str) -> str | None:
    """Why ``value`` is not a value of ``unit`` (None when it is)."""
    if unit in ("fen", "fen/month", "count"):
        if isinstance(value, bool) or not isinstance(value, int):
            return "an integer is expected"
        return "never negative" if value < 0 else None
    if unit == "bool":
        return None if isinstance(value, bool) else "true or false is expected"
    if not isinstance(value, str):
        return "a string is expected"
    if unit == "m2":
        try:
            number = Decimal(value)
        except InvalidOperation:
            return "a decimal string is expected"
        return None if re.fullmatch(r"\d+(\.\d{1,2})?", value) and number >= 0 else "e.g. \"89.50\""
    if unit == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return "an ISO date is expected"
    return None


class SubjectResult(_Strict):
    id_number: str = Field(pattern=ID_NUMBER)
    status: Literal["found", "none", "refused"]
    items: list[Item] = Field(default_factory=list)
    error: ErrorBody | None = None

    @model_validator(mode="after")
    def _consistent(self) -> SubjectResult:
        # "none" is a known none (the department holds nothing); it must never carry items, nor hide a refusal.
        if self.status == "found" and not self.items:
            raise ValueError("status found without items")
        if self.status != "found" and self.items:
            raise ValueError(f"status {self.status} with items")
        if (self.status == "refused") != (self.error is not None):
            raise ValueError("an error goes with status refused, and only with it")
        return self


class QueryResponse(_Strict):
    format: Literal["jiuzhu-exchange/1"] = FORMAT
    request_id: str = Field(min_length=1, max_length=64)
    source: str = Field(min_length=1, max_length=64, description="the kind of source, e.g. bank")
    endpoint: str = Field(min_length=1, max_length=64, description="the endpoint, e.g. bank.cqrcb")
    department: str = Field(min_length=1, max_length=100)
    answered_at: dt.datetime
    replayed: bool = False
    results: list[SubjectResult]


class ErrorResponse(_Strict):
    format: Literal["jiuzhu-exchange/1"] = FORMAT
    request_id: str | None = None
    error: ErrorBody


@dataclass(frozen=True)
class ErrorCode:
    http: int
    retryable: bool
    message: str  # N_: translated when sent


ERRORS: dict[str, ErrorCode] = {
    "malformed": ErrorCode(400, False, N_("the request is not in the exchange format")),
    "unsupported_format": ErrorCode(400, False, N_("this department does not speak that format version")),
    "too_many_subjects": ErrorCode(400, False, N_("too many subjects in one request")),
    "unknown_requester": ErrorCode(401, False, N_("the requester is not known to this department")),
    "unknown_key": ErrorCode(401, False, N_("the signing key is not known to this department")),
    "signature_invalid": ErrorCode(401, False, N_("the request's signature is not valid")),
    "digest_mismatch": ErrorCode(401, False, N_("the request's content digest does not match its body")),
    "stale_request": ErrorCode(401, True, N_("the request's signature is too old or not yet valid; sign it again")),
    "consent_invalid": ErrorCode(403, False, N_("the consent assertion is not valid")),
    "consent_expired": ErrorCode(403, False, N_("the consent assertion has expired")),
    "consent_scope": ErrorCode(403, False, N_("the consent does not cover this source or category")),
    "purpose_not_allowed": ErrorCode(403, False, N_("this purpose is not allowed here")),
    "subject_mismatch": ErrorCode(403, False, N_("the consent is not for this person")),
    "request_id_conflict": ErrorCode(409, False, N_("this request id was already used for another request")),
    "rate_limited": ErrorCode(429, True, N_("too many requests; try again later")),
    "internal": ErrorCode(500, True, N_("the department's system failed")),
    "unavailable": ErrorCode(503, True, N_("the department's system is unavailable; try again later")),
    "upstream_timeout": ErrorCode(504, True, N_("the department's system did not answer in time")),
}


def error_body(code: str, message: str | None = None) -> ErrorBody:
    """The error ``code`` as sent: its message in the current language unless one is given."""
    spec = ERRORS[code]
    return ErrorBody(code=code, message=message if message is not None else t(spec.message), retryable=spec.retryable)


SCHEMA_DIR = Path(__file__).resolve().parents[3] / "docs" / "schema" / "exchange"
SCHEMAS: dict[str, type[BaseModel]] = {
    "request.schema.json": QueryRequest,
    "response.schema.json": QueryResponse,
    "error.schema.json": ErrorResponse,
}


def schema_text(model: type[BaseModel]) -> str:
    """The JSON schema of ``model`` as committed in docs/schema/exchange/ (by_alias: ``months.from``)."""
    schema = model.model_json_schema(by_alias=True, mode="validation")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{FORMAT}/{model.__name__}"} | schema
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schemas(folder: Path = SCHEMA_DIR) -> list[Path]:
    """Write the three schemas (run after changing a model: ``python -m jiuzhu.exchange.format``)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in SCHEMAS.items():
        path = folder / name
        path.write_text(schema_text(model), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write_schemas():
        print(p)
