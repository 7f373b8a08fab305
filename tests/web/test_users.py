"""用户管理 and the identity provider: the button 解除统一身份认证绑定 is offered for an account bound to an identity
there (only when a provider is set up), and posting it unbinds the account — a row of the audit log; the button
is gone afterwards. Accounts of their own, so that the other page tests see the district as it was."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from jiuzhu.access import Role
from jiuzhu.db import make_engine, session_scope
from tests.web.conftest import PASSWORD, TOWNSHIP, csrf_of

ISSUER = "https://sso.example.gov.cn/realms/mzj"


@pytest.fixture
def accounts_of_test(district):
    """Two caseworkers of the township: ``bound.one`` bound to an identity at the provider, ``unbound.one`` not."""
    from jiuzhu.accounts import service as accounts
    from jiuzhu.accounts.service import Identity

    engine = make_engine(district.url)
    with session_scope(engine) as session:
        for name in ("bound.one", "unbound.one"):
            accounts.add_user(session, username=name, password=PASSWORD, role=Role.TOWNSHIP_CASEWORKER,
                              area_code=TOWNSHIP, display_name=name, actor="web-test")
        accounts.sign_in_identity(session, Identity(ISSUER, "sub-bound-one", "bound.one"))
    yield engine
    from jiuzhu.accounts.models import User

    with session_scope(engine) as session:
        for user in session.scalars(select(User).where(User.username.in_(("bound.one", "unbound.one")))):
            session.delete(user)
    engine.dispose()


@pytest.fixture
def provider_set_up(application):
    """The application as if JIUZHU_OIDC_* were set (the provider is never reached by this page). Put back by hand:
    pytest's monkeypatch.setattr would delete the attribute afterwards (it looks for it in ``State.__dict__``)."""
    from jiuzhu.api.oidc import Provider
    from jiuzhu.config import OidcSettings

    before = application.state.oidc
    application.state.oidc = Provider(OidcSettings(issuer=ISSUER, client_id="jiuzhu"))
    yield
    application.state.oidc = before


def _row(html: str, name: str) -> str:
    return re.search(rf'data-user="{re.escape(name)}">.*?</tr>', html, re.S).group(0)


def _subject(engine, name: str) -> str | None:
    from jiuzhu.accounts.models import User

    with session_scope(engine, write=False) as session:
        return session.scalars(select(User.oidc_subject).where(User.username == name)).one()


def test_the_button_is_offered_for_a_bound_account_only(signed_in, accounts_of_test, provider_set_up, zh):
    page = signed_in("admin").get("/users")
    assert page.status_code == 200
    bound, unbound = _row(page.text, "bound.one"), _row(page.text, "unbound.one")
    assert 'data-testid="user-unbind"' in bound and "解除统一身份认证绑定" in bound
    assert 'action="/users/bound.one/unbind"' in bound
    assert 'data-testid="user-unbind"' not in unbound and "统一身份认证" not in unbound


def test_no_button_when_no_provider_is_set_up(signed_in, accounts_of_test, application, zh):
    assert application.state.oidc is None
    page = signed_in("admin").get("/users")
    assert 'data-testid="user-unbind"' not in page.text and "统一身份认证" not in page.text


def test_posting_the_button_unbinds_the_account(signed_in, accounts_of_test, provider_set_up, zh):
    from jiuzhu.audit.models import AuditEntry

    client = signed_in("admin")
    page = client.get("/users")
    refused = client.post("/users/bound.one/unbind", data={"csrf_token": "not-the-token"})
    assert refused.status_code == 403 and _subject(accounts_of_test, "bound.one") == "sub-bound-one"
    done = client.post("/users/bound.one/unbind", data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 303 and done.headers["location"] == "/users"
    assert _subject(accounts_of_test, "bound.one") is None
    assert 'data-testid="user-unbind"' not in _row(client.get("/users").text, "bound.one")
    with session_scope(accounts_of_test, write=False) as session:
        row = session.scalars(select(AuditEntry).where(AuditEntry.action == "user_unbind",
                                                       AuditEntry.subject == "bound.one")).one()
    assert row.actor == "admin" and "sub-bound-one" in row.detail


def test_an_account_bound_to_nobody_is_refused_in_one_chinese_message(signed_in, accounts_of_test, provider_set_up,
                                                                       zh):
    client = signed_in("admin")
    answer = client.post("/users/unbound.one/unbind", data={"csrf_token": csrf_of(client.get("/users").text)})
    assert answer.status_code == 409 and "unbound.one" in answer.text and "无需解除" in answer.text
    assert "Traceback" not in answer.text
