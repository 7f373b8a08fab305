"""The API's one error edge: whatever a request raises becomes the same body, ``{code, message, field}``.

    JiuzhuError             its ``code`` and message (already in the caller's language), ``field`` the input at
                            fault; the status by kind (``STATUS``): refused 400, unauthenticated 401, forbidden
                            403, not found 404, conflict 409, invalid record 422, configuration/storage 503
    DatabaseBusy            409, code ``busy``, ``Retry-After``: SQLite's write lock stayed taken longer than a
                            request waits (a ledger import is one transaction); the message says try again
    RecordErrors            422, and ``errors``: every problem of the record (record, field, reason)
    RequestValidationError  422 ("invalid"), the first problem named by its field, every problem in ``errors``;
                            reasons in the caller's language (``jiuzhu.messages.reason``, the CLI's words)
    HTTPException           Starlette's own (no such route 404, method 405 …), in the caller's language
    anything else           500, one line in the caller's language naming a reference; the traceback goes to
                            ``<home>/logs/errors.log`` under that reference, never to the caller

Services raise; nothing below the faces knows HTTP (the CLI translates the same errors into exit codes).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
import traceback
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from jiuzhu.config import get_settings
from jiuzhu.db import DatabaseBusy
from jiuzhu.errors import (
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    ForbiddenError,
    JiuzhuError,
    NotFoundError,
    RecordError,
    RecordErrors,
)
from jiuzhu.i18n import N_, t, use_language
from jiuzhu.messages import reason

log = logging.getLogger("jiuzhu.api")

# Most specific first: the first class the error is an instance of gives the status.
STATUS: tuple[tuple[type[JiuzhuError], int], ...] = (
    (RecordErrors, 422),
    (RecordError, 422),
    (AuthenticationError, 401),
    (ForbiddenError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (ConfigurationError, 503),  # the installation (database, disk), not the request: try again once fixed
    (JiuzhuError, 400),
)

HTTP_MESSAGES = {
    404: (N_("no such address in the API: check the path (the API's addresses are listed at /docs)"), "not_found"),
    405: (N_("this address does not take the method {method}"), "method_not_allowed"),
    413: (N_("the request is too large"), "too_large"),
}
INTERNAL = N_("internal error: the server could not answer; the details are in its log under reference {ref} "
              "(please send that reference to the administrator)")
INVALID = N_("{field}: {reason}")
BUSY = N_("the registry is busy storing a large change (a ledger import?) and this was not done; try again in a "
          "minute")
RETRY_AFTER_SECONDS = 30  # a ledger import of a township takes about this long
INVALID_REQUEST = N_("the request is not valid")


def body(code: str, message: str, field: str | None = None, **extra: Any) -> dict:
    """The one error body of the API."""
    return {"code": code, "message": message, "field": field, **extra}


def status_of(exc: JiuzhuError) -> int:
    return next(status for kind, status in STATUS if isinstance(exc, kind))


def busy_message(request: Request) -> str:
    """What a person is told when SQLite's write lock stayed taken for longer than a request waits: the
    registry is busy, nothing of the request was done, try again (the database file's path is the operator's
    business, not the caller's)."""
    with use_language(request_language(request)):
        return t(BUSY)


def jiuzhu_error(exc: JiuzhuError, request: Request | None = None) -> JSONResponse:
    if isinstance(exc, DatabaseBusy) and request is not None:
        return JSONResponse(body(exc.code, busy_message(request), None), status_code=409,
                            headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    extra = {}
    if isinstance(exc, RecordErrors):
        extra["errors"] = [{"record": e.record, "field": e.field, "reason": e.reason} for e in exc.errors]
    field = exc.errors[0].field if isinstance(exc, RecordErrors) and exc.errors else exc.field
    headers = {"WWW-Authenticate": "Cookie"} if isinstance(exc, AuthenticationError) else None
    return JSONResponse(body(exc.code, exc.message, field, **extra), status_code=status_of(exc), headers=headers)


def field_of(loc: tuple | list) -> str:
    """The input a validation error is about, as the caller named it: ``("query", "page")`` → ``page``, a body's
    ``("body", "members", 0, "name")`` → ``members[0].name``."""
    parts = list(loc[1:]) if loc and loc[0] in ("body", "query", "path", "header", "cookie", "form") else list(loc)
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or (str(loc[0]) if loc else "body")


def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    with use_language(request_language(request)):
        # A body that is not JSON at all is the body's fault (its loc holds a character offset, not a field)
        errors = [{"field": "body" if e.get("type") == "json_invalid" else field_of(e.get("loc", ())),
                   "reason": reason(dict(e))} for e in exc.errors()]
        first = errors[0] if errors else {"field": "body", "reason": t(INVALID_REQUEST)}
        message = t(INVALID, field=first["field"], reason=first["reason"])
    return JSONResponse(body("invalid", message, first["field"], errors=errors), status_code=422)


def http_error(request: Request, exc: HTTPException) -> JSONResponse:
    with use_language(request_language(request)):
        known = HTTP_MESSAGES.get(exc.status_code)
        if known is not None:
            message, code = t(known[0], method=request.method), known[1]
        else:
            message, code = str(exc.detail), "refused"
    return JSONResponse(body(code, message), status_code=exc.status_code, headers=getattr(exc, "headers", None))


def internal_error(request: Request, exc: Exception) -> JSONResponse:
    ref = secrets.token_hex(4)
    write_log(exc, ref, f"{request.method} {request.url.path}")
    with use_language(request_language(request)):
        message = t(INTERNAL, ref=ref)
    return JSONResponse(body("internal", message, None, reference=ref), status_code=500)


def write_log(exc: BaseException, ref: str, what: str) -> Path | None:
    """Append the traceback of ``exc`` to ``<home>/logs/errors.log`` (and the server's log), under ``ref``."""
    text = (f"--- {dt.datetime.now().astimezone():%Y-%m-%d %H:%M:%S %z}  ref {ref}  {what}\n"
            + "".join(traceback.format_exception(exc)))
    log.error("internal error, ref %s, %s: %s", ref, what, exc)
    folder = get_settings(strict=False).log_dir
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "errors.log").open("a", encoding="utf-8") as out:
            out.write(text)
        return folder / "errors.log"
    return None


def request_language(request: Request) -> str:
    """The language the request was answered in (set by the language middleware; the default otherwise)."""
    from jiuzhu.api.language import chosen

    return chosen(request.scope)


def install(app: FastAPI) -> None:
    """Every handler of the edge, on ``app``."""

    async def on_jiuzhu(request: Request, exc: JiuzhuError) -> JSONResponse:
        return jiuzhu_error(exc, request)

    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_error(request, exc)

    async def on_http(request: Request, exc: HTTPException) -> JSONResponse:
        return http_error(request, exc)

    async def on_anything(request: Request, exc: Exception) -> JSONResponse:
        return internal_error(request, exc)

    app.add_exception_handler(JiuzhuError, on_jiuzhu)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(Exception, on_anything)
