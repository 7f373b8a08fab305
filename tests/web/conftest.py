"""A small district (300 synthetic households of 大足, one scan), one account per role, and the web application
over it, for the page tests (FastAPI's TestClient; no worker thread: jobs stay queued unless a test runs them)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jiuzhu import migrate
from jiuzhu.access import Role
from jiuzhu.config import Settings
from jiuzhu.db import make_engine, session_scope
from jiuzhu.registry.bulk import load_snapshot
from jiuzhu.synth import generate

DISTRICT = "500111"
TOWNSHIP = "500111119"  # 铁山镇
OTHER_TOWNSHIP = "500111108"  # 玉龙镇
PASSWORD = "web-test-password-2026"
SECRET = "0123456789abcdef" * 4
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class District:
    home: Path
    url: str
    village: str  # a village of TOWNSHIP that has households

    def settings(self) -> Settings:
        return Settings(home=self.home, database_url=self.url, actor="web-test", jurisdiction=("500000",))


ACCOUNTS = {  # username → (role, area: "district", "township", "village", "other")
    "district": (Role.DISTRICT_OFFICER, "district"),
    "caseworker": (Role.TOWNSHIP_CASEWORKER, "township"),
    "approver": (Role.TOWNSHIP_APPROVER, "township"),
    "worker": (Role.COMMUNITY_WORKER, "village"),
    "auditor": (Role.AUDITOR, "district"),
    "admin": (Role.ADMINISTRATOR, "district"),
    "other.caseworker": (Role.TOWNSHIP_CASEWORKER, "other"),
    "listed.worker": (Role.COMMUNITY_WORKER, "listed village"),  # a village with worklist entries
}


@pytest.fixture(scope="session")
def district(tmp_path_factory) -> District:
    import os

    os.environ.setdefault("JIUZHU_SECRET_KEY", SECRET)
    root = tmp_path_factory.mktemp("web")
    generate(district=DISTRICT, households=300, seed=11, out_dir=root / "synth", month="2025-08", months=12)
    url = f"sqlite:///{root / 'jiuzhu.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    load_snapshot(engine, root / "synth")
    from jiuzhu.discovery.flows import scan

    scan(engine, month="2025-08", home=root, actor="web-test", workbooks="township")
    from sqlalchemy import text

    with engine.connect() as conn:
        village = conn.execute(text("SELECT area_code FROM households WHERE area_code LIKE :p ORDER BY area_code "
                                    "LIMIT 1"), {"p": f"{TOWNSHIP}%"}).scalar_one()
        listed = conn.execute(text("SELECT area_code FROM scan_findings WHERE length(area_code) = 12 GROUP BY "
                                   "area_code ORDER BY count(*) DESC, area_code LIMIT 1")).scalar_one()
    areas = {"district": DISTRICT, "township": TOWNSHIP, "village": village, "other": OTHER_TOWNSHIP,
             "listed village": listed}
    from jiuzhu.accounts import service as accounts

    with session_scope(engine) as session:
        for username, (role, area) in ACCOUNTS.items():
            accounts.add_user(session, username=username, password=PASSWORD, role=role, area_code=areas[area],
                              display_name=username, actor="web-test")
    engine.dispose()
    return District(home=root, url=url, village=village)


@pytest.fixture(scope="session")
def application(district):
    from jiuzhu.web.app import create_application

    return create_application(district.settings(), start_worker=False)


@pytest.fixture
def client(application):
    with TestClient(application, follow_redirects=False) as c:
        yield c


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def sign_in(client: TestClient, username: str) -> TestClient:
    """Sign ``username`` in through the login form (its CSRF token first)."""
    form = client.get("/login")
    assert form.status_code == 200
    done = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(form.text),
                                       "next": "/"})
    assert done.status_code == 303, done.text
    return client


@pytest.fixture
def signed_in(client):
    """A function: the client signed in as the given account."""
    return lambda username: sign_in(client, username)
