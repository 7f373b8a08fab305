"""A new database for a test as a copy of one the real migrations built once in this session.

``upgrade`` stands in for ``jiuzhu.migrate.upgrade`` in the suite (tests/conftest.py): a database without any table,
brought to the head, is filled from a template instead of by the Alembic chain — on SQLite with the sqlite3 backup
API, on PostgreSQL by re-creating the database ``TEMPLATE`` the migrated one. The template itself is made by the
real ``migrate.upgrade``, and anything else (a given revision, a database that already has tables) goes to it, so
what a test sees is what the migrations make. ``tests/test_migrations.py`` and each capability's
``test_migration.py`` check the chain itself, on every database they create.
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, text

from jiuzhu import migrate
from jiuzhu.db import make_engine

_real_upgrade = migrate.upgrade
_lock = threading.Lock()
_sqlite_template: Path | None = None
_pg_templates: dict[str, str] = {}  # server URL -> template database name


def upgrade(engine: Engine, revision: str = "head") -> None:
    if revision != "head" or not _is_empty(engine):
        _real_upgrade(engine, revision)
        return
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        _copy_sqlite(engine)
    elif engine.dialect.name == "postgresql":
        _copy_postgresql(engine)
    _real_upgrade(engine, revision)  # up to date now: only reads the revision


def _is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return not inspect(conn).get_table_names()


def _copy_sqlite(engine: Engine) -> None:
    global _sqlite_template
    with _lock:
        if _sqlite_template is None:
            path = Path(tempfile.mkdtemp(prefix="jiuzhu-template-")) / "template.db"
            template = make_engine(f"sqlite:///{path}")
            _real_upgrade(template)
            template.dispose()
            _sqlite_template = path
    source = sqlite3.connect(_sqlite_template)
    try:
        with engine.connect() as conn:
            source.backup(conn.connection.driver_connection)
    finally:
        source.close()


def _copy_postgresql(engine: Engine) -> None:
    server = engine.url.set(database="postgres")
    key = server.render_as_string(hide_password=False)
    name = engine.url.database
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with _lock:
            if key not in _pg_templates:
                with admin.connect() as conn:
                    conn.execute(text("DROP DATABASE IF EXISTS jiuzhu_template WITH (FORCE)"))
                    conn.execute(text("CREATE DATABASE jiuzhu_template"))
                template = make_engine(engine.url.set(database="jiuzhu_template").render_as_string(
                    hide_password=False))
                _real_upgrade(template)
                template.dispose()
                _pg_templates[key] = "jiuzhu_template"
            engine.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE {_pg_templates[key]}'))
    finally:
        admin.dispose()
