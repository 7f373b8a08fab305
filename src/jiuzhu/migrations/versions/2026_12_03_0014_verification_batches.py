"""verification batches: the households of a batch job and the requests of its waves

``verification_batch_items``: per batch job (``jobs.kind = 'verify_batch'``) its households in order (``seq``), the
wave that asked about each, its verification and its end (pending / done / blocked / failed) — PK (job, seq) and
UNIQUE (job, household): a household is in a batch once. ``verification_batch_queries``: per wave, endpoint and
chunk one request about the members of many households, its request id and the exact body (resent as it is after a
crash), the subjects first asked and still asked; UNIQUE (job, wave, endpoint, chunk).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 00:00:01
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'verification_batch_items',
        sa.Column('job_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('household_no', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('wave', sa.Integer(), nullable=True),
        sa.Column('verification_id', sa.Integer(), nullable=True),
        sa.Column('differences', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'done', 'blocked', 'failed')",
                           name=op.f('ck_verification_batch_items_status')),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'],
                                name=op.f('fk_verification_batch_items_household_id_households')),
        sa.ForeignKeyConstraint(['verification_id'], ['verifications.id'],
                                name=op.f('fk_verification_batch_items_verification_id_verifications')),
        sa.PrimaryKeyConstraint('job_id', 'seq', name=op.f('pk_verification_batch_items')),
        sa.UniqueConstraint('job_id', 'household_id', name=op.f('uq_verification_batch_items_job_id')),
    )
    op.create_table(
        'verification_batch_queries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=False),
        sa.Column('wave', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('endpoint', sa.String(length=64), nullable=False),
        sa.Column('chunk', sa.Integer(), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.String(length=64), nullable=False),
        sa.Column('request_body', sa.Text(), nullable=False),
        sa.Column('asked', sa.JSON(), nullable=False),
        sa.Column('subjects', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('http_status', sa.Integer(), nullable=True),
        sa.Column('error_code', sa.String(length=64), nullable=True),
        sa.Column('latency_ms', sa.Float(), nullable=True),
        sa.Column('replayed', sa.Boolean(), nullable=False),
        sa.CheckConstraint("status IN ('sent', 'answered', 'failed', 'skipped')",
                           name=op.f('ck_verification_batch_queries_status')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_batch_queries')),
        sa.UniqueConstraint('job_id', 'wave', 'endpoint', 'chunk', name=op.f('uq_verification_batch_queries_job_id')),
    )
    op.create_index(op.f('ix_verification_batch_queries_job_id'), 'verification_batch_queries', ['job_id'],
                    unique=False)
    op.create_index(op.f('ix_verification_batch_queries_request_id'), 'verification_batch_queries', ['request_id'],
                    unique=False)
    op.create_index(op.f('ix_verifications_job_id'), 'verifications', ['job_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_verifications_job_id'), table_name='verifications')
    op.drop_table('verification_batch_queries')
    op.drop_table('verification_batch_items')
