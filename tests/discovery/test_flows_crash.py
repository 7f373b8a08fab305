"""A scan's folder of personal data appears only when complete; what a crashed scan leaves (kill -9, full disk,
Ctrl-C) is marked as partial, and the next scan removes it and says so; a run row only for a complete scan."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from jiuzhu.db import session_scope
from jiuzhu.discovery import flows, lists
from jiuzhu.discovery.models import ScanRun
from jiuzhu.errors import JiuzhuError
from jiuzhu.files import LOCK, TEMPORARY_MARK, LockedFolder, StorageError, locked_folder
from jiuzhu.registry import service

ROOT = Path(__file__).resolve().parents[2]


def runs(engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count(ScanRun.id)))


def left_in(home: Path) -> list[str]:
    scans = home / flows.SCANS
    return sorted(p.name for p in scans.iterdir()) if scans.exists() else []


def partial(home: Path) -> list[Path]:
    return [p for p in (home / flows.SCANS).glob(f"*{TEMPORARY_MARK}*") if not p.name.endswith(LOCK)]


@pytest.fixture
def registry(sqlite_engine, example_data):
    with session_scope(sqlite_engine) as session:
        service.put_household(session, service.parse_household(example_data, record="x"), actor="t", reason="t")
    return sqlite_engine


SCAN_IN_A_CHILD = """
import sys
from pathlib import Path
from jiuzhu.db import make_engine
from jiuzhu.discovery import flows
flows.scan(make_engine(sys.argv[1]), month="2025-08", home=Path(sys.argv[2]), actor="child", workers=1)
"""


def test_a_scan_killed_with_sigkill_leaves_a_partial_folder_that_the_next_scan_removes(district, tmp_path):
    engine, _ = district
    home = tmp_path / "home"
    before = runs(engine)
    env = os.environ | {"PYTHONPATH": str(ROOT / "src")}
    child = subprocess.Popen([sys.executable, "-c", SCAN_IN_A_CHILD, str(engine.url), str(home)], env=env,
                             cwd=ROOT, start_new_session=True, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        while not [p for p in partial(home) if (p / "snapshot").exists()]:  # personal data is being written
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "the scan never started writing"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)  # a real kill -9: no handler, no cleanup runs
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        try:
            os.killpg(child.pid, signal.SIGKILL)  # the fork server and workers it started, if still there
        except ProcessLookupError:
            pass
    (stale,) = partial(home)
    assert (stale / "snapshot").exists() and stale.with_name(stale.name + LOCK).exists()
    assert runs(engine) == before  # no row for the killed scan

    outcome = flows.scan(engine, month="2025-08", home=home, actor="t", workers=1)
    assert outcome.cleaned == [stale] and not stale.exists()
    assert left_in(home) == [outcome.folder.name]  # no partial folder, no lock file
    assert (outcome.folder / lists.FINDINGS).exists() and outcome.findings.num_rows > 0
    assert runs(engine) == before + 1
    summary = flows.summarise(outcome)
    assert any(stale.name in line and "removed 1 unfinished" in line for line in summary.lines)


def test_a_running_scan_is_not_taken_for_a_crashed_one(registry, tmp_path):
    folder = tmp_path / flows.SCANS / "2025-08-all-running"
    with locked_folder(folder) as staging:
        (staging.work / "snapshot").mkdir()
        assert flows.clean_stale(tmp_path) == [] and staging.work.exists()
    assert not staging.work.exists() and left_in(tmp_path) == []


def test_partial_folders_without_a_lock_and_orphan_locks_are_removed(tmp_path):
    scans = tmp_path / flows.SCANS
    (scans / f"2025-08-all-1{TEMPORARY_MARK}aaaa" / "snapshot").mkdir(parents=True)
    (scans / f"2025-08-all-2{TEMPORARY_MARK}bbbb{LOCK}").write_text("123\n")
    (scans / "2025-08-all-3").mkdir()  # a complete scan: kept
    assert [p.name for p in flows.clean_stale(tmp_path)] == [f"2025-08-all-1{TEMPORARY_MARK}aaaa"]
    assert left_in(tmp_path) == ["2025-08-all-3"]
    assert flows.clean_stale(tmp_path / "nowhere") == []


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, MemoryError])
def test_an_interrupted_scan_leaves_nothing_and_no_row(registry, tmp_path, monkeypatch, interruption):
    def interrupted(*a, **kw):
        raise interruption()

    monkeypatch.setattr(lists, "build", interrupted)
    with pytest.raises(interruption):
        flows.scan(registry, month="2025-08", home=tmp_path, actor="t", workers=1)
    assert left_in(tmp_path) == [] and runs(registry) == 0


def test_a_full_disk_during_the_snapshot_is_one_line_and_leaves_nothing(registry, tmp_path, monkeypatch):
    from jiuzhu.registry import snapshot

    def disk_full(conn, name, folder):
        (folder / f"{name}.parquet").write_bytes(b"PAR1 cut")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(snapshot, "_write_table", disk_full)
    with pytest.raises(StorageError) as caught:
        flows.scan(registry, month="2025-08", home=tmp_path, actor="t", workers=1)
    assert "the disk is full" in str(caught.value) and "\n" not in str(caught.value)
    assert left_in(tmp_path) == [] and runs(registry) == 0


def test_if_the_folder_cannot_take_its_name_the_row_is_removed(registry, tmp_path, monkeypatch):
    def cannot_rename(self):
        raise StorageError("cannot write: permission denied")

    monkeypatch.setattr(LockedFolder, "commit", cannot_rename)
    with pytest.raises(StorageError):
        flows.scan(registry, month="2025-08", home=tmp_path, actor="t", workers=1)
    assert left_in(tmp_path) == [] and runs(registry) == 0


def test_a_complete_scan_has_its_folder_its_row_and_a_manifest_naming_its_own_folder(registry, tmp_path):
    import json

    outcome = flows.scan(registry, month="2025-08", home=tmp_path, actor="t", workers=1, workbooks="community")
    assert left_in(tmp_path) == [outcome.folder.name] and TEMPORARY_MARK not in outcome.folder.name
    assert outcome.result.out_dir == outcome.folder and all(p.exists() for p in outcome.workbooks)
    assert json.loads((outcome.folder / "scan.json").read_text())["snapshot"] == str(outcome.folder / "snapshot")
    assert oct(outcome.folder.stat().st_mode & 0o077) == "0o0"  # personal data: the owner only
    with session_scope(registry) as session:
        (run,) = session.scalars(select(ScanRun))
        assert run.folder == str(outcome.folder) and run.failed in (None, 0)  # None: the engine does not count


def test_an_incremental_scan_survives_a_deleted_previous_folder(registry, tmp_path):
    first = flows.scan(registry, month="2025-08", home=tmp_path, actor="t", workers=1)
    second = flows.scan(registry, month="2025-08", home=tmp_path, actor="t", workers=1)
    assert second.previous_folder == first.folder and second.result.reused_households == 1
    shutil.rmtree(second.folder)  # the latest run's folder, deleted by hand
    third = flows.scan(registry, month="2025-08", home=tmp_path, actor="t", workers=1)
    assert third.previous_folder == first.folder  # the latest run whose folder is whole
    (first.folder / "fingerprints.parquet").unlink()  # half deleted: cannot lend its results either
    shutil.rmtree(third.folder)
    fourth = flows.scan(registry, month="2025-08", home=tmp_path, actor="t", workers=1)
    assert fourth.previous_folder is None and fourth.result.evaluated_households == 1
    with session_scope(registry) as session:
        previous = {r.id: r.previous_id for r in session.scalars(select(ScanRun))}
    assert previous == {1: None, 2: 1, 3: 1, 4: None}


def test_the_next_scan_is_refused_cleanly_if_the_home_cannot_be_written(registry, tmp_path):
    home = tmp_path / "home"
    home.write_text("a file where the home folder should be")
    with pytest.raises(JiuzhuError) as caught:
        flows.scan(registry, month="2025-08", home=home, actor="t", workers=1)
    assert str(home) in str(caught.value) and runs(registry) == 0
