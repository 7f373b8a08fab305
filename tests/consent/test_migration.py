"""Migration 0012 creates exactly the consent tables the models describe, on both backends, and goes back down."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from jiuzhu import migrate
from tests.all_tables import METADATA

TABLES = {"consent_notices", "consent_records", "consent_links"}


def test_the_migration_is_the_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), METADATA)
    assert diff == []
    assert TABLES <= set(inspect(engine).get_table_names())


def test_down_to_0011_and_up_again(engine):
    with engine.begin() as conn:
        cfg = migrate.alembic_config(str(engine.url.render_as_string(hide_password=False)))
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0011")
    assert not TABLES & set(inspect(engine).get_table_names())
    migrate.upgrade(engine)
    assert TABLES <= set(inspect(engine).get_table_names())
