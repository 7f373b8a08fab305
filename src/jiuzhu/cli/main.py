"""``jiuzhu``: the command line of the Jiuzhu social-assistance platform."""

from __future__ import annotations

import typer

from jiuzhu.cli import discovery as discovery_cli
from jiuzhu.cli import registry as registry_cli
from jiuzhu.cli import rules as rules_cli
from jiuzhu.cli import synth as synth_cli

app = typer.Typer(
    name="jiuzhu",
    help="Jiuzhu (救助): registry, rules and proactive discovery for social assistance.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
db_app = typer.Typer(help="The database: create or upgrade its schema.", no_args_is_help=True)
household_app = typer.Typer(help="One household: show it, see its history.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(household_app, name="household")

db_app.command("upgrade")(registry_cli.db_upgrade)
household_app.command("show")(registry_cli.household_show)
household_app.command("history")(registry_cli.household_history)
app.command("import")(registry_cli.import_file)
app.command("export")(registry_cli.export_file)
app.command("summary")(registry_cli.summary)
app.command("schema")(registry_cli.schema)
app.command("synth")(synth_cli.synth)
app.command("load")(synth_cli.load)
app.command("demo")(synth_cli.demo)
app.command("evaluate")(rules_cli.evaluate)
app.command("whatif")(rules_cli.whatif)
app.command("scan")(discovery_cli.scan)

if __name__ == "__main__":
    app()
