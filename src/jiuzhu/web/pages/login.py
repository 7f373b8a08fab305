"""登录 and 退出: the sign-in form (the API's ``sign_in``: one message for an unknown name and a wrong password, the
lock-out's own message after repeated failures) and signing out. The sign-in form carries the anonymous session's
CSRF token like every other form; signing in starts a new session with a new token.

When an identity provider is set up (``app.state.oidc``), the form also shows 使用统一身份认证登录: a link to the API's
``/api/v1/session/oidc`` (the flow is the API's); a refusal at its callback is shown on this page (``refused``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from jiuzhu.api.errors import busy_message
from jiuzhu.api.routers.session import local_path, sign_in, sign_out
from jiuzhu.db import DatabaseBusy, database_errors
from jiuzhu.errors import AuthenticationError
from jiuzhu.web import glue
from jiuzhu.web.frame import FormText, Page, anonymous_page, csrf_checked, signed_in
from jiuzhu.web.render import render

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another site's address)."""
    return local_path(target)


def login_page(request: Request, *, status_code: int = 200, **context):
    """The sign-in page, with the identity provider's button when one is set up."""
    anonymous_page(request)
    provider = getattr(request.app.state, "oidc", None)
    return render(request, "login.html", status_code=status_code, oidc=provider.label if provider else None,
                  **context)


def refused(request: Request, status_code: int, message: str):
    """A sign-in through the identity provider refused: the sign-in page saying why (the web's error edge)."""
    return login_page(request, status_code=status_code, error=message, next="/")


@router.get("/login", name="login")
def login_form(request: Request, next: str | None = None):  # noqa: A002 - the usual name of the parameter
    return login_page(request, next=safe_next(next))


@router.post("/login", dependencies=[Depends(csrf_checked)])
def login(request: Request, session: glue.Db, username: FormText = "", password: FormText = "",
          next: FormText = "/"):  # noqa: A002
    try:
        with database_errors(request.app.state.engine):
            sign_in(request, session, username.strip(), password)
    except AuthenticationError as exc:
        return login_page(request, status_code=401, error=exc.message, username=username, next=safe_next(next))
    except DatabaseBusy:  # a ledger import holds the write lock: say so beside the form, the name kept
        session.rollback()
        return login_page(request, status_code=409, error=busy_message(request), username=username,
                          next=safe_next(next))
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(csrf_checked)])
def logout(request: Request, page: Annotated[Page, Depends(signed_in)], session: glue.Db):
    sign_out(request, session, page.principal)
    return RedirectResponse("/login", status_code=303)
