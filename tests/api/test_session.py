"""Sign-in through the API: the cookie, the CSRF token, one message for a wrong name or password, lock-out after
repeated failures, sign-out; every answer the one error body, in the caller's language."""

from __future__ import annotations

from jiuzhu.access import Role
from tests.api.conftest import PASSWORD, TIESHAN


def _rows(api, action: str) -> list:
    from sqlalchemy import select

    from jiuzhu.audit.models import AuditEntry
    from jiuzhu.db import session_scope

    with session_scope(api.engine, write=False) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_sign_in_gives_the_user_and_a_csrf_token_and_a_cookie(api):
    api.add_user("zhang.wei", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    client = api.client()
    response = client.post("/api/v1/session", json={"username": "zhang.wei", "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["username"] == "zhang.wei" and body["user"]["role"] == "township_caseworker"
    assert body["user"]["area_code"] == TIESHAN and "registry.read" in body["user"]["permissions"]
    assert "personal.unmask" not in body["user"]["permissions"]
    assert len(body["csrf_token"]) >= 32
    cookie = response.headers["set-cookie"].lower()
    assert "jiuzhu_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    again = client.get("/api/v1/session")
    assert again.status_code == 200 and again.json()["csrf_token"] == body["csrf_token"]
    assert len(_rows(api, "sign_in")) == 1


def test_a_form_signs_in_as_well(api):
    api.add_user("li.na", Role.AUDITOR, TIESHAN)
    response = api.client().post("/api/v1/session", data={"username": "li.na", "password": PASSWORD})
    assert response.status_code == 200 and response.json()["user"]["role"] == "auditor"


def test_unknown_name_and_wrong_password_get_the_same_answer(api):
    api.add_user("zhang.wei", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    client = api.client()
    unknown = client.post("/api/v1/session", json={"username": "nobody", "password": PASSWORD})
    wrong = client.post("/api/v1/session", json={"username": "zhang.wei", "password": "not the password"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["message"] == wrong.json()["message"]
    assert unknown.json()["code"] == "unauthenticated"
    assert client.get("/api/v1/session").status_code == 401
    assert len(_rows(api, "sign_in_failed")) == 2  # committed, though the request was refused


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(api, zh):
    api.add_user("zhang.wei", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    client = api.client()
    for _ in range(5):
        assert client.post("/api/v1/session", json={"username": "zhang.wei", "password": "wrong wrong"}
                           ).status_code == 401
    locked = client.post("/api/v1/session", json={"username": "zhang.wei", "password": PASSWORD})
    assert locked.status_code == 401
    assert "锁定" in locked.json()["message"], locked.json()
    assert len(_rows(api, "locked_out")) == 1


def test_a_session_ends_when_the_account_is_locked_meanwhile(api):
    client = api.user("zhang.wei", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    admin = api.user("admin.one", Role.ADMINISTRATOR, "500111")
    assert admin.post("/api/v1/users/zhang.wei/lock").status_code == 200
    assert client.get("/api/v1/session").status_code == 401


def test_sign_out_needs_the_csrf_token_and_ends_the_session(api):
    client = api.user("zhang.wei", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    token = client.headers.pop("X-CSRF-Token")
    refused = client.delete("/api/v1/session")
    assert refused.status_code == 403 and refused.json()["field"] == "csrf_token"
    refused = client.delete("/api/v1/session", headers={"X-CSRF-Token": "forged"})
    assert refused.status_code == 403
    kept = dict(client.cookies)  # a copy of the cookie, kept (another tab, a stolen copy)
    assert client.delete("/api/v1/session", headers={"X-CSRF-Token": token}).status_code == 204
    assert client.get("/api/v1/session").status_code == 401
    assert len(_rows(api, "sign_out")) == 1
    client.cookies.clear()
    client.cookies.update(kept)
    assert client.get("/api/v1/session").status_code == 401  # signing out ended it everywhere
    again = client.post("/api/v1/session", json={"username": "zhang.wei", "password": PASSWORD})
    assert again.status_code == 200 and client.get("/api/v1/session").status_code == 200  # a new session is good


def test_every_unsafe_request_of_a_session_is_refused_without_its_token(api, example_data):
    client = api.user("zhang.wei", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    client.headers.pop("X-CSRF-Token")
    refused = client.post("/api/v1/evaluate", json=example_data)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    # the form field does as well as the header (the pages' forms)
    token = client.get("/api/v1/session").json()["csrf_token"]
    assert client.request("DELETE", "/api/v1/session", data={"csrf_token": token}).status_code == 204


def test_a_cookie_signed_with_another_key_is_nobody(api, monkeypatch, tmp_path):
    client = api.user("zhang.wei", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    from tests.api.conftest import make_api

    monkeypatch.setenv("JIUZHU_SECRET_KEY", "another-secret-0123456789abcdef0123456789abcdef")
    other = make_api(monkeypatch, tmp_path)  # the same database and home, another installation secret
    stranger = other.client()
    stranger.cookies = client.cookies
    assert stranger.get("/api/v1/session").status_code == 401
    other.engine.dispose()


def test_an_expired_sign_in_is_refused(api, monkeypatch):
    from jiuzhu.api import deps

    client = api.user("zhang.wei", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    real = deps._now
    monkeypatch.setattr(deps, "_now", lambda: real() + deps.SESSION_HOURS * 3600 + 5)
    response = client.get("/api/v1/session")
    assert response.status_code == 401 and "8" in response.json()["message"]


def test_sign_in_refused_in_chinese_naming_the_field(api):
    response = api.client().post("/api/v1/session?lang=zh", json={"username": "zhang.wei"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and body["field"] == "password" and "必填" in body["message"]
    garbage = api.client().post("/api/v1/session?lang=zh", content=b"{", headers={"content-type": "application/json"})
    assert garbage.status_code == 422 and "JSON" in garbage.json()["message"]
