"""registry

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 07:25:18.531319
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=60), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('unmasked', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_log'))
    )
    op.create_table('areas',
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('parent_code', sa.String(length=12), nullable=True),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 5', name=op.f('ck_areas_level')),
    sa.ForeignKeyConstraint(['parent_code'], ['areas.code'], name=op.f('fk_areas_parent_code_areas')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_areas'))
    )
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_areas_parent_code'), ['parent_code'], unique=False)

    op.create_table('changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=60), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('household_no', sa.String(length=40), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_changes'))
    )
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_changes_household_no'), ['household_no'], unique=False)

    op.create_table('persons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('death_date', sa.Date(), nullable=True),
    sa.Column('hukou_chongqing', sa.Boolean(), nullable=True),
    sa.Column('hukou_urban', sa.Boolean(), nullable=True),
    sa.Column('hukou_area_code', sa.String(length=12), nullable=True),
    sa.Column('employment', sa.String(length=20), nullable=True),
    sa.Column('sector', sa.String(length=40), nullable=True),
    sa.Column('school_level', sa.String(length=20), nullable=True),
    sa.Column('major_illness', sa.Boolean(), nullable=True),
    sa.Column('disability_category', sa.String(length=20), nullable=True),
    sa.Column('disability_grade', sa.Integer(), nullable=True),
    sa.Column('disability_certificate', sa.String(length=30), nullable=True),
    sa.Column('disability_valid_from', sa.Date(), nullable=True),
    sa.Column('disability_valid_to', sa.Date(), nullable=True),
    sa.Column('care_assessed_on', sa.Date(), nullable=True),
    sa.Column('can_eating', sa.Boolean(), nullable=True),
    sa.Column('can_dressing', sa.Boolean(), nullable=True),
    sa.Column('can_transfer', sa.Boolean(), nullable=True),
    sa.Column('can_toileting', sa.Boolean(), nullable=True),
    sa.Column('can_indoor_walking', sa.Boolean(), nullable=True),
    sa.Column('can_bathing', sa.Boolean(), nullable=True),
    sa.CheckConstraint("sex IN ('M', 'F')", name=op.f('ck_persons_sex')),
    sa.CheckConstraint('disability_grade IS NULL OR disability_grade BETWEEN 1 AND 4', name=op.f('ck_persons_grade')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persons')),
    sa.UniqueConstraint('id_number', name=op.f('uq_persons_id_number'))
    )
    op.create_table('businesses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=True),
    sa.Column('registered_capital_fen', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_businesses_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_businesses'))
    )
    with op.batch_alter_table('businesses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_businesses_person_id'), ['person_id'], unique=False)

    op.create_table('financial_assets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('institution', sa.String(length=60), nullable=True),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_financial_assets_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_financial_assets'))
    )
    with op.batch_alter_table('financial_assets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_financial_assets_person_id'), ['person_id'], unique=False)

    op.create_table('households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_no', sa.String(length=40), nullable=False),
    sa.Column('area_code', sa.String(length=12), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('urban', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_households_area_code_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households')),
    sa.UniqueConstraint('household_no', name=op.f('uq_households_household_no'))
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_households_area_code'), ['area_code'], unique=False)

    op.create_table('incomes',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('wages', sa.BigInteger(), nullable=True),
    sa.Column('business_net', sa.BigInteger(), nullable=True),
    sa.Column('property_net', sa.BigInteger(), nullable=True),
    sa.Column('transfer_net', sa.BigInteger(), nullable=True),
    sa.Column('pension', sa.BigInteger(), nullable=True),
    sa.Column('unemployment_benefit', sa.BigInteger(), nullable=True),
    sa.Column('youfu', sa.BigInteger(), nullable=True),
    sa.Column('family_planning', sa.BigInteger(), nullable=True),
    sa.Column('award', sa.BigInteger(), nullable=True),
    sa.Column('assistance', sa.BigInteger(), nullable=True),
    sa.Column('basic_pension_central', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("length(month) = 7 AND substr(month, 5, 1) = '-'", name=op.f('ck_incomes_month')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_incomes_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'month', name=op.f('pk_incomes'))
    )
    with op.batch_alter_table('incomes', schema=None) as batch_op:
        batch_op.create_index('ix_incomes_month', ['month'], unique=False)

    op.create_table('real_estate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('use', sa.String(length=20), nullable=False),
    sa.Column('floor_area_m2', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('certificate_no', sa.String(length=40), nullable=True),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_real_estate_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_real_estate'))
    )
    with op.batch_alter_table('real_estate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_real_estate_person_id'), ['person_id'], unique=False)

    op.create_table('supporters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=True),
    sa.Column('relation', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_supporters_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supporters'))
    )
    with op.batch_alter_table('supporters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supporters_person_id'), ['person_id'], unique=False)

    op.create_table('vehicles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('plate', sa.String(length=12), nullable=True),
    sa.Column('value_fen', sa.BigInteger(), nullable=True),
    sa.Column('mobility_for_disabled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_vehicles_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vehicles'))
    )
    with op.batch_alter_table('vehicles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vehicles_person_id'), ['person_id'], unique=False)

    op.create_table('enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('programme', sa.String(length=30), nullable=False),
    sa.Column('monthly_amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('last_review', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_enrolments_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_enrolments_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolments'))
    )
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolments_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_enrolments_programme', ['programme'], unique=False)

    op.create_table('members',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=20), nullable=False),
    sa.Column('counted', sa.Boolean(), nullable=False),
    sa.Column('exclusion_reason', sa.String(length=30), nullable=True),
    sa.CheckConstraint('counted OR exclusion_reason IS NOT NULL', name=op.f('ck_members_reason_when_excluded')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_members_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_members_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_members'))
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_members_household_id'), ['household_id'], unique=False)

    op.create_table('rigid_spending',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("length(month) = 7 AND substr(month, 5, 1) = '-'", name=op.f('ck_rigid_spending_month')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_rigid_spending_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_rigid_spending_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rigid_spending'))
    )
    with op.batch_alter_table('rigid_spending', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rigid_spending_household_id'), ['household_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('rigid_spending', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rigid_spending_household_id'))

    op.drop_table('rigid_spending')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_members_household_id'))

    op.drop_table('members')
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_index('ix_enrolments_programme')
        batch_op.drop_index(batch_op.f('ix_enrolments_household_id'))

    op.drop_table('enrolments')
    with op.batch_alter_table('vehicles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vehicles_person_id'))

    op.drop_table('vehicles')
    with op.batch_alter_table('supporters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supporters_person_id'))

    op.drop_table('supporters')
    with op.batch_alter_table('real_estate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_real_estate_person_id'))

    op.drop_table('real_estate')
    with op.batch_alter_table('incomes', schema=None) as batch_op:
        batch_op.drop_index('ix_incomes_month')

    op.drop_table('incomes')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_households_area_code'))

    op.drop_table('households')
    with op.batch_alter_table('financial_assets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_financial_assets_person_id'))

    op.drop_table('financial_assets')
    with op.batch_alter_table('businesses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_businesses_person_id'))

    op.drop_table('businesses')
    op.drop_table('persons')
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_changes_household_no'))

    op.drop_table('changes')
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_areas_parent_code'))

    op.drop_table('areas')
    op.drop_table('access_log')
