"""``jiuzhu apply`` and ``jiuzhu case …`` as an operator runs them: an application, its case moved along, the
timeline printed; bad input one Chinese line naming the option, exit code 2, nothing stored."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from jiuzhu import migrate
from jiuzhu.accounts import service as accounts
from jiuzhu.cli import casework as casework_cli
from jiuzhu.cli.usage import JiuzhuCommand, JiuzhuGroup
from jiuzhu.db import make_engine, session_scope
from jiuzhu.registry import service as registry
from tests.casework.conftest import MONTH
from tests.consent.conftest import HH, _household

runner = CliRunner()


def _app() -> typer.Typer:
    """The commands under a root of their own, as cli/main.py will register them (the real root is left alone:
    other tests read its commands)."""
    root = typer.Typer(cls=JiuzhuGroup, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
    root.command("apply", cls=JiuzhuCommand, help=casework_cli.APPLY_HELP)(casework_cli.apply)
    root.add_typer(casework_cli.case_app, name="case")
    return root


APP = _app()


@pytest.fixture
def home(tmp_path, monkeypatch, example_data, today):
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    monkeypatch.setenv("JIUZHU_ACTOR", "root")
    monkeypatch.delenv("JIUZHU_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "250")
    engine = make_engine(f"sqlite:///{tmp_path / 'jiuzhu.db'}")
    migrate.upgrade(engine)
    with session_scope(engine) as session:
        doc = _household(example_data)
        registry.put_household(session, registry.parse_household(doc, record=HH), actor="t", reason="test")
        accounts.add_user(session, username="approver.t", password="Casework-Test-Pass-2026",
                          role="township_approver", area_code="500111119", display_name="审核人", actor="t")
    engine.dispose()
    return tmp_path


def _run(*args):
    result = runner.invoke(APP, [str(a) for a in args])
    return result.exit_code, result.output


def test_apply_then_move_the_case_along(home, zh):
    code, out = _run("apply", HH, "--programme", "dibao", "--programme", "disability_care", "--month", MONTH,
                     "--json")
    assert code == 0, out
    filed = json.loads(out)
    case_no = filed["case_no"]
    assert filed["assessment"][0]["name"] == "最低生活保障" and filed["assessment"][0]["status"] == "eligible"
    code, out = _run("case", "act", case_no, "check", "--missing", "户口簿复印件", "--missing", "收入证明")
    assert code == 0 and "材料不全" in out and "一次性告知缺少的材料" in out, out
    code, out = _run("case", "act", case_no, "resubmit")
    assert code == 0 and "已受理" in out, out
    code, out = _run("case", "list", "--json")
    assert code == 0 and [c["case_no"] for c in json.loads(out)] == [case_no]
    code, out = _run("case", "show", case_no)
    assert code == 0 and "提出申请" in out and "正常" in out, out


def test_bad_input_is_one_chinese_line_and_nothing_is_stored(home, zh):
    code, out = _run("apply", HH, "--programme", "cash", "--month", MONTH)
    assert code == 2 and "未知的救助项目“cash”" in out and "--programme:" in out, out
    assert len(out.strip().splitlines()) == 1
    code, out = _run("apply", HH, "--programme", "dibao", "--channel", "proxy", "--month", MONTH)
    assert code == 2 and "帮代办" in out and "--filed-for" in out, out
    code, out = _run("case", "list", "--json")
    assert code == 0 and json.loads(out) == []
    code, out = _run("case", "act", "C-1", "approve")  # a decision from the command line: a person's account
    assert code == 2 and "JIUZHU_ACTOR='root'" in out and "账号" in out, out


def test_a_decision_from_the_command_line_is_the_named_account_s_with_its_role(home, zh, monkeypatch):
    monkeypatch.setenv("JIUZHU_ACTOR", "approver.t")
    code, out = _run("case", "act", "C-1", "approve")
    assert code == 2 and "找不到案件C-1" in out, out  # past the account: the case is what is missing
    monkeypatch.setenv("JIUZHU_ACTOR", "nobody.at.all")
    code, out = _run("case", "act", "C-1", "reject", "--reasons", "收入超标")
    assert code == 2 and "nobody.at.all" in out and "找不到案件" not in out, out
