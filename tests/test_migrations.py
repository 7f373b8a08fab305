"""The Alembic migrations create exactly the tables the models describe, on both backends."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from jiuzhu import migrate
from jiuzhu.consent import models as _consent_models  # noqa: F401  (registers the consent tables)
from jiuzhu.db import Base
from jiuzhu.discovery import models as _discovery_models  # noqa: F401  (registers the scan tables)
from jiuzhu.jobs import models as _jobs_models  # noqa: F401  (registers the job table)
from jiuzhu.payroll import models as _payroll_models  # noqa: F401  (registers the payroll tables)
from jiuzhu.verification import models as _verification_models  # noqa: F401  (registers the verification tables)


def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_creates_the_registry(engine):
    migrate.upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"households", "persons", "members", "incomes", "changes", "users", "audit_log", "audit_head"} <= tables
    assert "access_log" not in tables  # moved into the audit log's chain (migration 0008)
