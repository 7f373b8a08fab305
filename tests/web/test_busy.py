"""On SQLite a ledger import holds the write lock for its whole transaction (on purpose: nothing half-written).
Meanwhile a person's write waits (``api.app.REQUEST_WAIT_SECONDS``) and, if the import is still storing, is
answered "busy, try again" — beside the form, or as a page with a link to try again, or the API's ``busy`` —
never an error page naming the server's database file, and never after two minutes (newcomer finding)."""

from __future__ import annotations

import re
import sqlite3
import threading

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of, sign_in

WAIT = 2  # seconds a request waits for the lock here (REQUEST_WAIT_SECONDS, shortened for the test)


@pytest.fixture
def busy_client(district, monkeypatch):
    from jiuzhu.api import app as api_app
    from jiuzhu.web.app import create_application

    monkeypatch.setattr(api_app, "REQUEST_WAIT_SECONDS", WAIT)
    with TestClient(create_application(district.settings(), start_worker=False), follow_redirects=False) as c:
        yield c


class Import:
    """Another writer holding SQLite's write lock, as a ledger import's one transaction does."""

    def __init__(self, district):
        self.db = sqlite3.connect(district.url.removeprefix("sqlite:///"), isolation_level=None,
                                  check_same_thread=False)

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self

    def end(self):
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    def __exit__(self, *_):
        self.end()
        self.db.close()


def _card(client) -> tuple[str, str]:
    page = client.get("/discovery")
    return re.search(r'data-testid="worklist-card" data-entry="(\d+)"', page.text).group(1), csrf_of(page.text)


def test_a_visit_recorded_while_an_import_stores_is_answered_busy_beside_the_card(busy_client, district, zh):
    client = sign_in(busy_client, "caseworker")
    entry, token = _card(client)
    with Import(district):
        answer = client.post(f"/discovery/entries/{entry}/outcome", data={"csrf_token": token, "outcome": "visited"},
                             headers={"HX-Request": "true", "HX-Target": f"outcome-{entry}"})
    assert answer.status_code == 409
    assert "<html" not in answer.text and 'data-testid="error-message"' in answer.text  # a part of the card
    assert "正忙" in answer.text and "再试" in answer.text and "未执行" in answer.text
    assert "jiuzhu.db" not in answer.text and str(district.home) not in answer.text


def test_a_page_that_must_write_while_an_import_stores_says_busy_and_offers_to_try_again(busy_client, district, zh):
    client = sign_in(busy_client, "caseworker")
    with Import(district):
        answer = client.get("/households?name=王")  # a search is logged: it writes an audit row
    assert answer.status_code == 409 and "正忙" in answer.text and "jiuzhu.db" not in answer.text
    retry = re.search(r'href="([^"]+)" data-testid="error-retry"', answer.text).group(1)
    assert retry.endswith("/households?name=%E7%8E%8B") or retry.endswith("/households?name=王")
    assert client.get("/households?name=王").status_code == 200  # the import over: the same address works


def test_signing_in_while_an_import_stores_is_answered_beside_the_form(busy_client, district, zh):
    form = busy_client.get("/login")
    with Import(district):
        answer = busy_client.post("/login", data={"username": "caseworker", "password": "whatever-it-is",
                                                  "csrf_token": csrf_of(form.text), "next": "/"})
    assert answer.status_code == 409 and 'data-testid="login-form"' in answer.text
    assert "正忙" in answer.text and 'value="caseworker"' in answer.text


def test_the_api_answers_busy_with_a_retry_after(busy_client, district, zh):
    client = sign_in(busy_client, "caseworker")
    entry, token = _card(client)
    with Import(district):
        answer = client.post(f"/api/v1/worklists/entries/{entry}/outcome", json={"outcome": "visited"},
                             headers={"X-CSRF-Token": token})
    body = answer.json()
    assert answer.status_code == 409 and body["code"] == "busy" and "正忙" in body["message"]
    assert int(answer.headers["Retry-After"]) > 0 and "jiuzhu.db" not in body["message"]


def test_a_write_waits_for_a_short_import_instead_of_failing_at_once(busy_client, district, zh):
    client = sign_in(busy_client, "caseworker")
    entry, token = _card(client)
    with Import(district) as held:
        threading.Timer(WAIT / 10, held.end).start()  # the import commits while the request waits
        answer = client.post(f"/api/v1/worklists/entries/{entry}/outcome", json={"outcome": "visited"},
                             headers={"X-CSRF-Token": token})
    assert answer.status_code == 201, answer.text
