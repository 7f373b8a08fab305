"""The scan as a caseworker's bureau runs it: check, snapshot the registry, scan, list, record.

    check_scan(engine, month=..., area=..., snapshot=..., workbooks=...)   one line for each bad input, before any work
    scan(engine, month=..., home=..., actor=..., workbooks="township")     -> ScanOutcome
    clean_stale(home)                                                     -> folders of crashed scans removed
    summarise(outcome)                                                    -> ScanSummary: what a face prints

A scan's folder holds personal data (the snapshot, the lists, the workbooks). It is written under a
temporary name, ``scans/<name>.partial-<random>``, beside a lock file that the scanning process holds;
it takes its real name only when complete, after its ``scan_runs`` row is committed. A scan that crashes
(kill -9, full disk, Ctrl-C) leaves at most a ``.partial-`` folder whose lock nobody holds: the next scan,
or ``clean_stale``, removes it and says so. A scan that is still running holds its lock and is left alone.
(The staging is ``jiuzhu.files.locked_folder`` and ``clean_abandoned``, which what-if's snapshot uses too.)
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlalchemy import Engine

from jiuzhu.db import session_scope
from jiuzhu.discovery import lists, service
from jiuzhu.discovery.scan import FINGERPRINTS, MANIFEST, RESULTS_H, RESULTS_P, ScanStats, run_scan
from jiuzhu.discovery.workbooks import check_by, write_workbooks
from jiuzhu.errors import JiuzhuError
from jiuzhu.files import LockedFolder, clean_abandoned, locked_folder, storage_error
from jiuzhu.i18n import N_, count_text, month_text, t
from jiuzhu.months import check_not_future
from jiuzhu.registry import snapshot as registry_snapshot
from jiuzhu.registry.areas import check_served, lookup, prefix
from jiuzhu.registry.codes import Programme
from jiuzhu.registry.snapshot import export_registry
from jiuzhu.registry.summary import no_households, require_households, unknown_area
from jiuzhu.rules import law

SCANS = "scans"
WORKBOOKS = "workbooks"


@dataclass
class ScanOutcome:
    result: ScanStats
    findings: pa.Table
    resolved: pa.Table
    folder: Path
    run_id: int | None
    previous_folder: Path | None
    cleaned: list[Path] = field(default_factory=list)  # folders of crashed scans removed before this one
    workbooks: list[Path] = field(default_factory=list)
    area: str | None = None  # the area scanned (None: all)


def scan(engine: Engine, *, month: str, home: Path, actor: str, area: str | None = None,
         snapshot: Path | None = None, full: bool = False, workers: int | None = None,
         progress: Callable[[int], None] | None = None, workbooks: str | None = None,
         unmask: bool = False, checked: int | None = None) -> ScanOutcome:
    """Scan the registry (or a given snapshot) for ``month``; incremental against the last run unless ``full``.

    ``workbooks`` ("township" or "community") also writes the outreach workbooks into the scan's folder,
    each recorded in the access log under ``actor``. Bad input is refused before anything is written
    (``check_scan``; ``checked``: its count, when the caller has already checked).
    """
    if checked is None:
        check_scan(engine, month=month, area=area, snapshot=snapshot, workbooks=workbooks)
    cleaned = clean_stale(home)
    started = dt.datetime.now(dt.timezone.utc)
    folder = Path(home) / SCANS / f"{month}-{area or 'all'}-{started:%Y%m%dT%H%M%S%f}"
    with locked_folder(folder) as staging:
        outcome = _run(engine, staging, month=month, actor=actor, area=area, snapshot=snapshot, full=full,
                       workers=workers, progress=progress, workbooks=workbooks, unmask=unmask, started=started)
    outcome.cleaned = cleaned
    return outcome


def _run(engine: Engine, staging: LockedFolder, *, month, actor, area, snapshot, full, workers, progress, workbooks,
         unmask, started) -> ScanOutcome:
    work, folder = staging.work, staging.folder
    from_registry = snapshot is None
    previous = None
    if from_registry:
        export_registry(engine, work / "snapshot")
        snapshot = work / "snapshot"
        if not full:
            with session_scope(engine, write=False) as session:
                previous = service.previous_run(session, month=month, area_code=area, usable=_complete)
    previous_folder = Path(previous.folder) if previous else None
    result = run_scan(snapshot, month, work, area=area, workers=workers, previous=previous_folder,
                      progress=progress)
    findings, resolved = lists.build(work, snapshot, previous_folder)
    with session_scope(engine) as session:
        paths = write_workbooks(work, work / WORKBOOKS, snapshot=snapshot, by=workbooks, session=session,
                                actor=actor, unmask=unmask) if workbooks else []
        run_id = None
        if from_registry:
            run = service.record_run(session, result, findings, resolved, actor=actor, area_code=area,
                                     previous=previous, started_at=started, folder=folder)
            run_id = run.id
    # Committed: the scan is complete; the folder takes its real name.
    try:
        _repoint_manifest(work, folder)
        staging.commit()
    except BaseException:
        if run_id is not None:  # no row for a folder that is not there
            with session_scope(engine) as session:
                service.forget_run(session, run_id)
        raise
    result.out_dir = folder
    return ScanOutcome(result, findings, resolved, folder, run_id, previous_folder,
                       workbooks=[folder / p.relative_to(work) for p in paths], area=area)


def totals(findings: pa.Table) -> list[tuple[str, str, int, int]]:
    """(list, programme, entries, monthly fen) for the summary."""
    out: dict[tuple[str, str], list[int]] = {}
    for row in findings.select(["list", "programme", "amount_fen"]).to_pylist():
        entry = out.setdefault((row["list"], row["programme"]), [0, 0])
        entry[0] += 1
        entry[1] += int(row["amount_fen"] or 0)
    return [(k[0], k[1], v[0], v[1]) for k, v in sorted(out.items())]


# ---------------------------------------------------------------------------------------------------------
# Checks before any work: one line each, nothing written.


def check_scan(engine: Engine | None, *, month: str, area: str | None = None, snapshot: Path | None = None,
               workbooks: str | None = None) -> int:
    """Refuse, with one line naming the input (``JiuzhuError.field``: a face shows it as its option) and what to
    do, what a scan cannot run on; else the number of households it will scan. A face calls this first (its
    count sizes the progress bar) and passes the count to ``scan``, which then does not check again."""
    law.check_month(month)
    check_not_future(month)  # the registry holds today's facts: a later month would stop payments on guesses
    if workbooks is not None:
        check_by(workbooks)
    if area is not None:
        check_served(area)  # written as an area code, inside the jurisdiction
    if snapshot is not None:
        return _check_snapshot(registry_snapshot.check(snapshot, field="snapshot"), area)
    with session_scope(engine, write=False) as session:
        return require_households(session, area)


def _check_snapshot(snapshot: Path, area: str | None) -> int:
    households = snapshot / "registry" / "households.parquet"
    con = duckdb.connect()
    try:
        where = f"WHERE starts_with(area_code, '{prefix(area)}')" if area else ""  # a checked code: digits and S
        held = con.execute(f"SELECT count(*) FROM read_parquet('{households}') {where}").fetchone()[0]
        known = area is None or lookup(area) is not None or _snapshot_area(con, snapshot, area)
    except duckdb.Error as exc:
        raise JiuzhuError(t("the snapshot {path} cannot be read: {cause}", path=snapshot,
                            cause=str(exc).splitlines()[0]), field="snapshot") from None
    finally:
        con.close()
    if not known:
        raise unknown_area(area)
    if not held:
        raise no_households(area)
    return held


def _snapshot_area(con, snapshot: Path, area: str) -> bool:
    areas = snapshot / "registry" / "areas.parquet"
    return areas.is_file() and bool(
        con.execute(f"SELECT count(*) FROM read_parquet('{areas}') WHERE code = '{area}'").fetchone()[0])


def _complete(run) -> bool:
    """A previous run can lend its results only if its folder is still there, whole (it may have been deleted)."""
    folder = Path(run.folder)
    return all((folder / name).is_file() for name in (MANIFEST, FINGERPRINTS, RESULTS_H, RESULTS_P, lists.FINDINGS))


# ---------------------------------------------------------------------------------------------------------
# The scan's folder while it is written (``files.locked_folder``), and what crashed scans leave.

def _repoint_manifest(work: Path, folder: Path) -> None:
    """The manifest names paths inside the scan's folder: give them the folder's final name."""
    path = work / MANIFEST
    try:
        manifest = json.loads(path.read_text())
        old, new = str(work), str(folder)
        fixed = {k: new + v[len(old):] if isinstance(v, str) and v.startswith(old) else v
                 for k, v in manifest.items()}
        path.write_text(json.dumps(fixed, indent=2))
    except OSError as exc:
        raise storage_error(exc, folder) from None


def clean_stale(home: Path) -> list[Path]:
    """Remove the folders that crashed scans left under ``home/scans`` (their lock is free); return them."""
    return clean_abandoned(Path(home) / SCANS)


# ---------------------------------------------------------------------------------------------------------
# What a face shows at the end of a scan.

HEADERS = (N_("list"), N_("programme"), N_("entries"), N_("monthly amount (yuan)"))


@dataclass
class ScanSummary:
    """Everything a face prints after a scan, in the current language (a face's --json is made from it too)."""

    month: str
    area: str | None
    folder: Path
    mode: str  # full, incremental, snapshot
    households: int
    persons: int
    evaluated: int
    reused: int
    seconds: float
    rows: list[dict]  # list, list_label, programme, programme_label, entries, amount_fen
    new: int | None  # entries new since the previous scan (None: no previous scan to compare with)
    resolved: int | None
    failed: list  # the households the rules could not evaluate (ScanStats.failed)
    cleaned: list[Path]
    workbooks: list[Path]
    headers: tuple[str, ...]
    lines: list[str]  # the sentences to print, after the table

    @property
    def empty(self) -> bool:
        return not self.rows


def summarise(outcome: ScanOutcome) -> ScanSummary:
    """The totals of a scan with their labels, the counts, what failed, what was cleaned and where it all is."""
    r = outcome.result
    rows = [{"list": kind, "list_label": lists.list_label(kind), "programme": programme,
             "programme_label": Programme(programme).words(), "entries": n, "amount_fen": fen}
            for kind, programme, n, fen in totals(outcome.findings)]
    compared = outcome.previous_folder is not None
    new = sum(1 for c in outcome.findings.column("change").to_pylist() if c == "new") if compared else None
    resolved = outcome.resolved.num_rows if compared else None
    mode = "snapshot" if outcome.run_id is None else ("incremental" if compared else "full")
    summary = ScanSummary(month=r.month, area=outcome.area, folder=outcome.folder, mode=mode,
                          households=r.households, persons=r.persons, evaluated=r.evaluated_households,
                          reused=r.reused_households, seconds=r.seconds, rows=rows, new=new, resolved=resolved,
                          failed=list(r.failed), cleaned=list(outcome.cleaned), workbooks=list(outcome.workbooks),
                          headers=tuple(t(h) for h in HEADERS), lines=[])
    summary.lines = _lines(summary)
    return summary


def _lines(s: ScanSummary) -> list[str]:
    lines = [t("scanned {households} households, {persons} people for {month} in {seconds} s; results in {folder}",
               households=count_text(s.households), persons=count_text(s.persons), month=month_text(s.month),
               seconds=round(s.seconds, 1), folder=s.folder)]
    if s.mode == "incremental":
        lines.append(t("incremental: {evaluated} households evaluated, {reused} unchanged since the previous scan",
                       evaluated=count_text(s.evaluated), reused=count_text(s.reused)))
    if s.empty:
        lines.append(t("the scan found nobody entitled but not enrolled, and nobody enrolled but no longer "
                       "entitled"))
    if s.new is not None:
        lines.append(t("since the previous scan: {new} new entries, {resolved} resolved",
                       new=count_text(s.new), resolved=count_text(s.resolved)))
    if s.failed:
        lines.append(t("{count} households could not be evaluated by the rules and are on neither list",
                       count=count_text(len(s.failed))))
    if s.cleaned:
        lines.append(t("removed {count} unfinished scan folders left by a crashed scan: {folders}",
                       count=len(s.cleaned), folders=", ".join(p.name for p in s.cleaned)))
    if s.workbooks:
        lines.append(t("wrote {count} workbooks to {folder}", count=len(s.workbooks),
                       folder=s.workbooks[0].parent))
    return lines
