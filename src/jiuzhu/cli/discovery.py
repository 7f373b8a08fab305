"""``jiuzhu scan``: find who is entitled but not enrolled, and who is enrolled but no longer entitled."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jiuzhu.cli.context import ExitCode, actor, open_registry, progress_bar, settings
from jiuzhu.cli.documents import ScanChanges, ScanDoc, ScanTotal, money
from jiuzhu.cli.output import add_row, print_json, print_table, say, table
from jiuzhu.i18n import N_, count_text, t
from jiuzhu.money import format_yuan


def scan(
    month: Annotated[str, typer.Option(help=N_("the month to decide, YYYY-MM"))] = "2025-08",
    area: Annotated[str | None, typer.Option(help=N_("only this district or township code"))] = None,
    snapshot: Annotated[Path | None, typer.Option(help=N_(
        "scan this Parquet snapshot instead of the registry"))] = None,
    full: Annotated[bool, typer.Option(help=N_("re-evaluate every household, not only the changed ones"))] = False,
    workbooks: Annotated[str | None, typer.Option(help=N_(
        "also write outreach workbooks: township or community"))] = None,
    unmask: Annotated[bool, typer.Option(help=N_(
        "workbooks with full ID and phone numbers (the export is logged as unmasked)"))] = False,
    workers: Annotated[int | None, typer.Option(min=1, help=N_("processes for the rules (default: every core)"))
                       ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=N_(
        "print what the scan found as JSON (docs/schema/cli/scan.schema.json)"))] = False,
) -> None:
    from jiuzhu.discovery import flows
    from jiuzhu.files import writable_folder

    home = writable_folder(settings().home)
    eng = open_registry(create=snapshot is not None)  # a snapshot can be scanned before any registry exists
    households = flows.check_scan(eng, month=month, area=area, snapshot=snapshot, workbooks=workbooks)
    with progress_bar(t("scanning households"), households) as advance:
        outcome = flows.scan(eng, month=month, home=home, actor=actor(), area=area, snapshot=snapshot, full=full,
                             workers=workers, progress=advance, workbooks=workbooks, unmask=unmask,
                             checked=households)
    summary = flows.summarise(outcome)
    if as_json:
        print_json(scan_doc(summary, outcome.run_id))
    else:
        print_scan(summary)
    if summary.failed:  # households the rules could not evaluate: listed in the scan's folder
        raise typer.Exit(ExitCode.REJECTED)


def scan_doc(summary, run_id: int | None) -> ScanDoc:
    """``jiuzhu scan --json`` from the flow's summary."""
    since = ScanChanges(new=summary.new, resolved=summary.resolved) if summary.new is not None else None
    return ScanDoc(
        month=summary.month, area=summary.area, households=summary.households, persons=summary.persons,
        incremental=summary.mode == "incremental", evaluated_households=summary.evaluated,
        reused_households=summary.reused, seconds=round(summary.seconds, 3), folder=str(summary.folder),
        run_id=run_id, since_previous=since, workbooks=[str(p) for p in summary.workbooks],
        failed_households=len(summary.failed), cleaned=[str(p) for p in summary.cleaned],
        totals=[ScanTotal(list=r["list"], list_label=r["list_label"], programme=r["programme"],
                          programme_label=r["programme_label"], entries=r["entries"],
                          monthly_amount=money(r["amount_fen"])) for r in summary.rows])


def print_scan(summary) -> None:
    """The flow's sentences around the table of what the scan found (money with separators, right-aligned)."""
    say(summary.lines[0])
    rows = table(t("what the scan found"), [(h, i >= 2) for i, h in enumerate(summary.headers)])
    for r in summary.rows:
        add_row(rows, r["list_label"], r["programme_label"], count_text(r["entries"]), format_yuan(r["amount_fen"]))
    if rows.row_count:
        print_table(rows, "")
    for line in summary.lines[1:]:
        say(line)
