"""The payroll tables.

Money is integer fen (BIGINT, CHECK > 0 on a line: a bank pays no zero and no negative amount). A line is a snapshot:
the payee's name, ID number, account and bank, the household's area and the amount are copied when the payroll is
prepared, so a later edit of the registry or of an account changes nothing in it (an approved payroll's inputs are
frozen; the registry even replaces a household's enrolment rows on every edit, so ``enrolment_id`` is a note, not a
key).

What the database itself forbids (partial unique indexes: SQLite and PostgreSQL both have them):

* ``uq_payroll_lines_slot``: one live payment per (programme, beneficiary, service month) — ``beneficiary`` is
  ``h<household id>`` for a per-household programme, ``p<person id>`` for a per-person one, stable across registry
  edits. Live: any status but failed and cancelled (a failed line frees its month for its re-issue only: arrears
  skip a month that has any line but a cancelled one).
* ``uq_payroll_lines_adjustment``: one live adjustment per (programme, beneficiary, service month).
* ``uq_payroll_lines_reissue``: one live re-issue per failed line.
* ``uq_payrolls_monthly``: one live monthly payroll per (programme, area, month).
* ``uq_payee_accounts_open``: an open account number belongs to one person (a card held by nobody else,
  财办〔2020〕37号).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from jiuzhu.db import Base, one_of

ACCOUNT_KINDS = ("card", "account")  # 一卡通 subsidy card, or an ordinary bank account
PAYROLL_KINDS = ("monthly", "reissue")
PAYROLL_STATUSES = ("prepared", "approved", "cancelled", "closing", "closed")
LINE_KINDS = ("regular", "arrear", "adjustment")
LINE_STATUSES = ("pending", "paid", "failed", "cancelled")
LIVE = "status NOT IN ('failed', 'cancelled')"


class PayeeAccount(Base):
    """Where a person's money goes: a bank account or the 一卡通 card, from the township's ledger."""

    __tablename__ = "payee_accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    bank_code: Mapped[str] = mapped_column(String(20))
    bank_name: Mapped[str] = mapped_column(String(60))
    account_no: Mapped[str] = mapped_column(String(32))
    holder_name: Mapped[str] = mapped_column(String(40))
    branch_name: Mapped[str | None] = mapped_column(String(100))
    interbank_no: Mapped[str | None] = mapped_column(String(12))  # 联行号
    opened_on: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(60))
    __table_args__ = (
        CheckConstraint(one_of("kind", ACCOUNT_KINDS), name="kind"),
        CheckConstraint("closed_on IS NULL OR closed_on >= opened_on", name="dates"),
        Index("uq_payee_accounts_open", "account_no", unique=True, sqlite_where=text("closed_on IS NULL"),
              postgresql_where=text("closed_on IS NULL")),
    )


class Payroll(Base):
    """A month's payroll of one programme in one area (a district or a township), or a re-issue of failed lines."""

    __tablename__ = "payrolls"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payroll_no: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    programme: Mapped[str] = mapped_column(String(30))
    area_code: Mapped[str] = mapped_column(String(12))
    month: Mapped[str] = mapped_column(String(7))
    reissue_of: Mapped[int | None] = mapped_column(ForeignKey("payrolls.id"))
    status: Mapped[str] = mapped_column(String(10))
    line_count: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    skipped: Mapped[list] = mapped_column(JSON)  # enrolments not paid, each {household_no, programme, reason}
    prepared_by: Mapped[str] = mapped_column(String(60))
    prepared_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(60))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_by: Mapped[str | None] = mapped_column(String(60))
    close_requested_by: Mapped[str | None] = mapped_column(String(60))
    closed_by: Mapped[str | None] = mapped_column(String(60))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint(one_of("kind", PAYROLL_KINDS), name="kind"),
        CheckConstraint(one_of("status", PAYROLL_STATUSES), name="status"),
        CheckConstraint("total_fen >= 0", name="total"),
        # Maker-checker (openIMIS): the database refuses an approval or a closing by the one who prepared.
        CheckConstraint("approved_by IS NULL OR approved_by <> prepared_by", name="maker_checker"),
        CheckConstraint("closed_by IS NULL OR closed_by <> close_requested_by", name="close_checker"),
        Index("uq_payrolls_monthly", "programme", "area_code", "month", unique=True,
              sqlite_where=text("kind = 'monthly' AND status <> 'cancelled'"),
              postgresql_where=text("kind = 'monthly' AND status <> 'cancelled'")),
    )


class PayrollFile(Base):
    """A disbursement file (报盘) written for one bank; ``batch_no`` is the bank's, when it gives one on upload."""

    __tablename__ = "payroll_files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payroll_id: Mapped[int] = mapped_column(ForeignKey("payrolls.id"))
    bank_code: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    line_count: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    batch_no: Mapped[str | None] = mapped_column(String(60))
    written_by: Mapped[str] = mapped_column(String(60))
    written_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("payroll_id", "bank_code"),)


class PayrollReturn(Base):
    """A return file (回盘) imported against one disbursement file; the same file (SHA-256) is imported once."""

    __tablename__ = "payroll_returns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("payroll_files.id"))
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    paid: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    unmatched: Mapped[list] = mapped_column(JSON)  # [{row, seq, code, detail}]
    imported_by: Mapped[str] = mapped_column(String(60))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("file_id", "sha256"),)


class PayrollLine(Base):
    """One payment: one (programme, beneficiary, service month), to one account, frozen when prepared."""

    __tablename__ = "payroll_lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payroll_id: Mapped[int] = mapped_column(ForeignKey("payrolls.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    programme: Mapped[str] = mapped_column(String(30))
    beneficiary: Mapped[str] = mapped_column(String(20))
    service_month: Mapped[str] = mapped_column(String(7))
    household_id: Mapped[int] = mapped_column(Integer)
    household_no: Mapped[str] = mapped_column(String(40))
    area_code: Mapped[str] = mapped_column(String(12))
    person_id: Mapped[int | None] = mapped_column(Integer)
    enrolment_id: Mapped[int | None] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(String(200))
    reissue_of: Mapped[int | None] = mapped_column(ForeignKey("payroll_lines.id"))
    payee_name: Mapped[str] = mapped_column(String(40))
    payee_id_number: Mapped[str] = mapped_column(String(18))
    account_id: Mapped[int] = mapped_column(Integer)
    account_no: Mapped[str] = mapped_column(String(32))
    bank_code: Mapped[str] = mapped_column(String(20))
    bank_name: Mapped[str] = mapped_column(String(60))
    branch_name: Mapped[str | None] = mapped_column(String(100))
    interbank_no: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(10))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("payroll_files.id"))
    file_seq: Mapped[int | None] = mapped_column(Integer)
    return_id: Mapped[int | None] = mapped_column(ForeignKey("payroll_returns.id"))
    fail_code: Mapped[str | None] = mapped_column(String(30))
    fail_text: Mapped[str | None] = mapped_column(String(200))
    __table_args__ = (
        CheckConstraint(one_of("kind", LINE_KINDS), name="kind"),
        CheckConstraint(one_of("status", LINE_STATUSES), name="status"),
        CheckConstraint("amount_fen > 0", name="amount"),
        CheckConstraint("kind <> 'adjustment' OR reason IS NOT NULL", name="adjustment_reason"),
        UniqueConstraint("payroll_id", "seq"),
        Index("uq_payroll_lines_slot", "programme", "beneficiary", "service_month", unique=True,
              sqlite_where=text(f"kind IN ('regular', 'arrear') AND {LIVE}"),
              postgresql_where=text(f"kind IN ('regular', 'arrear') AND {LIVE}")),
        Index("uq_payroll_lines_adjustment", "programme", "beneficiary", "service_month", unique=True,
              sqlite_where=text(f"kind = 'adjustment' AND {LIVE}"),
              postgresql_where=text(f"kind = 'adjustment' AND {LIVE}")),
        Index("uq_payroll_lines_reissue", "reissue_of", unique=True,
              sqlite_where=text(f"reissue_of IS NOT NULL AND {LIVE}"),
              postgresql_where=text(f"reissue_of IS NOT NULL AND {LIVE}")),
        Index("ix_payroll_lines_slots", "programme", "service_month", "beneficiary"),
        Index("ix_payroll_lines_file_id", "file_id"),
    )
