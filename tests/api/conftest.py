"""The API under FastAPI's TestClient: a fresh home and database, households in two townships of 大足区 and one of
another district, accounts signed in through the API itself (``Api.sign_in``: a client carrying its CSRF token)."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient

from jiuzhu import clock
from jiuzhu.db import session_scope
from jiuzhu.registry import service
from jiuzhu.registry.validation import birth_date_of, sex_of
from tests.conftest import EXAMPLE
from tests.factories import id_number

TIESHAN = "500111119"  # the example household's township
TIESHAN_VILLAGE = "500111119S01"
LONGTANZI = "500111001"  # another township of 大足区
WANZHOU = "500101"  # another district
PASSWORD = "correct horse 2026"


def household(no: str, area: str, seed: int, **changes) -> dict:
    """The example household under another number and area, its members' ID numbers new (same birth date and
    sex, a sequence number from ``seed``, 1 to 49) so that households never share a person."""
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    text = json.dumps(doc, ensure_ascii=False)
    for i, member in enumerate(doc["members"]):
        old = member["id_number"]
        new = id_number(birth_date_of(old), seed * 10 + i, sex_of(old) == "M")
        text = text.replace(old, new)
    doc = json.loads(text)
    doc.update(household_no=no, area_code=area, **changes)
    return doc


class Api:
    """The application, its database, and helpers to fill it and sign in."""

    def __init__(self, app) -> None:
        self.app = app
        self.engine = app.state.engine

    def client(self) -> TestClient:
        return TestClient(self.app, raise_server_exceptions=False)

    def put(self, *docs: dict) -> None:
        with session_scope(self.engine) as session:
            for doc in docs:
                service.put_household(session, service.parse_household(copy.deepcopy(doc), record="test"),
                                      actor="test", reason="test")

    def add_user(self, username: str, role: str, area_code: str, password: str = PASSWORD) -> None:
        from jiuzhu.accounts import service as accounts

        with session_scope(self.engine) as session:
            accounts.add_user(session, username=username, password=password, role=role, area_code=area_code,
                              display_name=username, actor="test")

    def sign_in(self, username: str, password: str = PASSWORD, client: TestClient | None = None) -> TestClient:
        client = client or self.client()
        response = client.post("/api/v1/session", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        return client

    def user(self, username: str, role: str, area_code: str) -> TestClient:
        """A new account, signed in."""
        self.add_user(username, role, area_code)
        return self.sign_in(username)


def make_api(monkeypatch, tmp_path, database_url: str | None = None) -> Api:
    from jiuzhu.api.app import create_app

    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path / "home"))
    if database_url:
        monkeypatch.setenv("JIUZHU_DATABASE_URL", database_url)
    else:
        monkeypatch.delenv("JIUZHU_DATABASE_URL", raising=False)
    return Api(create_app(start_worker=False))


@pytest.fixture
def api(monkeypatch, tmp_path):
    made = make_api(monkeypatch, tmp_path)
    yield made
    made.engine.dispose()


@pytest.fixture
def api_any(monkeypatch, tmp_path, database_url):
    """The API on each backend (SQLite, PostgreSQL)."""
    made = make_api(monkeypatch, tmp_path, database_url)
    yield made
    made.engine.dispose()


@pytest.fixture
def registry(api) -> Api:
    """Households in two townships of 大足区 (one in a village) and one of 万州区."""
    api.put(household("500111119-000001", TIESHAN, 1),
            household("500111119-000002", TIESHAN_VILLAGE, 2),
            household("500111001-000001", LONGTANZI, 3),
            household("500101001-000001", "500101001", 4))
    return api


def today() -> dt.date:
    return clock.today()
