"""background jobs and the outcomes of outreach visits

``jobs``: long work (a scan, an import, a what-if) that a request submits and the worker runs, with its lease
(docs/jobs.md). ``outreach_outcomes``: what a visit to an entry of a worklist found, who recorded it and when.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('scope', sa.String(length=12), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('progress', sa.Float(), nullable=False),
        sa.Column('stage', sa.String(length=200), nullable=True),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('submitted_by', sa.String(length=60), nullable=False),
        sa.Column('area_code', sa.String(length=12), nullable=True),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lease_owner', sa.String(length=80), nullable=True),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('exclusive_key', sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
        sa.UniqueConstraint('exclusive_key', name=op.f('uq_jobs_exclusive_key')),
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_area_code'), ['area_code'], unique=False)

    op.create_table(
        'outreach_outcomes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('finding_id', sa.Integer(), nullable=True),
        sa.Column('entry_key', sa.String(length=80), nullable=False),
        sa.Column('outcome', sa.String(length=30), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('actor', sa.String(length=60), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('area_code', sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(['finding_id'], ['scan_findings.id'],
                                name=op.f('fk_outreach_outcomes_finding_id_scan_findings'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outreach_outcomes')),
    )
    with op.batch_alter_table('outreach_outcomes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outreach_outcomes_entry_key'), ['entry_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_outreach_outcomes_area_code'), ['area_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outreach_outcomes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outreach_outcomes_area_code'))
        batch_op.drop_index(batch_op.f('ix_outreach_outcomes_entry_key'))
    op.drop_table('outreach_outcomes')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_area_code'))
        batch_op.drop_index(batch_op.f('ix_jobs_status'))
    op.drop_table('jobs')
