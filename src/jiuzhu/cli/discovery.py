"""``jiuzhu scan``: find who is entitled but not enrolled, and who is enrolled but no longer entitled."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from jiuzhu.cli.context import actor, console, engine, progress_bar, reports_errors
from jiuzhu.config import get_settings
from jiuzhu.money import format_yuan
from jiuzhu.registry.codes import Programme


@reports_errors
def scan(
    month: Annotated[str, typer.Option(help="the month to decide, YYYY-MM")] = "2025-08",
    area: Annotated[str | None, typer.Option(help="only this district or township code")] = None,
    snapshot: Annotated[Path | None, typer.Option(help="scan this Parquet snapshot instead of the registry")] = None,
    full: Annotated[bool, typer.Option(help="re-evaluate every household, not only the changed ones")] = False,
    workbooks: Annotated[str | None, typer.Option(help="also write outreach workbooks: township or community")] = None,
    workers: Annotated[int | None, typer.Option(help="processes for the rules (default: every core)")] = None,
) -> None:
    """Scan the population with the rules and write the 应享未享 and 享而不应 lists."""
    from jiuzhu import migrate
    from jiuzhu.discovery.flows import scan as run
    from jiuzhu.discovery.flows import totals

    eng = engine()
    migrate.upgrade(eng)
    with progress_bar("scanning households", None) as advance:
        outcome = run(eng, month=month, home=get_settings().home, actor=actor(), area=area, snapshot=snapshot,
                      full=full, workers=workers, progress=advance)
    r = outcome.result
    mode = f"incremental: {r.evaluated_households:,} evaluated, {r.reused_households:,} unchanged" \
        if outcome.previous_folder else "full"
    console.print(f"scanned {r.households:,} households, {r.persons:,} people for {month} in {r.seconds:.1f} s "
                  f"({mode}); results in {outcome.folder}")
    print_totals(totals(outcome.findings), outcome)
    if workbooks:
        from jiuzhu.db import session_scope
        from jiuzhu.discovery.workbooks import write_workbooks

        with session_scope(eng) as session:  # every workbook is an export of personal data: logged
            paths = write_workbooks(outcome.folder, outcome.folder / "workbooks", snapshot=snapshot or
                                    outcome.folder / "snapshot", by=workbooks, session=session, actor=actor())
        console.print(f"wrote {len(paths)} workbooks to {outcome.folder / 'workbooks'}")


def print_totals(rows, outcome) -> None:
    from jiuzhu.discovery.lists import LIST_LABELS

    table = Table("list", "programme", "entries", "monthly amount (yuan)", title="what the scan found")
    for list_name, programme, count, fen in rows:
        table.add_row(LIST_LABELS[list_name], Programme(programme).label, f"{count:,}", format_yuan(fen))
    console.print(table)
    if outcome.previous_folder:
        new = sum(1 for c in outcome.findings.column("change").to_pylist() if c == "new")
        console.print(f"since the previous scan: {new:,} new entries, {outcome.resolved.num_rows:,} resolved")
