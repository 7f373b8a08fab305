"""What the pages guard: forms need the session's CSRF token; a household outside the account's area is not found;
identifiers in full only for a role that may, with a reason; sign-in failures and the lock-out say so; nothing is
loaded from another site."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jiuzhu.access import Role
from jiuzhu.db import make_engine, session_scope
from tests.web.conftest import OTHER_TOWNSHIP, PASSWORD, TOWNSHIP, csrf_of

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "jiuzhu" / "web" / "templates"
EXTERNAL = re.compile(r"https?://")


def _household(client, area: str) -> str:
    page = client.get(f"/households?area={area}")
    return re.search(r'data-household="([^"]+)"', page.text).group(1)


def test_a_township_user_gets_not_found_for_another_township_s_household(signed_in, zh):
    other = _household(signed_in("district"), OTHER_TOWNSHIP)
    client = signed_in("caseworker")
    for tab in ("members", "history", "evaluation"):
        page = client.get(f"/households/{other}?tab={tab}")
        assert page.status_code == 404, tab
        assert other in page.text and "家庭成员" not in page.text  # nothing of the household shown


def test_a_form_without_the_session_s_token_is_refused(signed_in, zh):
    client = signed_in("approver")
    number = _household(client, TOWNSHIP)
    for path, data in [(f"/households/{number}/unmask", {"reason": "核对"}), ("/logout", {}),
                       ("/discovery/entries/1/outcome", {"outcome": "visited"}), ("/whatif", {"month": "2025-08"})]:
        refused = client.post(path, data=data)
        assert refused.status_code == 403, path
        assert "刷新页面" in refused.text
        wrong = client.post(path, data={**data, "csrf_token": "not-the-token"})
        assert wrong.status_code == 403, path
    assert client.get("/").status_code == 200  # still signed in: the refused sign-out did nothing


def test_the_sign_in_form_needs_its_token_too(client, zh):
    refused = client.post("/login", data={"username": "caseworker", "password": PASSWORD})
    assert refused.status_code == 403


def test_htmx_sends_the_token_in_a_header(signed_in, zh):
    client = signed_in("approver")
    page = client.get("/")
    token = re.search(r'hx-headers=\'\{"X-CSRF-Token": "([^"]+)"\}\'', page.text).group(1)
    number = _household(client, TOWNSHIP)
    shown = client.post(f"/households/{number}/unmask", data={"reason": "入户核对"}, headers={"X-CSRF-Token": token})
    assert shown.status_code == 200


def test_identifiers_in_full_only_for_a_role_that_may_and_with_a_reason(signed_in, zh):
    client = signed_in("approver")
    number = _household(client, TOWNSHIP)
    page = client.get(f"/households/{number}")
    assert 'data-testid="unmask-form"' in page.text and not re.search(r"\b\d{17}[\dX]\b", page.text)
    no_reason = client.post(f"/households/{number}/unmask", data={"reason": " ", "csrf_token": csrf_of(page.text)})
    assert no_reason.status_code == 200 and 'data-testid="unmask-error"' in no_reason.text
    assert not re.search(r"\b\d{17}[\dX]\b", no_reason.text)
    shown = client.post(f"/households/{number}/unmask", data={"reason": "入户核对", "csrf_token": csrf_of(page.text)})
    assert re.search(r"\b\d{17}[\dX]\b", shown.text) and 'data-testid="unmasked-notice"' in shown.text
    caseworker = signed_in("caseworker")
    page = caseworker.get(f"/households/{number}")
    assert 'data-testid="unmask-form"' not in page.text
    refused = caseworker.post(f"/households/{number}/unmask", data={"reason": "看看", "csrf_token": csrf_of(page.text)})
    assert refused.status_code == 403 and not re.search(r"\b\d{17}[\dX]\b", refused.text)


def test_the_reading_in_full_is_in_the_audit_log_with_its_reason(signed_in, zh):
    client = signed_in("approver")
    number = _household(client, TOWNSHIP)
    page = client.get(f"/households/{number}")
    client.post(f"/households/{number}/unmask", data={"reason": "低保复核入户", "csrf_token": csrf_of(page.text)})
    log = signed_in("auditor").get(f"/audit?subject={number}")
    rows = re.findall(r'<tr data-testid="audit-row">.*?</tr>', log.text, re.S)
    assert any("低保复核入户" in row and "approver" in row and 'class="tag warn"' in row for row in rows)
    assert any('class="tag plain"' in row for row in rows)  # the masked reading before it


def test_a_wrong_password_is_refused_with_one_message_and_the_lock_out_says_until_when(client, district, zh):
    from jiuzhu.accounts import service as accounts

    engine = make_engine(district.url)
    with session_scope(engine) as session:
        accounts.add_user(session, username="locked.out", password=PASSWORD, role=Role.COMMUNITY_WORKER,
                          area_code=district.village, display_name="locked.out", actor="web-test")
    engine.dispose()
    messages = []
    for _ in range(6):
        form = client.get("/login")
        failed = client.post("/login", data={"username": "locked.out", "password": "wrong-password-1",
                                             "csrf_token": csrf_of(form.text)})
        assert failed.status_code == 401 and 'data-testid="login-error"' in failed.text
        messages.append(re.search(r'data-testid="login-error">([^<]+)<', failed.text).group(1))
    unknown = client.post("/login", data={"username": "nobody.here", "password": "wrong-password-1",
                                          "csrf_token": csrf_of(client.get("/login").text)})
    assert re.search(r'data-testid="login-error">([^<]+)<', unknown.text).group(1) == messages[0]
    assert "锁定" in messages[-1] and messages[-1] != messages[0]


def test_no_template_loads_anything_from_another_site():
    for template in TEMPLATES.rglob("*.html"):
        assert not EXTERNAL.search(template.read_text(encoding="utf-8")), template


@pytest.mark.parametrize("username", ["caseworker", "district", "auditor", "admin"])
def test_no_page_served_names_another_site(signed_in, zh, username):
    client = signed_in(username)
    for path in ("/", "/households", "/imports", "/discovery", "/whatif", "/audit", "/users", "/login"):
        page = client.get(path)
        assert not EXTERNAL.search(page.text), path
    number = _household(client, "500111") if username in ("district", "auditor") else None
    if number:
        for tab in ("members", "facts", "history", "evaluation"):
            assert not EXTERNAL.search(client.get(f"/households/{number}?tab={tab}").text)


def test_the_static_files_are_served_by_the_application(client):
    for path in ("/static/jiuzhu.css", "/static/jiuzhu.js", "/static/vendor/htmx/htmx.min.js",
                 "/static/vendor/echarts/echarts.min.js", "/static/vendor/echarts/i18n/langZH.js",
                 "/static/vendor/htmx/LICENSE", "/static/vendor/echarts/LICENSE"):
        assert client.get(path).status_code == 200, path
    css = client.get("/static/jiuzhu.css").text
    assert "Microsoft YaHei" in css and "@font-face" not in css and "@media (max-width" in css
