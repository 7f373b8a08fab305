"""Migration 0016 creates exactly the casework tables the models describe (both backends) and goes down again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from jiuzhu import migrate
from jiuzhu.casework import models
from tests.all_tables import METADATA

TABLES = {"applications", "cases", "case_events", "case_enrolments"}


def test_the_migration_matches_the_models(engine):
    assert models.Case.__tablename__ in METADATA.tables
    with engine.connect() as conn:
        assert TABLES <= set(inspect(conn).get_table_names())
        diff = compare_metadata(MigrationContext.configure(conn), METADATA)
    assert diff == []  # every table imported, ours included


def test_down_and_up_again(sqlite_engine):
    from alembic import command

    cfg = migrate.alembic_config(sqlite_engine.url.render_as_string(hide_password=False))
    with sqlite_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0014")
    with sqlite_engine.connect() as conn:
        assert not TABLES & set(inspect(conn).get_table_names())
    migrate.upgrade(sqlite_engine)
    with sqlite_engine.connect() as conn:
        assert TABLES <= set(inspect(conn).get_table_names())
