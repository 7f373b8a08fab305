"""``jiuzhu evaluate``: one household, one month, every programme, with the reasons."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from jiuzhu.cli.context import console, reports_errors

MARK = {"passed": "[green]✓[/green]", "failed": "[red]✗[/red]", "unknown": "[yellow]?[/yellow]"}
STATUS_ZH = {"eligible": "[green]符合[/green]", "not_eligible": "不符合",
             "needs_information": "[yellow]需补充信息[/yellow]"}
STATUS_EN = {"eligible": "[green]eligible[/green]", "not_eligible": "not eligible",
             "needs_information": "[yellow]needs information[/yellow]"}


@reports_errors
def evaluate(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="household JSON (or JSON Lines)")],
    month: Annotated[str, typer.Option(help="the month to decide, YYYY-MM")] = "2025-08",
    explain: Annotated[bool, typer.Option(help="show every condition with its figures and legal reference")] = False,
    lang: Annotated[str, typer.Option(help="zh or en")] = "zh",
    as_json: Annotated[bool, typer.Option(
        "--json", help="print the full result (docs/schema/evaluation.schema.json)")] = False,
    unmask: Annotated[bool, typer.Option(help="show full ID numbers")] = False,
) -> None:
    """Decide one household (or each household of a file) for a month: status, amount and why."""
    from jiuzhu.rules.explain import evaluate as run

    if lang not in ("zh", "en"):
        raise typer.BadParameter("--lang is zh or en")
    from jiuzhu.rules.sources import file_households

    docs = [doc for batch in file_households(path) for doc in batch]
    results = run(docs, month, lang=lang, unmask=unmask)
    if as_json:
        typer.echo(json.dumps(results if len(results) > 1 else results[0], ensure_ascii=False, indent=2))
        return
    for result in results:
        _print(result, explain, lang)


def _print(result: dict, explain: bool, lang: str) -> None:
    status = STATUS_ZH if lang == "zh" else STATUS_EN
    unit = "元/月" if lang == "zh" else "yuan a month"
    head = "户" if lang == "zh" else "household"
    console.print(f"[bold]{head} {result['household_no']}  {result['month']}[/bold]  "
                  f"{'合计' if lang == 'zh' else 'total'} {result['total_monthly_amount']} {unit}")
    for p in result["programmes"]:
        amount = f"  {p['monthly_amount']} {unit}" if p["status"] == "eligible" else ""
        console.print(f"  {escape(p['name'])}: {status[p['status']]}{amount}")
        if explain:
            _conditions(p.get("conditions", []), "    ")
            for b in p.get("breakdown", []):
                label = "基本" if lang == "zh" else "base"
                addon = "分类施保" if lang == "zh" else "add-on"
                console.print(f"      {escape(b['name'])} {b['member']}: "
                              f"{label} {b['base']} + {addon} {b['addon']} = {b['amount']}")
        for person in p.get("persons", []):
            amount = f" {person['monthly_amount']} {unit}" if person["status"] == "eligible" else ""
            tier = f" ({person['care_tier']})" if person.get("care_tier") else ""
            if explain or person["status"] != "not_eligible":
                console.print(f"    {escape(person['name'])} {person['member']}: "
                              f"{status[person['status']]}{amount}{tier}")
            if explain:
                _conditions(person["conditions"], "      ")


def _conditions(conditions: list[dict], indent: str) -> None:
    for c in conditions:
        ref = f" [dim]({escape(c['reference'])})[/dim]" if c.get("reference") else ""
        console.print(f"{indent}{MARK[c['result']]} {escape(c['text'])}{ref}")


@reports_errors
def whatif(
    change: Annotated[list[str], typer.Option("--set", help="NAME=VALUE[@YYYY-MM-DD], e.g. dibao.line.urban=800")],
    month: Annotated[str, typer.Option(help="the month to compare, YYYY-MM")] = "2025-08",
    source: Annotated[Path | None, typer.Option(
        help="households from this JSON/JSONL file instead of the registry")] = None,
    area: Annotated[str | None, typer.Option(help="registry only: this district/township code")] = None,
) -> None:
    """What a change of parameters would do: eligible households and monthly cost, before and after."""
    import tempfile

    from rich.table import Table

    from jiuzhu.cli.context import engine
    from jiuzhu.money import format_yuan
    from jiuzhu.registry.codes import Programme
    from jiuzhu.rules.inputs.documents import frame_for
    from jiuzhu.rules.sources import file_households, registry_frames
    from jiuzhu.rules.whatif import compare, parse_change, reformed

    reform = reformed([parse_change(c, f"{month}-01") for c in change])
    if source:
        report = compare((frame_for(batch, month) for batch in file_households(source)), month, reform)
    else:
        with tempfile.TemporaryDirectory(prefix="jiuzhu-whatif-") as folder:
            report = compare(registry_frames(engine(), month, Path(folder), area_code=area), month, reform)
    table = Table("programme", "eligible before", "after", "new", "leaving", "monthly cost before", "after",
                  "difference", title=f"{report.reform} — {report.households:,} households, {month}")
    for key, d in report.programmes.items():
        table.add_row(Programme(key).label, f"{d.eligible_before:,}", f"{d.eligible_after:,}",
                      f"{d.newly_eligible:,}", f"{d.no_longer_eligible:,}", format_yuan(d.cost_before_fen),
                      format_yuan(d.cost_after_fen), format_yuan(d.cost_after_fen - d.cost_before_fen))
    console.print(table)
