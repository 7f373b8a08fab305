"""``jiuzhu audit verify`` and ``jiuzhu audit list``: what an operator or an inspector runs."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from jiuzhu.cli.main import app
from tests.conftest import EXAMPLE

runner = CliRunner()
HEAD_ID = json.loads(EXAMPLE.read_text(encoding="utf-8"))["members"][0]["id_number"]


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    monkeypatch.setenv("JIUZHU_ACTOR", "caseworker-7")
    monkeypatch.delenv("JIUZHU_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "250")
    return tmp_path


def _run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def _filled(home) -> None:
    assert _run("import", EXAMPLE)[0] == 0
    assert _run("household", "show", "500111119-000001")[0] == 0
    assert _run("household", "show", "500111119-000001", "--unmask")[0] == 0
    assert _run("household", "history", "500111119-000001")[0] == 0


def test_every_access_and_change_is_a_row_and_the_chain_verifies(home):
    _filled(home)
    code, out = _run("audit", "verify")
    assert code == 0 and "4 rows checked" in out, out
    code, out = _run("audit", "list", "--json")
    doc = json.loads(out)
    rows = [(e["seq"], e["actor"], e["action"], e["subject"], e["area_code"], e["unmasked"]) for e in doc["items"]]
    assert rows == [(4, "caseworker-7", "history", "500111119-000001", "500111119", False),
                    (3, "caseworker-7", "view", "500111119-000001", "500111119", True),
                    (2, "caseworker-7", "view", "500111119-000001", "500111119", False),
                    (1, "caseworker-7", "create", "500111119-000001", "500111119", False)]
    assert doc["total"] == 4 and doc["items"][-1]["reason"] == "导入"
    code, out = _run("audit", "list", "--action", "view", "--per-page", "1", "--page", "2")
    assert code == 0 and "page 2, 2 rows in all" in out and "viewed" in out and "in full" not in out


def test_verify_names_the_first_altered_row_and_exits_1(home, zh):
    _filled(home)
    with sqlite3.connect(home / "jiuzhu.db") as db:
        db.execute("UPDATE audit_log SET unmasked = 0 WHERE seq = 3")  # hide that identifiers were seen
    code, out = _run("audit", "verify")
    assert code == 1 and "审计日志被篡改" in out and "第 3 条记录" in out, out
    code, out = _run("audit", "verify", "--json")
    assert code == 1 and json.loads(out)["broken_seq"] == 3 and json.loads(out)["problem"] == "edited"


def test_verify_names_a_cut_off_tail(home):
    _filled(home)
    with sqlite3.connect(home / "jiuzhu.db") as db:
        db.execute("DELETE FROM audit_log WHERE seq = 4")
    code, out = _run("audit", "verify")
    assert code == 1 and "ends at row 3" in out, out


def test_list_masks_identifiers_a_row_quotes(home):
    from jiuzhu.audit import service as audit
    from jiuzhu.db import make_engine, session_scope

    _filled(home)
    engine = make_engine(f"sqlite:///{home / 'jiuzhu.db'}")
    with session_scope(engine) as session:
        audit.append(session, actor="web", action="search", subject=f"id_number={HEAD_ID}", area_code="500111119")
    engine.dispose()
    code, out = _run("audit", "list", "--subject", "id_number")
    assert code == 0 and HEAD_ID not in out and f"{HEAD_ID[:6]}********{HEAD_ID[-4:]}" in out, out


@pytest.mark.parametrize(("args", "named"), [
    (["audit", "list", "--per-page", "0"], "--per-page"),
    (["audit", "list", "--page", "0"], "--page"),
    (["audit", "list", "--since", "2025-02-30"], "--since"),
])
def test_bad_options_are_one_line(home, zh, args, named):
    _filled(home)
    code, out = _run(*args)
    assert code == 2 and len(out.strip().splitlines()) == 1 and named in out, out
