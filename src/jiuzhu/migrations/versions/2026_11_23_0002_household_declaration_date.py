"""household declaration date

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 07:33:31.165159
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declared_on', sa.Date(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_column('declared_on')

