"""The scan as a caseworker's bureau runs it: snapshot the registry, scan, list, record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from sqlalchemy import Engine

from jiuzhu.db import session_scope
from jiuzhu.discovery import lists, service
from jiuzhu.discovery.scan import ScanStats, run_scan
from jiuzhu.registry.snapshot import export_registry


@dataclass
class ScanOutcome:
    result: ScanStats
    findings: pa.Table
    resolved: pa.Table
    folder: Path
    run_id: int | None
    previous_folder: Path | None


def scan(engine: Engine, *, month: str, home: Path, actor: str, area: str | None = None,
         snapshot: Path | None = None, full: bool = False, workers: int | None = None,
         progress: Callable[[int], None] | None = None) -> ScanOutcome:
    """Scan the registry (or a given snapshot) for ``month``; incremental against the last run unless ``full``."""
    started = dt.datetime.now(dt.timezone.utc)
    folder = Path(home) / "scans" / f"{month}-{area or 'all'}-{started:%Y%m%dT%H%M%S%f}"
    from_registry = snapshot is None
    if from_registry:
        export_registry(engine, folder / "snapshot")
        snapshot = folder / "snapshot"
    previous = None
    if from_registry and not full:
        with session_scope(engine) as session:
            previous = service.previous_run(session, month=month, area_code=area)
            previous_folder = Path(previous.folder) if previous and Path(previous.folder).exists() else None
    else:
        previous_folder = None
    result = run_scan(snapshot, month, folder, area=area, workers=workers, previous=previous_folder,
                      progress=progress)
    findings, resolved = lists.build(folder, snapshot, previous_folder)
    run_id = None
    if from_registry:
        with session_scope(engine) as session:
            run = service.record_run(session, result, findings, resolved, actor=actor, area_code=area,
                                     previous=previous if previous_folder else None, started_at=started)
            run_id = run.id
    return ScanOutcome(result, findings, resolved, folder, run_id, previous_folder)


def totals(findings: pa.Table) -> list[tuple[str, str, int, int]]:
    """(list, programme, entries, monthly fen) for the summary."""
    out: dict[tuple[str, str], list[int]] = {}
    for row in findings.select(["list", "programme", "amount_fen"]).to_pylist():
        entry = out.setdefault((row["list"], row["programme"]), [0, 0])
        entry[0] += 1
        entry[1] += int(row["amount_fen"] or 0)
    return [(k[0], k[1], v[0], v[1]) for k, v in sorted(out.items())]
