"""``jiuzhu simulate-departments``: the department simulator in the foreground (docs/exchange.md "Simulator").

Wired in cli/main.py as ``command(app, "simulate-departments", simulate_cli.simulate_departments,
simulate_cli.HELP)``; until then ``python -m jiuzhu.cli.simulate …`` runs the same command (the tests start it
that way, as a process).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import N_, t

HELP = N_("Run the department simulator: each department's, bank's and insurer's endpoint on its own loopback "
          "port, answering in the exchange format from a synthetic district's department records.")


def simulate_departments(
    data: Annotated[Path, typer.Option(help=N_("synthetic district folder (written by jiuzhu synth)"))],
    requesters: Annotated[Path, typer.Option(help=N_("the requesters' public keys (JWKS file)"))],
    state: Annotated[Path, typer.Option(help=N_(
        "folder for the departments' keys, the decision log, the admin token and ready.json"))],
    config: Annotated[Path | None, typer.Option(help=N_("faults per endpoint (TOML)"))] = None,
    host: Annotated[str, typer.Option(help=N_("address to listen on"))] = "127.0.0.1",
    port_base: Annotated[int, typer.Option(min=0, max=65000, help=N_(
        "first endpoint's port, the others follow (0: free ports)"))] = 8700,
    admin_port: Annotated[int | None, typer.Option(help=N_("admin port (default: the port before the first)"))] = None,
    seed: Annotated[int, typer.Option(help=N_("same seed, same faults"))] = 7,
    write_sources: Annotated[Path | None, typer.Option(help=N_(
        "write the platform's sources.toml for these endpoints"))] = None,
    endpoint: Annotated[list[str] | None, typer.Option(help=N_("serve only these endpoints (repeatable)"))] = None,
) -> None:
    from jiuzhu.files import check_suffix
    from jiuzhu.simulator.server import Options, serve

    if write_sources is not None:  # checked before 37 servers start, not after (a folder, a .json …)
        if write_sources.is_dir():
            raise JiuzhuError(t(SOURCES_IS_FOLDER, path=write_sources), field="write_sources")
        check_suffix(write_sources, {".toml"}, "--write-sources")
    serve(Options(data=data, state=state, requesters=requesters, config=config, host=host, port_base=port_base,
                  admin_port=admin_port, seed=seed, write_sources=write_sources, only=list(endpoint or []),
                  on_ready=_ready, on_stopped=_stopped))


SOURCES_IS_FOLDER = N_("{path} is a folder: give the file to write, e.g. {path}/sources.toml")


def _ready(ready: dict) -> None:
    from jiuzhu.cli.output import say

    urls = list(ready["endpoints"].values())
    say(t("simulating {count} endpoints at {first} … {last}; admin at {admin}; Ctrl-C stops",
          count=len(urls), first=urls[0], last=urls[-1], admin=ready["admin"]))
    if ready["missing_records"]:
        say(t("no records in the district for: {names} (those endpoints answer none)",
              names=", ".join(ready["missing_records"])))


def _stopped() -> None:
    from jiuzhu.cli.output import say

    say(t("simulator stopped: every endpoint closed"))


def main() -> None:
    """``python -m jiuzhu.cli.simulate``: the command alone, inside the CLI's error edge (one line, exit code)."""
    from jiuzhu.cli.context import reports_errors_here

    try:
        with reports_errors_here():
            typer.run(simulate_departments)
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None


if __name__ == "__main__":
    main()
