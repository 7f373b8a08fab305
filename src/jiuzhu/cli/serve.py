"""``jiuzhu serve``: the web application (pages and the REST API) with uvicorn, on this machine's loopback by
default; and ``serve_application``, which the demo ends with.

One process, one worker thread for the background jobs (``jobs.worker``): a second ``jiuzhu serve`` on the same
database is refused by its port, not by the database (PostgreSQL: jobs are claimed atomically, so a second server
with ``--no-worker`` may share the database safely).
"""

from __future__ import annotations

import errno
import socket
from typing import Annotated

import typer

from jiuzhu.cli.checks import refuse
from jiuzhu.cli.output import say
from jiuzhu.i18n import N_, t

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def serve(
    host: Annotated[str, typer.Option(help=N_(
        "the address to listen on: 127.0.0.1 (this machine only, the default) or 0.0.0.0 (every network; put it "
        "behind HTTPS)"))] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(min=1, max=65535, help=N_("the port to listen on"))] = DEFAULT_PORT,
    worker: Annotated[bool, typer.Option(help=N_(
        "run the background jobs (scans, imports, what-if) in this server"))] = True,
    processes: Annotated[int, typer.Option("--processes", min=1, max=32, help=N_(
        "server processes answering requests side by side: one per core uses every core"))] = 1,
) -> None:
    serve_application(host, port, start_worker=worker, processes=processes)


def application(*, start_worker: bool = True):
    """The web application if it is installed (pages and the API), else the API alone."""
    try:
        from jiuzhu.web.app import create_application
    except ModuleNotFoundError as exc:
        if exc.name not in ("jiuzhu.web.app", "jiuzhu.web"):
            raise
        from jiuzhu.api.app import create_app

        return create_app(start_worker=start_worker)
    return create_application(start_worker=start_worker)


def with_worker():
    """The application with its job worker: uvicorn's factory in each of several processes (``--processes``). Jobs
    are claimed atomically with a lease (docs/jobs.md), so the processes' workers never run one job twice."""
    return application(start_worker=True)


def without_worker():
    return application(start_worker=False)


def serve_application(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, start_worker: bool = True,
                      before=None, processes: int = 1) -> None:
    """Check the port, build the application (the database opened and its schema brought up to date: errors are
    one line, before anything listens), print the address, then serve until Ctrl-C. ``before``: printed just
    before serving (the demo's accounts)."""
    import uvicorn

    check_port(host, port)
    app = application(start_worker=start_worker)
    if before is not None:
        before()
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    say(t("Jiuzhu is serving at http://{host}:{port}/ (API: /api/v1, its documentation: /docs); Ctrl-C stops it",
          host=shown, port=port))
    if processes == 1:
        uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
    else:  # each process builds its own application (the one above checked the database once, before listening)
        factory = "jiuzhu.cli.serve:" + ("with_worker" if start_worker else "without_worker")
        uvicorn.run(factory, factory=True, workers=processes, host=host, port=port, log_level="warning",
                    server_header=False)


def check_port(host: str, port: int) -> None:
    """Refuse a port another program listens on, in one line (uvicorn would print its own error and exit)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise refuse("--port", t("port {port} is already in use on {host} (another jiuzhu serve, or another "
                                         "program): stop it, or choose another port, e.g. --port {other}",
                                         port=port, host=host, other=port + 1)) from None
            raise refuse("--host", t("cannot listen on {host}:{port}: {cause}", host=host, port=port,
                                     cause=exc.strerror or exc)) from None
