"""casework: applications, cases, their timelines and the enrolments a case made (issue 14 items 1-3)

``applications``: one application for one or several programmes (一件事一次办), its channel (phone, office,
帮代办, a 应享未享 entry) and what the rules said of each programme when filed. ``cases``: the case of an
application or of a review, its state, the dates its time limits count from, and what its decision used (the
rules' version, the facts, the outcome); ``version`` makes two actions at once on one case one after the other.
``case_events``: the timeline (UNIQUE case, seq). ``case_enrolments``: what a case did to the
household's enrolments (programme, person, day, amount; UNIQUE case, programme, person, effect): a rerun after a
crash does nothing twice.

Revision ID: 0016
Revises: 0014 (the payroll's 0015 comes between at merge)
Create Date: 2026-12-04 00:00:01
"""

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_no', sa.String(length=30), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('household_no', sa.String(length=40), nullable=False),
    sa.Column('area_code', sa.String(length=12), nullable=False),
    sa.Column('programmes', sa.JSON(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('filed_by', sa.String(length=60), nullable=False),
    sa.Column('filed_for', sa.String(length=60), nullable=True),
    sa.Column('finding_id', sa.Integer(), nullable=True),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('assessment', sa.JSON(), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('phone', 'office', 'proxy', 'outreach')", name=op.f('ck_applications_channel')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_applications_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications')),
    sa.UniqueConstraint('application_no', name=op.f('uq_applications_application_no'))
    )
    op.create_index(op.f('ix_applications_area_code'), 'applications', ['area_code'], unique=False)
    op.create_index(op.f('ix_applications_household_id'), 'applications', ['household_id'], unique=False)
    op.create_index(op.f('ix_applications_household_no'), 'applications', ['household_no'], unique=False)
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_no', sa.String(length=30), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('household_no', sa.String(length=40), nullable=False),
    sa.Column('area_code', sa.String(length=12), nullable=False),
    sa.Column('programmes', sa.JSON(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('investigation_on', sa.Date(), nullable=True),
    sa.Column('special_reason', sa.String(length=200), nullable=True),
    sa.Column('missing', sa.JSON(), nullable=True),
    sa.Column('verification_id', sa.Integer(), nullable=True),
    sa.Column('visit', sa.JSON(), nullable=True),
    sa.Column('publicity_from', sa.Date(), nullable=True),
    sa.Column('publicity_until', sa.Date(), nullable=True),
    sa.Column('proposal', sa.JSON(), nullable=True),
    sa.Column('decision', sa.String(length=12), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('decided_by', sa.String(length=60), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=True),
    sa.Column('rules_version', sa.JSON(), nullable=True),
    sa.Column('facts', sa.JSON(), nullable=True),
    sa.Column('outcome', sa.JSON(), nullable=True),
    sa.Column('notice', sa.Text(), nullable=True),
    sa.Column('notified_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('application', 'review')", name=op.f('ck_cases_kind')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_cases_version')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_cases_application_id_applications')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_cases_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('case_no', name=op.f('uq_cases_case_no'))
    )
    op.create_index(op.f('ix_cases_application_id'), 'cases', ['application_id'], unique=False)
    op.create_index(op.f('ix_cases_area_code'), 'cases', ['area_code'], unique=False)
    op.create_index(op.f('ix_cases_household_id'), 'cases', ['household_id'], unique=False)
    op.create_index(op.f('ix_cases_household_no'), 'cases', ['household_no'], unique=False)
    op.create_index(op.f('ix_cases_state'), 'cases', ['state'], unique=False)
    op.create_table('case_enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('programme', sa.String(length=30), nullable=False),
    sa.Column('person_key', sa.String(length=20), nullable=False),
    sa.Column('effect', sa.String(length=8), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('monthly_amount_fen', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("effect IN ('started', 'ended')", name=op.f('ck_case_enrolments_effect')),
    sa.CheckConstraint('monthly_amount_fen >= 0', name=op.f('ck_case_enrolments_amount')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_enrolments_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_enrolments')),
    sa.UniqueConstraint('case_id', 'programme', 'person_key', 'effect', name='uq_case_enrolments_once')
    )
    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('actor', sa.String(length=60), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=False),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events')),
    sa.UniqueConstraint('case_id', 'seq', name='uq_case_events_case_id_seq')
    )


def downgrade() -> None:
    op.drop_table('case_events')
    op.drop_table('case_enrolments')
    for name in ('state', 'household_no', 'household_id', 'area_code', 'application_id'):
        op.drop_index(op.f(f'ix_cases_{name}'), table_name='cases')
    op.drop_table('cases')
    for name in ('household_no', 'household_id', 'area_code'):
        op.drop_index(op.f(f'ix_applications_{name}'), table_name='applications')
    op.drop_table('applications')
