"""The web application: the API (``api.app.create_app``: session cookie, language, the error edge, ``/api/v1``),
the pages, and ``/static`` (our CSS and script, and the vendored htmx and ECharts — nothing is fetched from another
site: the bureaus' networks are closed).

    create_application(settings=None, *, start_worker=True) -> FastAPI      what ``jiuzhu serve`` runs

Errors on a page are pages: nobody signed in → 登录 (with the page to come back to), refused → 403, not inside the
account's area or not there → 404 (the same answer: asking reveals nothing), a refused input → 400 with its
message, the registry busy with a ledger import (SQLite's write lock, over ``api.app.REQUEST_WAIT_SECONDS``) →
409 "busy, try again" with a link to try again; anything else → 500 naming a reference, the traceback in the log.
The API's paths keep the API's body, but for the sign-in through the identity provider (``/api/v1/session/oidc…``):
the browser was sent there by the sign-in page's button, so a refusal is that page saying why.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from jiuzhu.api import errors as api_errors
from jiuzhu.api.app import PREFIX, create_app
from jiuzhu.api.routers.session import OIDC_PATH
from jiuzhu.config import Settings
from jiuzhu.db import DatabaseBusy
from jiuzhu.errors import AuthenticationError, JiuzhuError
from jiuzhu.i18n import N_, t, use_language
from jiuzhu.web.pages import router as pages

STATIC = Path(__file__).parent / "static"
TITLES = {400: N_("Cannot do this"), 401: N_("Sign in"), 403: N_("Not allowed"), 404: N_("Not found"),
          409: N_("Not now"), 422: N_("Cannot do this"), 500: N_("Something went wrong"),
          503: N_("The service is unavailable")}
PAGE_NOT_FOUND = N_("there is no such page")


def create_application(settings: Settings | None = None, *, start_worker: bool = True) -> FastAPI:
    app = create_app(settings, start_worker=start_worker)
    app.include_router(pages)
    app.add_api_route("/favicon.ico", favicon, methods=["GET", "HEAD"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _install_page_errors(app)
    return app


def favicon() -> FileResponse:
    """The site's icon, from our own static files: browsers ask for /favicon.ico whatever the pages link (a 404 on
    every page's first load filled the log), and the bureaus' networks reach no other site."""
    return FileResponse(STATIC / "favicon.ico", media_type="image/x-icon", headers={"Cache-Control": "max-age=86400"})


def _is_api(request: Request) -> bool:
    return request.url.path.startswith((PREFIX, "/openapi.json", "/docs", "/redoc"))


def _install_page_errors(app: FastAPI) -> None:
    """Page errors as pages; the API's paths go on to the API's handlers."""

    async def on_jiuzhu(request: Request, exc: JiuzhuError) -> Response:
        if request.url.path.startswith(PREFIX + OIDC_PATH):
            from jiuzhu.web.pages.login import refused

            return refused(request, api_errors.status_of(exc), exc.message)
        if _is_api(request):
            return api_errors.jiuzhu_error(exc, request)
        if isinstance(exc, AuthenticationError):
            return _to_login(request)
        if isinstance(exc, DatabaseBusy):  # nothing was done: the same address again, in a moment
            return error_page(request, 409, api_errors.busy_message(request),
                              retry=str(request.url) if request.method == "GET" else None)
        return error_page(request, api_errors.status_of(exc), exc.message)

    async def on_validation(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return api_errors.validation_error(request, exc)
        with use_language(api_errors.request_language(request)):
            first = next(iter(exc.errors()), {})
            field = api_errors.field_of(first.get("loc", ()))
            message = t(api_errors.INVALID, field=field, reason=api_errors.reason(dict(first))) if first else \
                t(api_errors.INVALID_REQUEST)
            return error_page(request, 400, message)

    async def on_http(request: Request, exc: HTTPException) -> Response:
        if _is_api(request) or exc.status_code != 404:
            return api_errors.http_error(request, exc)
        with use_language(api_errors.request_language(request)):
            return error_page(request, 404, t(PAGE_NOT_FOUND))

    async def on_anything(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return api_errors.internal_error(request, exc)
        ref = secrets.token_hex(4)
        api_errors.write_log(exc, ref, f"{request.method} {request.url.path}")
        with use_language(api_errors.request_language(request)):
            return error_page(request, 500, t(api_errors.INTERNAL, ref=ref))

    app.add_exception_handler(JiuzhuError, on_jiuzhu)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(Exception, on_anything)


def _to_login(request: Request) -> Response:
    # The query is already percent-encoded: keep its escapes ("%" safe) and encode the rest once.
    target = "/login?next=" + quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""),
                                    safe="/%")
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def error_page(request: Request, status: int, message: str, *, retry: str | None = None) -> Response:
    """The error as a page (or, for htmx, the part it swaps in); ``retry``: an address to try again."""
    from jiuzhu.web.render import partial, render

    title = t(TITLES.get(status, TITLES[400]))
    template = "_error.html" if partial(request) else "error.html"
    return render(request, template, status_code=status, title=title, message=message, retry=retry)
