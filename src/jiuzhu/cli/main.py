"""``jiuzhu``: the command line of the Jiuzhu social-assistance platform.

Chinese by default, English with ``--lang en`` (or ``JIUZHU_LANG=en``). Every command runs inside one error
edge (``context.reports_errors_here``, through ``usage.JiuzhuGroup``): one line per error, never a traceback, and
the exit codes of docs/operations.md.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from jiuzhu.cli import accounts as accounts_cli
from jiuzhu.cli import casework as casework_cli
from jiuzhu.cli import consent as consent_cli
from jiuzhu.cli import discovery as discovery_cli
from jiuzhu.cli import exchange as exchange_cli
from jiuzhu.cli import household as household_cli
from jiuzhu.cli import info as info_cli
from jiuzhu.cli import payroll as payroll_cli
from jiuzhu.cli import registry as registry_cli
from jiuzhu.cli import rules as rules_cli
from jiuzhu.cli import selfservice as selfservice_cli
from jiuzhu.cli import serve as serve_cli
from jiuzhu.cli import simulate as simulate_cli
from jiuzhu.cli import synth as synth_cli
from jiuzhu.cli import verify as verify_cli
from jiuzhu.cli.usage import JiuzhuCommand, JiuzhuGroup
from jiuzhu.i18n import N_, SETTING, check_language, set_language


def _typer(help_text: str) -> typer.Typer:
    return typer.Typer(cls=JiuzhuGroup, help=help_text, no_args_is_help=True, rich_markup_mode="rich",
                       add_completion=False, pretty_exceptions_enable=False)


app = _typer(N_("Jiuzhu (救助): registry, rules and proactive discovery for social assistance."))
db_app = _typer(N_("The database: create it or bring its schema up to date."))
household_app = _typer(N_("One household: show it, see its history."))
user_app = _typer(N_("The accounts of the web application: add, list, lock, unlock and unbind them."))
audit_app = _typer(N_("The audit log: check that nobody has altered it, and read it."))
consent_app = _typer(N_("Personal electronic authorization (个人电子授权) for verification: who must sign, requests, "
                        "decisions, withdrawals, links."))


def _language(value: str | None) -> str | None:
    """``--lang`` (eager, so that even ``--help`` after it is translated), else a valid ``JIUZHU_LANG``."""
    if value is not None:
        set_language(check_language(value, "--lang"))
    elif raw := os.environ.get(SETTING, "").strip():
        check_language(raw, SETTING)
    return value


@app.callback()
def main(
    lang: Annotated[str | None, typer.Option(
        "--lang", help=N_("language of messages and tables: zh (中文, the default) or en (English)"),
        is_eager=True, callback=_language, show_default=False)] = None,
) -> None:
    """Jiuzhu (救助)."""


def command(group: typer.Typer, name: str, func, help_text: str) -> None:
    group.command(name, cls=JiuzhuCommand, help=help_text)(func)


command(app, "info", info_cli.info, N_("This installation: version, home folder, database, language, counts."))
command(db_app, "upgrade", registry_cli.db_upgrade,
        N_("Create the database, or bring its schema up to date (Alembic migrations)."))
command(household_app, "show", household_cli.household_show,
        N_("Show one household; identifiers are masked unless --unmask (the access is logged)."))
command(household_app, "history", household_cli.household_history,
        N_("Every recorded change of a household: who, when, why, old and new value."))
command(app, "import", registry_cli.import_file, N_(
    "Import households from the JSON format or a township ledger (台账): good records are stored, bad ones "
    "reported (exit code 1 when any is rejected)."))
command(app, "export", registry_cli.export_file,
        N_("Export households: JSON Lines (lossless) or a ledger (台账, .xlsx or .csv)."))
command(app, "summary", registry_cli.summary, N_("Counts of households, people, areas and enrolments."))
command(app, "schema", registry_cli.schema, N_("Print the JSON Schema of the household interchange format."))
command(app, "synth", synth_cli.synth, N_(
    "Generate a synthetic district as a Parquet snapshot (registry, departments' records, planted truth)."))
command(app, "load", synth_cli.load, N_("Load a snapshot into the registry in bulk (all or nothing)."))
command(app, "demo", synth_cli.demo, N_(
    "The main job: create the database, generate a district, load it, summarise and scan it."))
command(app, "evaluate", rules_cli.evaluate, N_(
    "Decide one household (or each household of a file) for a month: status, amount and why."))
command(app, "whatif", rules_cli.whatif, N_(
    "What a change of parameters would do: eligible households and monthly cost, before and after."))
command(app, "scan", discovery_cli.scan, N_(
    "Scan the population with the rules and write the 应享未享 and 享而不应 lists."))
command(app, "serve", serve_cli.serve, N_(
    "Serve the web application and its REST API (uvicorn), by default at http://127.0.0.1:8000/."))
command(user_app, "add", accounts_cli.user_add, N_(
    "Add an account: its role and the area it may see; the password is asked twice (or --password-stdin)."))
command(user_app, "list", accounts_cli.user_list, N_("List the accounts: role, area, locked or not, last sign-in."))
command(user_app, "lock", accounts_cli.user_lock, N_("Lock an account: nobody can sign in with it until unlocked."))
command(user_app, "unlock", accounts_cli.user_unlock, N_(
    "Unlock an account (also ends a lock-out after wrong passwords)."))
command(user_app, "unbind", accounts_cli.user_unbind, N_(
    "Unbind an account from its identity at the identity provider: the next sign-in there under its name is bound "
    "to it."))
command(audit_app, "verify", accounts_cli.audit_verify, N_(
    "Check the audit log's hash chain; exit code 1 naming the first altered, deleted or reordered row."))
command(audit_app, "list", accounts_cli.audit_list, N_(
    "The audit log's rows, newest first, identifiers masked: who saw, exported or changed what, and sign-ins."))
command(consent_app, "list", consent_cli.consent_list, N_(
    "Who in a household must authorize, whether they have, and every consent record (ID numbers masked)."))
command(consent_app, "request", consent_cli.consent_request, N_(
    "Ask a member (or, without --member, everyone who still must) to authorize: a guardian for a minor, a written "
    "proxy with its reason."))
command(consent_app, "give", consent_cli.consent_give, N_(
    "Record that a member authorized, in person or on a signed paper form; the terms are then frozen."))
command(consent_app, "refuse", consent_cli.consent_refuse, N_("Record that a member refused to authorize."))
command(consent_app, "withdraw", consent_cli.consent_withdraw, N_(
    "Record that a member withdrew the authorization: no department is asked after this."))
command(consent_app, "renew", consent_cli.consent_renew, N_(
    "A new request renewing a given or expired authorization (the old one ends when the new one is given)."))
command(consent_app, "invalidate", consent_cli.consent_invalidate, N_(
    "Mark a record made in error invalid, with the reason (the correction is a new request)."))
command(consent_app, "link", consent_cli.consent_link, N_(
    "A signed link for a member far away to authorize on a phone: prints the address and when it expires."))
command(consent_app, "import", consent_cli.consent_import, N_(
    "Record a township's signed paper forms from a CSV file: good rows are stored, bad ones reported (exit code 1)."))
command(app, "verify", verify_cli.verify, verify_cli.HELP)
command(app, "apply", casework_cli.apply, casework_cli.APPLY_HELP)
command(app, "apply-link", selfservice_cli.apply_link, selfservice_cli.HELP)
command(app, "simulate-departments", simulate_cli.simulate_departments, simulate_cli.HELP)
exchange_app = _typer(N_("The exchange with the departments: the key that signs our requests."))
command(exchange_app, "key", exchange_cli.exchange_key, N_(
    "Print (or write) the public half of our exchange signing key as a JWKS, making the key on first use: each "
    "department, and the simulator's --requesters, needs it."))
app.add_typer(db_app, name="db")
app.add_typer(household_app, name="household")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(exchange_app, name="exchange")
app.add_typer(casework_cli.case_app, name="case")
app.add_typer(consent_app, name="consent")
app.add_typer(payroll_cli.app, name="payroll")

if __name__ == "__main__":
    app()
