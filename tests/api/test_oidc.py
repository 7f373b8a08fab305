"""Sign-in through an OpenID Connect provider (issue 12 item 4), against a real provider over HTTP on loopback
(``tests/oidc_provider.py``: oidc-provider-mock, Authlib's server): the redirect with PKCE, state and nonce, the
provider's consent, the callback, and the session it starts — the account's own role and area, nothing of the
provider's. Every way it can fail is refused in one message and written to the audit log; an ID token changed in
any checked claim, or re-signed by another key, signs nobody in."""

from __future__ import annotations

import datetime as dt
import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from jiuzhu.access import Role
from jiuzhu.api.routers.session import local_path
from jiuzhu.db import session_scope
from jiuzhu.errors import ConfigurationError
from tests.api.conftest import LONGTANZI, TIESHAN, make_api
from tests.oidc_provider import running_provider

CLIENT_ID, SECRET = "jiuzhu-test", "client-secret-for-tests"


@pytest.fixture(scope="module")
def provider():
    with running_provider() as running:
        yield running


@pytest.fixture
def oidc_api(monkeypatch, tmp_path, provider):
    """The API with the provider set up, and the households of tests/api's registry."""
    provider.reset()
    monkeypatch.setenv("JIUZHU_OIDC_ISSUER", provider.url)
    monkeypatch.setenv("JIUZHU_OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("JIUZHU_OIDC_CLIENT_SECRET", SECRET)
    made = make_api(monkeypatch, tmp_path)
    from tests.api.conftest import household

    made.put(household("500111119-000001", TIESHAN, 1), household("500111001-000001", LONGTANZI, 3))
    made.add_user("zhang.wei", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    yield made
    provider.reset()
    made.engine.dispose()


def start(client, next_path: str | None = None) -> str:
    answer = client.get("/api/v1/session/oidc", params={"next": next_path} if next_path else None,
                        follow_redirects=False)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def sign_in(api, provider, sub: str, claims: dict | None = None, *, client=None, next_path=None, deny=False):
    """The whole journey of a browser: Jiuzhu → the provider (``sub`` consents) → Jiuzhu's callback. Returns
    (the client, the callback's answer)."""
    client = client or api.client()
    if claims is not None:
        provider.set_claims(sub, claims)
    back = provider.authorize(start(client, next_path), sub, deny=deny)
    return client, client.get(back, follow_redirects=False)


def audit_rows(api, action: str) -> list:
    from jiuzhu.audit.models import AuditEntry

    with session_scope(api.engine, write=False) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)))


def account(api, username: str):
    from jiuzhu.accounts.models import User

    with session_scope(api.engine, write=False) as session:
        return session.scalars(select(User).where(User.username == username)).one()


# --------------------------------------------------------------------------- the journey


def test_the_redirect_asks_for_a_code_with_pkce_state_and_nonce(oidc_api, provider):
    query = parse_qs(urlsplit(start(oidc_api.client())).query)
    assert urlsplit(start(oidc_api.client())).path == "/oauth2/authorize"
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert set(query["scope"][0].split()) == {"openid", "profile"}
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43  # SHA-256, base64url
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20
    assert query["redirect_uri"] == ["http://testserver/api/v1/session/oidc/callback"]


def test_signing_in_through_the_provider_gives_the_accounts_role_and_area(oidc_api, provider):
    client, done = sign_in(oidc_api, provider, "sub-zhang", {"preferred_username": "zhang.wei"},
                           next_path="/api/v1/households")
    assert done.status_code == 303 and done.headers["location"] == "/api/v1/households"
    cookie = done.headers["set-cookie"].lower()
    assert "jiuzhu_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    me = client.get("/api/v1/session")
    assert me.status_code == 200, me.text
    assert me.json()["user"]["username"] == "zhang.wei" and me.json()["user"]["role"] == "township_caseworker"
    assert me.json()["user"]["area_code"] == TIESHAN
    # scoped as the account is: its township's household, not another township's (404: reveals nothing)
    assert client.get("/api/v1/households/500111119-000001").status_code == 200
    assert client.get("/api/v1/households/500111001-000001").status_code == 404
    # the session is the password's: a change needs its CSRF token, and signing out ends it
    token = me.json()["csrf_token"]
    assert client.delete("/api/v1/session").status_code == 403
    assert client.delete("/api/v1/session", headers={"X-CSRF-Token": token}).status_code == 204
    assert client.get("/api/v1/session").status_code == 401
    # bound to the provider's identity at this first sign-in, and the audit log says so
    user = account(oidc_api, "zhang.wei")
    assert (user.oidc_issuer, user.oidc_subject) == (provider.url, "sub-zhang")
    row = audit_rows(oidc_api, "sign_in")[-1]
    assert row.subject == "zhang.wei" and row.area_code == TIESHAN
    assert '"method": "oidc"' in row.detail and '"bound": true' in row.detail


def test_the_callback_goes_to_the_start_page_unless_told_and_never_to_another_site(oidc_api, provider):
    _, done = sign_in(oidc_api, provider, "sub-zhang", {"preferred_username": "zhang.wei"})
    assert done.headers["location"] == "/"
    _, done = sign_in(oidc_api, provider, "sub-zhang", next_path="//evil.example/")
    assert done.status_code == 303 and done.headers["location"] == "/"


@settings(deadline=None)
@given(st.text(max_size=40) | st.sampled_from(["/", "//evil.example", "/\\evil.example", "https://evil.example",
                                               "/households?name=王"]))
def test_after_signing_in_the_browser_stays_on_this_site(target):
    out = local_path(target)
    assert out in (target, "/")
    assert out.startswith("/") and not out.startswith("//") and "\\" not in out


def test_the_user_name_claim_is_matched_in_lower_case(oidc_api, provider):
    _, done = sign_in(oidc_api, provider, "sub-zhang", {"preferred_username": " Zhang.Wei "})
    assert done.status_code == 303, done.text


def test_another_claim_may_carry_the_user_name(oidc_api, provider, monkeypatch, tmp_path):
    monkeypatch.setenv("JIUZHU_OIDC_USERNAME_CLAIM", "employee_id")
    api = make_api(monkeypatch, tmp_path / "other")
    try:
        api.add_user("e10023", Role.AUDITOR, TIESHAN)
        client, done = sign_in(api, provider, "sub-e", {"employee_id": "e10023", "preferred_username": "zhang.wei"})
        assert done.status_code == 303, done.text
        assert client.get("/api/v1/session").json()["user"]["username"] == "e10023"
    finally:
        api.engine.dispose()


def test_the_user_name_is_read_from_userinfo_when_the_id_token_lacks_it(oidc_api, provider):
    provider.tamper.change = lambda claims: claims.pop("preferred_username", None)
    client, done = sign_in(oidc_api, provider, "sub-zhang", {"preferred_username": "zhang.wei"})
    assert done.status_code == 303, done.text
    assert client.get("/api/v1/session").json()["user"]["username"] == "zhang.wei"


# --------------------------------------------------------------------------- accounts: matched, bound, refused


def test_a_person_without_an_account_is_refused_and_it_is_logged(oidc_api, provider, zh):
    client, done = sign_in(oidc_api, provider, "sub-nobody", {"preferred_username": "wang.fang"})
    assert done.status_code == 401 and done.json()["code"] == "unauthenticated"
    assert done.json()["message"] == "统一身份认证确认您是 wang.fang，但本系统没有这个用户名的账号：请联系管理员开通"
    assert client.get("/api/v1/session").status_code == 401
    row = audit_rows(oidc_api, "sign_in_failed")[-1]
    assert row.subject == "wang.fang" and '"reason": "no_account"' in row.detail and '"sub": "sub-nobody"' in row.detail


def test_no_user_name_claim_and_no_binding_is_refused(oidc_api, provider):
    _, done = sign_in(oidc_api, provider, "sub-anonymous", {"name": "无名"})
    assert done.status_code == 401 and "preferred_username" in done.json()["message"]
    assert '"reason": "no_username"' in audit_rows(oidc_api, "sign_in_failed")[-1].detail


def test_a_rename_at_the_provider_can_take_over_no_account(oidc_api, provider):
    oidc_api.add_user("li.na", Role.DISTRICT_OFFICER, "500111")
    assert sign_in(oidc_api, provider, "sub-zhang", {"preferred_username": "zhang.wei"})[1].status_code == 303
    # zhang.wei's identity is renamed li.na at the provider: it still signs in as zhang.wei, its bound account
    client, done = sign_in(oidc_api, provider, "sub-zhang", {"preferred_username": "li.na"})
    assert done.status_code == 303
    assert client.get("/api/v1/session").json()["user"]["username"] == "zhang.wei"
    # and another identity calling itself zhang.wei is refused: the account is bound to someone else
    client, done = sign_in(oidc_api, provider, "sub-impostor", {"preferred_username": "zhang.wei"})
    assert done.status_code == 401 and "zhang.wei" in done.json()["message"]
    assert client.get("/api/v1/session").status_code == 401
    row = audit_rows(oidc_api, "sign_in_failed")[-1]
    assert row.subject == "zhang.wei" and row.area_code == TIESHAN and '"reason": "bound_elsewhere"' in row.detail
    assert account(oidc_api, "zhang.wei").oidc_subject == "sub-zhang"


def test_an_administrator_unbinds_an_account_and_the_person_s_new_identity_is_bound(oidc_api, provider, zh):
    """The person's identity at the provider was made anew (a new ``sub``): refused until an administrator of the
    account's area unbinds it (``POST /api/v1/users/{name}/unbind``); then the new identity signs in and is bound."""
    assert sign_in(oidc_api, provider, "sub-zhang", {"preferred_username": "zhang.wei"})[1].status_code == 303
    assert sign_in(oidc_api, provider, "sub-zhang-2", {"preferred_username": "zhang.wei"})[1].status_code == 401
    far = oidc_api.user("admin.far", Role.ADMINISTRATOR, "500151")  # another district's administrator
    assert far.post("/api/v1/users/zhang.wei/unbind").status_code == 404
    admin = oidc_api.user("admin.one", Role.ADMINISTRATOR, "500111")
    assert next(u for u in admin.get("/api/v1/users").json() if u["username"] == "zhang.wei")["bound"] is True
    done = admin.post("/api/v1/users/zhang.wei/unbind")
    assert done.status_code == 200 and done.json()["bound"] is False, done.text
    again = admin.post("/api/v1/users/zhang.wei/unbind")
    assert again.status_code == 409
    assert again.json()["message"] == "账号 zhang.wei 没有与统一身份认证的任何身份绑定，无需解除"
    [row] = audit_rows(oidc_api, "user_unbind")
    assert (row.actor, row.subject, row.area_code) == ("admin.one", "zhang.wei", TIESHAN) and "sub-zhang" in row.detail
    client, back = sign_in(oidc_api, provider, "sub-zhang-2", {"preferred_username": "zhang.wei"})
    assert back.status_code == 303 and client.get("/api/v1/session").json()["user"]["username"] == "zhang.wei"
    assert account(oidc_api, "zhang.wei").oidc_subject == "sub-zhang-2"


def test_an_account_locked_by_an_administrator_is_refused(oidc_api, provider):
    from jiuzhu.accounts import service as accounts

    with session_scope(oidc_api.engine) as session:
        admin = accounts.add_user(session, username="admin.one", password="admin-password-2026", role="administrator",
                                  area_code="500111", display_name="admin", actor="test")
        accounts.lock_user(session, accounts._principal(accounts._find(session, admin.username)), "zhang.wei")
    _, done = sign_in(oidc_api, provider, "sub-zhang", {"preferred_username": "zhang.wei"})
    assert done.status_code == 401 and done.json()["message"] == accounts.t(accounts.DISABLED)
    assert '"reason": "disabled"' in audit_rows(oidc_api, "sign_in_refused")[-1].detail
    assert account(oidc_api, "zhang.wei").oidc_subject is None  # a refused sign-in binds nothing


def test_an_account_locked_out_by_wrong_passwords_is_refused_and_its_session_would_end(oidc_api, provider):
    client = oidc_api.client()
    for _ in range(5):
        client.post("/api/v1/session", json={"username": "zhang.wei", "password": "wrong wrong wrong"})
    _, done = sign_in(oidc_api, provider, "sub-zhang", {"preferred_username": "zhang.wei"})
    assert done.status_code == 401 and "locked after 5 wrong passwords in a row, until" in done.json()["message"]
    assert '"reason": "locked_out"' in audit_rows(oidc_api, "sign_in_refused")[-1].detail


def test_signing_in_through_the_provider_leaves_the_password_rules_alone(oidc_api, provider):
    """A failed password still counts after a sign-in through the provider (the count is of password guesses)."""
    client = oidc_api.client()
    client.post("/api/v1/session", json={"username": "zhang.wei", "password": "wrong wrong wrong"})
    assert sign_in(oidc_api, provider, "sub-zhang", {"preferred_username": "zhang.wei"})[1].status_code == 303
    assert account(oidc_api, "zhang.wei").failed_attempts == 1
    assert oidc_api.client().post("/api/v1/session", json={"username": "zhang.wei", "password": "correct horse 2026"}
                                  ).status_code == 200


# --------------------------------------------------------------------------- the protocol: state, errors, tokens


def test_a_tampered_state_is_refused(oidc_api, provider, zh):
    client = oidc_api.client()
    provider.set_claims("sub-zhang", {"preferred_username": "zhang.wei"})
    back = urlsplit(provider.authorize(start(client), "sub-zhang"))
    query = parse_qs(back.query)
    query["state"] = ["forged-state-value"]
    done = client.get(urlunsplit(back._replace(query=urlencode(query, doseq=True))), follow_redirects=False)
    assert done.status_code == 401
    assert done.json()["message"].startswith("这次通过统一身份认证的登录不是从本浏览器发起的")
    assert client.get("/api/v1/session").status_code == 401
    row = audit_rows(oidc_api, "sign_in_failed")[-1]
    assert row.subject == "-" and '"reason": "state"' in row.detail


def test_a_callback_in_another_browser_or_a_second_time_is_refused(oidc_api, provider):
    provider.set_claims("sub-zhang", {"preferred_username": "zhang.wei"})
    mine = oidc_api.client()
    back = provider.authorize(start(mine), "sub-zhang")
    theirs = oidc_api.client()  # a code slipped into someone else's browser (login CSRF)
    assert theirs.get(back, follow_redirects=False).status_code == 401
    assert theirs.get("/api/v1/session").status_code == 401
    assert mine.get(back, follow_redirects=False).status_code == 303
    assert mine.get(back, follow_redirects=False).status_code == 401  # replayed: the state was used


def test_a_callback_without_state_or_code_is_refused(oidc_api):
    client = oidc_api.client()
    start(client)
    done = client.get("/api/v1/session/oidc/callback", follow_redirects=False)
    assert done.status_code == 401 and done.json()["code"] == "unauthenticated"


def test_the_provider_refusing_is_said_in_one_message(oidc_api, provider, zh):
    client, done = sign_in(oidc_api, provider, "sub-zhang", deny=True)
    assert done.status_code == 401
    assert done.json()["message"] == "已在统一身份认证取消登录（access_denied）：如需登录，请回到登录页重新开始"
    assert '"reason": "provider:access_denied"' in audit_rows(oidc_api, "sign_in_failed")[-1].detail
    assert client.get("/api/v1/session").status_code == 401


def test_an_error_from_the_provider_is_not_echoed_verbatim(oidc_api):
    client = oidc_api.client()
    start(client)
    done = client.get("/api/v1/session/oidc/callback", params={"error": "<script>x</script>\x00", "state": "s"},
                      follow_redirects=False)
    assert done.status_code == 401 and "<script>" not in done.text and "\\u0000" not in done.text


def test_a_code_the_token_endpoint_refuses_is_refused(oidc_api, provider):
    client = oidc_api.client()
    provider.set_claims("sub-zhang", {"preferred_username": "zhang.wei"})
    back = urlsplit(provider.authorize(start(client), "sub-zhang"))
    query = parse_qs(back.query)
    query["code"] = ["not-a-code-the-provider-gave"]
    done = client.get(urlunsplit(back._replace(query=urlencode(query, doseq=True))), follow_redirects=False)
    assert done.status_code == 401 and "invalid_grant" in done.json()["message"]
    assert '"reason": "token"' in audit_rows(oidc_api, "sign_in_failed")[-1].detail


def _set(name, value):
    return lambda claims: claims.__setitem__(name, value)


TAMPERINGS = {
    "another audience": (_set("aud", "another-client"), True),
    # azp naming us does not make up for an audience without us (OpenID Connect Core 3.1.3.7, steps 3 and 4)
    "another audience, our client as azp": (lambda c: c.update(aud=["another-client"], azp=CLIENT_ID), True),
    "another issuer": (_set("iss", "https://sso.elsewhere.example"), True),
    "expired an hour ago": (lambda c: c.update(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200), True),
    "issued in the future": (lambda c: c.update(iat=int(time.time()) + 3600), True),
    "another nonce (a replayed token)": (_set("nonce", "a-nonce-of-another-sign-in"), True),
    "no subject": (lambda c: c.pop("sub"), True),
    "a subject longer than OpenID Connect allows": (_set("sub", "s" * 256), True),
    "another user name, old signature": (_set("preferred_username", "li.na"), False),
    "another subject, old signature": (_set("sub", "sub-li"), False),
}


@pytest.mark.parametrize("how", list(TAMPERINGS))
def test_an_id_token_changed_in_any_checked_claim_signs_nobody_in(oidc_api, provider, how):
    oidc_api.add_user("li.na", Role.DISTRICT_OFFICER, "500111")
    provider.tamper.change, provider.tamper.resign = TAMPERINGS[how]
    client, done = sign_in(oidc_api, provider, "sub-zhang", {"preferred_username": "zhang.wei"})
    assert done.status_code == 401, (how, done.text)
    assert done.json()["code"] == "unauthenticated"
    assert client.get("/api/v1/session").status_code == 401
    assert '"reason": "id_token"' in audit_rows(oidc_api, "sign_in_failed")[-1].detail
    assert audit_rows(oidc_api, "sign_in") == []


def test_a_token_resigned_unchanged_by_a_published_key_is_accepted(oidc_api, provider):
    """The check of the harness above: re-signing alone (by a key the provider publishes) is not what fails."""
    provider.tamper.change, provider.tamper.resign = (lambda claims: None), True
    client, done = sign_in(oidc_api, provider, "sub-zhang", {"preferred_username": "zhang.wei"})
    assert done.status_code == 303, done.text


# --------------------------------------------------------------------------- set up, or not


def test_without_settings_the_routes_answer_not_set_up(api, zh):
    client = api.client()
    for path in ("/api/v1/session/oidc", "/api/v1/session/oidc/callback?code=x&state=y"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 404 and answer.json()["code"] == "not_found"
        assert answer.json()["message"] == "本系统未启用统一身份认证登录：请用用户名和密码登录"
    assert api.app.state.oidc is None


def test_a_half_configured_provider_stops_the_start_in_one_line(monkeypatch, tmp_path, zh):
    monkeypatch.setenv("JIUZHU_OIDC_ISSUER", "https://sso.example.gov.cn/realms/mzj")
    monkeypatch.setenv("JIUZHU_OIDC_CLIENT_ID", "jiuzhu")
    with pytest.raises(ConfigurationError) as refused:
        make_api(monkeypatch, tmp_path)
    assert "JIUZHU_OIDC_CLIENT_SECRET" in refused.value.message and "\n" not in refused.value.message
    assert refused.value.message.startswith("未设置 JIUZHU_OIDC_CLIENT_SECRET")


def test_an_unreachable_provider_is_refused_in_one_line(monkeypatch, tmp_path):
    import socket

    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("JIUZHU_OIDC_ISSUER", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("JIUZHU_OIDC_CLIENT_ID", "jiuzhu")
    monkeypatch.setenv("JIUZHU_OIDC_CLIENT_SECRET", SECRET)
    api = make_api(monkeypatch, tmp_path)
    try:
        answer = api.client().get("/api/v1/session/oidc", follow_redirects=False)
        assert answer.status_code == 503 and answer.json()["code"] == "configuration"
        assert f"127.0.0.1:{port}" in answer.json()["message"] and "ConnectError" in answer.json()["message"]
    finally:
        api.engine.dispose()


def test_a_provider_that_calls_itself_another_issuer_is_refused(oidc_api, provider):
    """OpenID Connect Discovery: the document's issuer must be the one it was fetched for."""
    provider.tamper.discovery = lambda doc: doc.update(issuer="https://sso.elsewhere.example")
    answer = oidc_api.client().get("/api/v1/session/oidc", follow_redirects=False)
    assert answer.status_code == 503 and answer.json()["code"] == "configuration"
    assert "https://sso.elsewhere.example" in answer.json()["message"] and provider.url in answer.json()["message"]


def test_the_sign_in_is_a_new_session_whatever_the_browser_held(oidc_api, provider):
    """A session fixed in advance (an attacker's cookie) is not the one signed in: the callback starts anew."""
    client = oidc_api.client()
    before = dt.datetime.now(dt.timezone.utc).timestamp()
    _, done = sign_in(oidc_api, provider, "sub-zhang", {"preferred_username": "zhang.wei"}, client=client)
    assert done.status_code == 303
    me = client.get("/api/v1/session").json()
    assert len(me["csrf_token"]) >= 32
    assert account(oidc_api, "zhang.wei").last_sign_in.replace(tzinfo=dt.timezone.utc).timestamp() >= before - 1
