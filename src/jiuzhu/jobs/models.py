"""The job table: long work (a scan, an import, a what-if) asked for by a request and done by the worker.

A row is the whole state of a job: what to do (``kind``, ``params``), for whom and where (``submitted_by``,
``area_code``, ``scope``), how far it got (``status``, ``progress``, ``stage``), what came of it (``result``,
``error``) and who runs it now (``lease_owner`` until ``lease_until``: docs/jobs.md). ``exclusive_key`` holds
``scan:<scope>`` while a scan is queued or running, NULL otherwise: a unique column, so that the database itself
refuses a second scan of the same scope, even from two requests at the same instant.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jiuzhu.db import Base

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATUSES = (QUEUED, RUNNING, DONE, FAILED)


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # scan, import, whatif
    params: Mapped[dict] = mapped_column(JSON)
    scope: Mapped[str | None] = mapped_column(String(12))  # the area the job works on (a scan's area)
    status: Mapped[str] = mapped_column(String(10), index=True, default=QUEUED)
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..1
    stage: Mapped[str | None] = mapped_column(String(200))  # what it is doing, in the submitter's words
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)  # one line for the user, never a traceback
    submitted_by: Mapped[str] = mapped_column(String(60))
    area_code: Mapped[str | None] = mapped_column(String(12), index=True)  # who may see it (principal.area_clause)
    language: Mapped[str] = mapped_column(String(5), default="zh")  # the submitter's, for stage and error texts
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # claims so far (a resumed job: more than one)
    exclusive_key: Mapped[str | None] = mapped_column(String(40), unique=True)
