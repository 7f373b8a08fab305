"""``jiuzhu scan``: find who is entitled but not enrolled, and who is enrolled but no longer entitled."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jiuzhu.cli import checks
from jiuzhu.cli.context import actor, open_registry, progress_bar, settings
from jiuzhu.cli.documents import ScanChanges, ScanDoc, ScanTotal, money
from jiuzhu.cli.output import add_row, count, month_text, print_json, print_table, say, table
from jiuzhu.i18n import N_, t
from jiuzhu.money import format_yuan, yuan_to_fen
from jiuzhu.registry.codes import Programme

WORKBOOKS = {"township": N_("one workbook per township"), "community": N_("one workbook per village or community")}


def scan(
    month: Annotated[str, typer.Option(help=N_("the month to decide, YYYY-MM"))] = "2025-08",
    area: Annotated[str | None, typer.Option(help=N_("only this district or township code"))] = None,
    snapshot: Annotated[Path | None, typer.Option(help=N_(
        "scan this Parquet snapshot instead of the registry"))] = None,
    full: Annotated[bool, typer.Option(help=N_("re-evaluate every household, not only the changed ones"))] = False,
    workbooks: Annotated[str | None, typer.Option(help=N_(
        "also write outreach workbooks: township or community"))] = None,
    workers: Annotated[int | None, typer.Option(min=1, help=N_("processes for the rules (default: every core)"))
                       ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=N_(
        "print what the scan found as JSON (docs/schema/cli/scan.schema.json)"))] = False,
) -> None:
    from jiuzhu.db import session_scope
    from jiuzhu.discovery.flows import scan as run
    from jiuzhu.files import writable_folder

    month = checks.month(month, rules=True)
    area = checks.area_option(area, digits_only=True)
    if workbooks is not None:
        checks.choice(workbooks, "--workbooks", {k: t(v) for k, v in WORKBOOKS.items()})
    if snapshot is not None:
        checks.snapshot_folder(snapshot, "--snapshot")
    home = writable_folder(settings().home)
    eng = open_registry(create=snapshot is not None)  # a snapshot can be scanned before any registry exists
    with session_scope(eng) as session:
        households = checks.require_households(session, area) if snapshot is None else None
    with progress_bar(t("scanning households"), households) as advance:
        outcome = run(eng, month=month, home=home, actor=actor(), area=area, snapshot=snapshot, full=full,
                      workers=workers, progress=advance)
    paths = _workbooks(eng, outcome, snapshot, workbooks) if workbooks else []
    doc = scan_doc(outcome, month, area, paths)
    if as_json:
        print_json(doc)
    else:
        print_scan(doc)


def _workbooks(eng, outcome, snapshot: Path | None, by: str) -> list[Path]:
    from jiuzhu.db import session_scope
    from jiuzhu.discovery.workbooks import write_workbooks

    with session_scope(eng) as session, progress_bar(t("writing workbooks"), None):
        # every workbook is an export of personal data: logged
        return write_workbooks(outcome.folder, outcome.folder / "workbooks", snapshot=snapshot or
                               outcome.folder / "snapshot", by=by, session=session, actor=actor())


def scan_doc(outcome, month: str, area: str | None, workbooks: list[Path]) -> ScanDoc:
    from jiuzhu.discovery.flows import totals
    from jiuzhu.discovery.lists import LIST_LABELS

    r = outcome.result
    since = None
    if outcome.previous_folder:
        new = sum(1 for c in outcome.findings.column("change").to_pylist() if c == "new")
        since = ScanChanges(new=new, resolved=outcome.resolved.num_rows)
    return ScanDoc(
        month=month, area=area, households=r.households, persons=r.persons,
        incremental=bool(outcome.previous_folder), evaluated_households=r.evaluated_households,
        reused_households=r.reused_households, seconds=round(r.seconds, 3), folder=str(outcome.folder),
        run_id=outcome.run_id, since_previous=since, workbooks=[str(p) for p in workbooks],
        totals=[ScanTotal(list=name, list_label=LIST_LABELS[name], programme=programme,
                          programme_label=Programme(programme).label, entries=n, monthly_amount=money(fen))
                for name, programme, n, fen in totals(outcome.findings)])


def print_scan(doc: ScanDoc) -> None:
    mode = t("incremental: {evaluated} evaluated, {reused} unchanged", evaluated=count(doc.evaluated_households),
             reused=count(doc.reused_households)) if doc.incremental else t("full")
    seconds = round(doc.seconds, 1)
    say(t("scanned {households} households, {persons} people for {month} in {seconds} s ({mode}); results in "
          "{folder}", households=count(doc.households), persons=count(doc.persons), month=month_text(doc.month),
          seconds=seconds, mode=mode, folder=doc.folder))
    rows = table(t("what the scan found"), [(t("list"), False), (t("programme"), False), (t("entries"), True),
                                            (t("monthly amount (yuan)"), True)])
    for total in doc.totals:
        add_row(rows, total.list_label, total.programme_label, count(total.entries),
                format_yuan(yuan_to_fen(total.monthly_amount)))
    print_table(rows, t("the scan found nobody to list: no one entitled and not enrolled, no one enrolled and "
                        "not entitled"))
    if doc.since_previous:
        say(t("since the previous scan: {new} new entries, {resolved} resolved", new=count(doc.since_previous.new),
              resolved=count(doc.since_previous.resolved)))
    if doc.workbooks:
        say(t("wrote {count} workbooks to {folder}", count=count(len(doc.workbooks)),
              folder=Path(doc.workbooks[0]).parent))
