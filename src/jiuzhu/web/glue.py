"""The pages' one binding to the API's frame (``jiuzhu.api.deps``): the request's database session, the signed-in
person, the session's CSRF token. The pages share the API's cookie, sign-in and error edge; they call the
services directly (never the API over HTTP)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request
from sqlalchemy.orm import Session

from jiuzhu.access import Principal
from jiuzhu.api import deps
from jiuzhu.registry.service import area_name

db = deps.db
DB = deps.DB
Db = Annotated[Session, DB]  # a handler's parameter: the request's one session
CSRF_KEY = "csrf"  # where the session keeps its token (api.deps)


def principal(request: Request, session: Session) -> Principal:
    return deps.principal(request, session)


def csrf_of(request: Request) -> str | None:
    return request.session.get(CSRF_KEY)


def keep_csrf(request: Request, token: str) -> None:
    request.session[CSRF_KEY] = token


def describe(session: Session, who: Principal) -> tuple[str, str]:
    """(the name shown, the area's name) of the signed-in person."""
    return who.username, area_name(session, who.area_code) if who.area_code else ""
