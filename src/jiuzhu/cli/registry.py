"""Registry commands: db upgrade, schema, import, export, summary."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from jiuzhu.cli import checks
from jiuzhu.cli.context import (
    ExitCode,
    actor,
    engine,
    err_console,
    open_registry,
    progress_bar,
    settings,
)
from jiuzhu.cli.documents import ImportDoc, Rejection, SummaryArea, SummaryDoc, SummaryProgramme, money
from jiuzhu.cli.output import add_row, print_json, print_table, say, table
from jiuzhu.db import session_scope
from jiuzhu.files import check_output, check_suffix
from jiuzhu.i18n import N_, count_text, t
from jiuzhu.money import format_yuan
from jiuzhu.registry import interchange, schemas
from jiuzhu.registry import summary as summary_service
from jiuzhu.registry.codes import Programme

LEDGER_SUFFIXES = {".xlsx", ".csv"}
JSON_SUFFIXES = {".json", ".jsonl"}
SHOWN_REJECTIONS = 10  # on screen; the report file holds them all


def db_upgrade() -> None:
    engine()
    say(t("the database schema is up to date ({url})", url=settings().database_url_shown))


def schema(
    output: Annotated[Path | None, typer.Option("--output", "-o", help=N_("write here instead of printing"))] = None,
) -> None:
    from jiuzhu.files import atomic_output

    text = json.dumps(schemas.json_schema(), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    check_output(output, {".json"}, "--output")
    with atomic_output(output) as tmp:
        tmp.write_text(text, encoding="utf-8")
    say(t("wrote {path}", path=output))


def import_file(
    path: Annotated[Path, typer.Argument(help=N_(".json, .jsonl, .xlsx or .csv"), show_default=False)],
    reason: Annotated[str, typer.Option(help=N_("why, for the change log"))] = "导入",
    report: Annotated[Path | None, typer.Option(help=N_(
        "write the rejected records to this CSV file (default: a file under JIUZHU_HOME/reports)"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=N_(
        "print the result as JSON (docs/schema/cli/import.schema.json)"))] = False,
) -> None:
    from jiuzhu.files import writable_folder

    ledger = check_suffix(path, LEDGER_SUFFIXES | JSON_SUFFIXES) in LEDGER_SUFFIXES
    if report is not None:
        check_output(report, {".csv"}, "--report")
    eng = engine()
    default_report = settings().home / "reports" / f"{path.stem}-rejected-{dt.datetime.now():%Y%m%d-%H%M%S}.csv"
    if report is None:
        writable_folder(default_report.parent)
    result = _import_ledger(eng, path, reason) if ledger else _import_json(eng, path, reason)
    doc = (_ledger_doc if ledger else _json_doc)(path, result)
    if doc.rejections:
        result.write_csv(report or default_report)
        doc.report = str(report or default_report)
        doc.exit_code = ExitCode.REJECTED
    elif report is not None:  # asked for: the user looks for it, so it is there (its header only)
        result.write_csv(report)
        doc.report = str(report)
    if as_json:
        print_json(doc)
    else:
        _print_import(doc)
    if doc.exit_code:
        raise typer.Exit(doc.exit_code)


def _import_ledger(eng, path: Path, reason: str):
    from jiuzhu.registry.ledger import import_ledger

    with session_scope(eng) as session, progress_bar(t("importing {file}", file=path.name), None) as advance:
        return import_ledger(session, path, actor=actor(), reason=reason, progress=advance,
                             total=lambda n: advance(0, n))


def _import_json(eng, path: Path, reason: str) -> interchange.ImportReport:
    """Streamed and committed in batches: an interrupted import is resumed by running it again."""
    with progress_bar(t("importing {file}", file=path.name), None, in_bytes=True) as advance:
        return interchange.import_households_file(eng, path, actor=actor(), reason=reason, progress=advance,
                                                  total=lambda n: advance(0, n))


def _ledger_doc(path: Path, result) -> ImportDoc:
    rejections = [Rejection(record=t("row {row}", row=r.row), household_no=r.household_no, field=r.field,
                            reason=r.reason) for r in result.rejected]
    return ImportDoc(file=str(path), format=path.suffix.lower().lstrip("."), stored_households=result.stored_households,
                     unchanged_households=len(result.unchanged), stored_people=result.stored_people,
                     rejected_households=len(result.rejected_households),
                     rejected_rows=len(result.rejected_rows), rejections=rejections, report=None,
                     warnings=list(result.warnings), exit_code=0)


def _json_doc(path: Path, result: interchange.ImportReport) -> ImportDoc:
    rejections = [Rejection(record=e.record, household_no=None, field=e.field, reason=e.reason)
                  for e in result.rejected]
    return ImportDoc(file=str(path), format=path.suffix.lower().lstrip("."), stored_households=result.stored_households,
                     unchanged_households=len(result.unchanged), stored_people=None,
                     rejected_households=result.rejected_households, rejected_rows=None, rejections=rejections,
                     report=None, warnings=[], exit_code=0)


def _print_import(doc: ImportDoc) -> None:
    if doc.stored_people is None:
        say(t("stored {households} households; rejected {rejected} households", households=count_text(
            doc.stored_households), rejected=count_text(doc.rejected_households)))
    else:
        say(t("stored {households} households, {people} people; rejected {rows} rows", households=count_text(
            doc.stored_households), people=count_text(doc.stored_people), rows=count_text(doc.rejected_rows)))
    if doc.unchanged_households:
        say(t("{households} households were already stored as in the file: nothing written for them",
              households=count_text(doc.unchanged_households)))
    for warning in doc.warnings:
        err_console.print(t("note: {warning}", warning=warning), markup=False)
    for r in doc.rejections[:SHOWN_REJECTIONS]:
        where = f"{r.record} ({r.household_no})" if r.household_no else r.record
        err_console.print(t("rejected: {record}: {field}: {reason}", record=where, field=r.field, reason=r.reason),
                          markup=False, soft_wrap=True)
    if len(doc.rejections) > SHOWN_REJECTIONS:
        err_console.print(t("… and {more} more problems", more=count_text(len(doc.rejections) - SHOWN_REJECTIONS)),
                          markup=False)
    if doc.report and doc.rejections:
        say(t("every rejection is in {report}", report=doc.report))
    elif doc.report:
        say(t("nothing was rejected; {report} holds only its header row", report=doc.report))


def export_file(
    path: Annotated[Path, typer.Argument(help=N_(".jsonl (complete) or .xlsx/.csv (ledger)"), show_default=False)],
    area: Annotated[str | None, typer.Option(help=N_("only this district, township or village code"))] = None,
    month: Annotated[str, typer.Option(help=N_("ledger only: the income month to write, YYYY-MM"))] = "2025-08",
    unmask: Annotated[bool, typer.Option(help=N_(
        "write every identifier in full (ID numbers, accounts, plates, phones, certificates): needed for a copy "
        "that can be imported again; the export is logged as unmasked"))] = False,
) -> None:
    ledger = check_suffix(path, LEDGER_SUFFIXES | {".jsonl"}) in LEDGER_SUFFIXES  # the exporter checks the rest
    eng = open_registry()
    with session_scope(eng) as session:
        total = summary_service.require_households(session, area)
        with progress_bar(t("exporting to {file}", file=path.name), total) as advance:
            if ledger:
                from jiuzhu.registry.ledger import export_ledger

                written = export_ledger(session, path, month=month, area_code=area, unmask=unmask, actor=actor(),
                                        progress=advance, total=lambda n: advance(0, n))
            else:
                written = interchange.export_households(session, path, actor=actor(), area_code=area,
                                                        unmask=unmask, progress=advance)
    say(t("wrote {count} households to {path}", count=count_text(written), path=path))


def summary(
    on: Annotated[str, typer.Option(help=N_("the date for ages and enrolments, YYYY-MM-DD"))] = "2025-08-31",
    as_json: Annotated[bool, typer.Option("--json", help=N_(
        "print the summary as JSON (docs/schema/cli/summary.schema.json)"))] = False,
) -> None:
    day = checks.date(on, "--on")
    eng = open_registry()
    with session_scope(eng, write=False) as session:
        summary_service.require_households(session)
        result = summary_service.summarise(session, on=day)
    if as_json:
        print_json(summary_doc(result, day))
    else:
        print_summary(result)


def summary_doc(s: summary_service.RegistrySummary, on: dt.date) -> SummaryDoc:
    return SummaryDoc(
        on=on, households=s.households, persons=s.persons, urban_households=s.urban_households,
        aged_65_plus=s.aged_65_plus, disabled=s.disabled, changes=s.changes,
        areas=[SummaryArea(code=a.code, name=a.name, households=a.households, persons=a.persons) for a in s.areas],
        programmes=[SummaryProgramme(programme=p.programme, label=Programme(p.programme).words(),
                                     enrolments=p.enrolments, monthly_amount=money(p.monthly_fen))
                    for p in s.programmes])


def print_summary(s: summary_service.RegistrySummary) -> None:
    def pct(n: int, d: int) -> str:
        return f"{100 * n / d:.1f}%" if d else t("unknown")

    say(t("{households} households ({urban} urban), {persons} people; aged 65 or more: {aged}; with a disability "
          "certificate: {disabled}; {changes} rows in the change log", households=count_text(s.households),
          urban=pct(s.urban_households, s.households), persons=count_text(s.persons),
          aged=pct(s.aged_65_plus, s.persons), disabled=pct(s.disabled, s.persons), changes=count_text(s.changes)))
    areas = table(t("by township"), [(t("code"), False), (t("township or sub-district"), False),
                                     (t("households"), True), (t("people"), True)])
    for a in s.areas:
        add_row(areas, a.code, a.name, count_text(a.households), count_text(a.persons))
    print_table(areas, t("no township has households"))
    progs = table(t("current enrolments"), [(t("programme"), False), (t("enrolments"), True),
                                            (t("monthly total (yuan)"), True)])
    for p in s.programmes:
        add_row(progs, Programme(p.programme).words(), count_text(p.enrolments), format_yuan(p.monthly_fen))
    print_table(progs, t("no current enrolment"))
