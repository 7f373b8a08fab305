"""payroll: payee accounts, payrolls, their lines, bank files and returns

``payee_accounts``: where a person's money goes (一卡通 card or bank account; an open account number belongs to one
person: partial UNIQUE). ``payrolls``: a month's payroll per programme and area, or a re-issue; one live monthly
payroll per (programme, area, month); CHECKs of maker-checker (approved_by <> prepared_by, closed_by <>
close_requested_by). ``payroll_lines``: one payment each, its payee frozen; partial UNIQUE indexes: one live payment
per (programme, beneficiary, service month), one live adjustment per the same, one live re-issue per line.
``payroll_files``: one disbursement file per (payroll, bank). ``payroll_returns``: a return file imported once.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 00:00:01
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

LIVE = "status NOT IN ('failed', 'cancelled')"


def _partial(name: str, table: str, columns: list[str], where: str) -> None:
    op.create_index(name, table, columns, unique=True, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def upgrade() -> None:
    op.create_table(
        'payee_accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('bank_code', sa.String(length=20), nullable=False),
        sa.Column('bank_name', sa.String(length=60), nullable=False),
        sa.Column('account_no', sa.String(length=32), nullable=False),
        sa.Column('holder_name', sa.String(length=40), nullable=False),
        sa.Column('branch_name', sa.String(length=100), nullable=True),
        sa.Column('interbank_no', sa.String(length=12), nullable=True),
        sa.Column('opened_on', sa.Date(), nullable=False),
        sa.Column('closed_on', sa.Date(), nullable=True),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=60), nullable=False),
        sa.CheckConstraint("kind IN ('card', 'account')", name=op.f('ck_payee_accounts_kind')),
        sa.CheckConstraint('closed_on IS NULL OR closed_on >= opened_on', name=op.f('ck_payee_accounts_dates')),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_payee_accounts_person_id_persons')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payee_accounts')),
    )
    op.create_index(op.f('ix_payee_accounts_person_id'), 'payee_accounts', ['person_id'], unique=False)
    _partial('uq_payee_accounts_open', 'payee_accounts', ['account_no'], 'closed_on IS NULL')
    op.create_table(
        'payrolls',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('payroll_no', sa.String(length=60), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('programme', sa.String(length=30), nullable=False),
        sa.Column('area_code', sa.String(length=12), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('reissue_of', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('line_count', sa.Integer(), nullable=False),
        sa.Column('total_fen', sa.BigInteger(), nullable=False),
        sa.Column('skipped', sa.JSON(), nullable=False),
        sa.Column('prepared_by', sa.String(length=60), nullable=False),
        sa.Column('prepared_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('approved_by', sa.String(length=60), nullable=True),
        sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('cancelled_by', sa.String(length=60), nullable=True),
        sa.Column('close_requested_by', sa.String(length=60), nullable=True),
        sa.Column('closed_by', sa.String(length=60), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('monthly', 'reissue')", name=op.f('ck_payrolls_kind')),
        sa.CheckConstraint("status IN ('prepared', 'approved', 'cancelled', 'closing', 'closed')",
                           name=op.f('ck_payrolls_status')),
        sa.CheckConstraint('total_fen >= 0', name=op.f('ck_payrolls_total')),
        sa.CheckConstraint('approved_by IS NULL OR approved_by <> prepared_by',
                           name=op.f('ck_payrolls_maker_checker')),
        sa.CheckConstraint('closed_by IS NULL OR closed_by <> close_requested_by',
                           name=op.f('ck_payrolls_close_checker')),
        sa.ForeignKeyConstraint(['reissue_of'], ['payrolls.id'], name=op.f('fk_payrolls_reissue_of_payrolls')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payrolls')),
        sa.UniqueConstraint('payroll_no', name=op.f('uq_payrolls_payroll_no')),
    )
    _partial('uq_payrolls_monthly', 'payrolls', ['programme', 'area_code', 'month'],
             "kind = 'monthly' AND status <> 'cancelled'")
    op.create_table(
        'payroll_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('payroll_id', sa.Integer(), nullable=False),
        sa.Column('bank_code', sa.String(length=20), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('line_count', sa.Integer(), nullable=False),
        sa.Column('total_fen', sa.BigInteger(), nullable=False),
        sa.Column('batch_no', sa.String(length=60), nullable=True),
        sa.Column('written_by', sa.String(length=60), nullable=False),
        sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['payroll_id'], ['payrolls.id'], name=op.f('fk_payroll_files_payroll_id_payrolls')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_files')),
        sa.UniqueConstraint('payroll_id', 'bank_code', name=op.f('uq_payroll_files_payroll_id')),
    )
    op.create_table(
        'payroll_returns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('paid', sa.Integer(), nullable=False),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.Column('unmatched', sa.JSON(), nullable=False),
        sa.Column('imported_by', sa.String(length=60), nullable=False),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['file_id'], ['payroll_files.id'],
                                name=op.f('fk_payroll_returns_file_id_payroll_files')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_returns')),
        sa.UniqueConstraint('file_id', 'sha256', name=op.f('uq_payroll_returns_file_id')),
    )
    op.create_table(
        'payroll_lines',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('payroll_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('programme', sa.String(length=30), nullable=False),
        sa.Column('beneficiary', sa.String(length=20), nullable=False),
        sa.Column('service_month', sa.String(length=7), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('household_no', sa.String(length=40), nullable=False),
        sa.Column('area_code', sa.String(length=12), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('enrolment_id', sa.Integer(), nullable=True),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=True),
        sa.Column('reissue_of', sa.Integer(), nullable=True),
        sa.Column('payee_name', sa.String(length=40), nullable=False),
        sa.Column('payee_id_number', sa.String(length=18), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('account_no', sa.String(length=32), nullable=False),
        sa.Column('bank_code', sa.String(length=20), nullable=False),
        sa.Column('bank_name', sa.String(length=60), nullable=False),
        sa.Column('branch_name', sa.String(length=100), nullable=True),
        sa.Column('interbank_no', sa.String(length=12), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=True),
        sa.Column('file_seq', sa.Integer(), nullable=True),
        sa.Column('return_id', sa.Integer(), nullable=True),
        sa.Column('fail_code', sa.String(length=30), nullable=True),
        sa.Column('fail_text', sa.String(length=200), nullable=True),
        sa.CheckConstraint("kind IN ('regular', 'arrear', 'adjustment')", name=op.f('ck_payroll_lines_kind')),
        sa.CheckConstraint("status IN ('pending', 'paid', 'failed', 'cancelled')",
                           name=op.f('ck_payroll_lines_status')),
        sa.CheckConstraint('amount_fen > 0', name=op.f('ck_payroll_lines_amount')),
        sa.CheckConstraint("kind <> 'adjustment' OR reason IS NOT NULL",
                           name=op.f('ck_payroll_lines_adjustment_reason')),
        sa.ForeignKeyConstraint(['payroll_id'], ['payrolls.id'], name=op.f('fk_payroll_lines_payroll_id_payrolls')),
        sa.ForeignKeyConstraint(['reissue_of'], ['payroll_lines.id'],
                                name=op.f('fk_payroll_lines_reissue_of_payroll_lines')),
        sa.ForeignKeyConstraint(['file_id'], ['payroll_files.id'],
                                name=op.f('fk_payroll_lines_file_id_payroll_files')),
        sa.ForeignKeyConstraint(['return_id'], ['payroll_returns.id'],
                                name=op.f('fk_payroll_lines_return_id_payroll_returns')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_lines')),
        sa.UniqueConstraint('payroll_id', 'seq', name=op.f('uq_payroll_lines_payroll_id')),
    )
    op.create_index(op.f('ix_payroll_lines_payroll_id'), 'payroll_lines', ['payroll_id'], unique=False)
    op.create_index('ix_payroll_lines_slots', 'payroll_lines', ['programme', 'service_month', 'beneficiary'],
                    unique=False)
    op.create_index('ix_payroll_lines_file_id', 'payroll_lines', ['file_id'], unique=False)
    _partial('uq_payroll_lines_slot', 'payroll_lines', ['programme', 'beneficiary', 'service_month'],
             f"kind IN ('regular', 'arrear') AND {LIVE}")
    _partial('uq_payroll_lines_adjustment', 'payroll_lines', ['programme', 'beneficiary', 'service_month'],
             f"kind = 'adjustment' AND {LIVE}")
    _partial('uq_payroll_lines_reissue', 'payroll_lines', ['reissue_of'], f"reissue_of IS NOT NULL AND {LIVE}")


def downgrade() -> None:
    op.drop_table('payroll_lines')
    op.drop_table('payroll_returns')
    op.drop_table('payroll_files')
    op.drop_table('payrolls')
    op.drop_table('payee_accounts')
