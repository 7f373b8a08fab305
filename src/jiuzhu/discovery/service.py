"""Scan runs in the database: record a run and its findings, find the previous run."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from jiuzhu.discovery.models import Finding, ScanRun
from jiuzhu.discovery.scan import ScanStats


def previous_run(session: Session, *, month: str, area_code: str | None) -> ScanRun | None:
    """The latest run of the same month and area, whose results an incremental scan may reuse."""
    return session.scalars(
        select(ScanRun).where(ScanRun.month == month, ScanRun.area_code.is_(None) if area_code is None
                              else ScanRun.area_code == area_code).order_by(ScanRun.id.desc()).limit(1)
    ).first()


def record_run(session: Session, result: ScanStats, findings: pa.Table, resolved: pa.Table, *, actor: str,
               area_code: str | None, previous: ScanRun | None, started_at: dt.datetime) -> ScanRun:
    run = ScanRun(month=result.month, area_code=area_code, started_at=started_at, seconds=result.seconds,
                  actor=actor, households=result.households, persons=result.persons,
                  evaluated=result.evaluated_households, previous_id=previous.id if previous else None,
                  folder=str(result.out_dir))
    session.add(run)
    session.flush()
    rows = [_row(run.id, r) for r in findings.to_pylist() + resolved.to_pylist()]
    if rows:
        session.execute(insert(Finding), rows)
    return run


def _row(run_id: int, r: dict) -> dict:
    return {"run_id": run_id, "list": r["list"], "programme": r["programme"], "township": r["township"],
            "area_code": r["area_code"], "household_id": r["household_id"], "person_id": r["person_id"],
            "amount_fen": int(r["amount_fen"] or 0), "failed_mask": int(r["failed"] or 0), "reason": r["reason"],
            "since": r["since"], "last_review": r["last_review"], "change": r["change"], "rank": int(r["rank"] or 0)}
