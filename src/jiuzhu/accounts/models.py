"""The accounts table: one row per person who signs in (the CLI's operator has none: it holds the database)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jiuzhu.db import Base


class User(Base):
    """An account: its role (``access.Role``) and the one area it is bound to (a district, township or village).

    ``password_hash``: argon2id in PHC form (parameters and salt inside it; never the password). Lock-out:
    ``failed_attempts`` in a row, and ``locked_until`` when they reached the limit; ``disabled``: locked by an
    administrator until unlocked.

    ``oidc_issuer`` + ``oidc_subject``: the identity at the bureau's OpenID Connect provider the account was bound to
    at its first sign-in there (the provider's ``iss`` and ``sub``, which never change, unlike a user name): from
    then on only that identity signs in to this account (docs/security.md)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(30))
    area_code: Mapped[str] = mapped_column(String(12), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(60))
    last_sign_in: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # A session signed in at or before this moment is over: signing out ends it everywhere (a kept cookie too).
    signed_out_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    oidc_issuer: Mapped[str | None] = mapped_column(String(255))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    __table_args__ = (CheckConstraint("failed_attempts >= 0", name="failed_attempts"),
                      UniqueConstraint("oidc_issuer", "oidc_subject"))
