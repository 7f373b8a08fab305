"""an account's sessions end when it signs out or its password changes

``users.signed_out_at``: a session cookie signed in at or before this time is refused (signing out ends the
session everywhere, including a copy of the cookie kept elsewhere).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 03:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_out_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('signed_out_at')
