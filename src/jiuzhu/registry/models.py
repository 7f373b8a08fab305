"""Registry tables.

Money is integer fen (分) everywhere in storage, 64-bit, never negative (a CHECK
on every amount); a NULL amount or flag means "not known", never zero. Person
facts that change over time are rows with their month, as-of date or the dates
they were held, so history is kept and each month reads what was true then.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jiuzhu.db import Base
from jiuzhu.registry.codes import INCOME_CATEGORIES

MONTH_CHECK = "length(month) = 7 AND substr(month, 5, 1) = '-'"


class Area(Base):
    """An administrative area: district (3), township/sub-district (4), village/community (5)."""

    __tablename__ = "areas"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    # 'mca-2025-12-31' for codes from the official table, 'operator' or 'synthetic' otherwise.
    source: Mapped[str] = mapped_column(String(20))
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 5", name="level"),)


class Household(Base):
    __tablename__ = "households"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_no: Mapped[str] = mapped_column(String(40), unique=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    urban: Mapped[bool] = mapped_column(Boolean)  # which 低保 line applies: 城市 or 农村
    # Date of the household's last declaration of its economic situation (家庭经济状况申报): from it,
    # income months with no entry count as zero and unlisted assets as none. NULL: nothing declared,
    # so whatever is not listed is unknown.
    declared_on: Mapped[dt.date | None] = mapped_column(Date)
    members: Mapped[list[Member]] = relationship(back_populates="household", cascade="all, delete-orphan")


class Person(Base):
    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    death_date: Mapped[dt.date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(20))
    hukou_chongqing: Mapped[bool | None] = mapped_column(Boolean)
    hukou_urban: Mapped[bool | None] = mapped_column(Boolean)
    hukou_area_code: Mapped[str | None] = mapped_column(String(12))
    employment: Mapped[str | None] = mapped_column(String(20))
    sector: Mapped[str | None] = mapped_column(String(40))
    school_level: Mapped[str | None] = mapped_column(String(20))
    major_illness: Mapped[bool | None] = mapped_column(Boolean)
    disability_category: Mapped[str | None] = mapped_column(String(20))
    disability_grade: Mapped[int | None] = mapped_column(Integer)
    disability_certificate: Mapped[str | None] = mapped_column(String(30))
    disability_valid_from: Mapped[dt.date | None] = mapped_column(Date)
    disability_valid_to: Mapped[dt.date | None] = mapped_column(Date)
    # Self-care assessment: one flag per activity, True = can do it unaided; NULL = not assessed.
    care_assessed_on: Mapped[dt.date | None] = mapped_column(Date)
    can_eating: Mapped[bool | None] = mapped_column(Boolean)
    can_dressing: Mapped[bool | None] = mapped_column(Boolean)
    can_transfer: Mapped[bool | None] = mapped_column(Boolean)
    can_toileting: Mapped[bool | None] = mapped_column(Boolean)
    can_indoor_walking: Mapped[bool | None] = mapped_column(Boolean)
    can_bathing: Mapped[bool | None] = mapped_column(Boolean)
    in_institution: Mapped[bool | None] = mapped_column(Boolean)  # 机构集中供养/养育
    work_injury_care: Mapped[bool | None] = mapped_column(Boolean)  # 工伤保险生活护理费
    member: Mapped[Member | None] = relationship(back_populates="person", uselist=False)
    __table_args__ = (
        CheckConstraint("sex IN ('M', 'F')", name="sex"),
        CheckConstraint("disability_grade IS NULL OR disability_grade BETWEEN 1 AND 4", name="grade"),
    )


class Member(Base):
    """A person's place in a household (one household per person at a time)."""

    __tablename__ = "members"
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order within the household, for stable output
    relation: Mapped[str] = mapped_column(String(20))
    counted: Mapped[bool] = mapped_column(Boolean)  # 共同生活家庭成员
    exclusion_reason: Mapped[str | None] = mapped_column(String(30))
    household: Mapped[Household] = relationship(back_populates="members")
    person: Mapped[Person] = relationship(back_populates="member")
    __table_args__ = (
        CheckConstraint("counted OR exclusion_reason IS NOT NULL", name="reason_when_excluded"),
    )


def _income_columns() -> dict[str, Mapped[int | None]]:
    return {name: mapped_column(BigInteger) for name in INCOME_CATEGORIES}


INCOME_CHECK = " AND ".join(f"({c} IS NULL OR {c} >= 0)" for c in INCOME_CATEGORIES)


class Income(Base):
    """A person's income of one month by category, in fen (NULL: not declared/known)."""

    __tablename__ = "incomes"
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    locals().update(_income_columns())
    __table_args__ = (CheckConstraint(MONTH_CHECK, name="month"), CheckConstraint(INCOME_CHECK, name="amounts"))


class FinancialAsset(Base):
    """One statement of an account (kind, institution, account): its balance on ``as_of``."""

    __tablename__ = "financial_assets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    institution: Mapped[str | None] = mapped_column(String(60))
    account: Mapped[str | None] = mapped_column(String(40))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    as_of: Mapped[dt.date] = mapped_column(Date)
    __table_args__ = (CheckConstraint("amount_fen >= 0", name="amount"),)


class Vehicle(Base):
    __tablename__ = "vehicles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    plate: Mapped[str | None] = mapped_column(String(12))
    value_fen: Mapped[int | None] = mapped_column(BigInteger)
    mobility_for_disabled: Mapped[bool] = mapped_column(Boolean)
    registered_on: Mapped[dt.date | None] = mapped_column(Date)  # NULL: held before any month evaluated
    deregistered_on: Mapped[dt.date | None] = mapped_column(Date)  # NULL: still held
    __table_args__ = (CheckConstraint("value_fen IS NULL OR value_fen >= 0", name="value"),)


class RealEstate(Base):
    __tablename__ = "real_estate"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    use: Mapped[str] = mapped_column(String(20))
    floor_area_m2: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    certificate_no: Mapped[str | None] = mapped_column(String(40))
    location: Mapped[str | None] = mapped_column(String(200))
    acquired_on: Mapped[dt.date | None] = mapped_column(Date)
    disposed_on: Mapped[dt.date | None] = mapped_column(Date)
    __table_args__ = (CheckConstraint("floor_area_m2 >= 0", name="floor_area"),)


class Business(Base):
    __tablename__ = "businesses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    uscc: Mapped[str] = mapped_column(String(18))  # 统一社会信用代码
    name: Mapped[str | None] = mapped_column(String(100))
    registered_capital_fen: Mapped[int | None] = mapped_column(BigInteger)
    registered_on: Mapped[dt.date | None] = mapped_column(Date)
    deregistered_on: Mapped[dt.date | None] = mapped_column(Date)
    __table_args__ = (CheckConstraint("registered_capital_fen IS NULL OR registered_capital_fen >= 0",
                                      name="capital"),)


class Supporter(Base):
    """A legal supporter (法定赡养、抚养、扶养义务人) of a person, for 特困."""

    __tablename__ = "supporters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    id_number: Mapped[str | None] = mapped_column(String(18))
    relation: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(40))
    as_of: Mapped[dt.date | None] = mapped_column(Date)  # when the status was established; NULL: always


class RigidSpending(Base):
    """Rigid spending of a household in a month (medical after reimbursement, education, rehabilitation)."""

    __tablename__ = "rigid_spending"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))
    category: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (CheckConstraint(MONTH_CHECK, name="month"), CheckConstraint("amount_fen >= 0", name="amount"))


class Emergency(Base):
    """An emergency (急难) that struck a household, with the need the township assessed, in fen."""

    __tablename__ = "emergencies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    need_fen: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(String(200))
    __table_args__ = (CheckConstraint("need_fen >= 0", name="need"),)


class Enrolment(Base):
    """A current or past enrolment in a programme; person_id set for per-person programmes."""

    __tablename__ = "enrolments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    programme: Mapped[str] = mapped_column(String(30))
    monthly_amount_fen: Mapped[int] = mapped_column(BigInteger)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    last_review: Mapped[dt.date | None] = mapped_column(Date)
    taper_from: Mapped[str | None] = mapped_column(String(7))  # 低保 渐退期: first month above the line through work
    __table_args__ = (CheckConstraint("monthly_amount_fen >= 0", name="amount"),)


class Change(Base):
    """One changed value: nothing in the registry is overwritten without a row here."""

    __tablename__ = "changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(String(200))
    household_no: Mapped[str] = mapped_column(String(40), index=True)
    path: Mapped[str] = mapped_column(String(200))
    old_value: Mapped[str | None] = mapped_column(Text)  # JSON
    new_value: Mapped[str | None] = mapped_column(Text)  # JSON


# The access log (who looked at or exported whose personal data) is the audit log's hash chain since migration
# 0008: ``jiuzhu.audit``, written through ``service.log_access``.


Index("ix_incomes_month", Income.month)
Index("ix_enrolments_programme", Enrolment.programme)
