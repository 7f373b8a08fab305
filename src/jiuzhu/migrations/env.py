"""Alembic environment: run by ``jiuzhu db upgrade`` (see jiuzhu.migrate)."""

from alembic import context

from jiuzhu.accounts import models as accounts_models  # noqa: F401  (registers the tables)
from jiuzhu.audit import models as audit_models  # noqa: F401  (registers the tables)
from jiuzhu.casework import models as casework_models  # noqa: F401  (registers the tables)
from jiuzhu.consent import models as consent_models  # noqa: F401  (registers the tables)
from jiuzhu.db import Base, make_engine
from jiuzhu.discovery import models as discovery_models  # noqa: F401  (registers the tables)
from jiuzhu.jobs import models as jobs_models  # noqa: F401  (registers the tables)
from jiuzhu.payroll import models as payroll_models  # noqa: F401  (registers the tables)
from jiuzhu.registry import models  # noqa: F401  (registers the tables)
from jiuzhu.verification import models as verification_models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as connection:
            _run(connection)
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
