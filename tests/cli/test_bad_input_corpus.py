"""Every command over a corpus of bad input: no traceback, an exit code that is not 0 (nor 70, the code of a bug),
and the thing named — the file, the option, the value, the folder or the database — in Chinese, the default.

Each case is one kind of input a user can give (issue 10, item 7). The nastiest run in a real process, as users
run the command; the others in this process (faster). A case that fails because of another helper's area is
marked xfail(strict): it fails loudly once fixed, and is then unmarked.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jiuzhu.cli.main import app
from tests.conftest import EXAMPLE, FIELD_TEST_1, ROOT

GBK = FIELD_TEST_1 / "household-gbk-bytes.json"
UNREACHABLE = "postgresql+psycopg://jiuzhu@127.0.0.1:9/jiuzhu"  # port 9 (discard): nothing listens there
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Case:
    args: list[str]
    names: list[str]  # what the output must name
    registry: str = "example"  # none (no database), empty, example (the example household), loaded (a snapshot)
    env: dict[str, str] = field(default_factory=dict)
    process: bool = False  # run as a real process
    chinese: bool = True  # the message is in Chinese (False: another helper's message, not yet translated)


def xfail(case: Case, reason: str, id: str):  # noqa: A002 (pytest's name)
    return pytest.param(case, marks=pytest.mark.xfail(strict=True, reason=reason), id=id)


MONTHS = {"2025-13": "2025-13", "2025-02-30": "2025-02-30", "abc": "abc", "1990-01": "1990-01"}
RULE_COMMANDS = {
    "scan": ["scan"], "whatif": ["whatif", "--set", "dibao.line.urban=800"],
    "evaluate": ["evaluate", str(EXAMPLE)], "synth": ["synth", "--households", "5", "--out", "{tmp}/s"],
}
DB_COMMANDS = {  # every command that opens the registry, with arguments that would otherwise work
    "db-upgrade": ["db", "upgrade"], "import": ["import", str(EXAMPLE)], "export": ["export", "{tmp}/x.jsonl"],
    "summary": ["summary"], "show": ["household", "show", "500111119-000001"],
    "history": ["household", "history", "500111119-000001"], "scan": ["scan"],
    "whatif": ["whatif", "--set", "dibao.line.urban=800"], "load": ["load", "{snapshot}"],
    "demo": ["demo", "--households", "5"], "user-list": ["user", "list"], "audit-verify": ["audit", "verify"],
}
READ_COMMANDS = ["export", "summary", "show", "history", "scan", "whatif"]


def _cases() -> list:
    cases: list = []
    add = cases.append
    # --- files of the wrong kind, as a household file, a ledger, a --source
    for command in (["import"], ["evaluate"], ["whatif", "--set", "dibao.line.urban=800", "--source"]):
        name = command[0]
        add(pytest.param(Case([*command, str(GBK)], [GBK.name, "UTF-8", "GBK"], process=name == "import"),
                         id=f"{name}-gbk"))
        add(pytest.param(Case([*command, "{bad}/random.json"], ["random.json", "UTF-8"], process=name == "import"),
                         id=f"{name}-random-bytes"))
        add(pytest.param(Case([*command, "{bad}/random.jsonl"], ["random.jsonl", "UTF-8"]),
                         id=f"{name}-random-bytes-jsonl"))
        add(pytest.param(Case([*command, "{bad}/empty.json"], ["empty.json"]), id=f"{name}-empty"))
        add(pytest.param(Case([*command, "{bad}/missing.json"], ["missing.json"]), id=f"{name}-missing"))
        add(pytest.param(Case([*command, "{bad}/folder.json"], ["folder.json"]), id=f"{name}-folder"))
        add(pytest.param(Case([*command, "{bad}/household.txt"], ["household.txt", ".txt"]),
                         id=f"{name}-unknown-suffix"))
        add(pytest.param(Case([*command, "{bad}/notjson.json"], ["notjson.json", "JSON"]), id=f"{name}-not-json"))
        for deep in ("deep.json", "deep.jsonl"):
            add(pytest.param(Case([*command, f"{{bad}}/{deep}"], [deep], process=name == "evaluate"),
                             id=f"{name}-{deep}-nested-10000-deep"))
    for name in ("random.xlsx", "notxlsx.xlsx", "old.xlsx", "empty.xlsx", "random.csv", "empty.csv"):
        add(pytest.param(Case(["import", f"{{bad}}/{name}"], [name], process=name == "random.xlsx"),
                         id=f"import-{name}"))
    # --- folders: a snapshot that is not one, outputs that are folders or cannot be written
    for case_id, path, named in (("missing", "{bad}/missing", "missing"), ("file", "{bad}/random.json", "random.json"),
                                 ("not-snapshot", "{bad}", "registry/persons.parquet")):
        add(pytest.param(Case(["load", path], [named]), id=f"load-{case_id}"))
        add(pytest.param(Case(["scan", "--snapshot", path], ["--snapshot", named]), id=f"scan-snapshot-{case_id}"))
    add(pytest.param(Case(["export", "{bad}/folder.json"], ["folder.json"]), id="export-to-a-folder"))
    add(pytest.param(Case(["export", "{tmp}/x.txt"], [".txt"]), id="export-unknown-suffix"))
    add(pytest.param(Case(["export", "{bad}/random.json/x.jsonl"], ["random.json"]), id="export-under-a-file"))
    add(pytest.param(Case(["schema", "--output", "{bad}/folder.json"], ["folder.json"]), id="schema-to-a-folder"))
    add(pytest.param(Case(["import", str(EXAMPLE), "--report", "{bad}/folder.json"], ["--report"]),
                     id="import-report-to-a-folder"))
    # --- impossible months and dates, and months before the rules' law in force
    for command, args in RULE_COMMANDS.items():
        for month_id, month in MONTHS.items():
            add(pytest.param(Case([*args, "--month", month], ["--month", month]), id=f"{command}-month-{month_id}"))
    for month in ("2025-13", "2025-02-30", "abc"):
        add(pytest.param(Case(["export", "{tmp}/x.xlsx", "--month", month], ["--month", month]),
                         id=f"export-month-{month}"))
    for day in ("2025-02-30", "abc", "2025-13-01"):
        add(pytest.param(Case(["summary", "--on", day], ["--on", day]), id=f"summary-on-{day}"))
    add(pytest.param(Case(["whatif", "--set", "dibao.line.urban=800@2025-02-30"], ["2025-02-30"]),
                     id="whatif-set-impossible-date"))
    # --- an empty registry
    for command, args in (("scan", ["scan"]), ("summary", ["summary"]), ("export-xlsx", ["export", "{tmp}/x.xlsx"]),
                          ("export-jsonl", ["export", "{tmp}/x.jsonl"]),
                          ("whatif", ["whatif", "--set", "dibao.line.urban=800"])):
        add(pytest.param(Case(args, ["登记库", "import"], registry="empty"), id=f"{command}-empty-registry"))
    for command in ("show", "history"):
        add(pytest.param(Case(DB_COMMANDS[command], ["500111119-000001"], registry="empty", chinese=False),
                         id=f"{command}-not-in-registry"))
    # --- unknown areas
    for command, args in (("scan", ["scan"]), ("export", ["export", "{tmp}/x.xlsx"]),
                          ("whatif", ["whatif", "--set", "dibao.line.urban=800"])):
        add(pytest.param(Case([*args, "--area", "999999"], ["--area", "999999"]), id=f"{command}-unknown-area"))
        add(pytest.param(Case([*args, "--area", "abc"], ["--area", "abc"]), id=f"{command}-area-not-a-code"))
    add(pytest.param(Case(["scan", "--area", "500112"], ["500112"]), id="scan-area-without-households"))
    # --- unknown option values, options and commands
    add(pytest.param(Case(["scan", "--workbooks", "city"], ["--workbooks", "city", "township"]),
                     id="scan-workbooks-city"))
    add(pytest.param(Case(["--lang", "fr", "summary"], ["--lang", "fr"]), id="lang-fr"))
    add(pytest.param(Case(["evaluate", str(EXAMPLE), "--lang", "fr"], ["--lang", "fr"]), id="evaluate-lang-fr"))
    add(pytest.param(Case(["summary"], ["JIUZHU_LANG", "fr"], env={"JIUZHU_LANG": "fr"}), id="env-lang-fr"))
    for value in ("nonsense", "no.such.parameter=1", "dibao.line.urban=abc", "dibao.line=800"):
        add(pytest.param(Case(["whatif", "--set", value], [value.split("=")[0] if "=" in value else value],
                              chinese=False), id=f"whatif-set-{value}"))
    for value in ("dibao.line.urban=1e30", "dibao.line.urban=1e99", "dibao.line.urban=-1", "dibao.line.urban=NaN",
                  "dibao.line.urban=Infinity", "dibao.income.lookback_months=1e6"):  # 1e30: InvalidOperation
        add(pytest.param(Case(["whatif", "--set", value], [value.split("=")[0], value.split("=")[1]]),
                         id=f"whatif-set-{value}"))
    add(pytest.param(Case(["synth", "--district", "999999"], ["--district", "999999"]), id="synth-district-999999"))
    add(pytest.param(Case(["synth", "--households", "0"], ["--households", "0"]), id="synth-households-0"))
    add(pytest.param(Case(["synth", "--households", "abc"], ["--households", "abc"]), id="synth-households-abc"))
    add(pytest.param(Case(["demo", "--district", "500000"], ["--district", "500000"]), id="demo-district-city"))
    add(pytest.param(Case(["scan", "--workers", "0"], ["--workers"]), id="scan-workers-0"))
    add(pytest.param(Case(["scan", "--nope"], ["--nope"]), id="unknown-option"))
    add(pytest.param(Case(["scna"], ["scna"]), id="unknown-command"))
    add(pytest.param(Case(["household", "show"], ["HOUSEHOLD_NO"]), id="missing-argument"))
    add(pytest.param(Case(["scan", "--month"], ["--month"]), id="option-without-value"))
    add(pytest.param(Case(["summary", "extra"], ["extra"]), id="extra-argument"))
    # --- accounts and the audit log
    add(pytest.param(Case(["user", "add", "x", "--role", "auditor", "--area", "500111"], ["“x”", "3"]),
                     id="user-add-bad-name"))
    add(pytest.param(Case(["user", "add", "abc", "--role", "boss", "--area", "500111"], ["--role", "boss"]),
                     id="user-add-unknown-role"))
    add(pytest.param(Case(["user", "add", "abc", "--role", "auditor", "--area", "999999"], ["--area", "999999"]),
                     id="user-add-unknown-area"))
    add(pytest.param(Case(["user", "add", "abc", "--role", "auditor", "--area", "500111", "--password-stdin"],
                          ["--password-stdin"]), id="user-add-no-password-on-stdin"))
    add(pytest.param(Case(["user", "lock", "nobody"], ["nobody"]), id="user-lock-unknown"))
    add(pytest.param(Case(["user", "unbind", "nobody"], ["nobody"]), id="user-unbind-unknown"))
    add(pytest.param(Case(["audit", "list", "--per-page", "0"], ["--per-page"]), id="audit-list-per-page-0"))
    add(pytest.param(Case(["audit", "list", "--since", "2025-02-30"], ["--since", "2025-02-30"]),
                     id="audit-list-impossible-day"))
    # --- personal electronic authorization (tests/cli/test_consent_cli.py has more)
    add(pytest.param(Case(["consent", "list", "500111119-999999"], ["500111119-999999"]),
                     id="consent-list-unknown-household"))
    add(pytest.param(Case(["consent", "request", "500111119-000001", "--purpose", "lottery"], ["--purpose", "lottery"]),
                     id="consent-request-unknown-purpose"))
    add(pytest.param(Case(["consent", "give", "CR-missing"], ["CR-missing"]), id="consent-give-unknown-record"))
    # --- applications and cases (tests/casework has more)
    add(pytest.param(Case(["apply", "500111119-999999", "--programme", "低保"], ["500111119-999999"]),
                     id="apply-unknown-household"))
    add(pytest.param(Case(["apply", "500111119-000001", "--programme", "低宝"], ["--programme", "低宝"]),
                     id="apply-unknown-programme"))
    add(pytest.param(Case(["apply", "500111119-000001", "--programme", "dibao", "--month", "2025-13"],
                          ["--month", "2025-13"]), id="apply-month-13"))
    add(pytest.param(Case(["case", "show", "C-00000000-000000000-0000"], ["C-00000000-000000000-0000"]),
                     id="case-show-unknown"))
    add(pytest.param(Case(["case", "list", "--status", "late"], ["--status", "late"]), id="case-list-unknown-status"))
    # --- 申请救助 links (tests/casework/test_selfservice.py has more)
    add(pytest.param(Case(["apply-link", "500111119-999999"], ["500111119-999999"]), id="apply-link-unknown-household"))
    add(pytest.param(Case(["apply-link", "500111119-000001", "--hours", "0"], ["--hours", "0"]),
                     id="apply-link-hours-0"))
    add(pytest.param(Case(["apply-link", "500111119-000001", "--member", "不存在的人"], ["--member", "不存在的人"]),
                     id="apply-link-unknown-member"))
    add(pytest.param(Case(["apply-link", "500111119-000001", "--qr", "{tmp}/x.txt"], ["--qr", "x.txt"]),
                     id="apply-link-qr-not-svg"))
    # casework lists (x16case): words, pages, areas and 导出Excel files
    add(pytest.param(Case(["case", "list", "--state", "公示"], ["--state", "公示", "公示中"]),
                     id="case-list-unknown-state"))
    add(pytest.param(Case(["case", "list", "--page", "0"], ["--page"]), id="case-list-page-0"))
    add(pytest.param(Case(["case", "list", "--limit", "501"], ["--limit"]), id="case-list-limit-too-large"))
    add(pytest.param(Case(["case", "list", "--area", "110000"], ["110000"]), id="case-list-area-outside"))
    add(pytest.param(Case(["case", "list", "--output", "{tmp}/cases.txt"], ["cases.txt", ".xlsx"]),
                     id="case-list-output-not-xlsx"))
    add(pytest.param(Case(["case", "list", "--output", "{bad}/random.json/cases.xlsx"], ["random.json"]),
                     id="case-list-output-under-a-file"))
    add(pytest.param(Case(["case", "publicity", "--output", "{tmp}/p.csv"], ["p.csv"]),
                     id="case-publicity-output-not-xlsx"))
    add(pytest.param(Case(["case", "reviews-due", "--area", "110000"], ["110000"]), id="case-reviews-due-area-outside"))
    add(pytest.param(Case(["case", "reviews-due", "--output", "{bad}/random.json/r.xlsx"], ["random.json"]),
                     id="case-reviews-due-output-under-a-file"))
    add(pytest.param(Case(["case", "applications", "--limit", "0"], ["--limit"]), id="case-applications-limit-0"))
    add(pytest.param(Case(["case", "applications", "--area", "abc"], ["--area", "ABC"]),
                     id="case-applications-bad-area"))
    # --- payroll (tests/payroll/test_cli.py has more)
    add(pytest.param(Case(["payroll", "prepare", "--programme", "margin", "--month", "2025-06"], ["margin"]),
                     id="payroll-prepare-programme-not-paid"))
    add(pytest.param(Case(["payroll", "show", "dibao-500111-1999-01"], ["dibao-500111-1999-01"]),
                     id="payroll-show-unknown"))
    add(pytest.param(Case(["payroll", "accounts-set", "110101199001011237", "--name", "王德福", "--bank", "cqrcb",
                           "--account", "6231000000000000001", "--opened", "2025-01-01", "--reason", "换卡"],
                          ["110101********1237"]),
                     id="payroll-accounts-set-unknown-person"))
    add(pytest.param(Case(["payroll", "list", "--output", "{tmp}/list.csv"], ["list.csv", ".xlsx"]),
                     id="payroll-list-output-not-xlsx"))
    add(pytest.param(Case(["payroll", "totals", "--output", "{bad}/random.json/t.xlsx"], ["random.json"]),
                     id="payroll-totals-output-under-a-file"))
    add(pytest.param(Case(["payroll", "show", "dibao-500111-1999-01", "--output", "{tmp}/lines.xlsx"],
                          ["dibao-500111-1999-01"]), id="payroll-show-output-unknown"))
    # --- verification (tests/cli/test_verify_cli.py has more) and the department simulator
    add(pytest.param(Case(["verify", "500111119-999999"], ["500111119-999999"]), id="verify-unknown-household"))
    add(pytest.param(Case(["verify", "500111119-000001", "--purpose", "lottery"], ["--purpose", "lottery"]),
                     id="verify-unknown-purpose"))
    add(pytest.param(Case(["simulate-departments", "--data", "{bad}", "--requesters", "{bad}/missing.json",
                           "--state", "{tmp}/state"], ["missing.json"]), id="simulate-departments-no-requesters"))
    add(pytest.param(Case(["exchange", "key", "--kid", "../../etc/x"], ["--kid", "../../etc/x"]),
                     id="exchange-key-path-as-kid"))
    # --- the server
    for port in ("0", "70000", "abc"):
        add(pytest.param(Case(["serve", "--port", port], ["--port", port]), id=f"serve-port-{port}"))
    add(pytest.param(Case(["serve", "--host", "no-such-host.invalid"], ["--host", "no-such-host.invalid"]),
                     id="serve-unknown-host"))
    for count in ("0", "many"):
        add(pytest.param(Case(["serve", "--processes", count], ["--processes", count]), id=f"serve-processes-{count}"))
    # --- a district loaded twice
    add(pytest.param(Case(["load", "{snapshot}"], ["{snapshot_name}"], registry="loaded"),
                     id="load-a-district-already-loaded"))
    # --- the home folder: under a file (cannot be created), read-only, missing
    for command, args in DB_COMMANDS.items():
        add(pytest.param(Case(args, ["{bad}/random.json/home"], registry="none",
                              env={"JIUZHU_HOME": "{bad}/random.json/home"}), id=f"{command}-home-under-a-file"))
    add(pytest.param(Case(["synth", "--households", "5"], ["{bad}/random.json/home"], registry="none",
                          env={"JIUZHU_HOME": "{bad}/random.json/home"}), id="synth-home-under-a-file"))
    for command in READ_COMMANDS:
        add(pytest.param(Case(DB_COMMANDS[command], ["{tmp}/missing-home", "jiuzhu.db"], registry="none",
                              env={"JIUZHU_HOME": "{tmp}/missing-home"}, process=command == "scan"),
                         id=f"{command}-missing-home"))
    # --- a database that cannot be reached, or a URL that is no database
    for command, args in [*DB_COMMANDS.items(), ("info", ["info"])]:
        add(pytest.param(Case(args, ["127.0.0.1", "JIUZHU_DATABASE_URL"], registry="loaded" if command == "load"
                              else "none", env={"JIUZHU_DATABASE_URL": UNREACHABLE},
                              process=command in ("summary", "import")), id=f"{command}-database-unreachable"))
    for url in ("nonsense", "mysql://jiuzhu@127.0.0.1/jiuzhu"):
        add(pytest.param(Case(["summary"], ["JIUZHU_DATABASE_URL"], registry="none",
                              env={"JIUZHU_DATABASE_URL": url}), id=f"summary-database-url-{url.split(':')[0]}"))
    return cases


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> Path:
    """The corpus of bad files, written once."""
    folder = tmp_path_factory.mktemp("bad")
    rng = __import__("random").Random(10)
    noise = bytes(rng.randrange(256) for _ in range(4096))
    for name in ("random.json", "random.jsonl", "random.xlsx", "random.csv"):
        (folder / name).write_bytes(noise)
    (folder / "deep.json").write_text("[" * 10_000 + "]" * 10_000)
    (folder / "deep.jsonl").write_text('{"household_no": ' + "[" * 10_000 + "]" * 10_000 + "}\n")
    (folder / "notjson.json").write_text("household_no,area_code\n500111119-000001,500111119\n")
    (folder / "notxlsx.xlsx").write_text("this is not a workbook\n")
    (folder / "old.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + noise)
    for name in ("empty.json", "empty.xlsx", "empty.csv"):
        (folder / name).write_bytes(b"")
    (folder / "folder.json").mkdir()
    shutil.copy(EXAMPLE, folder / "household.txt")
    return folder


@pytest.fixture(scope="module")
def registries(tmp_path_factory, bad) -> dict[str, Path]:
    """Homes holding an empty registry, the example household, and a loaded synthetic snapshot (copied per test)."""
    homes = {}
    base = tmp_path_factory.mktemp("registries")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("JIUZHU_DATABASE_URL", raising=False)
        for name, commands in (("empty", [["db", "upgrade"]]), ("example", [["import", str(EXAMPLE)]]),
                               ("loaded", [["synth", "--households", "20", "--out", str(base / "snapshot")],
                                           ["load", str(base / "snapshot")]])):
            mp.setenv("JIUZHU_HOME", str(base / name))
            for command in commands:
                result = CliRunner().invoke(app, command)
                assert result.exit_code == 0, result.output
            homes[name] = base / name
    homes["snapshot"] = base / "snapshot"
    return homes


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def run(args: list[str], env: dict[str, str], *, process: bool, cwd: Path) -> tuple[int, str]:
    """The command's exit code and everything it printed (stdout and stderr)."""
    if process:
        full = {**os.environ, **env, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get(
            "PYTHONPATH", "")])}
        done = subprocess.run([sys.executable, "-m", "jiuzhu.cli.main", *args], env=full, cwd=cwd,
                              capture_output=True, text=True, timeout=300)
        return done.returncode, done.stdout + done.stderr
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        mp.chdir(cwd)
        result = CliRunner().invoke(app, args)
    return result.exit_code, result.output


@pytest.mark.parametrize("case", _cases())
def test_bad_input_gives_one_line_naming_it_and_a_non_zero_exit(case: Case, tmp_path, bad, registries, monkeypatch):
    monkeypatch.delenv("JIUZHU_DATABASE_URL", raising=False)
    home = tmp_path / "home"
    if case.registry != "none":
        shutil.copytree(registries[case.registry], home)
    values = {"bad": str(bad), "tmp": str(tmp_path), "snapshot": str(registries["snapshot"]),
              "snapshot_name": registries["snapshot"].name}
    env = {"JIUZHU_HOME": str(home), "JIUZHU_LANG": "zh", "COLUMNS": "250"}
    env.update({k: _fill(v, values) for k, v in case.env.items()})
    code, out = run([_fill(a, values) for a in case.args], env, process=case.process, cwd=tmp_path)
    assert "Traceback" not in out and "File \"" not in out, out
    assert code in (1, 2, 3), f"exit code {code}: {out}"
    for name in case.names:
        assert _fill(name, values) in out, f"{_fill(name, values)!r} is not named in: {out}"
    if case.chinese:
        assert CJK.search(out), f"not in Chinese: {out}"
    assert not (home / "scans").exists() or not any((home / "scans").iterdir()), "a scan started before the check"


def test_every_command_is_in_the_corpus():
    """A new command cannot escape the corpus."""
    from jiuzhu.cli.main import app as the_app

    names = {c.name for c in the_app.registered_commands} | {g.name for g in the_app.registered_groups}
    covered = {case.values[0].args[0] if not case.values[0].args[0].startswith("-") else case.values[0].args[2]
               for case in _cases()}
    assert names <= covered, names - covered


def test_an_unexpected_error_is_one_line_and_the_traceback_goes_to_the_log(tmp_path, monkeypatch):
    from jiuzhu.registry import summary as summary_service

    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    monkeypatch.setenv("JIUZHU_LANG", "zh")
    monkeypatch.delenv("JIUZHU_DATABASE_URL", raising=False)
    assert CliRunner().invoke(app, ["import", str(EXAMPLE)]).exit_code == 0

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug in the summary")

    monkeypatch.setattr(summary_service, "summarise", broken)
    result = CliRunner().invoke(app, ["summary"])
    log = tmp_path / "logs" / "errors.log"
    assert result.exit_code == 70 and "Traceback" not in result.output
    assert "RuntimeError" in result.output and str(log) in result.output and CJK.search(result.output)
    assert len(result.output.strip().splitlines()) == 1
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "a bug in the summary" in text and "summarise" in text


def test_ctrl_c_stops_with_one_line_and_exit_code_130(tmp_path):
    env = {**os.environ, "JIUZHU_HOME": str(tmp_path / "home"), "JIUZHU_LANG": "zh",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    out = tmp_path / "big"
    child = subprocess.Popen([sys.executable, "-m", "jiuzhu.cli.main", "synth", "--households", "400000", "--out",
                              str(out)], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not out.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)  # the command has started its work once the snapshot's folder exists
    time.sleep(0.5)
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=120)
    assert child.returncode == 130, stdout + stderr
    assert "Traceback" not in stderr and "中断" in stderr and len(stderr.strip().splitlines()) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
@pytest.mark.parametrize("command", [["import", str(EXAMPLE)], ["summary"], ["scan"]])
def test_a_read_only_home_is_named(command, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o555)
    monkeypatch.setenv("JIUZHU_HOME", str(home))
    monkeypatch.setenv("JIUZHU_LANG", "zh")
    monkeypatch.delenv("JIUZHU_DATABASE_URL", raising=False)
    try:
        result = CliRunner().invoke(app, command)
    finally:
        home.chmod(0o755)
    assert result.exit_code in (2, 3) and str(home) in result.output and "Traceback" not in result.output
