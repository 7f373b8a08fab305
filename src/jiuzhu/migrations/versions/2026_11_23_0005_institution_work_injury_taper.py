"""persons: living in an institution, work-injury care pay; enrolments: first month of the 低保 taper;
emergencies: the need is never negative

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 12:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_institution', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('work_injury_care', sa.Boolean(), nullable=True))
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('taper_from', sa.String(length=7), nullable=True))
    with op.batch_alter_table('emergencies', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_emergencies_need'), 'need_fen >= 0')


def downgrade() -> None:
    with op.batch_alter_table('emergencies', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_emergencies_need'), type_='check')
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_column('taper_from')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_column('work_injury_care')
        batch_op.drop_column('in_institution')
