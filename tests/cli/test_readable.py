"""A command line township staff can read: Chinese by default (tables, help, usage errors), English on request,
money with thousands separators, months as people write them, empty results said, progress on stderr only,
long runs summarised, and a home folder that does not depend on where the command runs."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from jiuzhu.cli import context
from jiuzhu.cli.main import app
from tests.conftest import EXAMPLE

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("JIUZHU_DATABASE_URL", raising=False)
    monkeypatch.delenv("JIUZHU_LANG", raising=False)  # the users' default: Chinese
    monkeypatch.setenv("COLUMNS", "250")
    return tmp_path / "home"


def run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def _headers(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("┃")]


def test_tables_are_chinese_by_default_with_money_separated_and_right_aligned(home):
    run("import", EXAMPLE)
    code, out = run("summary")
    assert code == 0 and "1 户" in out and "当前在享救助" in out and "每月合计（元）" in out
    assert all(not re.search(r"\b[a-z]{3,}\b", h) for h in _headers(out)), _headers(out)
    row = next(line for line in out.splitlines() if "重度残疾人护理补贴" in line)
    assert re.search(r"│ {4,}100\.00 │", row), row  # right-aligned: the padding is on the left
    code, out = run("scan")
    assert code == 0 and re.search(r"│ +2,820\.00 │", out) and "排查结果" in out
    assert all(not re.search(r"\b[a-z]{3,}\b", h) for h in _headers(out)), _headers(out)
    code, out = run("--lang", "en", "summary")
    assert code == 0 and "current enrolments" in out and "monthly total (yuan)" in out and "100.00" in out


def test_english_on_request_by_option_or_setting(home, monkeypatch):
    run("import", EXAMPLE)
    monkeypatch.setenv("JIUZHU_LANG", "en")
    assert "current enrolments" in run("summary")[1]
    code, out = run("evaluate", EXAMPLE, "--lang", "zh")  # evaluate's own --lang: an alias of the global one
    assert code == 0 and "最低生活保障: 符合  2,820.00 元/月" in out and "户 500111119-000001  2025年8月" in out
    code, out = run("--lang", "en", "evaluate", EXAMPLE)
    assert code == 0 and "Minimum living allowance: eligible  2,820.00 yuan a month" in out
    assert "2025-08" in out and "年" not in out.splitlines()[0]


def test_help_and_usage_errors_are_chinese(home):
    code, out = run("--help")
    assert code == 0 and "选项" in out and "命令" in out and "按政策规则排查全部人口" in out
    assert "显示本帮助并退出" in out
    code, out = run("scan", "--help")
    assert code == 0 and "认定的月份" in out and "[默认：2025-08]" in out
    code, out = run("--lang", "en", "scan", "--help")
    assert code == 0 and "the month to decide" in out and "Options" in out
    code, out = run("scan", "--nope")
    assert code == 2 and "没有 --nope 这个选项" in out and "jiuzhu scan --help" in out
    code, out = run("synth", "--households", "abc")
    assert code == 2 and "--households" in out and "“abc”不是整数" in out
    code, out = run("scna")
    assert code == 2 and "没有 scna 这个命令" in out and "scan" in out


def test_months_are_written_as_people_write_them_and_empty_results_are_said(home, tmp_path):
    run("import", EXAMPLE)
    code, out = run("scan", "--month", "2025-08")
    assert code == 0 and "2025年8月" in out and "应享未享" in out
    code, out = run("synth", "--district", "500151", "--households", "3", "--out", tmp_path / "snap")
    assert code == 0
    assert run("load", tmp_path / "snap")[0] == 0
    assert run("export", tmp_path / "tongliang.jsonl", "--area", "500151")[0] == 0
    loaded = json.loads((tmp_path / "tongliang.jsonl").read_text(encoding="utf-8").splitlines()[0])["household_no"]
    code, out = run("household", "history", loaded)  # bulk-loaded: no change of its own
    assert code == 0 and "无变更记录" in out


def test_progress_goes_to_stderr_on_a_terminal_and_json_stays_clean(home, monkeypatch):
    run("import", EXAMPLE)
    screen = io.StringIO()
    monkeypatch.setattr(context, "err_console", Console(file=screen, force_terminal=True, width=120))
    result = CliRunner().invoke(app, ["scan", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["households"] == 1
    assert "正在排查各户" in screen.getvalue() and "1/1" in screen.getvalue()


def test_a_long_import_shows_a_count_and_the_report_holds_every_rejection(home, tmp_path):
    docs = []
    for i in range(15):
        doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
        doc["household_no"] = f"500111119-{900 + i:06d}"
        doc["members"][0]["name"] = ""
        docs.append(json.dumps(doc, ensure_ascii=False))
    (tmp_path / "many.jsonl").write_text("\n".join(docs) + "\n", encoding="utf-8")
    code, out = run("import", tmp_path / "many.jsonl")
    assert code == 1 and "入库 0 户；拒绝 15 户" in out and "另有 5 个问题" in out
    report = next((home / "reports").glob("many-rejected-*.csv"))
    assert str(report) in out and len(report.read_text(encoding="utf-8-sig").splitlines()) == 16


def test_the_home_folder_is_the_os_data_folder_wherever_the_command_runs(tmp_path, monkeypatch):
    from platformdirs import user_data_dir

    from jiuzhu.config import get_settings

    monkeypatch.delenv("JIUZHU_HOME", raising=False)
    monkeypatch.delenv("JIUZHU_DATABASE_URL", raising=False)
    homes = set()
    for folder in (tmp_path / "a", tmp_path / "b"):
        folder.mkdir()
        monkeypatch.chdir(folder)
        homes.add(get_settings().home)
    assert homes == {Path(user_data_dir("jiuzhu", appauthor=False))}
    assert get_settings().database_url == f"sqlite:///{Path(user_data_dir('jiuzhu', appauthor=False)) / 'jiuzhu.db'}"
    monkeypatch.setenv("JIUZHU_HOME", "relative/home")
    assert get_settings().home == tmp_path / "b" / "relative" / "home"  # made absolute once, where it was given


def test_info_names_the_settings_and_creates_nothing(home, monkeypatch):
    monkeypatch.setenv("JIUZHU_DATABASE_URL", "postgresql+psycopg://jiuzhu:secret@127.0.0.1:9/jiuzhu")
    code, out = run("info")
    assert code == 3 and str(home) in out and "尚未创建" in out and "secret" not in out and "***" in out
    monkeypatch.delenv("JIUZHU_DATABASE_URL")
    code, out = run("info")
    assert code == 0 and "还没有数据库" in out and not home.exists()
    run("import", EXAMPLE)
    code, out = run("info")
    assert code == 0 and "已是最新" in out and re.search(r"户数 +│ 1 ", out)


def test_info_says_how_people_sign_in(home, monkeypatch):
    """The identity provider's settings as `jiuzhu serve` would use them, never the secret; a partial set is named
    with exit 3, as `jiuzhu serve` refuses it."""
    code, out = run("info")
    assert code == 0 and "仅密码登录" in out
    monkeypatch.setenv("JIUZHU_OIDC_ISSUER", "https://sso.example.gov.cn/realms/mzj")
    monkeypatch.setenv("JIUZHU_OIDC_CLIENT_ID", "jiuzhu-500111")
    monkeypatch.setenv("JIUZHU_OIDC_CLIENT_SECRET", "s3cret-value")
    code, out = run("info")
    assert code == 0 and "https://sso.example.gov.cn/realms/mzj" in out and "jiuzhu-500111" in out
    assert "s3cret-value" not in out
    monkeypatch.delenv("JIUZHU_OIDC_CLIENT_SECRET")
    code, out = run("info")
    assert code == 3 and "JIUZHU_OIDC_CLIENT_SECRET" in out and "无法使用" in out
