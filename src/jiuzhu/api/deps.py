"""What routes depend on: the database session, the signed-in person, their permission, CSRF, the language.

    db              one transaction per request: committed when the handler returns (before the response is
                    sent), rolled back when it raises
    principal       the signed-in person (``accounts.service.principal_of`` on the session cookie's name), or
                    ``AuthenticationError`` (401): nobody signed in, the sign-in older than ``SESSION_HOURS``,
                    or the account since locked or disabled
    require(p)      a dependency returning the principal if its role has permission ``p`` (403 otherwise);
                    ``require()`` asks only that someone be signed in. EVERY route but the sign-in uses one: the
                    dependency carries ``.permission`` (a ``Permission``, or None for "any signed-in person"), and
                    the authorization matrix reads each route's from ``route.dependant``
    csrf            on unsafe methods (POST, PUT, PATCH, DELETE) of a signed-in session: the header
                    ``X-CSRF-Token`` or the form field ``csrf_token`` must equal the session's token (given on
                    sign-in and by ``GET /api/v1/session``); 403 otherwise
    language        the request's language (``?lang=`` refused when Jiuzhu does not speak it)
    plain_input     a query or path value with a control character (NUL …) refused (400)

The dependencies that only look at the request are ``async``: FastAPI runs a plain ``def`` dependency in its
thread pool, a thread hop each (measurable at a few hundred requests a second); ``db`` and ``principal`` read the
database and stay in the pool.

The session cookie is Starlette's signed cookie (``app.create_app``); it holds the username, the time of
sign-in and the CSRF token, nothing else.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from jiuzhu.access import Permission, Principal
from jiuzhu.db import session_scope
from jiuzhu.errors import AuthenticationError, ForbiddenError, JiuzhuError
from jiuzhu.i18n import N_, check_language, t

SESSION_HOURS = 8  # a working day: then sign in again, whatever the activity (the cookie's own age as well)
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"

NOT_SIGNED_IN = N_("not signed in: sign in first (POST /api/v1/session)")
EXPIRED = N_("the sign-in has expired (after {hours} hours): sign in again")
CSRF_REFUSED = N_("the request lacks this session's CSRF token (header X-CSRF-Token or form field csrf_token): "
                  "reload the page and try again")


READING = frozenset({"GET", "HEAD", "OPTIONS"})


def db(request: Request) -> Iterator[Session]:
    """One transaction per request. A change (POST, PUT, DELETE …) is one write transaction, its audit rows inside
    it. A read (GET) is a read-only transaction; its audit rows are written when it has ended, in a short
    transaction of their own shared with the other reads ending then (``audit.write_events``): reads run side by
    side instead of queuing for the write lock, a read holds one connection at a time (so reads waiting for their
    rows to be written never hold every connection of the pool), and the answer waits for its rows."""
    from jiuzhu.audit import service as audit

    engine = request.app.state.engine
    if request.method not in READING:
        with session_scope(engine) as session:
            yield session
        return
    with session_scope(engine, write=False) as session:
        yield session
        events = audit.take_pending(session)  # a read that fails logs nothing, like a change rolled back
    audit.write_events(engine, events)


# One Depends object for every use: the handler and the principal share the request's one session, and it ends
# (commit or rollback) when the handler does, before the response is sent ("function" scope).
DB = Depends(db, scope="function")
DbSession = Annotated[Session, DB]


def principal(request: Request, session: DbSession) -> Principal:
    from jiuzhu.accounts import service as accounts

    state = request.session
    username = state.get("user")
    if not username:
        raise AuthenticationError(t(NOT_SIGNED_IN))
    signed_in = state.get("at")
    if not isinstance(signed_in, int | float) or _now() - signed_in > SESSION_HOURS * 3600 or signed_in > _now() + 60:
        state.clear()
        raise AuthenticationError(t(EXPIRED, hours=SESSION_HOURS))
    try:
        return accounts.principal_of(session, username, signed_in)
    except AuthenticationError:
        state.clear()  # locked or disabled since: the cookie is no good any more
        raise


def _now() -> float:
    return dt.datetime.now(dt.timezone.utc).timestamp()


def require(permission: Permission | None = None):
    """The dependency of a route that needs ``permission`` (None: any signed-in person)."""

    async def dependency(who: Annotated[Principal, Depends(principal)]) -> Principal:  # async: no thread hop
        if permission is not None:
            who.require(permission)
        return who

    dependency.permission = permission  # type: ignore[attr-defined]  (read by the authorization matrix)
    dependency.__name__ = f"require_{permission.value.replace('.', '_') if permission else 'signed_in'}"
    return dependency


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


async def csrf(request: Request) -> None:
    """Refuse an unsafe request of a signed-in session without the session's token. A request of no session goes
    on to be refused as not signed in (401), or to sign in."""
    if request.method not in UNSAFE or not request.session.get("user"):
        return
    expected = request.session.get("csrf") or ""
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise ForbiddenError(t(CSRF_REFUSED), field=CSRF_FIELD)


async def plain_input(request: Request) -> None:
    """Refuse a query or path value holding a NUL or another control character (no name, number or code holds one;
    PostgreSQL refuses NUL in text, which would otherwise surface as an internal error)."""
    for name, value in [*request.query_params.multi_items(), *request.path_params.items()]:
        if isinstance(value, str) and _CONTROL.search(value):
            raise JiuzhuError(t(CONTROL_CHARACTER, field=name), field=name)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_CHARACTER = N_("{field}: holds a control character (such as NUL): remove it")


async def language(request: Request) -> str:
    """The request's language; a ``?lang=`` Jiuzhu does not speak is refused (field ``lang``)."""
    from jiuzhu.api.language import asked, chosen

    if (lang := asked(request.scope)) is not None:
        try:
            check_language(lang)
        except JiuzhuError as exc:
            raise JiuzhuError(exc.message, field="lang") from None
    return chosen(request.scope)
