"""scan runs count the households the rules could not evaluate

A scan goes on when the rules fail on one household's data (it is reported, on neither list); the run
records how many. Runs recorded before this revision have NULL: not counted, which is not zero.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 21:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('scan_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('scan_runs', schema=None) as batch_op:
        batch_op.drop_column('failed')
