"""case limits: a case's time limits as columns the worklist filters, sorts and pages on in SQL (issue 14)

``limit_late`` a limit done late; ``limit_unknown`` a limit whose day falls in a year without an official calendar;
``limit_due`` the nearest open due day; ``limit_risk`` the first day an open limit is at risk; ``limit_years`` the
calendar years known when they were computed (casework.limits.columns). Existing cases are filled here, from their
dates, with the calendars known now.

Revision ID: 0018
Revises: 0016 (0017 comes between at merge)
Create Date: 2026-12-05 00:00:01
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

DATES = {"id": sa.Integer, "kind": sa.String, "received_on": sa.Date, "accepted_on": sa.Date,
         "investigation_on": sa.Date, "decided_on": sa.Date, "notified_on": sa.Date, "special_reason": sa.String,
         "decision": sa.String}


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('limit_late', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('limit_unknown', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('limit_due', sa.Date(), nullable=True))
        batch.add_column(sa.Column('limit_risk', sa.Date(), nullable=True))
        batch.add_column(sa.Column('limit_years', sa.String(length=200), nullable=True))
        batch.create_index(batch.f('ix_cases_limit_unknown'), ['limit_unknown'], unique=False)
    _fill()


def _fill() -> None:
    # the rule lives in one place (casework.limits.columns), as every action writes it
    from types import SimpleNamespace

    from jiuzhu.casework import limits

    cases = sa.table('cases', *(sa.column(name, kind) for name, kind in DATES.items()),
                     sa.column('limit_late', sa.Boolean), sa.column('limit_unknown', sa.Boolean),
                     sa.column('limit_due', sa.Date), sa.column('limit_risk', sa.Date),
                     sa.column('limit_years', sa.String))
    conn = op.get_bind()
    for row in conn.execute(sa.select(*(cases.c[name] for name in DATES))).mappings().all():
        values = limits.columns(SimpleNamespace(**row))
        conn.execute(cases.update().where(cases.c.id == row["id"]).values(**values))


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.drop_index(batch.f('ix_cases_limit_unknown'))
        for name in ('limit_years', 'limit_risk', 'limit_due', 'limit_unknown', 'limit_late'):
            batch.drop_column(name)
