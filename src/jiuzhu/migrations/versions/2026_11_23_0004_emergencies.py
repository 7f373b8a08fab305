"""emergencies (急难) of households, for emergency-type temporary aid

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 11:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('emergencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('need_fen', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_emergencies_household_id_households'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergencies'))
    )
    with op.batch_alter_table('emergencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emergencies_household_id'), ['household_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('emergencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emergencies_household_id'))
    op.drop_table('emergencies')
