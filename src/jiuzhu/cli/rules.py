"""``jiuzhu evaluate`` (one household, one month, every programme, with the reasons) and ``jiuzhu whatif``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from jiuzhu.cli.context import console, open_registry, progress_bar, settings
from jiuzhu.cli.documents import WhatIfDoc, WhatIfProgramme, money
from jiuzhu.cli.output import add_row, print_json, print_table, say, table
from jiuzhu.files import check_suffix
from jiuzhu.i18n import N_, check_language, count_text, language, month_text, set_language, t
from jiuzhu.money import format_amount

MARK = {"passed": "[green]✓[/green]", "failed": "[red]✗[/red]", "unknown": "[yellow]?[/yellow]"}
STATUS = {"eligible": N_("eligible"), "not_eligible": N_("not eligible"), "needs_information": N_("needs information")}
STYLE = {"eligible": "green", "not_eligible": "", "needs_information": "yellow"}
HOUSEHOLD_FILES = {".json", ".jsonl"}


def evaluate(
    path: Annotated[Path, typer.Argument(help=N_("household JSON (or JSON Lines)"), show_default=False)],
    month: Annotated[str, typer.Option(help=N_("the month to decide, YYYY-MM"))] = "2025-08",
    explain: Annotated[bool, typer.Option(help=N_(
        "show every condition with its figures and legal reference"))] = False,
    lang: Annotated[str | None, typer.Option(help=N_("zh or en (the same as jiuzhu --lang)"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=N_(
        "print the full result (docs/schema/evaluation.schema.json)"))] = False,
    unmask: Annotated[bool, typer.Option(help=N_("show full ID numbers"))] = False,
) -> None:
    from jiuzhu.rules.explain import evaluate as run
    from jiuzhu.rules.sources import file_households

    if lang is not None:
        set_language(check_language(lang, "--lang"))
    check_suffix(path, HOUSEHOLD_FILES)
    docs = (doc for batch in file_households(path) for doc in batch)  # read once the month is checked
    results = run(docs, month, lang=language(), unmask=unmask)
    if as_json:
        print_json(results if len(results) > 1 else results[0])
        return
    for result in results:
        _print(result, explain)


def _status(status: str) -> str:
    text = escape(t(STATUS[status]))
    return f"[{STYLE[status]}]{text}[/{STYLE[status]}]" if STYLE[status] else text


def _print(result: dict, explain: bool) -> None:
    unit = t("yuan a month")
    head = t("household {no}  {month}", no=result["household_no"], month=month_text(result["month"]))
    total = t("total {amount} yuan a month", amount=format_amount(result["total_monthly_amount"]))
    console.print(f"[bold]{escape(head)}[/bold]  {escape(total)}")
    for p in result["programmes"]:
        amount = f"  {format_amount(p['monthly_amount'])} {escape(unit)}" if p["status"] == "eligible" else ""
        console.print(f"  {escape(p['name'])}: {_status(p['status'])}{amount}")
        if explain:
            _conditions(p.get("conditions", []), "    ")
            for b in p.get("breakdown", []):
                console.print(escape(f"      {b['name']} {b['member']}: " + t(
                    "base {base} + add-on {addon} = {amount}", base=format_amount(b["base"]),
                    addon=format_amount(b["addon"]), amount=format_amount(b["amount"]))))
        for person in p.get("persons", []):
            amount = f" {format_amount(person['monthly_amount'])} {escape(unit)}" \
                if person["status"] == "eligible" else ""
            tier = f" ({escape(str(person['care_tier']))})" if person.get("care_tier") else ""
            if explain or person["status"] != "not_eligible":
                console.print(f"    {escape(person['name'])} {escape(person['member'])}: "
                              f"{_status(person['status'])}{amount}{tier}")
            if explain:
                _conditions(person["conditions"], "      ")


def _conditions(conditions: list[dict], indent: str) -> None:
    for c in conditions:
        ref = f" [dim]({escape(c['reference'])})[/dim]" if c.get("reference") else ""
        console.print(f"{indent}{MARK[c['result']]} {escape(c['text'])}{ref}")


def whatif(
    change: Annotated[list[str], typer.Option("--set", help=N_(
        "NAME=VALUE[@YYYY-MM-DD], e.g. dibao.line.urban=800 (repeat for several)"), show_default=False)],
    month: Annotated[str, typer.Option(help=N_("the month to compare, YYYY-MM"))] = "2025-08",
    source: Annotated[Path | None, typer.Option(help=N_(
        "households from this JSON/JSONL file instead of the registry"))] = None,
    area: Annotated[str | None, typer.Option(help=N_("registry only: this district or township code"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=N_(
        "print the comparison as JSON (docs/schema/cli/whatif.schema.json)"))] = False,
) -> None:
    from jiuzhu.files import writable_folder
    from jiuzhu.rules.whatif import run

    if source is not None:
        check_suffix(source, HOUSEHOLD_FILES, "--source")
    engine = open_registry() if source is None else None
    scratch = writable_folder(settings().home / "tmp")  # the registry's snapshot is personal data: in the home
    with progress_bar(t("comparing"), None):
        report = run(change, month, source=source, engine=engine, area=area, scratch=scratch)
    doc = whatif_doc(report, month, str(source) if source else "registry")
    if as_json:
        print_json(doc)
    else:
        _print_whatif(doc)
        for c in report.changes:
            if not c["in_force"]:
                say(t("note: {name} = {value} starts in {first}, after {month}: it changes nothing in this month",
                      name=c["name"], value=c["value"], first=month_text(c["first_month"]), month=month_text(month)))


def whatif_doc(report, month: str, source: str) -> WhatIfDoc:
    from jiuzhu.registry.codes import Programme

    return WhatIfDoc(reform=report.reform, month=month, source=source, households=report.households, programmes=[
        WhatIfProgramme(programme=key, label=Programme(key).words(), eligible_before=d.eligible_before,
                        eligible_after=d.eligible_after, newly_eligible=d.newly_eligible,
                        no_longer_eligible=d.no_longer_eligible, monthly_cost_before=money(d.cost_before_fen),
                        monthly_cost_after=money(d.cost_after_fen),
                        monthly_cost_difference=money(d.cost_after_fen - d.cost_before_fen))
        for key, d in report.programmes.items()])


def _print_whatif(doc: WhatIfDoc) -> None:
    title = t("{reform}: {households} households, {month}", reform=doc.reform, households=count_text(doc.households),
              month=month_text(doc.month))
    rows = table(title, [(t("programme"), False), (t("eligible before"), True), (t("eligible after"), True),
                         (t("newly eligible"), True), (t("no longer eligible"), True),
                         (t("monthly cost before (yuan)"), True), (t("monthly cost after (yuan)"), True),
                         (t("difference"), True)])
    for p in doc.programmes:
        add_row(rows, p.label, count_text(p.eligible_before), count_text(p.eligible_after),
                count_text(p.newly_eligible), count_text(p.no_longer_eligible), format_amount(p.monthly_cost_before),
                format_amount(p.monthly_cost_after), format_amount(p.monthly_cost_difference))
    print_table(rows, t("no household to compare"))
    if not doc.households:
        say(t("no household to compare"))
