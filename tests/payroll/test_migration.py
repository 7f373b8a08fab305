"""Migration 0015 creates exactly the payroll tables the models describe, on both backends, and goes back down."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from jiuzhu import migrate
from jiuzhu.consent import models as _consent  # noqa: F401  (registers the tables)
from jiuzhu.db import Base
from jiuzhu.discovery import models as _discovery  # noqa: F401
from jiuzhu.jobs import models as _jobs  # noqa: F401
from jiuzhu.payroll import models as _payroll  # noqa: F401
from jiuzhu.verification import models as _verification  # noqa: F401

TABLES = {"payee_accounts", "payrolls", "payroll_lines", "payroll_files", "payroll_returns"}


def test_the_migration_is_the_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert TABLES <= set(inspect(engine).get_table_names())


def test_down_to_0014_and_up_again(engine):
    with engine.begin() as conn:
        cfg = migrate.alembic_config(str(engine.url.render_as_string(hide_password=False)))
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0014")
    assert not TABLES & set(inspect(engine).get_table_names())
    migrate.upgrade(engine)
    assert TABLES <= set(inspect(engine).get_table_names())
