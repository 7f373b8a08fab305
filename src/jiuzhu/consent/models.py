"""The consent tables: notices, consent records (ISO/IEC TS 27560), one-time links; the guard freezing terms.

A record's terms are frozen once it is decided (given or refused): every column but its lifecycle columns
(``MUTABLE``) keeps its value, the evidence list only grows, and no record is deleted. The guard is a
``before_flush`` listener, so that no code path — a service, a script, a face — can edit the terms a person
agreed to; a correction or a renewal is a new record (``supersedes_id``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from jiuzhu.db import Base, one_of
from jiuzhu.errors import ConflictError
from jiuzhu.i18n import N_, t
from jiuzhu.signed_links import LinkColumns

ROLES = ("self", "guardian", "proxy")
CAPACITY = ("minor", "no_capacity", "limited_capacity")
PURPOSES = ("application", "review", "spot_check")
METHODS = ("in_person", "remote_link", "paper")
STATUSES = ("requested", "given", "refused", "withdrawn", "expired", "renewed", "invalidated")


class ConsentNotice(Base):
    """The text shown to the person (告知书), one row per code, version and language; never edited: a new text is
    a new version. ``sha256`` of ``body`` is what a record keeps, so the text agreed to can be proven."""

    __tablename__ = "consent_notices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(30))
    version: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    legal_basis: Mapped[str] = mapped_column(String(200))
    categories: Mapped[list] = mapped_column(JSON)
    sources: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(60))
    __table_args__ = (UniqueConstraint("code", "version", "language"),)


class ConsentRecord(Base):
    """One person's authorization for one purpose (ISO/IEC TS 27560 sections in docs/consent.md).

    The data subject is ``person_id`` (in ``household_id``; ``area_code`` scopes who may see it); the signer is
    the person (``self``), a guardian (``capacity_basis``: minor, no or limited capacity, with its document) or a
    written proxy (``proxy_reason`` mandatory, 书面委托)."""

    __tablename__ = "consent_records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[str] = mapped_column(String(40), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    area_code: Mapped[str] = mapped_column(String(12), index=True)
    signer_role: Mapped[str] = mapped_column(String(10))
    signer_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    signer_name: Mapped[str] = mapped_column(String(40))
    signer_id_number: Mapped[str | None] = mapped_column(String(18))
    signer_relation: Mapped[str | None] = mapped_column(String(20))
    capacity_basis: Mapped[str | None] = mapped_column(String(20))
    authority_document: Mapped[str | None] = mapped_column(String(100))  # 监护证明 / 委托书 number or reference
    proxy_reason: Mapped[str | None] = mapped_column(String(200))
    controller_code: Mapped[str] = mapped_column(String(12))
    controller_name: Mapped[str] = mapped_column(String(100))
    purpose_kind: Mapped[str] = mapped_column(String(20))
    purpose_ref: Mapped[str] = mapped_column(String(100))
    legal_basis: Mapped[str] = mapped_column(String(200))
    categories: Mapped[list] = mapped_column(JSON)
    sources: Mapped[list] = mapped_column(JSON)
    notice_id: Mapped[int] = mapped_column(ForeignKey("consent_notices.id"))
    notice_version: Mapped[str] = mapped_column(String(20))
    notice_sha256: Mapped[str] = mapped_column(String(64))
    method: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    requested_by: Mapped[str] = mapped_column(String(60))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(60))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)  # the last day it is valid
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(String(60))
    withdrawal_reason: Mapped[str | None] = mapped_column(String(200))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # expired, renewed, invalidated
    ended_by: Mapped[str | None] = mapped_column(String(60))
    end_reason: Mapped[str | None] = mapped_column(String(200))
    renewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("consent_records.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("consent_records.id"))
    evidence: Mapped[list] = mapped_column(JSON)
    receipt_no: Mapped[str | None] = mapped_column(String(24), unique=True)
    terms_sha256: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        CheckConstraint(one_of("signer_role", ROLES), name="signer_role"),
        CheckConstraint(one_of("status", STATUSES), name="status"),
        CheckConstraint(one_of("purpose_kind", PURPOSES), name="purpose_kind"),
        CheckConstraint(f"method IS NULL OR {one_of('method', METHODS)}", name="method"),
        CheckConstraint(f"capacity_basis IS NULL OR {one_of('capacity_basis', CAPACITY)}", name="capacity_basis"),
        # 书面委托: a proxy signs only with the reason the person cannot (domain.md §6).
        CheckConstraint("signer_role <> 'proxy' OR coalesce(length(proxy_reason), 0) > 0", name="proxy_reason"),
        CheckConstraint("signer_role <> 'guardian' OR capacity_basis IS NOT NULL", name="guardian_basis"),
        CheckConstraint("status IN ('requested', 'invalidated') OR terms_sha256 IS NOT NULL", name="terms_hashed"),
    )


# One request waiting and one consent given, at most, per person and purpose (a renewal's request may wait while
# the consent it renews is still given). Partial indexes: both SQLite and PostgreSQL have them.
for _status in ("requested", "given"):
    _where = text(f"status = '{_status}'")
    Index(f"uq_consent_records_{_status}", ConsentRecord.person_id, ConsentRecord.purpose_kind,
          ConsentRecord.purpose_ref, unique=True, sqlite_where=_where, postgresql_where=_where)


class ConsentLink(LinkColumns, Base):
    """A signed, expiring link sent to a remote member: only the token's SHA-256 is kept (a copy of the database
    gives nobody a usable link). ``failed_checks``: wrong identity checks in a row; ``locked_at`` when they reach
    the limit. A new link for the same record revokes the previous one."""

    __tablename__ = "consent_links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consent_records.id"), index=True)
    # the link's life (token hash, expiry, opened, wrong checks, lock, used, revoked): signed_links.LinkColumns
    __table_args__ = (CheckConstraint("failed_checks >= 0", name="failed_checks"),)


# ----------------------------------------------------------------------------------------------- the guard

# What may still change once a record is decided: its lifecycle, never its terms.
MUTABLE = frozenset({"status", "withdrawn_at", "withdrawn_by", "withdrawal_reason", "ended_at", "ended_by",
                     "end_reason", "renewed_by_id", "evidence"})
FROZEN = tuple(c.key for c in ConsentRecord.__table__.columns if c.key not in MUTABLE)
FROZEN_CHANGED = N_("consent record {record}: its terms are frozen once decided ({field} cannot change); "
                    "record a correction or a renewal as a new record")
EVIDENCE_REWRITTEN = N_("consent record {record}: its evidence can only grow (an entry was changed or removed)")
NOT_DELETED = N_("consent record {record} cannot be deleted: it is evidence")


class FrozenTermsError(ConflictError):
    """A decided record's terms were about to change."""


@event.listens_for(Session, "before_flush")
def _freeze_decided(session: Session, _context, _instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, ConsentRecord):
            raise FrozenTermsError(t(NOT_DELETED, record=obj.record_id))
    for obj in session.dirty:
        if isinstance(obj, ConsentRecord):
            _check_frozen(obj)


def _check_frozen(record: ConsentRecord) -> None:
    state = inspect(record)
    if _before(state, "status") == "requested":
        return
    for name in FROZEN:
        if state.attrs[name].history.has_changes():
            raise FrozenTermsError(t(FROZEN_CHANGED, record=record.record_id, field=name))
    old = _before(state, "evidence") or []
    if list(record.evidence or [])[:len(old)] != list(old):
        raise FrozenTermsError(t(EVIDENCE_REWRITTEN, record=record.record_id))


def _before(state, name: str) -> Any:
    """The value ``name`` had when loaded (before this flush's changes)."""
    history = state.attrs[name].history
    if history.deleted:
        return history.deleted[0]
    return (history.unchanged or [None])[0]
