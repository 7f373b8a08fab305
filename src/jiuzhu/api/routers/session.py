"""Sign-in: ``POST /api/v1/session`` (JSON or a form: username, password), ``GET`` (who is signed in, and the CSRF
token), ``DELETE`` (sign out). ``sign_in`` is also the web's login form's.

Sign-in through the bureau's OpenID Connect provider, when it is set up (``api.oidc``): ``GET /api/v1/session/oidc``
sends the browser there, ``GET /api/v1/session/oidc/callback`` is where it comes back; both answer 404 when it is
not set up. The callback starts the same session as the password does."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from jiuzhu.access import Principal, role_title
from jiuzhu.api.deps import DbSession, _now, new_csrf_token, require
from jiuzhu.api.schemas import ERRORS, Credentials, SessionOut, UserOut
from jiuzhu.errors import NotFoundError
from jiuzhu.i18n import N_, t
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
    start_session(request, who)
    return who


def start_session(request: Request, who: Principal) -> None:
    """A new session for ``who``: the cookie then holds the username, the time and a new CSRF token, nothing of
    the anonymous session before it."""
    request.session.clear()
    # "at" unrounded: a session signed in after a sign-out or a new password (even within its second) is a new one
    request.session.update({"user": who.username, "at": _now(), "csrf": new_csrf_token()})


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


# --------------------------------------------------------------------------- the identity provider (OpenID Connect)

OIDC_PATH = "/session/oidc"  # under /api/v1; the web shows the refusals of these paths on its sign-in page
NOT_SET_UP = N_("sign-in through an identity provider is not set up on this installation: sign in with your user "
                "name and password")


def local_path(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another site's address)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def provider_of(request: Request):
    """The application's identity provider (``api.oidc.Provider``); ``NotFoundError`` when none is set up."""
    provider = getattr(request.app.state, "oidc", None)
    if provider is None:
        raise NotFoundError(t(NOT_SET_UP))
    return provider


@public.get(OIDC_PATH, status_code=302, response_class=RedirectResponse,
            summary="Sign in through the identity provider: the redirect to it (404 when not set up)")
async def start_oidc(request: Request, next: Annotated[str | None, Query(max_length=2000)] = None  # noqa: A002
                     ) -> Response:
    return await provider_of(request).start(request, local_path(next))


@public.get(f"{OIDC_PATH}/callback", name="oidc_callback", status_code=303, response_class=RedirectResponse,
            summary="Where the identity provider sends the browser back: signs in, then redirects to the page asked")
async def finish_oidc(request: Request) -> Response:
    """Verify the provider's answer (``api.oidc``), then sign in to the account bound to the identity, or named by
    its user name claim (``accounts.service.sign_in_identity``); every failure is a row of the audit log."""
    from jiuzhu.api.oidc import ProviderRefused, ProviderUnavailable

    provider = provider_of(request)
    try:
        identity = await provider.finish(request)
    except (ProviderRefused, ProviderUnavailable) as exc:
        provider.forget(request)
        await run_in_threadpool(_record_failure, request, provider.issuer, exc.reason)
        raise
    next_path = provider.next_path(request)
    who = await run_in_threadpool(_sign_in_identity, request, identity)
    start_session(request, who)
    return RedirectResponse(next_path, status_code=303)


def _sign_in_identity(request: Request, identity) -> Principal:
    # Its own writing transaction, not the request's (a GET's is a reader's): the account is bound and its sign-in
    # noted, or the refusal committed by the service as a row of the audit log
    from jiuzhu.accounts import service as accounts
    from jiuzhu.db import session_scope

    with session_scope(request.app.state.engine) as session:
        return accounts.sign_in_identity(session, identity)


def _record_failure(request: Request, issuer: str, reason: str) -> None:
    from jiuzhu.accounts import service as accounts
    from jiuzhu.db import session_scope

    with session_scope(request.app.state.engine) as session:
        accounts.record_failed_sign_in(session, subject="-",
                                       detail={"method": "oidc", "reason": reason, "issuer": issuer})
