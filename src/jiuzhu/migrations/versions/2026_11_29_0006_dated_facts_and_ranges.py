"""Facts true in time and amounts never negative: a person's phone number; the account of a financial statement;
the dates a vehicle,
a property and a business were held; when a supporter's status was established; a CHECK on every amount

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 20:00:00
"""

import sqlalchemy as sa
from alembic import op

from jiuzhu.registry.codes import INCOME_CATEGORIES

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

INCOME_CHECK = " AND ".join(f"({c} IS NULL OR {c} >= 0)" for c in INCOME_CATEGORIES)
CHECKS = {
    "incomes": [("ck_incomes_amounts", INCOME_CHECK)],
    "financial_assets": [("ck_financial_assets_amount", "amount_fen >= 0")],
    "vehicles": [("ck_vehicles_value", "value_fen IS NULL OR value_fen >= 0")],
    "real_estate": [("ck_real_estate_floor_area", "floor_area_m2 >= 0")],
    "businesses": [("ck_businesses_capital", "registered_capital_fen IS NULL OR registered_capital_fen >= 0")],
    "rigid_spending": [("ck_rigid_spending_amount", "amount_fen >= 0")],
    "enrolments": [("ck_enrolments_amount", "monthly_amount_fen >= 0")],
}
DATES = {
    "vehicles": ("registered_on", "deregistered_on"),
    "real_estate": ("acquired_on", "disposed_on"),
    "businesses": ("registered_on", "deregistered_on"),
    "supporters": ("as_of",),
}


def upgrade() -> None:
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=True))
    with op.batch_alter_table('financial_assets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account', sa.String(length=40), nullable=True))
    for table, columns in DATES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.add_column(sa.Column(column, sa.Date(), nullable=True))
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, condition in checks:
                batch_op.create_check_constraint(op.f(name), condition)


def downgrade() -> None:
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _ in checks:
                batch_op.drop_constraint(op.f(name), type_='check')
    for table, columns in DATES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_column(column)
    with op.batch_alter_table('financial_assets', schema=None) as batch_op:
        batch_op.drop_column('account')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_column('phone')
