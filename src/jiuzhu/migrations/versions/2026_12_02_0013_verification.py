"""verification (核对): one verification of a household, its queries, the items answered

``verifications``: household, purpose, as-of date, window, who asked, status, the runner's lease, one queued or
running per household (``exclusive_key`` unique), the declared document, the report and its SHA-256.
``verification_queries``: per endpoint and chunk the request id and the exact body sent (a resend is the same
bytes), the subjects with their consent record ids, the outcome. ``verification_items``: what was answered; an
unknown item has no value (CHECK), never 0.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 00:00:01
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

STATUSES = "'queued', 'running', 'done', 'incomplete', 'failed'"
QUERY_STATUSES = "'sent', 'answered', 'failed', 'refused', 'skipped'"
ITEM_STATUSES = "'found', 'none', 'unknown', 'stale'"


def upgrade() -> None:
    op.create_table(
        'verifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('household_no', sa.String(length=40), nullable=False),
        sa.Column('area_code', sa.String(length=12), nullable=False),
        sa.Column('purpose_kind', sa.String(length=20), nullable=False),
        sa.Column('purpose_ref', sa.String(length=100), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('window_from', sa.String(length=7), nullable=False),
        sa.Column('window_to', sa.String(length=7), nullable=False),
        sa.Column('requested_by', sa.String(length=60), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lease_owner', sa.String(length=80), nullable=True),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('exclusive_key', sa.String(length=40), nullable=True),
        sa.Column('declared', sa.JSON(), nullable=False),
        sa.Column('report', sa.JSON(), nullable=True),
        sa.Column('report_sha256', sa.String(length=64), nullable=True),
        sa.Column('complete', sa.Boolean(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f('ck_verifications_status')),
        sa.CheckConstraint("purpose_kind IN ('application', 'review', 'spot_check')",
                           name=op.f('ck_verifications_purpose_kind')),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'],
                                name=op.f('fk_verifications_household_id_households')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_verifications')),
        sa.UniqueConstraint('exclusive_key', name=op.f('uq_verifications_exclusive_key')),
    )
    for column in ('household_id', 'household_no', 'area_code', 'status'):
        op.create_index(op.f(f'ix_verifications_{column}'), 'verifications', [column], unique=False)
    op.create_table(
        'verification_queries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('verification_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('endpoint', sa.String(length=64), nullable=False),
        sa.Column('request_id', sa.String(length=64), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.Column('chunk', sa.Integer(), nullable=False),
        sa.Column('request_body', sa.Text(), nullable=False),
        sa.Column('subjects', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('http_status', sa.Integer(), nullable=True),
        sa.Column('error_code', sa.String(length=64), nullable=True),
        sa.Column('error_message', sa.String(length=500), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('latency_ms', sa.Float(), nullable=True),
        sa.Column('response_sha256', sa.String(length=64), nullable=True),
        sa.Column('response_kid', sa.String(length=64), nullable=True),
        sa.Column('replayed', sa.Boolean(), nullable=False),
        sa.CheckConstraint(f"status IN ({QUERY_STATUSES})", name=op.f('ck_verification_queries_status')),
        sa.ForeignKeyConstraint(['verification_id'], ['verifications.id'],
                                name=op.f('fk_verification_queries_verification_id_verifications')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_queries')),
        sa.UniqueConstraint('verification_id', 'endpoint', 'chunk',
                            name=op.f('uq_verification_queries_verification_id')),
    )
    op.create_index(op.f('ix_verification_queries_verification_id'), 'verification_queries', ['verification_id'],
                    unique=False)
    op.create_index(op.f('ix_verification_queries_request_id'), 'verification_queries', ['request_id'],
                    unique=False)
    op.create_table(
        'verification_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('verification_id', sa.Integer(), nullable=False),
        sa.Column('query_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('consent_id', sa.String(length=40), nullable=True),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('endpoint', sa.String(length=64), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('item', sa.String(length=64), nullable=False),
        sa.Column('ref', sa.String(length=80), server_default='', nullable=False),
        sa.Column('month', sa.String(length=7), server_default='', nullable=False),
        sa.Column('value_fen', sa.BigInteger(), nullable=True),
        sa.Column('value_num', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('value_text', sa.String(length=100), nullable=True),
        sa.Column('unit', sa.String(length=12), nullable=True),
        sa.Column('as_of', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('reason', sa.String(length=64), nullable=True),
        sa.CheckConstraint(f"status IN ({ITEM_STATUSES})", name=op.f('ck_verification_items_status')),
        sa.CheckConstraint(
            "status <> 'unknown' OR (value_fen IS NULL AND value_num IS NULL AND value_text IS NULL)",
            name=op.f('ck_verification_items_unknown_has_no_value')),
        sa.CheckConstraint("value_fen IS NULL OR value_fen >= 0", name=op.f('ck_verification_items_value_fen')),
        sa.ForeignKeyConstraint(['verification_id'], ['verifications.id'],
                                name=op.f('fk_verification_items_verification_id_verifications')),
        sa.ForeignKeyConstraint(['query_id'], ['verification_queries.id'],
                                name=op.f('fk_verification_items_query_id_verification_queries')),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_verification_items_person_id_persons')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_items')),
        sa.UniqueConstraint('verification_id', 'endpoint', 'person_id', 'item', 'ref', 'month',
                            name=op.f('uq_verification_items_verification_id')),
    )
    op.create_index(op.f('ix_verification_items_verification_id'), 'verification_items', ['verification_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_table('verification_items')
    op.drop_table('verification_queries')
    op.drop_table('verifications')
