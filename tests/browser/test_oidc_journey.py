"""Signing in through the bureau's identity provider, in Chromium: 登录 → 使用统一身份认证登录 → the provider's page
(a real OpenID Connect provider on loopback, tests/oidc_provider.py) → back, signed in, on the page first asked for.

The application is served by uvicorn from a thread over a home of its own (one account, no households): the demo
district of the other journeys is not needed, and their server has no provider set up.
"""

from __future__ import annotations

import re
import threading
import time

import pytest
from playwright.sync_api import expect

from jiuzhu.access import Role
from jiuzhu.db import session_scope
from tests.browser.conftest import DESKTOP, PHONE, watched
from tests.oidc_provider import running_provider
from tests.pgserver import free_port

pytestmark = pytest.mark.browser


@pytest.fixture
def served(monkeypatch, tmp_path):
    """(the application's address, the provider), the application with the provider set up."""
    import uvicorn

    from jiuzhu.accounts import service as accounts
    from jiuzhu.web.app import create_application

    with running_provider() as provider:
        monkeypatch.setenv("JIUZHU_HOME", str(tmp_path / "home"))
        monkeypatch.delenv("JIUZHU_DATABASE_URL", raising=False)
        monkeypatch.setenv("JIUZHU_LANG", "zh")
        monkeypatch.setenv("JIUZHU_OIDC_ISSUER", provider.url)
        monkeypatch.setenv("JIUZHU_OIDC_CLIENT_ID", "jiuzhu-browser")
        monkeypatch.setenv("JIUZHU_OIDC_CLIENT_SECRET", "browser-test-secret")
        app = create_application(start_worker=False)
        with session_scope(app.state.engine) as session:
            accounts.add_user(session, username="zhang.wei", password="browser-password-2026",
                              role=Role.TOWNSHIP_CASEWORKER, area_code="500111119", display_name="张伟", actor="test")
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started, "uvicorn did not start"
        try:
            yield f"http://127.0.0.1:{server.config.port}", provider
        finally:
            server.should_exit = True
            thread.join(10)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_sign_in_through_the_identity_provider(chromium_browser, served, shots, viewport):
    url, provider = served
    provider.set_claims("sub-zhang", {"preferred_username": "zhang.wei"})
    context = chromium_browser.new_context(viewport=viewport, locale="zh-CN", base_url=url)
    context.set_default_timeout(20_000)
    page = watched(context)
    page.goto("/households")  # nobody signed in: to 登录, which keeps the page asked for
    expect(page).to_have_url(re.compile(r"/login\?next="))
    button = page.get_by_test_id("login-oidc")
    expect(button).to_have_text("使用统一身份认证登录")
    shots.take(page, "form")
    button.click()
    expect(page).to_have_url(re.compile(re.escape(provider.url) + r"/oauth2/authorize\?"))
    page.locator("input[name=sub]").fill("sub-zhang")
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(re.compile(re.escape(url) + r"/households$"))
    expect(page.get_by_test_id("sign-out")).to_be_attached()
    assert "zhang.wei" in page.content()
    shots.take(page, "signed-in")
    context.close()
    assert not page.script_errors, page.script_errors
