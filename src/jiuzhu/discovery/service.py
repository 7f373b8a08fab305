"""Scan runs in the database: record a run and its findings, find the previous run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from jiuzhu.discovery.models import Finding, ScanRun
from jiuzhu.discovery.scan import ScanStats


def previous_run(session: Session, *, month: str, area_code: str | None,
                 usable: Callable[[ScanRun], bool] | None = None) -> ScanRun | None:
    """The latest run of the same month and area whose results an incremental scan may reuse: with ``usable``,
    the latest that passes it (a run whose folder was deleted cannot lend its results)."""
    runs = session.scalars(
        select(ScanRun).where(ScanRun.month == month, ScanRun.area_code.is_(None) if area_code is None
                              else ScanRun.area_code == area_code).order_by(ScanRun.id.desc()))
    return next((run for run in runs if usable is None or usable(run)), None)


def record_run(session: Session, result: ScanStats, findings: pa.Table, resolved: pa.Table, *, actor: str,
               area_code: str | None, previous: ScanRun | None, started_at: dt.datetime,
               folder: Path | None = None) -> ScanRun:
    """Record a complete scan and its lists; ``folder`` is where its files are (default: the scan's own)."""
    run = ScanRun(month=result.month, area_code=area_code, started_at=started_at, seconds=result.seconds,
                  actor=actor, households=result.households, persons=result.persons,
                  evaluated=result.evaluated_households, previous_id=previous.id if previous else None,
                  folder=str(folder or result.out_dir), failed=len(result.failed))
    session.add(run)
    session.flush()
    rows = [_row(run.id, r) for r in findings.to_pylist() + resolved.to_pylist()]
    if rows:
        session.execute(insert(Finding), rows)
    return run


def forget_run(session: Session, run_id: int) -> None:
    """Remove a run whose folder could not be put in place (its findings go with it)."""
    session.execute(delete(Finding).where(Finding.run_id == run_id))
    session.execute(delete(ScanRun).where(ScanRun.id == run_id))


def _row(run_id: int, r: dict) -> dict:
    return {"run_id": run_id, "list": r["list"], "programme": r["programme"], "township": r["township"],
            "area_code": r["area_code"], "household_id": r["household_id"], "person_id": r["person_id"],
            "amount_fen": int(r["amount_fen"] or 0), "failed_mask": int(r["failed"] or 0), "reason": r["reason"],
            "since": r["since"], "last_review": r["last_review"], "change": r["change"], "rank": int(r["rank"] or 0)}


def count_runs(session: Session) -> int:
    """The scans recorded."""
    from sqlalchemy import func

    return session.scalar(select(func.count(ScanRun.id))) or 0
