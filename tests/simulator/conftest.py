"""A small synthetic district and the simulator on it, a separate process on free loopback ports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from jiuzhu.exchange import endpoints, keys
from jiuzhu.synth import generate
from jiuzhu.synth.config import SynthConfig
from tests.simulator.helpers import KID, OURS

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Simulator:
    process: subprocess.Popen
    data: Path
    state: Path
    ready: dict
    sources: endpoints.SourcesConfig
    token: str

    def admin(self, method: str, path: str, **kw) -> httpx.Response:
        return httpx.request(method, self.ready["admin"] + path, headers={"Authorization": f"Bearer {self.token}"},
                             timeout=10, **kw)

    def configure(self, endpoint: str, **changes) -> dict:
        answer = self.admin("POST", "/_sim/config", json={"endpoint": {endpoint: changes}})
        assert answer.status_code == 200, answer.text
        return answer.json()[endpoint]

    def decisions(self, since: int = 0) -> list[dict]:
        return self.admin("GET", f"/_sim/decisions?since={since}").json()


@pytest.fixture(scope="session")
def district(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "synth"
    # Work-injury care pay is rare (5 % of adults with a severe physical disability): at this size the district
    # would have none, so half of them here; no other file changes (the draw has its own generator).
    generate(district="500111", households=300, seed=3, out_dir=out, month="2025-08", months=6,
             config=SynthConfig(work_injury_care_share=0.5))
    return out


@pytest.fixture(scope="session")
def simulator(district, tmp_path_factory):
    root = tmp_path_factory.mktemp("simstate")
    jwks = root / "requester.jwks.json"
    jwks.write_text(json.dumps(keys.jwks({KID: OURS.public_key()})), encoding="utf-8")
    state, sources = root / "state", root / "sources.toml"
    env = os.environ | {"PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    log = (root / "simulator.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jiuzhu.cli.simulate", "--data", str(district), "--requesters", str(jwks),
         "--state", str(state), "--port-base", "0", "--write-sources", str(sources), "--seed", "7"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while not (state / "ready.json").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("the simulator did not start: " + (root / "simulator.log").read_text())
        time.sleep(0.1)
    ready = json.loads((state / "ready.json").read_text(encoding="utf-8"))
    sim = Simulator(process, district, state, ready, endpoints.load(sources),
                    (state / "admin.token").read_text().strip())
    yield sim
    process.terminate()  # SIGTERM: the simulator stops every server and closes its log
    try:
        code = process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        code = "killed"
    log.close()
    assert code == 0, "the simulator did not stop cleanly on SIGTERM: " + (root / "simulator.log").read_text()
