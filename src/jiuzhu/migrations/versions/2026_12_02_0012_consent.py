"""personal electronic authorization (个人电子授权): notices, consent records, links

``consent_notices``: the versioned texts shown (never edited). ``consent_records``: one person's authorization for
one purpose, ISO/IEC TS 27560 fields (docs/consent.md), terms frozen once decided; at most one request waiting and
one consent given per person and purpose (partial unique indexes). ``consent_links``: signed expiring links, only
the token's SHA-256 kept.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

ROLES = "'self', 'guardian', 'proxy'"
STATUSES = "'requested', 'given', 'refused', 'withdrawn', 'expired', 'renewed', 'invalidated'"


def upgrade() -> None:
    op.create_table(
        'consent_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=30), nullable=False),
        sa.Column('version', sa.String(length=20), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('title', sa.String(length=100), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('legal_basis', sa.String(length=200), nullable=False),
        sa.Column('categories', sa.JSON(), nullable=False),
        sa.Column('sources', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_notices')),
        sa.UniqueConstraint('code', 'version', 'language', name=op.f('uq_consent_notices_code')),
    )
    op.create_table(
        'consent_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('record_id', sa.String(length=40), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('area_code', sa.String(length=12), nullable=False),
        sa.Column('signer_role', sa.String(length=10), nullable=False),
        sa.Column('signer_person_id', sa.Integer(), nullable=True),
        sa.Column('signer_name', sa.String(length=40), nullable=False),
        sa.Column('signer_id_number', sa.String(length=18), nullable=True),
        sa.Column('signer_relation', sa.String(length=20), nullable=True),
        sa.Column('capacity_basis', sa.String(length=20), nullable=True),
        sa.Column('authority_document', sa.String(length=100), nullable=True),
        sa.Column('proxy_reason', sa.String(length=200), nullable=True),
        sa.Column('controller_code', sa.String(length=12), nullable=False),
        sa.Column('controller_name', sa.String(length=100), nullable=False),
        sa.Column('purpose_kind', sa.String(length=20), nullable=False),
        sa.Column('purpose_ref', sa.String(length=100), nullable=False),
        sa.Column('legal_basis', sa.String(length=200), nullable=False),
        sa.Column('categories', sa.JSON(), nullable=False),
        sa.Column('sources', sa.JSON(), nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('notice_version', sa.String(length=20), nullable=False),
        sa.Column('notice_sha256', sa.String(length=64), nullable=False),
        sa.Column('method', sa.String(length=20), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('requested_by', sa.String(length=60), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.String(length=60), nullable=True),
        sa.Column('valid_from', sa.Date(), nullable=True),
        sa.Column('valid_until', sa.Date(), nullable=True),
        sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('withdrawn_by', sa.String(length=60), nullable=True),
        sa.Column('withdrawal_reason', sa.String(length=200), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_by', sa.String(length=60), nullable=True),
        sa.Column('end_reason', sa.String(length=200), nullable=True),
        sa.Column('renewed_by_id', sa.Integer(), nullable=True),
        sa.Column('supersedes_id', sa.Integer(), nullable=True),
        sa.Column('evidence', sa.JSON(), nullable=False),
        sa.Column('receipt_no', sa.String(length=24), nullable=True),
        sa.Column('terms_sha256', sa.String(length=64), nullable=True),
        sa.CheckConstraint(f"signer_role IN ({ROLES})", name=op.f('ck_consent_records_signer_role')),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f('ck_consent_records_status')),
        sa.CheckConstraint("purpose_kind IN ('application', 'review', 'spot_check')",
                           name=op.f('ck_consent_records_purpose_kind')),
        sa.CheckConstraint("method IS NULL OR method IN ('in_person', 'remote_link', 'paper')",
                           name=op.f('ck_consent_records_method')),
        sa.CheckConstraint("capacity_basis IS NULL OR capacity_basis IN ('minor', 'no_capacity', 'limited_capacity')",
                           name=op.f('ck_consent_records_capacity_basis')),
        sa.CheckConstraint("signer_role <> 'proxy' OR coalesce(length(proxy_reason), 0) > 0",
                           name=op.f('ck_consent_records_proxy_reason')),
        sa.CheckConstraint("signer_role <> 'guardian' OR capacity_basis IS NOT NULL",
                           name=op.f('ck_consent_records_guardian_basis')),
        sa.CheckConstraint("status IN ('requested', 'invalidated') OR terms_sha256 IS NOT NULL",
                           name=op.f('ck_consent_records_terms_hashed')),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'],
                                name=op.f('fk_consent_records_household_id_households')),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_consent_records_person_id_persons')),
        sa.ForeignKeyConstraint(['signer_person_id'], ['persons.id'],
                                name=op.f('fk_consent_records_signer_person_id_persons')),
        sa.ForeignKeyConstraint(['notice_id'], ['consent_notices.id'],
                                name=op.f('fk_consent_records_notice_id_consent_notices')),
        sa.ForeignKeyConstraint(['renewed_by_id'], ['consent_records.id'],
                                name=op.f('fk_consent_records_renewed_by_id_consent_records')),
        sa.ForeignKeyConstraint(['supersedes_id'], ['consent_records.id'],
                                name=op.f('fk_consent_records_supersedes_id_consent_records')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_records')),
        sa.UniqueConstraint('record_id', name=op.f('uq_consent_records_record_id')),
        sa.UniqueConstraint('receipt_no', name=op.f('uq_consent_records_receipt_no')),
    )
    for column in ('household_id', 'person_id', 'area_code'):
        op.create_index(op.f(f'ix_consent_records_{column}'), 'consent_records', [column], unique=False)
    for status in ('requested', 'given'):
        where = sa.text(f"status = '{status}'")
        op.create_index(f'uq_consent_records_{status}', 'consent_records', ['person_id', 'purpose_kind', 'purpose_ref'],
                        unique=True, sqlite_where=where, postgresql_where=where)
    op.create_table(
        'consent_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consent_id', sa.Integer(), nullable=False),
        sa.Column('token_sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=60), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('failed_checks', sa.Integer(), nullable=False),
        sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('failed_checks >= 0', name=op.f('ck_consent_links_failed_checks')),
        sa.ForeignKeyConstraint(['consent_id'], ['consent_records.id'],
                                name=op.f('fk_consent_links_consent_id_consent_records')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_links')),
        sa.UniqueConstraint('token_sha256', name=op.f('uq_consent_links_token_sha256')),
    )
    op.create_index(op.f('ix_consent_links_consent_id'), 'consent_links', ['consent_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_consent_links_consent_id'), table_name='consent_links')
    op.drop_table('consent_links')
    for status in ('requested', 'given'):
        op.drop_index(f'uq_consent_records_{status}', table_name='consent_records')
    for column in ('household_id', 'person_id', 'area_code'):
        op.drop_index(op.f(f'ix_consent_records_{column}'), table_name='consent_records')
    op.drop_table('consent_records')
    op.drop_table('consent_notices')
