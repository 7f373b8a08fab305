"""Start the department simulator as a separate process and stop it: the one way tests and benchmarks do it.

    from jiuzhu.simulator.launch import launch

    with launch(data, requesters_jwks, state, sources=home / "exchange" / "sources.toml") as sim:
        sim.ready["endpoints"]["tax"]        # http://127.0.0.1:<port>
        sim.admin("POST", "/_sim/config", json={...})
    # stopped (SIGTERM; killed if it does not stop in time)

``launch`` runs ``jiuzhu simulate-departments`` (as ``python -m jiuzhu.cli.simulate``, the same command inside the
CLI's error edge) on free loopback ports (``--port-base 0``), with this process's ``jiuzhu`` package first on its
path (a worktree's tests run the worktree's simulator), waits until ``ready.json`` is written (every server
listens) and the admin port answers, and returns its ready information. A simulator that exits or does not become
ready in time is stopped and ``SimulatorFailed`` carries its output.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

import jiuzhu

PACKAGE_ROOT = Path(jiuzhu.__file__).resolve().parents[1]  # the folder holding the jiuzhu package (src/)
START_SECONDS = 120.0  # a district's records are read and 37 servers bound before ready.json
STOP_SECONDS = 15.0


class SimulatorFailed(RuntimeError):
    """The simulator exited or did not become ready; the message ends with its output."""


@dataclass
class Launched:
    process: subprocess.Popen
    state: Path
    ready: dict
    log: Path
    sources: Path | None = None
    token: str = field(default="", repr=False)

    def admin(self, method: str, path: str, **kw) -> httpx.Response:
        """A request to the admin port (``/_sim/config``, ``/_sim/decisions``) with its token."""
        return httpx.request(method, self.ready["admin"] + path, headers={"Authorization": f"Bearer {self.token}"},
                             timeout=kw.pop("timeout", 10), **kw)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_SECONDS) -> int | None:
        """Stop it with ``sig`` (SIGTERM, or SIGINT as Ctrl-C does); killed if it has not stopped after
        ``timeout`` seconds. Returns its exit code (None: it had to be killed)."""
        if self.process.poll() is not None:
            return self.process.returncode
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None

    def __enter__(self) -> Launched:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


def launch(data: Path, requesters: Path, state: Path, *, sources: Path | None = None, config: Path | None = None,
           seed: int = 7, only: list[str] | tuple[str, ...] = (), log: Path | None = None,
           env: dict[str, str] | None = None, timeout: float = START_SECONDS) -> Launched:
    """Start the simulator over ``data`` (a synthetic district), trusting the keys of ``requesters`` (a JWKS file),
    keeping its keys, log, token and ready.json in ``state``; ``sources``: where to write the platform's
    sources.toml for its endpoints; ``config``: its faults (TOML); ``only``: serve just these endpoints; ``log``:
    its output (default ``<state>.log`` beside the state folder); ``env``: added to this process's environment."""
    state = Path(state)
    state.mkdir(parents=True, exist_ok=True)
    (state / "ready.json").unlink(missing_ok=True)  # a previous run's: never read as this one's
    log = Path(log) if log else state.with_name(state.name + ".log")
    args = [sys.executable, "-m", "jiuzhu.cli.simulate", "--data", str(data), "--requesters", str(requesters),
            "--state", str(state), "--port-base", "0", "--seed", str(seed)]
    if sources is not None:
        args += ["--write-sources", str(sources)]
    if config is not None:
        args += ["--config", str(config)]
    for name in only:
        args += ["--endpoint", name]
    path = os.pathsep.join(p for p in (str(PACKAGE_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(args, env=os.environ | (env or {}) | {"PYTHONPATH": path}, stdout=out,
                                   stderr=subprocess.STDOUT)
    launched = Launched(process, state, {}, log, sources)
    try:
        _wait_ready(launched, timeout)
    except BaseException:
        launched.stop(signal.SIGKILL, timeout=5)
        raise
    return launched


def _wait_ready(sim: Launched, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    ready_file = sim.state / "ready.json"
    while True:
        if sim.process.poll() is not None:
            raise SimulatorFailed(f"the simulator exited ({sim.process.returncode}): {sim.output()}")
        if ready_file.exists():
            sim.ready = json.loads(ready_file.read_text(encoding="utf-8"))
            sim.token = (sim.state / "admin.token").read_text(encoding="ascii").strip()
            try:
                if sim.admin("GET", "/_sim/config", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
        if time.monotonic() > deadline:
            raise SimulatorFailed(f"the simulator was not ready in {timeout:.0f} s: {sim.output()}")
        time.sleep(0.1)
