"""A small synthetic district, the department simulator on it (its own process, loopback), and the registry with
the district loaded and a household's consents given: what the verification's flows and runner are tested on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from jiuzhu import clock

ROOT = Path(__file__).resolve().parents[2]
KID = "jiuzhu-500111-test"
AS_OF = dt.date(2025, 8, 31)


@dataclass
class Simulator:
    process: subprocess.Popen
    data: Path
    state: Path
    ready: dict
    sources: Path
    token: str
    home: Path

    def admin(self, method: str, path: str, **kw) -> httpx.Response:
        return httpx.request(method, self.ready["admin"] + path, headers={"Authorization": f"Bearer {self.token}"},
                             timeout=10, **kw)

    def configure(self, endpoint: str, **changes) -> dict:
        answer = self.admin("POST", "/_sim/config", json={"endpoint": {endpoint: changes}})
        assert answer.status_code == 200, answer.text
        return answer.json()[endpoint]

    def decisions(self, since: int = 0) -> list[dict]:
        return self.admin("GET", f"/_sim/decisions?since={since}").json()

    def exchange(self, **changes):
        """The platform's exchange as read from the home (sources.toml, our key); ``changes`` per endpoint."""
        from jiuzhu.exchange import endpoints, keys
        from jiuzhu.verification.service import Exchange

        config = endpoints.load(self.sources)
        if changes:
            config = dataclasses.replace(config, endpoints={
                n: dataclasses.replace(e, **changes.get(n, {})) for n, e in config.endpoints.items()})
        return Exchange(config=config, key=keys.load_or_create(KID, self.home / "exchange" / "keys"))


@pytest.fixture(scope="session")
def district(tmp_path_factory) -> Path:
    from jiuzhu.synth import generate

    out = tmp_path_factory.mktemp("vdistrict") / "synth"
    generate(district="500111", households=40, seed=5, out_dir=out, month="2025-08", months=6)
    return out


@pytest.fixture(scope="session")
def simulator(district, tmp_path_factory):
    from jiuzhu.exchange import keys
    from jiuzhu.simulator.launch import launch

    root = tmp_path_factory.mktemp("vsim")
    home = root / "home"
    ours = keys.load_or_create(KID, home / "exchange" / "keys")
    jwks = root / "requester.jwks.json"
    jwks.write_text(json.dumps(keys.jwks({KID: ours.public_key()})), encoding="utf-8")
    state, sources = root / "state", home / "exchange" / "sources.toml"
    sim = launch(district, jwks, state, sources=sources, seed=7, log=root / "simulator.log")
    yield Simulator(sim.process, district, sim.state, sim.ready, sources, sim.token, home)
    sim.stop()


@dataclass
class World:
    engine: object
    household_no: str
    area_code: str
    members: list[dict]  # {id_number, name, person_id, consent_id}


def principal(area: str, role=None):
    from jiuzhu.access import Principal, Role

    role = role or Role.TOWNSHIP_CASEWORKER
    return Principal(username=f"{role.value}-{area}", role=role, area_code=area, area_prefixes=(area,))


def load_world(engine, district: Path, *, consent: bool = True, index: int = 0) -> World:
    """The district in the registry; the ``index``-th household of three members or more with its consents given
    (all, on the as-of date's review purpose)."""
    from sqlalchemy import select

    from jiuzhu.consent import service as consents
    from jiuzhu.db import session_scope
    from jiuzhu.registry import models as rm
    from jiuzhu.registry.bulk import load_snapshot

    load_snapshot(engine, district)
    with session_scope(engine) as session:
        rows = session.execute(select(rm.Household.household_no, rm.Household.area_code, rm.Household.id)
                               .order_by(rm.Household.household_no)).all()
        picked = [r for r in rows if len(session.scalars(select(rm.Member.person_id).where(
            rm.Member.household_id == r.id)).all()) >= 3][index]
    no, area = picked.household_no, picked.area_code[:9]
    who = principal(area)
    with session_scope(engine) as session:
        if consent:
            made, skipped = consents.request_required(session, who, household_no=no,
                                                      purpose=consents.Purpose("review"))
            assert not skipped, skipped
            for record in made:
                consents.give(session, who, record.record_id)
        members = consents.check_required(session, no, consents.Purpose("review"), clock.today())
        people = [{"person_id": m.person_id, "name": m.name, "consent_id": m.record_id,
                   "id_number": session.get(rm.Person, m.person_id).id_number} for m in members]
    return World(engine, no, area, people)


@dataclass
class Batch:
    """The district loaded with every household's consents given where they can be (a household whose minor has
    no guardian the registry can name stays without: a batch blocks it)."""

    engine: object
    area: str
    consented: list[str]  # household numbers, every member authorized
    unconsented: list[str]


def load_batch(engine, district: Path, *, area: str = "500111") -> Batch:
    from sqlalchemy import select

    from jiuzhu.consent import service as consents
    from jiuzhu.db import session_scope
    from jiuzhu.registry import models as rm
    from jiuzhu.registry.bulk import load_snapshot

    load_snapshot(engine, district)
    who = principal(area)
    done, skipped = [], []
    with session_scope(engine) as session:
        numbers = sorted(session.scalars(select(rm.Household.household_no)))
        for no in numbers:
            made, left = consents.request_required(session, who, household_no=no, purpose=consents.Purpose("review"))
            for record in made:
                consents.give(session, who, record.record_id)
            (skipped if left else done).append(no)
    return Batch(engine, area, done, skipped)


@pytest.fixture
def batch_world(engine, district) -> Batch:
    return load_batch(engine, district)
