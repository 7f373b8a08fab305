"""``jiuzhu user add/list/lock/unlock/unbind`` as an operator runs them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from jiuzhu.accounts import service
from jiuzhu.cli.main import app
from jiuzhu.db import make_engine, session_scope
from jiuzhu.errors import AuthenticationError

runner = CliRunner()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    monkeypatch.setenv("JIUZHU_ACTOR", "root")
    monkeypatch.delenv("JIUZHU_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "250")
    return tmp_path


def _run(*args, stdin: str | None = None):
    result = runner.invoke(app, [str(a) for a in args], input=stdin)
    return result.exit_code, result.output


def _sign_in(home, name, password):
    engine = make_engine(f"sqlite:///{home / 'jiuzhu.db'}")
    try:
        with session_scope(engine) as session:
            return service.authenticate(session, name, password)
    finally:
        engine.dispose()


def test_add_list_lock_unlock(home):
    code, out = _run("user", "add", "zhang.wei", "--role", "township_caseworker", "--area", "500111119",
                     "--name", "张伟", "--password-stdin", stdin="a good password\n")
    assert code == 0 and "zhang.wei" in out and "500111119" in out, out
    assert _sign_in(home, "zhang.wei", "a good password").area_code == "500111119"
    code, out = _run("user", "list", "--json")
    [user] = json.loads(out)["users"]
    assert (user["username"], user["display_name"], user["role"], user["locked"]) == (
        "zhang.wei", "张伟", "township_caseworker", False)
    assert user["last_sign_in"] is not None
    assert _run("user", "lock", "zhang.wei")[0] == 0
    with pytest.raises(AuthenticationError, match="locked by an administrator"):
        _sign_in(home, "zhang.wei", "a good password")
    code, out = _run("user", "list")
    assert code == 0 and "locked by an administrator" in out
    assert _run("user", "unlock", "zhang.wei")[0] == 0
    assert _sign_in(home, "zhang.wei", "a good password").username == "zhang.wei"


def test_the_password_is_asked_twice_hidden(home):
    code, out = _run("user", "add", "li.na", "--role", "auditor", "--area", "500111",
                     stdin="first password 1\nfirst password 1\n")
    assert code == 0, out
    assert "first password 1" not in out  # never echoed
    assert _sign_in(home, "li.na", "first password 1").username == "li.na"
    code, out = _run("user", "add", "wang.fang", "--role", "auditor", "--area", "500111",
                     stdin="first password 1\nanother one 22\nsecond try 333\nsecond try 333\n")
    assert code == 0 and ("do not match" in out or "不一致" in out), out  # asked again
    assert _sign_in(home, "wang.fang", "second try 333").username == "wang.fang"


@pytest.mark.parametrize(("args", "stdin", "named"), [
    (["user", "add", "x", "--role", "auditor", "--area", "500111"], "", "“x”"),
    (["user", "add", "abc", "--role", "boss", "--area", "500111"], "", "--role"),
    (["user", "add", "abc", "--role", "auditor", "--area", "110101"], "", "--area"),
    (["user", "add", "abc", "--role", "auditor", "--area", "500111", "--password-stdin"], "short\n", "10"),
    (["user", "add", "abc", "--role", "auditor", "--area", "500111", "--password-stdin"], "", "--password-stdin"),
    (["user", "lock", "nobody"], None, "nobody"),
    (["user", "unlock", "nobody"], None, "nobody"),
    (["user", "unbind", "nobody"], None, "nobody"),
    (["user", "unbind", "root"], None, "无需解除"),  # an account bound to no identity at the provider
])
def test_bad_input_is_one_chinese_line_and_exit_2(home, zh, args, stdin, named):
    _run("user", "add", "root", "--role", "administrator", "--area", "500111", "--password-stdin",
         stdin="admin password 1\n")
    code, out = _run(*args, stdin=stdin)
    assert code == 2, out
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：") and named in lines[0], out
    assert "--username" not in out and "Traceback" not in out


def test_a_name_taken_is_refused(home):
    for expected in (0, 2):
        code, out = _run("user", "add", "zhang.wei", "--role", "auditor", "--area", "500111", "--password-stdin",
                         stdin="a good password\n")
        assert code == expected, out
    assert "already exists" in out


def _bind(home, name: str, subject: str) -> None:
    """``name``'s first sign-in through the identity provider (which binds the account to ``subject``)."""
    engine = make_engine(f"sqlite:///{home / 'jiuzhu.db'}")
    try:
        with session_scope(engine) as session:
            service.sign_in_identity(session, service.Identity("https://sso.example.gov.cn", subject, name))
    finally:
        engine.dispose()


def _account_and_unbind_rows(home, name: str):
    from sqlalchemy import select

    from jiuzhu.accounts.models import User
    from jiuzhu.audit.models import AuditEntry

    engine = make_engine(f"sqlite:///{home / 'jiuzhu.db'}")
    try:
        with session_scope(engine, write=False) as session:
            user = session.scalars(select(User).where(User.username == name)).one()
            rows = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "user_unbind")))
            return (user.oidc_issuer, user.oidc_subject), [(r.actor, r.subject, r.detail) for r in rows]
    finally:
        engine.dispose()


def test_unbind_an_account_from_its_identity_at_the_provider(home, zh):
    code, out = _run("user", "add", "zhang.wei", "--role", "township_caseworker", "--area", "500111119",
                     "--password-stdin", stdin="a good password\n")
    assert code == 0, out
    _bind(home, "zhang.wei", "sub-old")
    assert json.loads(_run("user", "list", "--json")[1])["users"][0]["bound"] is True
    code, out = _run("user", "unbind", "Zhang.Wei")
    assert code == 0 and out.strip() == ("已解除账号 zhang.wei 与统一身份认证身份的绑定：下次以该用户名通过统一身份认证"
                                          "登录的人将绑定到该账号"), out
    identity, rows = _account_and_unbind_rows(home, "zhang.wei")
    assert identity == (None, None)
    [(who, subject, detail)] = rows
    assert (who, subject) == ("root", "zhang.wei") and "sub-old" in detail
    assert json.loads(_run("user", "list", "--json")[1])["users"][0]["bound"] is False
    # the person's new identity at the provider is bound at its first sign-in
    _bind(home, "zhang.wei", "sub-new")
    assert _account_and_unbind_rows(home, "zhang.wei")[0][1] == "sub-new"


def test_unbind_refuses_in_one_chinese_line_and_writes_nothing(home, zh):
    _run("user", "add", "li.na", "--role", "auditor", "--area", "500111", "--password-stdin",
         stdin="a good password\n")
    for name, said in (("li.na", "账号 li.na 没有与统一身份认证的任何身份绑定，无需解除"), ("wang.fang", "wang.fang")):
        code, out = _run("user", "unbind", name)
        assert code == 2 and out.startswith("错误：") and said in out and len(out.strip().splitlines()) == 1, out
    assert _account_and_unbind_rows(home, "li.na") == ((None, None), [])
