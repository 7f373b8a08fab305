"""The verification tables (migration 0013): one verification of a household, its queries, the items answered.

``verifications``: what was asked (household, purpose, as-of date, window), by whom, the household's document as
declared when it was asked (later registry edits do not move the comparison), who runs it now (``lease_owner``
until ``lease_until``: the runner, docs/verification.md), and what came of it (the report JSON, frozen with its
SHA-256; ``complete``). ``exclusive_key`` holds ``household:<id>`` while the verification is queued or running,
NULL after: a unique column, so the database itself refuses a second running verification of a household.

``verification_queries``: one row per endpoint and chunk of subjects, written and committed (with its audit row)
before anything is sent. ``request_body`` is the exact bytes posted: a retry or a resumed run resends them with the
same ``request_id`` (the department replays its answer; nothing is queried twice).

``verification_items``: one row per item answered; a source that failed or refused a member is a row with status
``unknown`` and no value — a CHECK makes it so: unknown is never 0.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jiuzhu.db import Base, one_of

QUEUED, RUNNING, DONE, INCOMPLETE, FAILED = "queued", "running", "done", "incomplete", "failed"
STATUSES = (QUEUED, RUNNING, DONE, INCOMPLETE, FAILED)
FINISHED = (DONE, INCOMPLETE, FAILED)
# A query: sent (written in T1, maybe posted), answered, failed (the source: its items unknown), refused (a
# department's refusal of the whole request), skipped (not sent: a subject's consent ended before it went).
QUERY_STATUSES = ("sent", "answered", "failed", "refused", "skipped")
ITEM_STATUSES = ("found", "none", "unknown", "stale")


class Verification(Base):
    __tablename__ = "verifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(32))  # random: the request ids are derived from it (unique per row)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    household_no: Mapped[str] = mapped_column(String(40), index=True)
    area_code: Mapped[str] = mapped_column(String(12), index=True)
    purpose_kind: Mapped[str] = mapped_column(String(20))
    purpose_ref: Mapped[str] = mapped_column(String(100))
    as_of: Mapped[dt.date] = mapped_column(Date)
    window_from: Mapped[str] = mapped_column(String(7))
    window_to: Mapped[str] = mapped_column(String(7))
    requested_by: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(5))
    job_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the batch job it belongs to (0014)
    status: Mapped[str] = mapped_column(String(12), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # claims so far (resumed: more than one)
    exclusive_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    declared: Mapped[dict] = mapped_column(JSON)
    report: Mapped[dict | None] = mapped_column(JSON)
    report_sha256: Mapped[str | None] = mapped_column(String(64))
    complete: Mapped[bool | None] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)  # one line for the user when failed
    __table_args__ = (
        CheckConstraint(one_of("status", STATUSES), name="status"),
        CheckConstraint("purpose_kind IN ('application', 'review', 'spot_check')", name="purpose_kind"),
    )


class VerificationQuery(Base):
    __tablename__ = "verification_queries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    verification_id: Mapped[int] = mapped_column(ForeignKey("verifications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    endpoint: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(64), index=True)
    generation: Mapped[int] = mapped_column(Integer, default=1)
    chunk: Mapped[int] = mapped_column(Integer, default=0)
    request_body: Mapped[str] = mapped_column(Text)  # the UTF-8 JSON posted, byte for byte
    subjects: Mapped[list] = mapped_column(JSON)  # [{person_id, consent_id}]
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    http_status: Mapped[int | None] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    latency_ms: Mapped[float | None] = mapped_column(Float)
    response_sha256: Mapped[str | None] = mapped_column(String(64))
    response_kid: Mapped[str | None] = mapped_column(String(64))
    replayed: Mapped[bool] = mapped_column(Boolean, default=False)  # the department replayed a kept answer
    __table_args__ = (
        UniqueConstraint("verification_id", "endpoint", "chunk"),
        CheckConstraint(one_of("status", QUERY_STATUSES), name="status"),
    )


class VerificationItem(Base):
    __tablename__ = "verification_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    verification_id: Mapped[int] = mapped_column(ForeignKey("verifications.id"), index=True)
    query_id: Mapped[int] = mapped_column(ForeignKey("verification_queries.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    consent_id: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    endpoint: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32), default="")
    item: Mapped[str] = mapped_column(String(64), default="")  # '' for a whole source: none or unknown
    # NOT NULL with '' for none, so that the UNIQUE key bites (NULLs are distinct in a UNIQUE).
    ref: Mapped[str] = mapped_column(String(80), default="", server_default="")
    month: Mapped[str] = mapped_column(String(7), default="", server_default="")
    value_fen: Mapped[int | None] = mapped_column(BigInteger)
    value_num: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    value_text: Mapped[str | None] = mapped_column(String(100))
    unit: Mapped[str | None] = mapped_column(String(12))
    as_of: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(String(64))  # why unknown: the failure's or the refusal's code
    __table_args__ = (
        UniqueConstraint("verification_id", "endpoint", "person_id", "item", "ref", "month"),
        CheckConstraint(one_of("status", ITEM_STATUSES), name="status"),
        # Unknown is a row without a value — never 0 (issue 13: a failed source is not "nothing found").
        CheckConstraint("status <> 'unknown' OR (value_fen IS NULL AND value_num IS NULL AND value_text IS NULL)",
                        name="unknown_has_no_value"),
        CheckConstraint("value_fen IS NULL OR value_fen >= 0", name="value_fen"),
    )


# ------------------------------------------------------------------------------------------------ batches (0014)

BATCH_ITEM_STATUSES = ("pending", "done", "blocked", "failed")
BATCH_QUERY_STATUSES = ("sent", "answered", "failed", "skipped")


class BatchItem(Base):
    """One household of a batch job (``verify_batch``): materialised once when the job first runs, in ``seq``
    order; ``wave`` set when the wave that asks about it is prepared (its T1 committed); ``done`` with its
    verification when that wave's T2 committed, ``blocked`` (nothing asked: a member's authorization not valid, or
    the household being verified already) with the reason, ``failed`` when the batch gave up on it. A resumed job
    skips done and blocked households and resends the stored requests of a wave still pending."""

    __tablename__ = "verification_batch_items"
    job_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    household_no: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(8), default="pending")
    wave: Mapped[int | None] = mapped_column(Integer)
    verification_id: Mapped[int | None] = mapped_column(ForeignKey("verifications.id"))
    differences: Mapped[int | None] = mapped_column(Integer)  # the report's differences from the declaration
    reason: Mapped[str | None] = mapped_column(String(500))  # why blocked or failed, in the submitter's language
    __table_args__ = (
        UniqueConstraint("job_id", "household_id"),
        CheckConstraint(one_of("status", BATCH_ITEM_STATUSES), name="status"),
    )


class BatchQuery(Base):
    """One request of a batch's wave to one endpoint: the subjects of many households (each with the consent
    record relied on and its own assertion in the body), written and committed with the households' audit rows
    before it is sent. ``request_body`` is the exact bytes posted, resent with the same ``request_id`` after a
    crash (the department replays); emptied once the wave's T2 is committed (nothing will resend it).
    ``asked``: the subjects first planned; ``subjects``: those still asked (a withdrawal drops one: the next
    generation)."""

    __tablename__ = "verification_batch_queries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(Integer, index=True)
    wave: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    endpoint: Mapped[str] = mapped_column(String(64))
    chunk: Mapped[int] = mapped_column(Integer)
    generation: Mapped[int] = mapped_column(Integer, default=1)
    request_id: Mapped[str] = mapped_column(String(64), index=True)
    request_body: Mapped[str] = mapped_column(Text)
    asked: Mapped[list] = mapped_column(JSON)  # [{verification_id, person_id, consent_id}]
    subjects: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    http_status: Mapped[int | None] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(String(64))
    latency_ms: Mapped[float | None] = mapped_column(Float)
    replayed: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (
        UniqueConstraint("job_id", "wave", "endpoint", "chunk"),
        CheckConstraint(one_of("status", BATCH_QUERY_STATUSES), name="status"),
    )
