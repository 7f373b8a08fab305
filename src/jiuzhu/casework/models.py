"""The casework tables (migration 0016; ``application_links`` 0017).

``applications``: one application of a household for one or several programmes (一件事一次办), how it came
(phone, office, 帮代办 by a named worker for a named resident, or a 应享未享 entry), and what the rules said of each
programme when it was filed (kept as shown then).

``cases``: one case per application (``kind`` application) or per review (``kind`` review), its state (the state
machine of ``machine.py``), the dates the time limits count from, and what the decision used: the rules' version,
the household document and month evaluated (``facts``), the result (``outcome``), and its time limits as
columns a list sorts on (``limit_*``, migration 0018). ``version`` is bumped by every
action, and an action's UPDATE is conditional on the version it read: of two staff acting on the same case at once,
one wins, the other is told to reload (docs/casework.md, concurrency).

``case_events``: the timeline, one row per action (who, when, from which state to which, why, what it recorded);
UNIQUE (case, seq). ``case_enrolments``: the registry enrolments a case started or ended (programme, person, day,
amount), UNIQUE (case, programme, person, effect): a rerun after a crash finds them and does nothing twice.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jiuzhu.db import Base, one_of
from jiuzhu.signed_links import LinkColumns

CHANNELS = ("phone", "office", "proxy", "outreach", "resident")  # 手机, 窗口, 帮代办, 应享未享 entry, 居民自助 (0017)
KINDS = ("application", "review")


class Application(Base):
    __tablename__ = "applications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_no: Mapped[str] = mapped_column(String(30), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    household_no: Mapped[str] = mapped_column(String(40), index=True)
    area_code: Mapped[str] = mapped_column(String(12), index=True)
    programmes: Mapped[list] = mapped_column(JSON)  # asked for, in order
    channel: Mapped[str] = mapped_column(String(10))
    filed_by: Mapped[str] = mapped_column(String(60))  # the account that entered it
    filed_for: Mapped[str | None] = mapped_column(String(60))  # 帮代办: the resident it was filed for
    finding_id: Mapped[int | None] = mapped_column(Integer)  # the 应享未享 entry it came from
    month: Mapped[str] = mapped_column(String(7))  # the month the rules assessed
    assessment: Mapped[list] = mapped_column(JSON)  # per programme: status, amount, explanation (masked)
    filed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (CheckConstraint(one_of("channel", CHANNELS), name="channel"),)


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(30), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    household_no: Mapped[str] = mapped_column(String(40), index=True)
    area_code: Mapped[str] = mapped_column(String(12), index=True)
    programmes: Mapped[list] = mapped_column(JSON)
    month: Mapped[str] = mapped_column(String(7))
    state: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer)
    received_on: Mapped[dt.date] = mapped_column(Date)
    accepted_on: Mapped[dt.date | None] = mapped_column(Date)
    investigation_on: Mapped[dt.date | None] = mapped_column(Date)  # the investigation's first step
    special_reason: Mapped[str | None] = mapped_column(String(200))  # 45 working days instead of 30
    missing: Mapped[list | None] = mapped_column(JSON)  # the one notice of what is missing
    verification_id: Mapped[int | None] = mapped_column(Integer)
    visit: Mapped[dict | None] = mapped_column(JSON)
    publicity_from: Mapped[dt.date | None] = mapped_column(Date)
    publicity_until: Mapped[dt.date | None] = mapped_column(Date)
    proposal: Mapped[dict | None] = mapped_column(JSON)  # the rules' result proposed, before 公示
    decision: Mapped[str | None] = mapped_column(String(12))
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(60))
    reasons: Mapped[str | None] = mapped_column(Text)
    rules_version: Mapped[dict | None] = mapped_column(JSON)
    facts: Mapped[dict | None] = mapped_column(JSON)  # {"month": …, "household": the document evaluated}
    outcome: Mapped[dict | None] = mapped_column(JSON)  # per programme: status, fen, persons' fen
    notice: Mapped[str | None] = mapped_column(Text)
    notified_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # The time limits in a form SQL can filter and sort on (migration 0018; casework.limits.columns says what each
    # one is; every action's UPDATE writes them).
    limit_late: Mapped[bool] = mapped_column(Boolean, default=False)
    limit_unknown: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    limit_due: Mapped[dt.date | None] = mapped_column(Date)
    limit_risk: Mapped[dt.date | None] = mapped_column(Date)
    limit_years: Mapped[str | None] = mapped_column(String(200))
    __table_args__ = (CheckConstraint(one_of("kind", KINDS), name="kind"),
                      CheckConstraint("version >= 1", name="version"))


class CaseEvent(Base):
    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    on: Mapped[dt.date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict | None] = mapped_column(JSON)
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_events_case_id_seq"),)


class CaseEnrolment(Base):
    """What a case did to the household's enrolments. By programme and person, not by the enrolment's row id: the
    registry replaces a household's enrolment rows whenever its document is stored."""

    __tablename__ = "case_enrolments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    programme: Mapped[str] = mapped_column(String(30))
    person_key: Mapped[str] = mapped_column(String(20))  # the person's id, or "-" for a household programme
    effect: Mapped[str] = mapped_column(String(8))  # started, ended
    day: Mapped[dt.date] = mapped_column(Date)  # the start date, or the end date
    monthly_amount_fen: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (UniqueConstraint("case_id", "programme", "person_key", "effect",
                                       name="uq_case_enrolments_once"),
                      CheckConstraint(one_of("effect", ("started", "ended")), name="effect"),
                      CheckConstraint("monthly_amount_fen >= 0", name="amount"))


class ApplicationLink(LinkColumns, Base):
    """A signed, expiring link the office issued for a household's applicant to apply on a phone (migration 0017;
    ``selfservice.py``): only the token's SHA-256; the applicant's name and ID number as registered (the identity
    check compares the last characters); opened, used (the application filed), locked after wrong checks, revoked
    by a newer link for the household; the contact phone and note the resident gave."""

    __tablename__ = "application_links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    household_no: Mapped[str] = mapped_column(String(40))
    area_code: Mapped[str] = mapped_column(String(12))
    applicant_name: Mapped[str] = mapped_column(String(40))
    applicant_id_number: Mapped[str] = mapped_column(String(18))
    # the link's life (token hash, expiry, opened, wrong checks, lock, used, revoked): signed_links.LinkColumns
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(200))
    __table_args__ = (CheckConstraint("failed_checks >= 0", name="failed_checks"),)
