"""Database schema management with Alembic, driven from code (no alembic.ini to find)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from jiuzhu.db import database_errors, writer

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x6A69757A6875  # "jiuzhu": the advisory lock that serialises upgrades on PostgreSQL


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    return cfg


def head_revision() -> str:
    """The schema revision this version of Jiuzhu needs (the migrations' head)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head() or ""


def current_revision(conn: Connection) -> str | None:
    """The schema revision of the database behind ``conn`` (None: no schema yet); reads only."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database at ``engine`` to ``revision``.

    Every command that opens the registry calls this, so the usual case (already up to date) only reads, on a
    plain connection: it never waits for, nor holds, the write lock (a bulk load holds it for a minute, and
    readers go on meanwhile). Only a database that is behind is upgraded, in a writing transaction (on SQLite
    it takes the write lock first), so that two commands starting together on a new database do not both try
    to create it: the second waits, then finds it up to date (on PostgreSQL through a transaction-scoped
    advisory lock)."""
    target = head_revision() if revision == "head" else revision
    with database_errors(engine), engine.connect() as conn:
        if current_revision(conn) == target:
            return
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with database_errors(engine), writer(engine).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
