"""Sign-in: ``POST /api/v1/session`` (JSON or a form: username, password), ``GET`` (who is signed in, and the CSRF
token), ``DELETE`` (sign out). ``sign_in`` is also the web's login form's."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.orm import Session

from jiuzhu.access import Principal, role_title
from jiuzhu.api.deps import DbSession, _now, new_csrf_token, require
from jiuzhu.api.schemas import ERRORS, Credentials, SessionOut, UserOut
from jiuzhu.registry import service as registry

router = APIRouter(tags=["session"], responses=ERRORS)
public = APIRouter(tags=["session"], responses=ERRORS)

SIGN_IN_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": Credentials.model_json_schema()},
    "application/x-www-form-urlencoded": {"schema": Credentials.model_json_schema()},
}}}


def sign_in(request: Request, session: Session, username: str, password: str) -> Principal:
    """Check the password (``accounts.service.authenticate``: one message for an unknown name and a wrong
    password; lock-out after repeated failures; a failure is committed by the service before it is refused, so
    that it counts and is a row of the audit log) and start a new session: the cookie then holds the username,
    the time and a new CSRF token."""
    from jiuzhu.accounts import service as accounts

    who = accounts.authenticate(session, username, password)
    request.session.clear()
    # "at" unrounded: a session signed in after a sign-out or a new password (even within its second) is a new one
    request.session.update({"user": who.username, "at": _now(), "csrf": new_csrf_token()})
    return who


def sign_out(request: Request, session: Session, who: Principal) -> None:
    """End the session (the cookie is emptied); a row of the audit log."""
    from jiuzhu.accounts import service as accounts
    from jiuzhu.audit import service as audit

    audit.append(session, actor=who.username, action="sign_out", subject=who.username, area_code=who.area_code)
    accounts.end_sessions(session, who)  # a copy of the cookie kept elsewhere is refused too
    request.session.clear()


def user_out(session: Session, who: Principal) -> UserOut:
    return UserOut(username=who.username, role=who.role and str(who.role),
                   role_title=role_title(who.role) if who.role else "",
                   area_code=who.area_code,
                   area_name=registry.area_name(session, who.area_code) if who.area_code else None,
                   permissions=sorted(p.value for p in who.permissions))


@public.post("/session", response_model=SessionOut, openapi_extra=SIGN_IN_BODY,
             summary="Sign in (JSON or form: username, password)")
async def create_session(request: Request, session: DbSession) -> SessionOut:
    credentials = await _credentials(request)
    who = await run_in_threadpool(sign_in, request, session, credentials.username, credentials.password)
    out = await run_in_threadpool(user_out, session, who)
    return SessionOut(user=out, csrf_token=request.session["csrf"])


async def _credentials(request: Request) -> Credentials:
    kind = request.headers.get("content-type", "")
    try:
        if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            data = {k: v for k, v in form.items() if isinstance(v, str)}
        else:
            raw = await request.body()
            try:
                data = json.loads(raw or b"null")
            except (ValueError, UnicodeDecodeError):
                raise RequestValidationError([{"type": "json_invalid", "loc": ("body",), "msg": "", "input": None}]) \
                    from None
        return Credentials.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


@router.get("/session", response_model=SessionOut, summary="Who is signed in, and the CSRF token")
def current_session(request: Request, session: DbSession,
                    who: Annotated[Principal, Depends(require())]) -> SessionOut:
    return SessionOut(user=user_out(session, who), csrf_token=request.session.get("csrf", ""))


@router.delete("/session", status_code=204, response_class=Response, summary="Sign out")
def delete_session(request: Request, session: DbSession, who: Annotated[Principal, Depends(require())]) -> Response:
    sign_out(request, session, who)
    return Response(status_code=204)
