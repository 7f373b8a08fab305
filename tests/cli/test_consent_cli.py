"""``jiuzhu consent …`` as an operator runs them: the happy path, and bad input in one Chinese line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from jiuzhu import migrate
from jiuzhu.cli.main import app
from jiuzhu.db import make_engine, session_scope
from jiuzhu.registry import service as registry
from tests.consent.conftest import HEAD, HH, MINOR, _household

runner = CliRunner()


@pytest.fixture
def home(tmp_path, monkeypatch, example_data):
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    monkeypatch.setenv("JIUZHU_ACTOR", "root")
    monkeypatch.delenv("JIUZHU_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "250")
    engine = make_engine(f"sqlite:///{tmp_path / 'jiuzhu.db'}")
    migrate.upgrade(engine)
    doc = _household(example_data)
    with session_scope(engine) as session:
        registry.put_household(session, registry.parse_household(doc, record=HH), actor="t", reason="test")
    engine.dispose()
    return tmp_path


def _run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def _records(purpose="application") -> dict[str, dict]:
    code, out = _run("consent", "list", HH, "--purpose", purpose, "--json")
    assert code == 0, out
    return {r["person_name"]: r for r in json.loads(out)["records"]}


def test_request_give_withdraw_and_link(home, zh):
    code, out = _run("consent", "list", HH)
    assert code == 0 and "未授权" in out and "监护人未签" in out and "不能开始核对" in out, out
    code, out = _run("consent", "request", HH, "--json")
    assert code == 0, out
    made = json.loads(out)
    assert len(made["records"]) == 4 and made["not_requested"] == []
    assert all("********" in r["person_id_number"] for r in made["records"])  # masked
    records = _records()
    for name in ("王德福", "李秀英", "王浩"):
        code, out = _run("consent", "give", records[name]["record_id"], "--form", "scan.pdf", "--witness", "张伟")
        assert code == 0 and "已授权" in out and "回执编号 SQ-" in out, out
    code, out = _run("consent", "link", records["王小雨"]["record_id"], "--base-url", "https://jz.example.cn")
    assert code == 0 and out.startswith("https://jz.example.cn/c/") and "北京时间" in out, out
    code, out = _run("consent", "list", HH)
    assert "监护人未签" in out and "不能开始核对" in out
    code, out = _run("consent", "give", records["王小雨"]["record_id"])
    assert code == 0
    code, out = _run("consent", "list", HH)
    assert "全部有效" in out, out
    code, out = _run("consent", "withdraw", records["王德福"]["record_id"], "--reason", "不想被查")
    assert code == 0 and "已撤回" in out
    assert _records()["王德福"]["status"] == "withdrawn"


@pytest.mark.parametrize("args, named", [
    (["consent", "list", "nope-1"], "nope-1"),
    (["consent", "list", HH, "--purpose", "xx"], "xx"),
    (["consent", "request", HH, "--purpose", "lottery"], "--purpose"),
    (["consent", "request", HH, "--member", MINOR, "--role", "self"], "监护人"),
    (["consent", "request", HH, "--member", HEAD, "--role", "proxy", "--signer-name", "张三",
      "--signer-id", "500111201506200055"], "--proxy-reason"),
    (["consent", "give", "CR-missing"], "CR-missing"),
    (["consent", "withdraw", "CR-missing"], "CR-missing"),
    (["consent", "give", "CR-x", "--method", "fax"], "--method"),
])
def test_bad_input_is_one_chinese_line_and_exit_2(home, zh, args, named):
    code, out = _run(*args)
    assert code == 2, out
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：") and named in lines[0], out
    assert "Traceback" not in out


def test_a_refused_transition_is_one_line(home, zh):
    _run("consent", "request", HH, "--member", HEAD)
    rid = _records()["王德福"]["record_id"]
    assert _run("consent", "refuse", rid)[0] == 0
    code, out = _run("consent", "give", rid)
    assert code == 2 and out.startswith("错误：") and "已拒绝" in out and len(out.strip().splitlines()) == 1, out


def test_import_of_paper_forms(home, zh, tmp_path):
    csv_file = tmp_path / "forms.csv"
    csv_file.write_text("household_no,id_number,signed_on,form\n"
                        f"{HH},{HEAD},2026-05-20,scan/1.pdf\n"
                        f"{HH},{HEAD},2026-05-40,scan/2.pdf\n", encoding="utf-8")
    code, out = _run("consent", "import", csv_file)
    assert code == 1 and "1 份授权书已登记，1 份被拒绝" in out and "第 3 行: signed_on: " in out, out
    assert _records()["王德福"]["method"] == "paper"
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("household_no,id_number,signed_on,form\n户,号,日,表\n".encode("gbk"))
    code, out = _run("consent", "import", gbk)
    assert code == 2 and "UTF-8" in out and len(out.strip().splitlines()) == 1, out
    code, out = _run("consent", "import", tmp_path / "none.csv")
    assert code == 2 and "none.csv" in out and len(out.strip().splitlines()) == 1, out
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n", encoding="utf-8")
    code, out = _run("consent", "import", wrong)
    assert code == 2 and "signed_on" in out and len(out.strip().splitlines()) == 1, out


def test_a_link_s_qr_code_written_to_a_file_reads_back_as_the_link(home, zh):
    """``--qr FILE``: the link as an SVG QR code, written whole; the code carries exactly the link printed."""
    _run("consent", "request", HH)
    record = _records()["王德福"]["record_id"]
    code, out = _run("consent", "link", record, "--base-url", "https://jz.example.cn", "--qr", home / "link.svg",
                     "--json")
    assert code == 0, out
    issued = json.loads(out)
    svg = (home / "link.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith(("<?xml", "<svg")) and issued["qr"] == str(home / "link.svg")
    import segno

    assert segno.make(issued["url"], error="m").svg_inline(scale=8).split("<path")[1] in svg  # the same modules


def test_import_run_again_counts_the_rows_already_imported_not_as_errors(home, zh, tmp_path):
    """A township runs the same file twice (the first run seemed to hang): each form is recorded once and the
    second run says so, exit 0; a row that contradicts a record (another form for the same member) stays an
    error."""
    forms = tmp_path / "forms.csv"
    forms.write_text("\ufeffhousehold_no,id_number,signed_on,form\n"
                     f"{HH},{HEAD},2026-05-20,scan/1.pdf\n", encoding="utf-8")
    assert _run("consent", "import", forms)[0] == 0
    code, out = _run("consent", "import", forms)
    assert code == 0 and "0 份授权书已登记，0 份被拒绝" in out and "1 行此前已导入" in out, out
    code, out = _run("consent", "import", forms, "--json")
    assert code == 0 and json.loads(out)["already_imported"] == 1 and json.loads(out)["rejected"] == [], out
    other = tmp_path / "other.csv"
    other.write_text("household_no,id_number,signed_on,form\n"
                     f"{HH},{HEAD},2026-05-20,scan/9.pdf\n", encoding="utf-8")
    code, out = _run("consent", "import", other)
    assert code == 1 and "第 2 行" in out and "此前已导入" not in out, out


@pytest.mark.parametrize("command", ["list", "request"])
def test_an_empty_household_number_is_said_empty_and_spaces_are_trimmed(home, zh, command):
    code, out = _run("consent", command, "  ")
    assert code == 2 and out.strip() == "错误：户号为空：请给出户号，如 500111119-000001", out
    code, out = _run("consent", command, f" {HH} ", "--json")
    assert code == 0 and "不在登记库中" not in out, out
