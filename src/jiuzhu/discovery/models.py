"""Scan runs and their findings, kept in the registry database (the Parquet files hold the full results), and
the outcome of each outreach visit to an entry of a worklist."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jiuzhu.db import Base


class ScanRun(Base):
    __tablename__ = "scan_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    area_code: Mapped[str | None] = mapped_column(String(12))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    seconds: Mapped[float] = mapped_column()
    actor: Mapped[str] = mapped_column(String(60))
    households: Mapped[int] = mapped_column(Integer)
    persons: Mapped[int] = mapped_column(Integer)
    evaluated: Mapped[int] = mapped_column(Integer)  # households evaluated; the rest reused from `previous_id`
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("scan_runs.id"))
    folder: Mapped[str] = mapped_column(Text)  # where the Parquet results are
    # Households the rules could not evaluate (on neither list); NULL for runs recorded before it was counted.
    failed: Mapped[int | None] = mapped_column(Integer)


class Finding(Base):
    """One entry of a work list: 应享未享 (entitled_not_enrolled) or 享而不应 (enrolled_not_entitled)."""

    __tablename__ = "scan_findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("scan_runs.id", ondelete="CASCADE"), index=True)
    list: Mapped[str] = mapped_column(String(30))
    programme: Mapped[str] = mapped_column(String(30))
    township: Mapped[str] = mapped_column(String(9), index=True)
    area_code: Mapped[str] = mapped_column(String(12))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    failed_mask: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    since: Mapped[str] = mapped_column(String(7))
    last_review: Mapped[dt.date | None] = mapped_column(Date)
    change: Mapped[str] = mapped_column(String(12))  # new, continuing, resolved
    rank: Mapped[int] = mapped_column(Integer)


class OutreachOutcome(Base):
    """What a visit to an entry of a worklist found (visited, applied, not entitled after visit, declined, not
    found): who recorded it, when, a note. Outcomes are kept, never overwritten: the latest is the entry's.

    ``entry_key`` names the entry across scans (list, programme, household, person: ``worklists.entry_key``), so
    that the next month's scan, listing the same household again, shows what the last visit found;
    ``finding_id`` is the entry it was recorded on (NULL once that scan is removed)."""

    __tablename__ = "outreach_outcomes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("scan_findings.id", ondelete="SET NULL"))
    entry_key: Mapped[str] = mapped_column(String(80), index=True)
    outcome: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(60))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    area_code: Mapped[str] = mapped_column(String(12), index=True)
