"""The REST API (``/api/v1``): ``create_app`` builds it; ``jiuzhu serve`` runs it (or the web application, which
is this API plus the pages).

    create_app(settings=None, *, start_worker=True) -> FastAPI

- the database: opened when the application is created, its schema brought up to date as the CLI does (Alembic);
  a database that cannot be used is refused then, in one line (``ConfigurationError``), not at the first request.
  On SQLite a request waits ``REQUEST_WAIT_SECONDS`` for the write lock (a ledger import holds it for its whole
  transaction), then is answered "busy, try again" (409, ``busy``); the worker's jobs have an engine of their own
  that waits as long as a command does (``db.BUSY_TIMEOUT_S``);
- sign-in through the bureau's OpenID Connect provider when ``JIUZHU_OIDC_*`` are set (``app.state.oidc``, an
  ``api.oidc.Provider``; None otherwise): a partial set of those settings is refused then, in one line;
- the session cookie: Starlette's ``SessionMiddleware``, signed with ``keys.secret("session")`` (HMAC; the
  installation's secret), ``SameSite=Lax``, ``HttpOnly``, 8 hours (``deps.SESSION_HOURS``; the sign-in's own
  time is checked as well, so a cookie kept alive by activity still ends);
- the language of each request (``api.language``);
- the one error edge (``api.errors``): every error the same body ``{code, message, field}``;
- the routers, all under ``/api/v1``, each route behind ``deps.require`` and (unsafe methods) ``deps.csrf``;
- ``/openapi.json`` and ``/docs``;
- the rules built at start-up, before the first request is served;
- the background worker of jobs (scans, imports, what-if), started with the application and stopped with it,
  unless ``start_worker=False`` (tests, and a second server process that should not run jobs); with it the
  verification runner (``verification.runner``: the queued verifications, in an event loop of its own).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import anyio
from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import Engine
from starlette.middleware.sessions import SessionMiddleware

from jiuzhu import __version__
from jiuzhu.api import errors
from jiuzhu.api.deps import SESSION_HOURS, csrf, language, plain_input
from jiuzhu.api.language import LanguageMiddleware
from jiuzhu.config import Settings, get_settings
from jiuzhu.errors import ConfigurationError
from jiuzhu.i18n import t

PREFIX = "/api/v1"
SESSION_COOKIE = "jiuzhu_session"
REQUEST_WAIT_SECONDS = 15  # a person at a page waits this long for another writer (an import), then is told so


def create_app(settings: Settings | None = None, *, start_worker: bool = True) -> FastAPI:
    settings = settings or get_settings()
    provider = identity_provider()
    engine = open_engine(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(_build_rules)
        worker = _start_worker(settings) if start_worker else None
        runner = _start_runner(settings) if start_worker else None
        try:
            yield
        finally:
            if runner is not None:
                runner.stop()
                runner.engine.dispose()
            if worker is not None:
                worker.stop()
                worker.engine.dispose()
            engine.dispose()

    app = FastAPI(title="Jiuzhu (救助) API", version=__version__, lifespan=lifespan,
                  description="The REST API of Jiuzhu: registry, rules, discovery, audit (docs/api.md).")
    app.state.engine = engine
    app.state.settings = settings
    app.state.oidc = provider
    errors.install(app)
    app.add_middleware(SessionMiddleware, secret_key=session_secret(), session_cookie=SESSION_COOKIE,
                       max_age=SESSION_HOURS * 3600, same_site="lax", https_only=False)
    app.add_middleware(LanguageMiddleware)
    app.include_router(api_router())
    return app


def api_router() -> APIRouter:
    """Every route of ``/api/v1``: the sign-in without CSRF (no session yet), the rest behind it."""
    from jiuzhu.api.routers import (
        areas,
        audit,
        cases,
        consents,
        evaluation,
        exports,
        households,
        imports,
        jobs,
        payroll,
        resident_links,
        scans,
        session,
        users,
        verifications,
        whatif,
        worklists,
    )

    checked = APIRouter(prefix=PREFIX, dependencies=[Depends(csrf), Depends(language), Depends(plain_input)])
    for module in (session, areas, households, evaluation, exports, audit, users,
                   jobs, imports, scans, worklists, whatif, consents, verifications, cases, payroll,
                   resident_links):
        checked.include_router(module.router)
    root = APIRouter()
    root.include_router(session.public, prefix=PREFIX, dependencies=[Depends(language)])
    root.include_router(checked)
    return root


def identity_provider():
    """The OpenID Connect provider people may sign in through, or None (``config.oidc_settings``)."""
    from jiuzhu.config import oidc_settings

    settings = oidc_settings()
    if settings is None:
        return None
    from jiuzhu.api.oidc import Provider

    return Provider(settings)


def session_secret() -> str:
    from jiuzhu import keys

    return keys.secret("session").hex()


def open_engine(settings: Settings, *, busy_seconds: float | None = None) -> Engine:
    """The registry database with its schema up to date (the CLI's ``open_registry``, creating it if missing), for
    the requests: a writer waits ``busy_seconds`` (default ``REQUEST_WAIT_SECONDS``) for another. The schema is
    brought up to date with a command's patience (a migration may wait for a command's import)."""
    from jiuzhu import migrate
    from jiuzhu.db import make_engine
    from jiuzhu.files import writable_folder

    if settings.sqlite_file is not None:
        writable_folder(settings.sqlite_file.parent)
    try:
        engine = make_engine(settings.database_url)
    except ImportError as exc:
        raise ConfigurationError(t(
            "JIUZHU_DATABASE_URL: the database driver for {url} is not installed ({module}); Jiuzhu uses SQLite or "
            "PostgreSQL (postgresql+psycopg://…)", url=settings.database_url_shown, module=exc.name or exc)) from None
    migrate.upgrade(engine)
    engine.dispose()
    return make_engine(settings.database_url,
                       busy_seconds=REQUEST_WAIT_SECONDS if busy_seconds is None else busy_seconds)


def _build_rules() -> None:
    """The rules built before the first request, not by it (a few seconds, once per process)."""
    from jiuzhu.rules import law

    law.in_force_from()


def _start_runner(settings: Settings):
    """The verification runner's thread (its own event loop; docs/verification.md), on an engine of its own."""
    from jiuzhu.db import make_engine
    from jiuzhu.verification import runner

    return runner.start(make_engine(settings.database_url))


def _start_worker(settings: Settings):
    """The worker's thread, on an engine of its own: a job waits for another writer as long as a command does."""
    from jiuzhu.db import make_engine
    from jiuzhu.jobs import worker

    return worker.start(make_engine(settings.database_url), settings)
