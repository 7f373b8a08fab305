"""``jiuzhu verify`` refuses what it would otherwise ignore or garble: an option given to a form of the command it
does not apply to (named, with where it applies), extra or malformed arguments, an empty household number, a
reference longer than consent and the API allow, a day no law covers — one Chinese line, exit code 2, nothing
asked of anyone. And ``verify report``: the summary in text, --json with --pdf gives both, the PDF in --lang."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from jiuzhu.cli.main import app
from tests.cli.test_verify_cli import home  # noqa: F401 - fixture
from tests.verification.conftest import district, load_world, simulator  # noqa: F401 - fixtures

runner = CliRunner()
HH = "500111119-000001"


def _run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture
def empty_home(tmp_path, monkeypatch):
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    monkeypatch.delenv("JIUZHU_DATABASE_URL", raising=False)
    return tmp_path


@pytest.mark.parametrize(("args", "option"), [
    ((HH, "--pdf", "x.pdf"), "--pdf"),
    ((HH, "--area", "500111119"), "--area"),
    ((HH, "--programme", "dibao"), "--programme"),
    ((HH, "--limit", "3"), "--limit"),
    ((HH, "--resume", "3"), "--resume"),
    (("report", "1", "--as-of", "2025-08-31"), "--as-of"),
    (("report", "1", "--purpose", "application"), "--purpose"),
    (("report", "1", "--ref", "x"), "--ref"),
    (("report", "1", "--area", "500111119"), "--area"),
    (("report", "1", "--limit", "3"), "--limit"),
    (("report", "1", "--resume", "3"), "--resume"),
    (("batch", "--area", "500111119", "--pdf", "x.pdf"), "--pdf"),
    (("batch", "--resume", "3", "--area", "500111119"), "--area"),
    (("batch", "--resume", "3", "--limit", "5"), "--limit"),
])
def test_an_option_that_does_not_apply_is_refused_by_name(empty_home, zh, args, option):
    code, out = _run("verify", *args)
    assert code == 2 and out.startswith("错误：") and option in out and len(out.strip().splitlines()) == 1, out
    assert not (empty_home / "x.pdf").exists() and not (empty_home / "jiuzhu.db").exists()


@pytest.mark.parametrize(("args", "said"), [
    (("report",), "jiuzhu verify report 核对编号"),
    (("report", "abc"), "核对编号“abc”无效"),
    (("report", "-1"), None),
    (("report", "0"), "核对编号“0”无效"),
    (("report", "1", "extra"), "多余的参数：extra"),
    ((HH, "7"), "多余的参数：7"),
    (("",), "户号为空"),
    (("  ",), "户号为空"),
    ((HH, "--ref", "x" * 101), "purpose_ref 太长：最多 100 个字符"),
    ((HH, "--ref", "a\nb"), "--ref：含有换行"),
    (("batch", "--area", "500111119", "--ref", "x" * 101), "purpose_ref 太长"),
    ((HH, "--as-of", "1990-01-01"), "--as-of: 1990-01-01 早于现行政策施行"),
    (("batch", "--area", "500111119", "--as-of", "1990-01-01"), "--as-of: 1990-01-01"),
])
def test_bad_arguments_are_one_chinese_line(empty_home, zh, args, said):
    code, out = _run("verify", *args)
    assert code == 2 and out.startswith("错误：") and len(out.strip().splitlines()) == 1, out
    assert said is None or said in out, out
    assert "VERIFICATION" not in out and "Got unexpected" not in out and "--verification" not in out


def test_a_household_number_is_trimmed(empty_home, zh):
    code, out = _run("verify", f"  {HH} ")
    assert code == 3 and out.startswith(f"错误：户 {HH} 不在登记库中"), out


def test_the_ref_limit_is_the_consent_requests(empty_home, zh):
    """The same limit and the same words as ``consent request --ref`` (and the API's purpose_ref)."""
    from jiuzhu.cli.context import REF_CHARS
    from jiuzhu.consent.service import Purpose, _check_purpose
    from jiuzhu.errors import JiuzhuError

    _check_purpose(Purpose("review", "x" * REF_CHARS))
    with pytest.raises(JiuzhuError) as refused:
        _check_purpose(Purpose("review", "x" * (REF_CHARS + 1)))
    for command in (("verify", HH), ("consent", "request", HH), ("consent", "list", HH)):
        code, out = _run(*command, "--ref", "x" * (REF_CHARS + 1))
        assert code == 2 and refused.value.message in out and len(out.strip().splitlines()) == 1, out
        code, out = _run(*command, "--ref", "2026\t复核")
        assert code == 2 and "--ref：含有换行或其他控制字符" in out, out


def test_the_report_in_text_has_its_summary_and_json_with_pdf_gives_both(home, tmp_path, zh, monkeypatch):  # noqa: F811
    code, out = _run("verify", home.household_no, "--as-of", "2025-08-31", "--json")
    assert code == 0, out
    vid = json.loads(out)["id"]
    code, out = _run("verify", "report", vid)
    assert code == 0, out
    assert "收入（月均）：合计 " in out and "人均 " in out and "金融资产：" in out, out
    assert "与申报不一致：" in out and "完整性：37 个来源中 37 个已返回" in out, out
    target = tmp_path / "r.pdf"
    result = runner.invoke(app, ["verify", "report", str(vid), "--json", "--pdf", str(target)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["verification_id"] == vid and target.read_bytes().startswith(b"%PDF")
    # the PDF follows --lang (as the web's): English asked, English drawn
    from jiuzhu.verification import pdf

    asked = []
    monkeypatch.setattr(pdf, "render_pdf", lambda report, lang="zh": asked.append(lang) or b"%PDF-1.7 test")
    assert _run("--lang", "en", "verify", "report", vid, "--pdf", tmp_path / "en.pdf")[0] == 0
    assert _run("verify", "report", vid, "--pdf", tmp_path / "zh.pdf")[0] == 0
    assert asked == ["en", "zh"]


def test_unknown_amounts_are_said_unknown_never_0(zh):
    from jiuzhu.cli.verify import report_lines

    report = {"income": {"known": False, "total_monthly_fen": None, "per_capita_monthly_fen": None,
                         "at_least_fen": 123_400, "counted_members": 3},
              "assets": {"known": False, "financial_fen": None, "at_least_fen": 0},
              "differences": [{"kind": "undeclared_account", "member": "王*福"}] * 5,
              "completeness": {"answered": 35, "endpoints": 37, "stale": 0, "refused": 0, "failed": 2}}
    lines = report_lines(report)
    assert lines[0] == "收入（月均）：合计 未知（至少 1,234.00 元），人均 未知（计入 3 人）"
    assert lines[1] == "金融资产：未知"
    assert lines[2].startswith("与申报不一致：5 项 — ") and lines[2].count("王*福") == 3 and "另有 2 项" in lines[2]
    assert "0.00" not in "".join(lines)


def test_a_folder_that_takes_no_file_is_not_said_missing(zh):
    import errno
    from pathlib import Path

    from jiuzhu.files import storage_error

    said = storage_error(OSError(errno.ENOENT, "No such file or directory"), Path("/proc")).message
    assert "文件夹不存在" not in said and "不能在其中建立文件" in said
    assert "文件夹不存在" in storage_error(OSError(errno.ENOENT, "x"), Path("/no/such/folder")).message


def test_a_day_before_the_law_says_which_days_the_law_covers(zh):
    """Where a day before the rules still reaches a parameter (not through verify, which refuses it first)."""
    from jiuzhu.errors import JiuzhuError
    from jiuzhu.rules import law

    with pytest.raises(JiuzhuError) as refused:
        law.value("dibao.income.lookback_months", "1990-01-01")
    assert refused.value.message.startswith("1990-01-01 没有施行中的政策")
    assert f"现行政策自 {law.in_force_from()}-01 起适用" in refused.value.message
