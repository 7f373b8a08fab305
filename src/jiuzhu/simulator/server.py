"""Every endpoint on its own loopback port, all in one asyncio loop (one ``uvicorn.Server`` each), plus the admin
port. "down" stops an endpoint's server, so that its port really refuses connections, as a department's server
that is down does; "up" again binds the same port anew.

Admin routes (bearer token from ``<state>/admin.token``): ``GET /_sim/config``, ``POST /_sim/config`` (a body
like the TOML: {defaults: {...}, endpoint: {name: {...}}}), ``GET /_sim/decisions?since=N``.
``<state>/ready.json`` is written once every server listens: {pid, admin, endpoints: {name: url}}.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from jiuzhu.errors import ConfigurationError
from jiuzhu.exchange import endpoints, keys
from jiuzhu.exchange.signing import raw_public
from jiuzhu.exchange.sources import catalogue
from jiuzhu.files import atomic_output
from jiuzhu.i18n import t
from jiuzhu.simulator import checks, faults
from jiuzhu.simulator.decisions import DecisionLog
from jiuzhu.simulator.department import Department
from jiuzhu.simulator.store import Store


class _Server(uvicorn.Server):
    # Many servers share one process: signals are the simulator's to handle, not each server's.
    @contextlib.contextmanager
    def capture_signals(self):
        yield


@dataclass
class Options:
    data: Path
    state: Path
    requesters: Path
    config: Path | None = None
    host: str = "127.0.0.1"
    port_base: int = 8700  # 0: free ports chosen by the system (tests)
    admin_port: int | None = None  # default: port_base - 1 (0 with port_base 0)
    seed: int = 7
    write_sources: Path | None = None
    only: list[str] = field(default_factory=list)  # endpoints to serve (default: all 37)
    requester_id: str = "500111-mzj"  # written into --write-sources with the key id of --requesters
    requester_name: str = "重庆市大足区民政局"
    on_ready: Callable[[dict], None] | None = None  # told ready.json's content once every server listens
    on_stopped: Callable[[], None] | None = None  # told once every server has closed after a stop


class Simulator:
    def __init__(self, options: Options) -> None:
        self.o = options
        specs = catalogue()
        unknown = set(options.only) - set(specs)
        if unknown:
            raise ConfigurationError(t("unknown endpoints: {names}", names=", ".join(sorted(unknown))))
        self.specs = {k: v for k, v in specs.items() if not options.only or k in options.only}
        self.faults = faults.load(options.config, list(self.specs))
        self.log = DecisionLog(options.state / "decisions.jsonl")
        document = keys.read_jwks_document(options.requesters)
        owners = keys.owners(document)
        self.requesters = {kid: checks.RequesterKey(owners.get(kid), key)
                           for kid, key in keys.read_jwks(document).items()}
        store = Store(options.data)
        self.departments: dict[str, Department] = {}
        for name, spec in self.specs.items():
            kid = f"{name}-2026a"
            self.departments[name] = Department(
                spec, store.index(spec), key=keys.load_or_create(kid, options.state / "keys"), kid=kid,
                requesters=self.requesters, log=self.log, settings=lambda n=name: self.faults[n], seed=options.seed)
        self.missing = sorted(store.missing)
        self.ports: dict[str, int] = {}
        self.servers: dict[str, tuple[_Server, asyncio.Task]] = {}
        self.token = _token(options.state / "admin.token")
        self.stopping = asyncio.Event()  # Ctrl-C or SIGTERM: held requests answered, then every server closed

    # -- servers ------------------------------------------------------------------------------------------------
    async def _start(self, name: str, app, port: int) -> int:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.o.host, port))
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=1, timeout_keep_alive=5)
        server = _Server(config)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        self.servers[name] = (server, task)
        return sock.getsockname()[1]

    async def _stop(self, name: str) -> None:
        server, task = self.servers.pop(name)
        server.should_exit = True
        await task

    async def _apply_down(self) -> None:
        for name, dept in self.departments.items():
            down = self.faults[name].down
            if down and name in self.servers:
                await self._stop(name)
            elif not down and name not in self.servers:
                await self._start(name, dept.app, self.ports[name])

    async def run(self) -> None:
        base = self.o.port_base
        for i, (name, dept) in enumerate(self.departments.items()):
            self.ports[name] = await self._start(name, dept.app, base + i if base else 0)
        admin_port = self.o.admin_port if self.o.admin_port is not None else (base - 1 if base else 0)
        admin = await self._start("_admin", self._admin_app(), admin_port)
        await self._apply_down()
        self._write_ready(admin)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stopping.set)
        await self.stopping.wait()
        for dept in self.departments.values():  # held requests answered now, not cancelled mid-wait
            dept.release()
        for name in list(self.servers):
            await self._stop(name)
        self.log.close()
        if self.o.on_stopped:
            self.o.on_stopped()

    def urls(self) -> dict[str, str]:
        return {name: f"http://{self.o.host}:{port}" for name, port in self.ports.items()}

    def _write_ready(self, admin: int) -> None:
        if self.o.write_sources:
            text = endpoints.render(
                endpoints.Requester(self.o.requester_id, self.o.requester_name, next(iter(self.requesters), "")),
                {name: (url, {d.kid: raw_public(d.key.public_key())})
                 for (name, url), d in zip(self.urls().items(), self.departments.values(), strict=True)})
            with atomic_output(self.o.write_sources) as tmp:
                Path(tmp).write_text(text, encoding="utf-8")
        ready = {"pid": os.getpid(), "admin": f"http://{self.o.host}:{admin}", "endpoints": self.urls(),
                 "missing_records": self.missing}
        with atomic_output(self.o.state / "ready.json") as tmp:
            Path(tmp).write_text(json.dumps(ready, ensure_ascii=False, indent=1), encoding="utf-8")
        if self.o.on_ready:
            self.o.on_ready(ready)

    # -- admin --------------------------------------------------------------------------------------------------
    def _admin_app(self) -> Starlette:
        return Starlette(routes=[Route("/_sim/config", self._config, methods=["GET", "POST"]),
                                 Route("/_sim/decisions", self._decisions, methods=["GET"])])

    def _allowed(self, request: Request) -> bool:
        given = request.headers.get("authorization", "")
        return secrets.compare_digest(given.encode(), f"Bearer {self.token}".encode())

    async def _config(self, request: Request) -> Response:
        if not self._allowed(request):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if request.method == "POST":
            try:
                self.faults = faults.configure(self.faults, await request.json(), list(self.specs), "/_sim/config")
            except (ConfigurationError, ValueError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            await self._apply_down()
        return JSONResponse({name: f.as_dict() for name, f in self.faults.items()})

    async def _decisions(self, request: Request) -> Response:
        if not self._allowed(request):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        since = int(request.query_params.get("since", "0") or 0)
        return JSONResponse(self.log.since(since))


def _token(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_urlsafe(24))
    return path.read_text(encoding="ascii").strip()


def serve(options: Options) -> None:
    """Run until Ctrl-C or SIGTERM. One stopped while still starting (reading the district, binding ports) stops
    the same way — one line, exit 0 — not with an interrupted trace or silently: SIGTERM is read as Ctrl-C until
    the loop's own handlers take both over."""
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        asyncio.run(Simulator(options).run())
    except KeyboardInterrupt:
        if options.on_stopped:
            options.on_stopped()
    finally:
        signal.signal(signal.SIGTERM, previous)
