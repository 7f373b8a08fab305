"""application links: a resident applies on a phone through a signed link the office sent (issue 14 item 1)

``application_links``: the link (only its token's SHA-256), the household's applicant it is for, when it was
opened, used (the application filed through it), locked or revoked; the contact phone and note the resident gave.
``applications.channel`` may also be ``resident`` (居民自助: filed by the resident through such a link).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

OLD = "channel IN ('phone', 'office', 'proxy', 'outreach')"
NEW = "channel IN ('phone', 'office', 'proxy', 'outreach', 'resident')"


def upgrade() -> None:
    op.create_table('application_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('household_no', sa.String(length=40), nullable=False),
    sa.Column('area_code', sa.String(length=12), nullable=False),
    sa.Column('applicant_name', sa.String(length=40), nullable=False),
    sa.Column('applicant_id_number', sa.String(length=18), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_checks', sa.Integer(), nullable=False),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('contact_phone', sa.String(length=20), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.CheckConstraint('failed_checks >= 0', name=op.f('ck_application_links_failed_checks')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_links_application_id_applications')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_application_links_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_links')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_application_links_token_sha256'))
    )
    op.create_index(op.f('ix_application_links_household_id'), 'application_links', ['household_id'], unique=False)
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_applications_channel'), type_='check')
        batch_op.create_check_constraint(op.f('ck_applications_channel'), NEW)


def downgrade() -> None:
    # an application filed by a resident keeps its row, as filed at the office (the closest channel before 0017)
    op.execute("UPDATE applications SET channel = 'office' WHERE channel = 'resident'")
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_applications_channel'), type_='check')
        batch_op.create_check_constraint(op.f('ck_applications_channel'), OLD)
    op.drop_index(op.f('ix_application_links_household_id'), table_name='application_links')
    op.drop_table('application_links')
