"""``jiuzhu info``: this installation — version, home folder, database, jurisdiction, language, counts.

It never creates anything: a home folder or database that does not exist yet is reported as such. A database
that cannot be reached is reported, and the exit code says so (3).
"""

from __future__ import annotations

import platform
from typing import Annotated

import typer

from jiuzhu.cli.context import ExitCode, settings
from jiuzhu.cli.documents import InfoCounts, InfoDoc
from jiuzhu.cli.output import add_row, print_json, print_table, table
from jiuzhu.i18n import N_, count_text, language, t


def info(
    as_json: Annotated[bool, typer.Option("--json", help=N_(
        "print the information as JSON (docs/schema/cli/info.schema.json)"))] = False,
) -> None:
    doc = gather()
    if as_json:
        print_json(doc)
    else:
        _print(doc)
    if doc.database_error or doc.oidc_error:
        raise typer.Exit(ExitCode.CONFIGURATION)


def gather() -> InfoDoc:
    from jiuzhu import __version__
    from jiuzhu.migrate import head_revision

    s = settings()
    head = head_revision()
    revision, counts, error = None, None, None
    exists = s.sqlite_file.exists() if s.sqlite_file is not None else True
    if exists:
        try:
            revision, counts = _database(s.database_url)
        except Exception as exc:  # noqa: BLE001 - reported in the output, with the exit code 3
            error = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else \
                type(exc).__name__
    issuer, client_id, oidc_error = _oidc()
    years, missing = _calendars()
    return InfoDoc(version=__version__, python=platform.python_version(), language=language(), home=str(s.home),
                   home_exists=s.home.is_dir(), log_file=str(s.log_dir / "errors.log"),
                   database_url=s.database_url_shown, database_exists=exists, database_revision=revision,
                   head_revision=head, database_error=error, jurisdiction=list(s.jurisdiction),
                   oidc_issuer=issuer, oidc_client_id=client_id, oidc_error=oidc_error, counts=counts,
                   calendar_years=years, calendar_missing=missing)


def _calendars() -> tuple[list[int], list[int]]:
    """The years with an official working-day calendar, and this year or next if it has none (in the last two
    months of a year a case's time limit may already reach into the next)."""
    from jiuzhu import clock, workdays

    years = workdays.known_years()
    today = clock.today()
    wanted = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    return years, [y for y in wanted if y not in years]


def _oidc() -> tuple[str | None, str | None, str | None]:
    """(issuer, client id, error) of the identity provider's settings: what ``jiuzhu serve`` would use, or why it
    would refuse to start."""
    from jiuzhu.config import oidc_settings
    from jiuzhu.errors import ConfigurationError

    try:
        oidc = oidc_settings()
    except ConfigurationError as exc:
        return None, None, str(exc)
    return (oidc.issuer, oidc.client_id, None) if oidc else (None, None, None)


def _database(url: str) -> tuple[str | None, InfoCounts | None]:
    """The schema revision and the counts, read without changing anything (no migration, no file created)."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.orm import Session

    from jiuzhu.discovery.service import count_runs
    from jiuzhu.migrate import current_revision
    from jiuzhu.registry.summary import counts

    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            revision = current_revision(conn)
            tables = set(inspect(conn).get_table_names())
            if not {"households", "persons", "areas", "changes", "scan_runs"} <= tables:
                return revision, None
            with Session(bind=conn) as session:  # read only: nothing is migrated or created
                return revision, InfoCounts(**counts(session), scan_runs=count_runs(session))
    finally:
        eng.dispose()


def _sign_in(doc: InfoDoc) -> str:
    if doc.oidc_error:
        return t("cannot be used: {error}", error=doc.oidc_error)
    if doc.oidc_issuer:
        return t("password, or the identity provider {issuer} (client {client_id})", issuer=doc.oidc_issuer,
                 client_id=doc.oidc_client_id)
    return t("password only")


def _calendar_line(doc: InfoDoc) -> str:
    years = doc.calendar_years
    line = f"{years[0]}–{years[-1]}" if years == list(range(years[0], years[-1] + 1)) else ", ".join(map(str, years))
    if doc.calendar_missing:
        line += "; " + t("{years}: not published or not added yet, time limits reaching into it are unknown",
                         years=", ".join(map(str, doc.calendar_missing)))
    return line


def _print(doc: InfoDoc) -> None:
    rows = table(t("Jiuzhu {version}", version=doc.version), [(t("setting"), False), (t("value"), False)])
    home = doc.home if doc.home_exists else t("{home} (not created yet)", home=doc.home)
    if doc.database_error:
        revision = t("cannot be read: {error}", error=doc.database_error)
    elif not doc.database_exists:
        revision = t("no database yet")
    elif doc.database_revision != doc.head_revision:
        revision = t("{revision} (this version needs {head}: run jiuzhu db upgrade)",
                     revision=doc.database_revision or t("empty"), head=doc.head_revision)
    else:
        revision = t("{revision} (up to date)", revision=doc.database_revision)
    lines = [(t("home folder (JIUZHU_HOME)"), home), (t("database (JIUZHU_DATABASE_URL)"), doc.database_url),
             (t("schema revision"), revision), (t("jurisdiction (JIUZHU_JURISDICTION)"), ", ".join(doc.jurisdiction)),
             (t("sign-in (JIUZHU_OIDC_*)"), _sign_in(doc)),
             (t("language (JIUZHU_LANG, --lang)"), doc.language), (t("error log"), doc.log_file),
             (t("working-day calendars (JIUZHU_CALENDARS)"), _calendar_line(doc)),
             (t("Python"), doc.python)]
    if doc.counts:
        lines += [(t("households"), count_text(doc.counts.households)), (t("people"), count_text(doc.counts.persons)),
                  (t("areas"), count_text(doc.counts.areas)), (t("change-log rows"), count_text(doc.counts.changes)),
                  (t("scans recorded"), count_text(doc.counts.scan_runs))]
    for name, value in lines:
        add_row(rows, name, value)
    print_table(rows, "")
