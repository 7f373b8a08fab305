"""Registry commands: schema, import, export, show, history, summary."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from jiuzhu import migrate
from jiuzhu.cli.context import actor, console, engine, err_console, reports_errors
from jiuzhu.db import session_scope
from jiuzhu.errors import JiuzhuError
from jiuzhu.money import format_yuan
from jiuzhu.registry import interchange, schemas, service
from jiuzhu.registry import summary as summary_service
from jiuzhu.registry.codes import COUNTED_INCOME, DisabilityCategory, Programme, Relation
from jiuzhu.registry.validation import mask_id

LEDGER_SUFFIXES = {".xlsx", ".csv"}
JSON_SUFFIXES = {".json", ".jsonl"}


@reports_errors
def db_upgrade() -> None:
    """Create the database, or bring its schema up to date (Alembic migrations)."""
    migrate.upgrade(engine())
    console.print("database schema is up to date")


@reports_errors
def schema(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write here instead of printing")] = None,
) -> None:
    """Print the JSON Schema of the household interchange format."""
    text = json.dumps(schemas.json_schema(), ensure_ascii=False, indent=2) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)


@reports_errors
def import_file(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".json, .jsonl, .xlsx or .csv")],
    reason: Annotated[str, typer.Option(help="why, for the change log")] = "import",
    report: Annotated[Path | None, typer.Option(help="write rejected rows/records to this CSV")] = None,
) -> None:
    """Import households from the JSON format or a township ledger (台账); bad records are reported, good ones kept."""
    suffix = path.suffix.lower()
    if suffix not in LEDGER_SUFFIXES | JSON_SUFFIXES:
        raise JiuzhuError(f"{path.name}: unknown file type {suffix}; use .json, .jsonl, .xlsx or .csv")
    eng = engine()
    migrate.upgrade(eng)
    with session_scope(eng) as session:
        if suffix in LEDGER_SUFFIXES:
            from jiuzhu.registry.ledger import import_ledger

            result = import_ledger(session, path, actor=actor(), reason=reason)
            console.print(result.summary())
            for row in result.rejected:
                err_console.print(f"[red]rejected[/red] row {row.row} ({row.household_no or '-'}) "
                                  f"{row.field}: {row.reason}")
            if report:
                result.write_csv(report)
        else:
            result = interchange.import_households(session, path, actor=actor(), reason=reason)
            console.print(f"stored {len(result.stored)} households; rejected {result.rejected_households}")
            for error in result.rejected:
                err_console.print(f"[red]rejected[/red] {error}")
            if report:
                _write_rejections(report, result.rejected)


def _write_rejections(path: Path, errors) -> None:
    import csv

    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["record", "field", "reason"])
        writer.writerows([e.record, e.field, e.reason] for e in errors)


@reports_errors
def export_file(
    path: Annotated[Path, typer.Argument(dir_okay=False, help=".jsonl (complete) or .xlsx/.csv (ledger)")],
    area: Annotated[str | None, typer.Option(help="only this district/township/village code")] = None,
    month: Annotated[str, typer.Option(help="ledger only: the income month to write")] = "2025-08",
    unmask: Annotated[bool, typer.Option(help="ledger only: write full ID numbers (logged)")] = False,
) -> None:
    """Export households: JSON Lines (lossless, full personal data) or a ledger (台账)."""
    suffix = path.suffix.lower()
    with session_scope(engine()) as session:
        if suffix in LEDGER_SUFFIXES:
            from jiuzhu.registry.ledger import export_ledger

            count = export_ledger(session, path, month=month, area_code=area, unmask=unmask, actor=actor())
        elif suffix == ".jsonl":
            count = interchange.export_households(session, path, actor=actor(), area_code=area)
        else:
            raise JiuzhuError(f"{path.name}: export to .jsonl, .xlsx or .csv")
    console.print(f"wrote {count} to {path}")


@reports_errors
def household_show(
    household_no: str,
    unmask: Annotated[bool, typer.Option(help="show full ID numbers (the access is logged)")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the interchange document")] = False,
) -> None:
    """Show one household; ID numbers are masked unless --unmask."""
    with session_scope(engine()) as session:
        doc = service.household_doc(session, service.get_household(session, household_no))
        service.log_access(session, actor=actor(), action="view", subject=household_no, unmasked=unmask)
    data = doc.model_dump(mode="json")
    if not unmask:
        for member in data["members"]:
            member["id_number"] = mask_id(member["id_number"])
        for item in data["rigid_spending"] + data["enrolments"]:
            item["id_number"] = item["id_number"] and mask_id(item["id_number"])
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    _print_household(data)


def _print_household(data: dict) -> None:
    console.print(f"[bold]户 {data['household_no']}[/bold]  {service.area_name(data['area_code'])}"
                  f"  {data['address'] or ''}  {'城市' if data['urban'] else '农村'}")
    table = Table("姓名", "身份证号", "关系", "性别", "出生日期", "共同生活", "残疾", "最近月收入(计入)")

    for mem in data["members"]:
        last = mem["incomes"][-1] if mem["incomes"] else None
        counted = "未知" if last is None else f"{last['month']}: " + str(
            sum((Decimal(last[c]) for c in COUNTED_INCOME if last[c] is not None), Decimal("0.00")))
        dis = mem["disability"]
        table.add_row(mem["name"], mem["id_number"], Relation(mem["relation"]).label,
                      "男" if mem["sex"] == "M" else "女", mem["birth_date"],
                      "是" if mem["counted"] else f"否({mem['exclusion_reason']})",
                      f"{DisabilityCategory(dis['category']).label} {dis['grade']}级" if dis else "", counted)
    console.print(table)
    for e in data["enrolments"]:
        console.print(f"享受 {Programme(e['programme']).label}: {e['monthly_amount']} 元/月, 自 {e['start_date']}")


@reports_errors
def household_history(household_no: str) -> None:
    """Every recorded change of a household: who, when, why, old and new value."""
    with session_scope(engine()) as session:
        service.get_household(session, household_no)
        changes = service.history(session, household_no)
        service.log_access(session, actor=actor(), action="history", subject=household_no, unmasked=False)
    for c in changes:
        console.print(f"{c.at:%Y-%m-%d %H:%M:%S} {c.actor} ({c.reason}): {c.path}: "
                      f"{c.old_value or '-'} → {c.new_value or '-'}", soft_wrap=True, markup=False)


@reports_errors
def summary(on: Annotated[str, typer.Option(help="date for ages and enrolments, YYYY-MM-DD")] = "2025-08-31") -> None:
    """Counts of households, people, areas and enrolments in the registry."""
    with session_scope(engine()) as session:
        result = summary_service.summarise(session, on=dt.date.fromisoformat(on))
    print_summary(result)


def print_summary(s: summary_service.RegistrySummary) -> None:
    def pct(n: int, d: int) -> str:
        return f"{100 * n / d:.1f}%" if d else "-"

    console.print(f"[bold]{s.households:,}[/bold] households ({pct(s.urban_households, s.households)} urban), "
                  f"[bold]{s.persons:,}[/bold] people; aged 65+: {pct(s.aged_65_plus, s.persons)}; "
                  f"disability certificate: {pct(s.disabled, s.persons)}; {s.changes:,} change-log rows")
    areas = Table("code", "township / sub-district", "households", "people", title="by township")
    for a in s.areas:
        areas.add_row(a.code, a.name, f"{a.households:,}", f"{a.persons:,}")
    console.print(areas)
    progs = Table("programme", "enrolments", "monthly total (yuan)", title="current enrolments")
    for p in s.programmes:
        progs.add_row(Programme(p.programme).label, f"{p.enrolments:,}", format_yuan(p.monthly_fen))
    console.print(progs)
