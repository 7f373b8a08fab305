"""The installation's secret: from JIUZHU_SECRET_KEY, else a key file created once, readable by its owner only."""

from __future__ import annotations

import stat
import threading

import pytest

from jiuzhu import keys
from jiuzhu.errors import ConfigurationError


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("JIUZHU_SECRET_KEY", raising=False)
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_the_key_file_is_created_once_with_mode_0600(home):
    first = keys.secret("audit")
    path = home / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().strip()) == 64 and keys.secret("audit") == first
    assert [p.name for p in home.iterdir()] == ["secret.key"]  # no temporary file left behind


def test_each_purpose_has_its_own_key(home):
    derived = {purpose: keys.secret(purpose) for purpose in ("session", "audit", "csrf")}
    assert len(set(derived.values())) == 3 and all(len(k) == 32 for k in derived.values())


def test_the_setting_wins_and_must_be_long(home, monkeypatch):
    monkeypatch.setenv("JIUZHU_SECRET_KEY", "x" * 40)
    from_setting = keys.secret("audit")
    assert not (home / "secret.key").exists()
    monkeypatch.setenv("JIUZHU_SECRET_KEY", "y" * 40)
    assert keys.secret("audit") != from_setting
    monkeypatch.setenv("JIUZHU_SECRET_KEY", "short")
    with pytest.raises(ConfigurationError, match="JIUZHU_SECRET_KEY is too short"):
        keys.secret("audit")


def test_a_damaged_key_file_is_named(home):
    home.mkdir()
    (home / "secret.key").write_text("abc\n")
    with pytest.raises(ConfigurationError, match="damaged"):
        keys.secret("audit")


def test_processes_starting_together_agree_on_one_key(home):
    found: list[bytes] = []
    start = threading.Barrier(8)

    def one() -> None:
        start.wait()
        found.append(keys.secret("audit"))

    threads = [threading.Thread(target=one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 8 and len(set(found)) == 1
