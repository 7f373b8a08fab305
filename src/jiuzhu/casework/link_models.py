"""The table of the links a resident applies through (migration 0017; ``selfservice.py``).

``application_links``: a signed, expiring link the office issued for a household's applicant — only the token's
SHA-256 is kept (``jiuzhu.signed_links``); the applicant's name and ID number as the office registered them (the
identity check compares the last characters); opened, used (the application it filed), locked after too many wrong
checks, revoked by a newer link for the same household; the contact phone and the short note the resident gave.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from jiuzhu.db import Base


class ApplicationLink(Base):
    __tablename__ = "application_links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    household_no: Mapped[str] = mapped_column(String(40))
    area_code: Mapped[str] = mapped_column(String(12))
    applicant_name: Mapped[str] = mapped_column(String(40))
    applicant_id_number: Mapped[str] = mapped_column(String(18))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(60))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    failed_checks: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(200))
    __table_args__ = (CheckConstraint("failed_checks >= 0", name="failed_checks"),)
