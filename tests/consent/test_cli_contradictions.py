"""``jiuzhu consent request/give/refuse/import`` with options that contradict each other, or a folder for a file
(issue 13, found by a newcomer): one Chinese line naming the option or column, exit 2 (1 for rejected rows),
nothing written — never an option dropped silently."""

from __future__ import annotations

import pytest

from tests.cli.test_consent_cli import _records, _run
from tests.cli.test_consent_cli import home as _home
from tests.consent.conftest import ADULT_CHILD, HEAD, HH, MINOR

home = _home  # the fixture: a registry with the example household


@pytest.mark.parametrize("args, named", [
    (["--role", "proxy"], "--role"),  # no --member: every member would be asked, the proxy dropped
    (["--capacity", "no_capacity"], "--capacity"),
    (["--proxy-reason", "卧床"], "--proxy-reason"),
    (["--member", HEAD, "--role", "self", "--capacity", "no_capacity"], "--capacity"),
    (["--member", HEAD, "--capacity", "no_capacity"], "--capacity"),  # self by default
    (["--member", HEAD, "--document", "x"], "--document"),
    (["--member", HEAD, "--relation", "本人"], "--relation"),
    (["--member", HEAD, "--role", "proxy", "--signer", ADULT_CHILD, "--proxy-reason", "卧床"], "--document"),
    (["--member", HEAD, "--role", "proxy", "--signer", ADULT_CHILD, "--proxy-reason", "卧床", "--document", "委-1",
      "--capacity", "no_capacity"], "--capacity"),
    (["--member", HEAD, "--role", "guardian", "--signer", ADULT_CHILD, "--capacity", "no_capacity",
      "--document", "证-1", "--proxy-reason", "x"], "--proxy-reason"),
    (["--member", MINOR, "--capacity", "no_capacity"], "--capacity"),
    (["--member", HEAD, "--role", "proxy", "--signer", ADULT_CHILD, "--signer-name", "张三", "--signer-id",
      "500111201506200055", "--proxy-reason", "卧床", "--document", "委-1"], "--signer-name"),
])
def test_contradictory_request_options_are_one_line_naming_the_option(home, zh, args, named):
    code, out = _run("consent", "request", HH, *args)
    lines = out.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("错误：") and named in lines[0], out
    assert _records() == {}  # nothing written


def test_paper_without_its_form_is_refused_for_give_and_refuse(home, zh):
    assert _run("consent", "request", HH, "--member", HEAD)[0] == 0
    rid = _records()["王德福"]["record_id"]
    for command in ("give", "refuse"):
        code, out = _run("consent", command, rid, "--method", "paper")
        assert code == 2 and "--form" in out and "授权书" in out and len(out.strip().splitlines()) == 1, out
    assert _records()["王德福"]["status"] == "requested"
    code, out = _run("consent", "refuse", rid, "--method", "paper", "--form", "拒绝书-1.pdf")
    assert code == 0 and _records()["王德福"]["evidence"][-1]["form"] == "拒绝书-1.pdf", out


def test_a_folder_for_the_forms_file_and_an_unknown_household_are_named(home, zh, tmp_path):
    code, out = _run("consent", "import", tmp_path)
    assert code == 2 and "是一个文件夹" in out and len(out.strip().splitlines()) == 1, out
    forms = tmp_path / "forms.csv"
    forms.write_text(f"household_no,id_number,signed_on,form\n500111119-999999,{HEAD},2026-05-20,a.pdf\n",
                     encoding="utf-8")
    code, out = _run("consent", "import", forms)
    assert code == 1 and "第 2 行: household_no: " in out and ": -:" not in out, out


def test_a_misspelt_column_is_refused_not_dropped(home, zh, tmp_path):
    forms = tmp_path / "forms.csv"
    forms.write_text(f"household_no,id_number,signed_on,form,signer_relaton\n{HH},{HEAD},2026-05-20,a.pdf,父亲\n",
                     encoding="utf-8")
    code, out = _run("consent", "import", forms)
    assert code == 2 and "signer_relaton" in out and "无法识别的列" in out and len(out.strip().splitlines()) == 1, out
    assert _records() == {}


def test_the_list_says_purposes_in_words_and_a_withdrawal_while_a_request_waits(home, zh):
    assert _run("consent", "request", HH, "--member", HEAD, "--ref", "dibao-1")[0] == 0
    rid = _records()["王德福"]["record_id"]
    assert _run("consent", "give", rid, "--form", "a.pdf")[0] == 0
    assert _run("consent", "withdraw", rid, "--reason", "不想查了")[0] == 0
    assert _run("consent", "request", HH, "--member", HEAD, "--ref", "dibao-1")[0] == 0
    code, out = _run("consent", "list", HH, "--ref", "dibao-1")
    assert code == 0 and "申请 dibao-1" in out and "application" not in out, out
    row = next(line for line in out.splitlines() if "王德福" in line and "已撤回" in line)
    assert rid in row, out
