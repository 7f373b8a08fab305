"""Synthetic data commands: generate a district, load a snapshot, and the demo main job."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from jiuzhu.cli import checks
from jiuzhu.cli.context import actor, engine, progress_bar, settings
from jiuzhu.cli.documents import LoadDoc
from jiuzhu.cli.output import print_json, say
from jiuzhu.db import session_scope
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import N_, count_text, t
from jiuzhu.registry import summary as summary_service


def synth(
    district: Annotated[str, typer.Option(help=N_("district code, e.g. 500111 (大足区)"))] = "500111",
    households: Annotated[int, typer.Option(min=1, help=N_("number of households"))] = 10_000,
    seed: Annotated[int, typer.Option(help=N_("same seed, same population"))] = 1,
    out: Annotated[Path | None, typer.Option(help=N_(
        "snapshot folder (default: JIUZHU_HOME/synth/<district>-<seed>)"))] = None,
    month: Annotated[str, typer.Option(help=N_("reference month, YYYY-MM"))] = "2025-08",
    months: Annotated[int, typer.Option(min=1, max=36, help=N_("months of income history"))] = 12,
) -> Path:
    from jiuzhu.files import writable_folder
    from jiuzhu.rules import law
    from jiuzhu.synth import generate

    month = law.check_month(month)  # the synthetic district is decided by the rules (its enrolment)
    _district(district)
    out = out or settings().home / "synth" / f"{district}-{seed}"
    if out.exists() and not out.is_dir():
        raise JiuzhuError(t("--out {folder} is a file; give a folder", folder=out))
    writable_folder(out.absolute().parent)
    with progress_bar(t("generating district {district}", district=district), households) as advance:
        result = generate(district=district, households=households, seed=seed, out_dir=out,
                          month=month, months=months, progress=advance)
    say(t("wrote {households} households, {persons} people to {folder}", households=count_text(result.households),
          persons=count_text(result.persons), folder=out))
    return out


def _district(code: str) -> None:
    from jiuzhu.registry.areas import lookup

    area = lookup(code) if code.isdigit() else None
    if area is None or area.level != 3:
        raise checks.refuse("--district", t("{code} is not a district or county code of the official table, "
                                            "such as 500111 (大足区)", code=code))


def load(
    snapshot: Annotated[Path, typer.Argument(help=N_("folder written by jiuzhu synth"), show_default=False)],
    reason: Annotated[str, typer.Option(help=N_("why, for the change log"))] = "批量装入",
    as_json: Annotated[bool, typer.Option("--json", help=N_(
        "print what was loaded as JSON (docs/schema/cli/load.schema.json)"))] = False,
) -> None:
    from jiuzhu.registry import snapshot as registry_snapshot
    from jiuzhu.registry.bulk import load_snapshot

    registry_snapshot.check(snapshot)
    eng = engine()
    with progress_bar(t("loading {folder}", folder=snapshot.name), _persons_in(snapshot)) as advance:
        result = load_snapshot(eng, snapshot, progress=advance, actor=actor(), reason=reason)
    doc = LoadDoc(source=str(snapshot), households=result.households, persons=result.persons, rows=result.rows,
                  seconds=round(result.seconds, 3))
    if as_json:
        print_json(doc)
        return
    seconds, rate = round(doc.seconds, 1), round(doc.persons / max(doc.seconds, 1e-9))
    say(t("loaded {households} households and {persons} people in {seconds} s ({rate} people/s)",
          households=count_text(doc.households), persons=count_text(doc.persons), seconds=seconds,
          rate=count_text(rate)))


def _persons_in(snapshot: Path) -> int | None:
    import pyarrow.parquet as pq

    path = snapshot / "registry" / "persons.parquet"
    return pq.ParquetFile(path).metadata.num_rows if path.exists() else None


def demo(
    households: Annotated[int, typer.Option(min=1, help=N_("households in the synthetic district"))] = 20_000,
    district: Annotated[str, typer.Option(help=N_("district code"))] = "500111",
    seed: Annotated[int, typer.Option(help=N_("random seed"))] = 1,
    fresh: Annotated[bool, typer.Option(help=N_(
        "rebuild: delete the SQLite database first, if it holds nothing but the demo's own data"))] = False,
    serve: Annotated[bool | None, typer.Option("--serve/--no-serve", help=N_(
        "then serve the web application until Ctrl-C (default: when run at a terminal)"), show_default=False)]
    = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help=N_("the port to serve on"))] = 8000,
) -> None:
    from jiuzhu.cli.discovery import print_scan
    from jiuzhu.cli.registry import print_summary
    from jiuzhu.discovery.flows import scan, summarise
    from jiuzhu.registry import provenance

    _district(district)
    s = settings()
    if fresh and s.sqlite_file is not None:
        _delete_demo_database(s.sqlite_file)
    eng = engine()
    say(t("home folder: {home}; database: {url}", home=s.home, url=s.database_url_shown))
    with session_scope(eng, write=False) as session:
        present = summary_service.count_households(session, district)
        held = provenance.others(session)
    not_demo = present - held.demo_households.get(district, 0)
    if present and not_demo > 0:  # imported or loaded by someone: never called the demo's
        say(t("district {district} already holds {households} households, {others} of them not loaded by the "
              "demo (imported or loaded by hand): the demo summarises and scans them as they are; for the demo's "
              "own district use another JIUZHU_HOME", district=district, households=count_text(present),
              others=count_text(not_demo)))
    elif present:
        say(t("district {district} is already loaded by the demo ({households} households); --fresh rebuilds it",
              district=district, households=count_text(present)))
    else:
        snapshot = synth(district=district, households=households, seed=seed,
                         out=s.home / "synth" / f"{district}-{seed}", month="2025-08", months=12)
        load(snapshot=snapshot, reason=provenance.DEMO_REASON, as_json=False)
    with session_scope(eng, write=False) as session:
        print_summary(summary_service.summarise(session, on=dt.date(2025, 8, 31)))
    with progress_bar(t("scanning households"), None) as advance:
        outcome = scan(eng, month="2025-08", home=s.home, actor=actor(), progress=advance)
    print_scan(summarise(outcome))
    say(t("next: the tour in README.md (jiuzhu --help lists every command; jiuzhu info shows the settings)"))
    _serve_demo(eng, district, port, serve)


def _serve_demo(eng, district: str, port: int, serve: bool | None) -> None:
    """One demo account per role (created once, passwords for the demo only), then the web application at the
    terminal (``--serve``), or the accounts and how to serve later (``--no-serve``: tests, scripts)."""
    import sys

    from jiuzhu.accounts.service import ensure_demo_accounts
    from jiuzhu.cli.serve import DEFAULT_HOST, serve_application

    with session_scope(eng) as session:
        accounts = ensure_demo_accounts(session, district=district)
    eng.dispose()
    if serve is None:
        serve = sys.stdin.isatty() and sys.stdout.isatty()
    _print_accounts(accounts)  # first: a port in use is refused after them, the loaded district kept
    if not serve:
        say(t("jiuzhu serve starts the web application at http://{host}:{port}/ (sign in with an account above)",
              host=DEFAULT_HOST, port=port))
        return
    serve_application(DEFAULT_HOST, port)


def _print_accounts(accounts) -> None:
    from jiuzhu.access import role_title
    from jiuzhu.cli.output import add_row, print_table, table
    from jiuzhu.registry.areas import area_name

    rows = table(t("demo accounts (for the demo only: the passwords are published)"),
                 [(t("role"), False), (t("username"), False), (t("password"), False), (t("area"), False)])
    for a in accounts:
        add_row(rows, role_title(a.role), a.username, a.password, f"{a.area_code} {area_name(a.area_code)}")
    print_table(rows, t("no demo account"))


def _delete_demo_database(path: Path) -> None:
    """``demo --fresh``: delete the SQLite database, only if all it holds is the demo's own load (else refused,
    saying what it holds: imported households and the change and access logs are the bureau's records)."""
    from jiuzhu.cli.context import open_registry
    from jiuzhu.registry import provenance

    if path.exists():
        eng = open_registry()
        try:
            with session_scope(eng, write=False) as session:
                held = provenance.others(session)
        finally:
            eng.dispose()
        if not held.none:
            raise checks.refuse("--fresh", t(
                "the registry {path} holds more than the demo's data ({households} households, {changes} changes "
                "and {accesses} access-log entries the demo did not make) and is kept; run the demo in another "
                "home folder, e.g. JIUZHU_HOME=/tmp/jiuzhu-demo jiuzhu demo", path=path,
                households=count_text(held.households), changes=count_text(held.changes),
                accesses=count_text(held.accesses)))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
