"""``jiuzhu user add/list/lock/unlock`` as an operator runs them."""

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
