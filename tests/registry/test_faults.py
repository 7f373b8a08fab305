"""Faults: a killed import or load, a full disk, a read-only home leave the registry sound and say so in one line.

The commands run as processes of their own (``test_concurrency.start``), killed with SIGKILL or given a limit:
- a full disk is simulated with RLIMIT_FSIZE in the child (writing past the limit fails with EFBIG, as SQLite
  sees a disk that cannot take more; SIGXFSZ ignored so that the write fails rather than the process dies):
  portable, needs no privilege. Where the tests run as root with mount namespaces (``unshare``), a real small
  tmpfs that fills up (ENOSPC, SQLite's "database or disk is full") is tried too.
- a read-only home is a folder without write permission (as root, which ignores permissions: a read-only
  bind mount in a mount namespace of the child's own).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from jiuzhu import migrate
from jiuzhu.db import make_engine, session_scope
from jiuzhu.registry import interchange, service
from jiuzhu.registry import models as m
from tests.registry.test_concurrency import CHILD, ROOT, finish, households_file, start


def _integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def _state(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("households", "persons", "members", "incomes", "changes", "areas")}


def _wait_for(child: subprocess.Popen, predicate, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        if predicate(line.strip()):
            return
    raise AssertionError(f"the child never got there: {child.stderr.read()}")


def _new_database(tmp_path: Path, name: str = "registry.db") -> tuple[str, Path]:
    db = tmp_path / name
    url = f"sqlite:///{db}"
    migrate.upgrade(make_engine(url))
    return url, db


def test_an_import_killed_midway_leaves_whole_households_and_is_resumed(tmp_path):
    url, db = _new_database(tmp_path)
    path = households_file(tmp_path / "big.jsonl", range(0, 3000))
    # progress is in bytes read: the end of the 300th line is three batches committed
    three_batches = sum(len(line) for line in path.read_bytes().splitlines(keepends=True)[:300])
    child = start({"do": "import", "url": url, "path": str(path), "batch": 100}, start_new_session=True)
    _wait_for(child, lambda line: line.startswith("progress") and line.split()[1].isdigit()
              and int(line.split()[1]) >= three_batches)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    assert _integrity(db) == "ok"
    stored = _state(db)
    assert 300 <= stored["households"] < 3000 and stored["households"] % 100 == 0  # whole batches only
    assert stored["persons"] == stored["members"] == stored["incomes"] == stored["changes"] == stored["households"]
    code, result, err = finish(start({"do": "import", "url": url, "path": str(path), "batch": 100}))
    assert code == 0, err
    assert result["unchanged"] == stored["households"] and result["stored"] == 3000 - stored["households"]
    assert _state(db)["households"] == 3000 and _state(db)["changes"] == 3000


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    from jiuzhu.synth import generate

    out = tmp_path_factory.mktemp("faults") / "dazu"
    generate(district="500111", households=3000, seed=31, out_dir=out, chunk_households=1000)
    return out


def test_a_load_killed_midway_leaves_nothing_and_loads_again(tmp_path, snapshot):
    url, db = _new_database(tmp_path)
    child = start({"do": "load", "url": url, "path": str(snapshot)}, start_new_session=True)
    _wait_for(child, lambda line: line.startswith("progress") and line.split()[1].isdigit()
              and int(line.split()[1]) > 0)
    os.killpg(child.pid, signal.SIGKILL)  # the command and the load's own writing process
    child.wait()
    time.sleep(0.5)
    assert _integrity(db) == "ok"
    assert set(_state(db).values()) == {0}
    code, result, err = finish(start({"do": "load", "url": url, "path": str(snapshot)}))
    assert code == 0, err
    assert result["households"] == 3000 and _integrity(db) == "ok"


# --------------------------------------------------------------------------- a full disk


def _limited(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def _truncate_wal(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _seeded(tmp_path: Path) -> tuple[str, Path, dict]:
    url, db = _new_database(tmp_path)
    engine = make_engine(url)
    interchange.import_households_file(engine, households_file(tmp_path / "seed.jsonl", range(0, 20)), actor="t",
                                       reason="seed")
    with session_scope(engine, write=False) as session:
        docs = {d.household_no: d.model_dump(mode="json") for d in service.households_docs(
            session, list(session.scalars(select(m.Household))))}
    engine.dispose()
    _truncate_wal(db)
    return url, db, docs


def _unchanged(url: str, db: Path, docs: dict) -> None:
    assert _integrity(db) == "ok"
    engine = make_engine(url)
    with session_scope(engine, write=False) as session:
        now = {d.household_no: d.model_dump(mode="json") for d in service.households_docs(
            session, list(session.scalars(select(m.Household))))}
    engine.dispose()
    assert now == docs


def test_an_import_onto_a_full_disk_says_so_in_one_line_and_changes_nothing(tmp_path):
    url, db, docs = _seeded(tmp_path)
    path = households_file(tmp_path / "more.jsonl", range(100, 1100))
    limit = db.stat().st_size + 16 * 1024
    child = start({"do": "import", "url": url, "path": str(path), "batch": 5000, "upgrade": False},
                  preexec_fn=_limited(limit))
    code, _, err = finish(child)
    assert code == 2, err
    assert err.strip().count("\n") == 0 and "Traceback" not in err
    assert "cannot write the database" in err and str(db) in err
    _unchanged(url, db, docs)


def test_a_load_onto_a_full_disk_says_so_in_one_line_and_loads_nothing(tmp_path, snapshot):
    url, db, docs = _seeded(tmp_path)
    limit = db.stat().st_size + 64 * 1024
    code, _, err = finish(start({"do": "load", "url": url, "path": str(snapshot), "upgrade": False},
                                preexec_fn=_limited(limit)))
    assert code == 2, err
    assert err.strip().count("\n") == 0 and "Traceback" not in err
    assert "cannot write the database" in err and str(db) in err, err
    _unchanged(url, db, docs)


def _namespaces() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "true"]).returncode == 0


def _in_namespace(setup: str, job: dict) -> tuple[int, str]:
    """Run the child command inside a mount namespace of its own, after the shell commands ``setup``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    script = f'{setup} && exec "$0" -c "$1" "$2"'
    run = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, sys.executable,
                          CHILD, json.dumps(job)], capture_output=True, text=True, env=env, timeout=300)
    return run.returncode, run.stderr


@pytest.mark.skipif(not _namespaces(), reason="needs root and mount namespaces (unshare) for a real small tmpfs")
def test_an_import_onto_a_really_full_disk_says_so_in_one_line(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    home = tmp_path / "home"
    url, db, docs = _seeded(home)
    path = households_file(tmp_path / "more.jsonl", range(100, 1100))
    size = db.stat().st_size + 64 * 1024
    setup = (f"mount -t tmpfs -o size={size} tmpfs {disk} && cp {db} {disk}/registry.db")
    code, err = _in_namespace(setup, {"do": "import", "url": f"sqlite:///{disk}/registry.db", "path": str(path),
                                      "batch": 5000, "upgrade": False})
    assert code == 2, err
    assert err.strip().count("\n") == 0 and "the disk is full" in err, err


# --------------------------------------------------------------------------- a read-only home


def _read_only(folder: Path, job: dict) -> tuple[int, str]:
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            code, _, err = finish(start(job))
        finally:
            folder.chmod(0o755)
        return code, err
    if not _namespaces():
        pytest.skip("as root, a read-only folder needs a read-only bind mount (unshare)")
    return _in_namespace(f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder}", job)


@pytest.mark.parametrize("existing", [False, True], ids=["new-database", "existing-database"])
def test_a_read_only_home_gives_one_line_naming_the_folder(tmp_path, existing):
    home = tmp_path / "home"
    home.mkdir()
    if existing:
        _new_database(home, "jiuzhu.db")
        _truncate_wal(home / "jiuzhu.db")
        for suffix in ("-wal", "-shm"):
            Path(f"{home / 'jiuzhu.db'}{suffix}").unlink(missing_ok=True)
    path = households_file(tmp_path / "h.jsonl", range(0, 5))
    code, err = _read_only(home, {"do": "import", "url": f"sqlite:///{home / 'jiuzhu.db'}", "path": str(path)})
    assert code == 2, err
    assert err.strip().count("\n") == 0 and "Traceback" not in err, err
    assert f"the folder {home} cannot be written" in err
