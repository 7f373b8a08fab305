"""Accounts and identities at the bureau's OpenID Connect provider (``accounts.service.sign_in_identity``,
``forget_identity``) and the settings that turn the provider on (``config.oidc_settings``). The protocol itself is
tested against a real provider in tests/api/test_oidc.py."""

from __future__ import annotations

import pytest

from jiuzhu import config
from jiuzhu.access import Role
from jiuzhu.accounts import service
from jiuzhu.accounts.service import Identity
from jiuzhu.errors import AuthenticationError, ConfigurationError, ConflictError, NotFoundError

ISSUER = "https://sso.example.gov.cn/realms/mzj"


def _add(session, name: str, role: Role = Role.TOWNSHIP_CASEWORKER, area: str = "500111119"):
    return service.add_user(session, username=name, password="a-good-password-2026", role=role, area_code=area,
                            display_name=name, actor="test")


def _admin(session, area: str = "500111"):
    view = _add(session, f"admin.{area}", Role.ADMINISTRATOR, area)
    return service._principal(service._find(session, view.username))


@pytest.fixture
def session(sqlite_engine):
    from jiuzhu.db import session_scope

    with session_scope(sqlite_engine) as s:
        yield s


def test_an_identity_binds_on_first_sign_in_then_its_claim_no_longer_matters(session):
    _add(session, "zhang.wei")
    _add(session, "li.na")
    who = service.sign_in_identity(session, Identity(ISSUER, "sub-1", "zhang.wei"))
    assert who.username == "zhang.wei" and who.role == Role.TOWNSHIP_CASEWORKER and who.area_code == "500111119"
    assert service.sign_in_identity(session, Identity(ISSUER, "sub-1", "li.na")).username == "zhang.wei"
    assert service.sign_in_identity(session, Identity(ISSUER, "sub-1", None)).username == "zhang.wei"
    with pytest.raises(AuthenticationError, match="bound to another person"):
        service.sign_in_identity(session, Identity(ISSUER, "sub-2", "zhang.wei"))


def test_the_same_subject_of_another_issuer_is_another_person(session):
    _add(session, "zhang.wei")
    service.sign_in_identity(session, Identity(ISSUER, "sub-1", "zhang.wei"))
    with pytest.raises(AuthenticationError, match="bound to another person"):
        service.sign_in_identity(session, Identity("https://other.example", "sub-1", "zhang.wei"))


@pytest.mark.parametrize("claimed", ["wang.fang", "", "   ", "not a name!", "x" * 80])
def test_a_claim_naming_no_account_is_refused_naming_what_was_claimed(session, claimed):
    with pytest.raises(AuthenticationError) as refused:
        service.sign_in_identity(session, Identity(ISSUER, "sub-9", claimed, provider="统一身份认证"))
    assert "\n" not in refused.value.message and len(refused.value.message) < 300
    if claimed.strip():
        assert claimed.strip()[:60] in refused.value.message


def test_an_administrator_unbinds_an_account_in_their_area_only(session):
    _add(session, "zhang.wei")
    service.sign_in_identity(session, Identity(ISSUER, "sub-old", "zhang.wei"))
    with pytest.raises(NotFoundError):
        service.forget_identity(session, _admin(session, "500101"), "zhang.wei")  # another district's administrator
    admin = _admin(session)
    assert service.forget_identity(session, admin, "zhang.wei").bound is False
    with pytest.raises(ConflictError, match="not bound"):  # bound to nobody now: nothing to unbind
        service.forget_identity(session, admin, "zhang.wei")
    # the person's identity made anew at the provider signs in, and is bound now
    assert service.sign_in_identity(session, Identity(ISSUER, "sub-new", "zhang.wei")).username == "zhang.wei"
    with pytest.raises(AuthenticationError):
        service.sign_in_identity(session, Identity(ISSUER, "sub-old", "zhang.wei"))
    from sqlalchemy import select

    from jiuzhu.audit import service as audit
    from jiuzhu.audit.models import AuditEntry

    audit.write_pending(session)
    row = session.scalars(select(AuditEntry).where(AuditEntry.action == "user_unbind")).one()
    assert row.subject == "zhang.wei" and row.actor == "admin.500111" and "sub-old" in row.detail


# --------------------------------------------------------------------------- the settings


OIDC = ("JIUZHU_OIDC_ISSUER", "JIUZHU_OIDC_CLIENT_ID", "JIUZHU_OIDC_CLIENT_SECRET", "JIUZHU_OIDC_USERNAME_CLAIM",
        "JIUZHU_OIDC_NAME", "JIUZHU_OIDC_REDIRECT_URI")


@pytest.fixture
def env(monkeypatch):
    for name in OIDC:
        monkeypatch.delenv(name, raising=False)

    def set_(**values):
        for name, value in values.items():
            monkeypatch.setenv(f"JIUZHU_OIDC_{name.upper()}", value)

    return set_


def test_no_setting_is_no_provider(env):
    assert config.oidc_settings() is None
    env(issuer="  ")
    assert config.oidc_settings() is None


def test_the_three_together_turn_it_on_with_the_defaults(env):
    env(issuer=ISSUER, client_id="jiuzhu", client_secret="s3cret-value")
    made = config.oidc_settings()
    assert (made.issuer, made.client_id, made.client_secret) == (ISSUER, "jiuzhu", "s3cret-value")
    assert made.username_claim == "preferred_username" and made.name == "" and made.redirect_uri == ""
    assert "s3cret" not in repr(made)  # never in a log or a traceback


@pytest.mark.parametrize(("given", "missing"), [
    ({"issuer": ISSUER}, "JIUZHU_OIDC_CLIENT_ID"),
    ({"issuer": ISSUER, "client_id": "jiuzhu"}, "JIUZHU_OIDC_CLIENT_SECRET"),
    ({"client_id": "jiuzhu", "client_secret": "x"}, "JIUZHU_OIDC_ISSUER"),
    ({"username_claim": "email"}, "JIUZHU_OIDC_ISSUER"),
    ({"redirect_uri": "https://jiuzhu.example/api/v1/session/oidc/callback"}, "JIUZHU_OIDC_ISSUER"),
])
def test_a_partial_set_is_refused_naming_the_missing_setting(env, zh, given, missing):
    env(**given)
    with pytest.raises(ConfigurationError) as refused:
        config.oidc_settings()
    assert refused.value.message.startswith(f"未设置 {missing}") and "\n" not in refused.value.message


@pytest.mark.parametrize("issuer", ["http://sso.example.gov.cn", "sso.example.gov.cn", "ftp://sso.example.gov.cn",
                                    "https://", "https://sso.example.gov.cn/?x=1", "https://[bad"])
def test_an_issuer_that_is_not_an_https_address_is_refused(env, issuer):
    env(issuer=issuer, client_id="jiuzhu", client_secret="x")
    with pytest.raises(ConfigurationError, match="JIUZHU_OIDC_ISSUER"):
        config.oidc_settings()


@pytest.mark.parametrize("issuer", ["http://127.0.0.1:9400", "http://localhost:9400/realms/t", "http://[::1]:9400"])
def test_plain_http_is_allowed_on_this_machines_loopback_only(env, issuer):
    env(issuer=issuer, client_id="jiuzhu", client_secret="x")
    assert config.oidc_settings().issuer == issuer


def test_a_redirect_uri_that_is_not_an_https_address_is_refused(env):
    env(issuer=ISSUER, client_id="jiuzhu", client_secret="x", redirect_uri="http://jiuzhu.example/callback")
    with pytest.raises(ConfigurationError, match="JIUZHU_OIDC_REDIRECT_URI"):
        config.oidc_settings()
