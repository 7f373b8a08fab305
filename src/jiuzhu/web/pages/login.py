"""登录 and 退出: the sign-in form (the API's ``sign_in``: one message for an unknown name and a wrong password, the
lock-out's own message after repeated failures) and signing out. The sign-in form carries the anonymous session's
CSRF token like every other form; signing in starts a new session with a new token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from jiuzhu.api.errors import busy_message
from jiuzhu.api.routers.session import sign_in, sign_out
from jiuzhu.db import DatabaseBusy, database_errors
from jiuzhu.errors import AuthenticationError
from jiuzhu.web import glue
from jiuzhu.web.frame import FormText, Page, anonymous_page, csrf_checked, signed_in
from jiuzhu.web.render import render

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another site's address)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login", name="login")
def login_form(request: Request, next: str | None = None):  # noqa: A002 - the usual name of the parameter
    anonymous_page(request)
    return render(request, "login.html", next=safe_next(next))


@router.post("/login", dependencies=[Depends(csrf_checked)])
def login(request: Request, session: glue.Db, username: FormText = "", password: FormText = "",
          next: FormText = "/"):  # noqa: A002
    try:
        with database_errors(request.app.state.engine):
            sign_in(request, session, username.strip(), password)
    except AuthenticationError as exc:
        anonymous_page(request)
        return render(request, "login.html", status_code=401, error=exc.message, username=username,
                      next=safe_next(next))
    except DatabaseBusy:  # a ledger import holds the write lock: say so beside the form, the name kept
        session.rollback()
        anonymous_page(request)
        return render(request, "login.html", status_code=409, error=busy_message(request), username=username,
                      next=safe_next(next))
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(csrf_checked)])
def logout(request: Request, page: Annotated[Page, Depends(signed_in)], session: glue.Db):
    sign_out(request, session, page.principal)
    return RedirectResponse("/login", status_code=303)
