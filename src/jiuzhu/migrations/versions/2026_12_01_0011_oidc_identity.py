"""an account may be bound to one identity at the bureau's OpenID Connect provider

``users.oidc_issuer`` + ``users.oidc_subject``: the provider's ``iss`` and ``sub`` of the person, written at the
account's first sign-in through the provider; unique together (one identity signs in to one account at most).
Empty for every account until then.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oidc_issuer', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('oidc_subject', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_oidc_issuer'), ['oidc_issuer', 'oidc_subject'])


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_oidc_issuer'), type_='unique')
        batch_op.drop_column('oidc_subject')
        batch_op.drop_column('oidc_issuer')
