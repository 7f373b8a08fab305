"""The sign-in page with an OpenID Connect provider set up: the button 使用统一身份认证登录 (only then), the journey
through a real provider on loopback (tests/oidc_provider.py) to a page of the account's, and a refusal shown on
the sign-in page — never a JSON body or a traceback in the person's browser."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from jiuzhu.access import Role
from jiuzhu.db import session_scope
from tests.oidc_provider import running_provider

TOWNSHIP = "500111119"
BUTTON = re.compile(r'<a class="button secondary" href="([^"]+)" data-testid="login-oidc">([^<]+)</a>')


@pytest.fixture(scope="module")
def provider():
    with running_provider() as running:
        yield running


def web(monkeypatch, tmp_path, issuer: str | None, **settings: str) -> TestClient:
    from jiuzhu.accounts import service as accounts
    from jiuzhu.web.app import create_application

    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("JIUZHU_DATABASE_URL", raising=False)
    if issuer:
        monkeypatch.setenv("JIUZHU_OIDC_ISSUER", issuer)
        monkeypatch.setenv("JIUZHU_OIDC_CLIENT_ID", "jiuzhu-web")
        monkeypatch.setenv("JIUZHU_OIDC_CLIENT_SECRET", "web-test-secret")
    for name, value in settings.items():
        monkeypatch.setenv(f"JIUZHU_OIDC_{name.upper()}", value)
    app = create_application(start_worker=False)
    with session_scope(app.state.engine) as session:
        accounts.add_user(session, username="zhang.wei", password="web-password-2026", role=Role.TOWNSHIP_CASEWORKER,
                          area_code=TOWNSHIP, display_name="张伟", actor="test")
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def configured(monkeypatch, tmp_path, provider, zh):
    provider.reset()
    with web(monkeypatch, tmp_path, provider.url) as client:
        yield client
        client.app.state.engine.dispose()


def test_the_button_is_shown_only_when_a_provider_is_set_up(monkeypatch, tmp_path, zh):
    with web(monkeypatch, tmp_path, None) as client:
        page = client.get("/login")
        assert page.status_code == 200 and 'data-testid="login-form"' in page.text
        assert "login-oidc" not in page.text and "统一身份认证" not in page.text
        client.app.state.engine.dispose()


def test_the_button_carries_the_page_to_come_back_to(configured):
    page = configured.get("/login", params={"next": "/households?name=王"})
    found = BUTTON.search(page.text)
    assert found, page.text
    assert found.group(2) == "使用统一身份认证登录"
    assert html.unescape(found.group(1)) == "/api/v1/session/oidc?next=/households%3Fname%3D%E7%8E%8B"


def test_the_buttons_words_name_the_bureaus_provider(monkeypatch, tmp_path, provider, zh):
    with web(monkeypatch, tmp_path, provider.url, name="渝快政") as client:
        assert BUTTON.search(client.get("/login").text).group(2) == "使用渝快政登录"
        client.app.state.engine.dispose()


def test_the_journey_from_the_button_to_the_page_asked_for(configured, provider):
    href = html.unescape(BUTTON.search(configured.get("/login", params={"next": "/households"}).text).group(1))
    to_provider = configured.get(href)
    assert to_provider.status_code == 302 and to_provider.headers["location"].startswith(provider.url)
    provider.set_claims("sub-zhang", {"preferred_username": "zhang.wei"})
    back = configured.get(provider.authorize(to_provider.headers["location"], "sub-zhang"))
    assert back.status_code == 303 and back.headers["location"] == "/households"
    page = configured.get("/households")
    assert page.status_code == 200 and "zhang.wei" in page.text  # the top bar names who is signed in


def test_a_refusal_is_the_sign_in_page_saying_why(configured, provider):
    provider.set_claims("sub-wang", {"preferred_username": "wang.fang"})
    href = html.unescape(BUTTON.search(configured.get("/login").text).group(1))
    back = configured.get(provider.authorize(configured.get(href).headers["location"], "sub-wang"))
    assert back.status_code == 401 and back.headers["content-type"].startswith("text/html")
    alert = re.search(r'data-testid="login-error">([^<]+)<', back.text)
    assert alert and html.unescape(alert.group(1)) == \
        "统一身份认证确认您是 wang.fang，但本系统没有这个用户名的账号：请联系管理员开通"
    assert 'data-testid="login-form"' in back.text and BUTTON.search(back.text)  # try again, either way
    assert configured.get("/households").status_code == 303  # not signed in: to 登录


def test_a_cancelled_sign_in_is_the_sign_in_page_too(configured, provider):
    href = html.unescape(BUTTON.search(configured.get("/login").text).group(1))
    back = configured.get(provider.authorize(configured.get(href).headers["location"], None, deny=True))
    assert back.status_code == 401 and "已在统一身份认证取消登录" in html.unescape(back.text)


def test_without_a_provider_its_address_is_the_sign_in_page_saying_so(monkeypatch, tmp_path, zh):
    with web(monkeypatch, tmp_path, None) as client:
        answer = client.get("/api/v1/session/oidc")
        assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
        assert "本系统未启用统一身份认证登录" in html.unescape(answer.text)
        client.app.state.engine.dispose()
