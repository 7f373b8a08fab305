"""The audit log's tables: the rows of the keyed hash chain and its one-row head (``audit.chain`` says how)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jiuzhu.db import Base


class AuditEntry(Base):
    """One event: who (``actor``) did what (``action``: view, history, export, create, change, sign_in …) to what
    (``subject``: a household number, a file, an account), in which area, whether identifiers were shown in full
    and why. ``hash`` = HMAC-SHA256 over every other field and ``prev_hash`` (the row before's ``hash``)."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(400))
    area_code: Mapped[str | None] = mapped_column(String(12))
    unmasked: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)  # JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's head, one row: the last row's ``seq`` and ``hash`` (a cut-off tail shows against it), signed
    (``mac``) so that it cannot be moved back by hand. Appends lock it (``SELECT … FOR UPDATE``)."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)


Index("ix_audit_log_area_code_seq", AuditEntry.area_code, AuditEntry.seq)
Index("ix_audit_log_actor_seq", AuditEntry.actor, AuditEntry.seq)
Index("ix_audit_log_at", AuditEntry.at)
