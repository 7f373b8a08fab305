"""用户管理: the accounts of the administrator's area (``accounts.service``: MANAGE_USERS, scoped), a new account,
lock and unlock, and — when sign-in through the identity provider is set up (``app.state.oidc``) — unbinding an
account from the identity it was bound to there. Passwords are set here once and never shown again."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from jiuzhu.access import Role, role_title
from jiuzhu.accounts import service as accounts
from jiuzhu.errors import JiuzhuError
from jiuzhu.registry import search
from jiuzhu.web import glue
from jiuzhu.web.frame import FormText, Page, csrf_checked, menu
from jiuzhu.web.render import render

router = APIRouter()
MenuPage = Annotated[Page, Depends(menu("users"))]  # signed in, and the role may use the page


def _page(request: Request, page: Page, session: Session, *, error: JiuzhuError | None = None,
          status_code: int = 200, sent: dict | None = None):
    provider = getattr(request.app.state, "oidc", None)
    return render(request, "users/users.html", status_code=status_code,
                  users=accounts.list_users(session, page.principal), error=error, sent=sent or {},
                  oidc=provider.label if provider else None,
                  roles=[(r.value, role_title(r)) for r in Role],
                  areas=search.list_areas(session, page.principal))


@router.get("/users", name="users")
def users(request: Request, page: MenuPage, session: glue.Db):
    return _page(request, page, session)


@router.post("/users", dependencies=[Depends(csrf_checked)])
def add(request: Request, page: MenuPage, session: glue.Db,
        username: FormText = "", display_name: FormText = "", role: FormText = "", area_code: FormText = "",
        password: FormText = ""):
    try:
        accounts.add_user(session, username=username.strip(), password=password, role=role,
                          area_code=area_code.strip(), display_name=display_name.strip() or username.strip(),
                          actor=page.principal.username, principal=page.principal)
    except JiuzhuError as exc:
        session.rollback()
        return _page(request, page, session, error=exc, status_code=400,
                     sent={"username": username, "display_name": display_name, "role": role,
                           "area_code": area_code})
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{username}/lock", dependencies=[Depends(csrf_checked)])
def lock(request: Request, username: str, page: MenuPage, session: glue.Db):
    accounts.lock_user(session, page.principal, username)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{username}/unlock", dependencies=[Depends(csrf_checked)])
def unlock(request: Request, username: str, page: MenuPage, session: glue.Db):
    accounts.unlock_user(session, page.principal, username)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{username}/unbind", dependencies=[Depends(csrf_checked)])
def unbind(request: Request, username: str, page: MenuPage, session: glue.Db):
    accounts.forget_identity(session, page.principal, username)
    return RedirectResponse("/users", status_code=303)
