"""``jiuzhu exchange key``: the public half of our signing key, made once and kept; what departments pin."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from jiuzhu.cli.main import app
from jiuzhu.exchange import keys


def run(*args: str):
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_the_key_is_made_once_and_its_public_half_printed(tmp_path, monkeypatch):
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    code, out = run("exchange", "key")
    assert code == 0
    document = json.loads(out)
    (key,) = document["keys"]
    assert key["kid"] == "jiuzhu-500000" and key["kty"] == "OKP" and "d" not in key  # never the private half
    pem = tmp_path / "exchange" / "keys" / "jiuzhu-500000.pem"
    assert pem.stat().st_mode & 0o777 == 0o600
    assert json.loads(run("exchange", "key")[1]) == document  # the same key the next time
    public = keys.load("jiuzhu-500000", tmp_path / "exchange" / "keys").public_key()
    assert keys.jwks({"jiuzhu-500000": public}) == document


def test_written_to_a_file_for_the_departments(tmp_path, monkeypatch):
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    code, out = run("exchange", "key", "--kid", "jiuzhu-500111-2026a", "--out", str(tmp_path / "ours.jwks.json"))
    assert code == 0 and "jiuzhu-500111-2026a" in out
    assert json.loads((tmp_path / "ours.jwks.json").read_text())["keys"][0]["kid"] == "jiuzhu-500111-2026a"


def test_a_key_id_that_is_not_a_plain_name_is_refused_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    monkeypatch.setenv("JIUZHU_LANG", "zh")
    code, out = run("exchange", "key", "--kid", "../outside")
    assert code == 2 and "--kid" in out and "只能由字母" in out and "Traceback" not in out
    assert not (tmp_path / "outside.pem").exists() and not (tmp_path / "exchange").exists()


def test_a_file_that_is_not_a_json_file_or_a_missing_folder_is_never_written(tmp_path, monkeypatch):
    """--out a typo: an existing file of another kind (the database) is not replaced, no folder is created."""
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    precious = tmp_path / "jiuzhu.db"
    precious.write_bytes(b"SQLite format 3\x00")
    code, out = run("exchange", "key", "--out", str(precious))
    assert code != 0 and "--out" in out and precious.read_bytes() == b"SQLite format 3\x00"
    code, out = run("exchange", "key", "--out", str(tmp_path / "nowhere" / "k.json"))
    assert code != 0 and not (tmp_path / "nowhere").exists()


def test_a_date_that_does_not_exist_is_named_in_chinese(tmp_path, monkeypatch):
    """Click's own message for a date option was English (--as-of, --on)."""
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    monkeypatch.setenv("JIUZHU_LANG", "zh")
    code, out = run("verify", "500111119-000001", "--as-of", "2025-02-30")
    assert code == 2 and "--as-of" in out and "“2025-02-30”不是日期" in out and "does not match" not in out
