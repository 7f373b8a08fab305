"""Concurrent writers, as separate processes (two commands run at once): the second waits for the first, both
finish, nothing is lost or doubled, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from jiuzhu.db import make_engine, session_scope
from jiuzhu.registry import models as m
from tests.factories import id_number

ROOT = Path(__file__).resolve().parents[2]

# A command of its own: import a file or load a snapshot; progress lines on stdout, then the result as JSON; a
# JiuzhuError as its one line on stderr and exit code 2 (what the command line does).
CHILD = """
import json, sys
from pathlib import Path
from jiuzhu import migrate
from jiuzhu.db import make_engine
from jiuzhu.errors import JiuzhuError
from jiuzhu.registry import interchange
from jiuzhu.registry.bulk import load_snapshot

job = json.loads(sys.argv[1])
try:
    engine = make_engine(job["url"])
    if job.get("upgrade", True):
        migrate.upgrade(engine)
    progress = lambda n: print("progress", n, flush=True)
    print("progress started", flush=True)
    if job["do"] == "import":
        r = interchange.import_households_file(engine, Path(job["path"]), actor=job.get("actor", "t"), reason="r",
                                               batch=job.get("batch", 500), progress=progress)
        print(json.dumps({"stored": len(r.stored), "unchanged": len(r.unchanged),
                          "rejected": [str(e) for e in r.rejected]}), flush=True)
    else:
        print(json.dumps({"households": load_snapshot(engine, Path(job["path"]), progress=progress).households}),
              flush=True)
except JiuzhuError as exc:
    print(exc.message, file=sys.stderr)
    sys.exit(2)
"""


def start(job: dict, **popen) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    return subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(job)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, **popen)


def finish(child: subprocess.Popen, timeout: float = 300) -> tuple[int, dict | None, str]:
    out, err = child.communicate(timeout=timeout)
    lines = [line for line in out.splitlines() if not line.startswith("progress")]
    return child.returncode, json.loads(lines[-1]) if lines else None, err


def households_file(path: Path, numbers: range, *, township: str = "500111119", prefix: str = "C") -> Path:
    """One-member households with distinct people, all in the same new villages (created by whoever is first)."""
    with path.open("w", encoding="utf-8") as f:
        for n in numbers:
            birth = dt.date(1940, 1, 1) + dt.timedelta(days=n)
            doc = {"household_no": f"{prefix}-{n:06d}", "area_code": f"{township}S{n % 3 + 1:02d}", "urban": False,
                   "members": [{"id_number": id_number(birth, n % 500, True), "name": "并发", "relation": "head",
                                "incomes": [{"month": "2025-07", "wages": "100.00"}]}]}
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return path


def _households(url: str) -> int:
    engine = make_engine(url)
    try:
        with session_scope(engine, write=False) as session:
            return session.scalar(select(func.count()).select_from(m.Household))
    finally:
        engine.dispose()


@pytest.fixture
def migrated_url(database_url):
    from jiuzhu import migrate

    engine = make_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()
    return database_url


def test_two_imports_at_once_both_finish(migrated_url, tmp_path):
    """Two files of different households in the same new villages, imported at the same moment in small batches
    (so that their transactions interleave): both succeed, every household stored once."""
    a = households_file(tmp_path / "a.jsonl", range(0, 150))
    b = households_file(tmp_path / "b.jsonl", range(150, 300))
    children = [start({"do": "import", "url": migrated_url, "path": str(p), "batch": 10}) for p in (a, b)]
    results = [finish(c) for c in children]
    for code, result, err in results:
        assert code == 0, err
        assert result["stored"] == 150 and result["rejected"] == [], result
        assert "Traceback" not in err
    assert _households(migrated_url) == 300


def test_the_same_file_imported_twice_at_once_stores_each_household_once(migrated_url, tmp_path):
    """Any clash between two imports is settled household by household: each is stored by one of them and found
    unchanged by the other (or refused by it, saying why); neither aborts."""
    path = households_file(tmp_path / "same.jsonl", range(0, 120))
    children = [start({"do": "import", "url": migrated_url, "path": str(path), "batch": 15}) for _ in range(2)]
    results = [finish(c) for c in children]
    for code, _, err in results:
        assert code == 0 and "Traceback" not in err, err
    stored = sum(r["stored"] for _, r, _ in results)
    unchanged = sum(r["unchanged"] for _, r, _ in results)
    rejected = [e for _, r, _ in results for e in r["rejected"]]
    assert stored == 120 and stored + unchanged + len(rejected) == 240, results
    assert all("already a member" in e or "refused it" in e for e in rejected), rejected
    assert _households(migrated_url) == 120
    engine = make_engine(migrated_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM changes")).scalar() == 120
    engine.dispose()


def test_a_second_sqlite_writer_waits_for_the_first(tmp_path):
    """A writer holding the lock (another command's transaction) makes an import wait, not fail with "database is
    locked"; the import then goes on from what the first committed."""
    from jiuzhu import migrate

    url = f"sqlite:///{tmp_path / 'wait.db'}"
    migrate.upgrade(make_engine(url))
    holder = sqlite3.connect(tmp_path / "wait.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO changes (at, actor, reason, household_no, path) "
                   "VALUES ('2025-08-01 00:00:00', 'other', 'x', 'x', 'x')")
    child = start({"do": "import", "url": url, "path": str(households_file(tmp_path / "w.jsonl", range(5))),
                   "upgrade": False})
    assert child.stdout.readline().strip() == "progress started"
    time.sleep(1.5)  # the import has begun its transaction and waits for the lock
    assert child.poll() is None
    holder.execute("COMMIT")
    holder.close()
    code, result, err = finish(child)
    assert code == 0, err
    assert result["stored"] == 5 and result["rejected"] == []
    assert _households(url) == 5


def test_a_reader_opens_the_registry_while_a_writer_holds_the_lock(tmp_path):
    """Every command brings the schema up to date when it opens the registry: an up-to-date database is only read
    (no write lock), so a summary or a scan goes on while a bulk load holds the lock (docs/operations.md)."""
    import threading

    from jiuzhu import migrate

    url = f"sqlite:///{tmp_path / 'read.db'}"
    migrate.upgrade(make_engine(url))
    holder = sqlite3.connect(tmp_path / "read.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO changes (at, actor, reason, household_no, path) "
                   "VALUES ('2025-08-01 00:00:00', 'other', 'x', 'x', 'x')")
    counted: list[int] = []

    def read() -> None:
        engine = make_engine(url)
        migrate.upgrade(engine)
        with session_scope(engine, write=False) as session:
            counted.append(session.scalar(select(func.count(m.Household.id))))
        engine.dispose()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=20)
    try:
        assert not reader.is_alive(), "the reader waited for the writer's lock"
        assert counted == [0]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
