"""A small synthetic district and the simulator on it, a separate process on free loopback ports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from jiuzhu.exchange import endpoints, keys
from jiuzhu.simulator.launch import Launched, SimulatorFailed, launch
from jiuzhu.synth import generate
from jiuzhu.synth.config import SynthConfig
from tests.simulator.helpers import KID, OURS


@dataclass
class Simulator:
    launched: Launched
    data: Path
    sources: endpoints.SourcesConfig

    @property
    def process(self):
        return self.launched.process

    @property
    def state(self) -> Path:
        return self.launched.state

    @property
    def ready(self) -> dict:
        return self.launched.ready

    def admin(self, method: str, path: str, **kw) -> httpx.Response:
        return self.launched.admin(method, path, **kw)

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
    try:
        launched = launch(district, jwks, root / "state", sources=root / "sources.toml", seed=7)
    except SimulatorFailed as exc:
        pytest.fail(str(exc))
    yield Simulator(launched, district, endpoints.load(root / "sources.toml"))
    code = launched.stop()  # SIGTERM: the simulator stops every server and closes its log
    assert code == 0, "the simulator did not stop cleanly on SIGTERM: " + launched.output()
