"""``python -m jiuzhu.cli.simulate`` (``jiuzhu simulate-departments`` once wired): wrong input is one line and an
exit code, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, lang: str = "en") -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(ROOT / "src"), "JIUZHU_LANG": lang}
    return subprocess.run([sys.executable, "-m", "jiuzhu.cli.simulate", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def test_a_missing_key_set_is_one_line_in_chinese(tmp_path):
    done = _run("--data", str(tmp_path), "--requesters", str(tmp_path / "none.jwks.json"), "--state",
                str(tmp_path / "state"), "--port-base", "0", lang="zh")
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr and "无法读取公钥集" in done.stderr and "none.jwks.json" in done.stderr


def test_an_unknown_fault_setting_is_refused(tmp_path):
    (tmp_path / "keys.json").write_text('{"keys": []}', encoding="utf-8")
    (tmp_path / "sim.toml").write_text('[endpoint."tax"]\nspeed = 3\n', encoding="utf-8")
    done = _run("--data", str(tmp_path), "--requesters", str(tmp_path / "keys.json"), "--state",
                str(tmp_path / "state"), "--port-base", "0", "--config", str(tmp_path / "sim.toml"))
    assert done.returncode == 3 and "Traceback" not in done.stderr and "speed" in done.stderr


def test_a_data_folder_without_departments_records_is_refused_not_served_as_no_record(tmp_path):
    """A mistyped --data once served "no record" for every source: a verification would have read as complete with
    nothing owned."""
    (tmp_path / "keys.json").write_text('{"keys": []}', encoding="utf-8")
    done = _run("--data", str(tmp_path / "typo"), "--requesters", str(tmp_path / "keys.json"), "--state",
                str(tmp_path / "state"), "--port-base", "0", lang="zh")
    assert done.returncode == 3 and "Traceback" not in done.stderr
    assert "typo" in done.stderr and "没有各部门的记录" in done.stderr
    assert not (tmp_path / "state" / "ready.json").exists()


def test_a_folder_or_a_wrong_type_for_write_sources_is_refused_before_starting(tmp_path):
    (tmp_path / "keys.json").write_text('{"keys": []}', encoding="utf-8")
    base = ["--data", str(tmp_path), "--requesters", str(tmp_path / "keys.json"), "--state", str(tmp_path / "st"),
            "--port-base", "0"]
    folder = _run(*base, "--write-sources", str(tmp_path), lang="zh")
    assert folder.returncode == 2 and "是一个文件夹" in folder.stderr and "--write-sources" in folder.stderr
    assert "Traceback" not in folder.stderr and len(folder.stderr.strip().splitlines()) == 1, folder.stderr
    json_file = _run(*base, "--write-sources", str(tmp_path / "sources.json"), lang="zh")
    assert json_file.returncode == 2 and ".toml" in json_file.stderr, json_file.stderr
    assert not (tmp_path / "st" / "ready.json").exists()


def test_a_folder_for_the_faults_or_the_key_set_is_said_in_chinese(tmp_path):
    (tmp_path / "keys.json").write_text('{"keys": []}', encoding="utf-8")
    (tmp_path / "cfg").mkdir()
    for args in (["--requesters", str(tmp_path / "cfg")],
                 ["--requesters", str(tmp_path / "keys.json"), "--config", str(tmp_path / "cfg")]):
        done = _run("--data", str(tmp_path), "--state", str(tmp_path / "st"), "--port-base", "0", *args, lang="zh")
        assert done.returncode == 3 and "文件夹" in done.stderr and "Traceback" not in done.stderr, done.stderr
