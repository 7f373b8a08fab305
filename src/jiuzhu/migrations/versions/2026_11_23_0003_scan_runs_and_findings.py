"""scan runs and findings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 08:24:25.560450
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scan_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('area_code', sa.String(length=12), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seconds', sa.Double(), nullable=False),
    sa.Column('actor', sa.String(length=60), nullable=False),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('persons', sa.Integer(), nullable=False),
    sa.Column('evaluated', sa.Integer(), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('folder', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['previous_id'], ['scan_runs.id'], name=op.f('fk_scan_runs_previous_id_scan_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_runs'))
    )
    op.create_table('scan_findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('list', sa.String(length=30), nullable=False),
    sa.Column('programme', sa.String(length=30), nullable=False),
    sa.Column('township', sa.String(length=9), nullable=False),
    sa.Column('area_code', sa.String(length=12), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('failed_mask', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('since', sa.String(length=7), nullable=False),
    sa.Column('last_review', sa.Date(), nullable=True),
    sa.Column('change', sa.String(length=12), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_scan_findings_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_scan_findings_person_id_persons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['scan_runs.id'], name=op.f('fk_scan_findings_run_id_scan_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_findings'))
    )
    with op.batch_alter_table('scan_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scan_findings_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scan_findings_township'), ['township'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('scan_findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scan_findings_township'))
        batch_op.drop_index(batch_op.f('ix_scan_findings_run_id'))

    op.drop_table('scan_findings')
    op.drop_table('scan_runs')
