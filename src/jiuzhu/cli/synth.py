"""Synthetic data commands: generate a district, load a snapshot, and the demo main job."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import func, select

from jiuzhu import migrate
from jiuzhu.cli.context import actor, console, engine, progress_bar, reports_errors
from jiuzhu.cli.registry import print_summary
from jiuzhu.config import get_settings
from jiuzhu.db import session_scope
from jiuzhu.registry import models as m
from jiuzhu.registry import summary as summary_service


@reports_errors
def synth(
    district: Annotated[str, typer.Option(help="district code, e.g. 500111 (大足区)")] = "500111",
    households: Annotated[int, typer.Option(min=1, help="number of households")] = 10_000,
    seed: Annotated[int, typer.Option(help="same seed, same population")] = 1,
    out: Annotated[Path | None, typer.Option(
        help="snapshot folder (default: $JIUZHU_HOME/synth/<district>-<seed>)")] = None,
    month: Annotated[str, typer.Option(help="reference month, YYYY-MM")] = "2025-08",
    months: Annotated[int, typer.Option(min=1, max=36, help="months of income history")] = 12,
) -> None:
    """Generate a synthetic district as a Parquet snapshot (registry, departments' records, planted truth)."""
    from jiuzhu.synth import generate

    out = out or get_settings().home / "synth" / f"{district}-{seed}"
    with progress_bar(f"generating {district}", households) as advance:
        result = generate(district=district, households=households, seed=seed, out_dir=out,
                          month=month, months=months, progress=advance)
    console.print(f"wrote {result.households:,} households, {result.persons:,} people to {out}")


@reports_errors
def load(
    snapshot: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="folder written by `jiuzhu synth`")],
    reason: Annotated[str, typer.Option(help="why, for the change log")] = "bulk load of a snapshot",
) -> None:
    """Load a Parquet snapshot into the registry database in bulk (one transaction)."""
    from jiuzhu.registry.bulk import load_snapshot

    eng = engine()
    migrate.upgrade(eng)
    persons = _persons_in(snapshot)
    with progress_bar("loading", persons) as advance:
        result = load_snapshot(eng, snapshot, progress=advance, actor=actor(), reason=reason)
    console.print(f"loaded {result.households:,} households and {result.persons:,} people "
                  f"in {result.seconds:.1f} s ({result.persons / max(result.seconds, 1e-9):,.0f} people/s)")


def _persons_in(snapshot: Path) -> int | None:
    import pyarrow.parquet as pq

    path = snapshot / "registry" / "persons.parquet"
    return pq.ParquetFile(path).metadata.num_rows if path.exists() else None


@reports_errors
def demo(
    households: Annotated[int, typer.Option(min=1, help="households in the synthetic district")] = 20_000,
    district: Annotated[str, typer.Option(help="district code")] = "500111",
    seed: Annotated[int, typer.Option(help="random seed")] = 1,
    fresh: Annotated[bool, typer.Option(help="delete the SQLite database first")] = False,
) -> None:
    """The main job on the embedded default: create the database, generate a district, load it, summarise."""
    settings = get_settings()
    if fresh and settings.database_url.startswith("sqlite:///"):
        db_file = Path(settings.database_url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    eng = engine()
    migrate.upgrade(eng)
    console.print(f"database: {eng.url.render_as_string(hide_password=True)}")
    with session_scope(eng) as session:
        present = session.scalar(select(func.count(m.Household.id)).where(m.Household.area_code.startswith(district)))
    if present:
        console.print(f"district {district} already loaded ({present:,} households); --fresh rebuilds it")
    else:
        snapshot = settings.home / "synth" / f"{district}-{seed}"
        synth(district=district, households=households, seed=seed, out=snapshot, month="2025-08", months=12)
        load(snapshot=snapshot, reason="demo")
    with session_scope(eng) as session:
        print_summary(summary_service.summarise(session, on=dt.date(2025, 8, 31)))
    _scan(eng, settings)


def _scan(eng, settings) -> None:
    """Find who is entitled but not enrolled, and who is enrolled but no longer entitled."""
    from jiuzhu.cli.discovery import print_totals
    from jiuzhu.discovery.flows import scan, totals

    outcome = scan(eng, month="2025-08", home=settings.home, actor=actor())
    r = outcome.result
    console.print(f"scan of 2025-08: {r.households:,} households, {r.persons:,} people in {r.seconds:.1f} s; "
                  f"lists in {outcome.folder}")
    print_totals(totals(outcome.findings), outcome)
