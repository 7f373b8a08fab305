"""``jiuzhu verify HOUSEHOLD`` against the department simulator (loopback), as the operator runs it: a line per
source, the summary, the report; refused in one Chinese line without every consent; the audit log verifies."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from jiuzhu import migrate
from jiuzhu.cli.main import app
from jiuzhu.db import make_engine
from tests.verification.conftest import district, load_world, simulator  # noqa: F401  (fixtures)

runner = CliRunner()


@pytest.fixture
def home(tmp_path, monkeypatch, simulator, district):  # noqa: F811
    """The simulator's home (its sources.toml and our key), a registry of the district of our own."""
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    monkeypatch.setenv("JIUZHU_HOME", str(simulator.home))
    monkeypatch.setenv("JIUZHU_DATABASE_URL", url)
    monkeypatch.setenv("JIUZHU_ACTOR", "root")
    monkeypatch.setenv("COLUMNS", "250")
    engine = make_engine(url)
    migrate.upgrade(engine)
    with_consent = load_world(engine, district)
    engine.dispose()
    return with_consent


def _run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def test_verify_prints_a_line_per_source_then_the_summary_and_the_report(home, zh):
    code, out = _run("verify", home.household_no, "--as-of", "2025-08-31")
    assert code == 0, out
    lines = out.splitlines()
    assert len([x for x in lines if "：已返回" in x]) == 37, out
    assert "完整" in lines[-1] and "37" in lines[-1]
    code, out = _run("verify", "report", "1", "--json")
    assert code == 0, out
    assert json.loads(out)["complete"] is True
    code, out = _run("verify", "report", "1")
    assert code == 0 and "bank.cqrcb" in out and "已返回" in out, out
    code, out = _run("audit", "verify")
    assert code == 0, out


def test_verify_report_writes_the_pdf(home, tmp_path, zh):
    code, out = _run("verify", home.household_no, "--as-of", "2025-08-31", "--json")
    assert code == 0, out
    vid = json.loads(out)["id"]
    target = tmp_path / "out" / "report.pdf"
    target.parent.mkdir()
    code, out = _run("verify", "report", vid, "--pdf", target)
    assert code == 0 and str(target) in out, out
    assert target.read_bytes().startswith(b"%PDF") and [p.name for p in target.parent.iterdir()] == ["report.pdf"]
    # a typo never replaces another kind of file (the database) nor creates folders
    precious = tmp_path / "out" / "jiuzhu.db"
    precious.write_bytes(b"SQLite format 3\x00")
    code, out = _run("verify", "report", vid, "--pdf", precious)
    assert code != 0 and "--pdf" in out and precious.read_bytes() == b"SQLite format 3\x00"
    code, out = _run("verify", "report", vid, "--pdf", tmp_path / "typo" / "r.pdf")
    assert code != 0 and not (tmp_path / "typo").exists()


def test_verify_without_every_consent_is_refused_in_one_line(tmp_path, monkeypatch, simulator, district, zh):  # noqa: F811
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    monkeypatch.setenv("JIUZHU_HOME", str(simulator.home))
    monkeypatch.setenv("JIUZHU_DATABASE_URL", url)
    monkeypatch.setenv("JIUZHU_ACTOR", "root")
    engine = make_engine(url)
    migrate.upgrade(engine)
    world = load_world(engine, district, consent=False)
    engine.dispose()
    code, out = _run("verify", world.household_no, "--as-of", "2025-08-31")
    assert code == 2, out
    assert len(out.strip().splitlines()) == 1 and "未授权" in out
    assert all(m["id_number"] not in out and m["name"] in out for m in world.members)


def test_verify_report_needs_its_number_and_an_existing_verification(home, zh):
    code, out = _run("verify", "report")
    assert code == 2 and len(out.strip().splitlines()) == 1, out
    code, out = _run("verify", "report", "99")
    assert code == 2 and "99" in out, out


def test_without_sources_configuration_nothing_is_queued(home, tmp_path, monkeypatch, zh):
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path / "bare"))
    code, out = _run("verify", home.household_no, "--as-of", "2025-08-31")
    assert code == 3 and "sources.toml" in out and len(out.strip().splitlines()) == 1, out
    from jiuzhu.access import Principal
    from jiuzhu.db import session_scope
    from jiuzhu.verification import service

    with session_scope(home.engine) as session:
        operator = Principal.operator("root", ("500111",))
        assert service.for_household(session, operator, home.household_no) == []


def test_an_interrupted_verify_is_taken_up_by_the_same_command_without_asking_twice(home, simulator, zh):  # noqa: F811
    """Ctrl-C while a slow department answers; the same command again takes the verification up (the stored
    requests resent: the departments replay) instead of refusing it as 'running'."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from collections import Counter
    from pathlib import Path

    from sqlalchemy import select

    from jiuzhu.db import session_scope
    from jiuzhu.exchange import endpoints
    from jiuzhu.verification.models import Verification, VerificationQuery

    root = Path(__file__).resolve().parents[2]
    engine = make_engine(os.environ["JIUZHU_DATABASE_URL"])
    since = len(simulator.decisions())
    others_count = len(endpoints.load(simulator.sources).endpoints) - 1
    # The tax office answers after 25 s and is waited for (one attempt, read time-out 40 s): the run is certainly
    # still out when it is interrupted, however slowly a loaded machine lets this test see its queries stored.
    sources = simulator.sources.read_text(encoding="utf-8")
    simulator.sources.write_text(sources.replace('[endpoint."tax"]\n', '[endpoint."tax"]\nattempts = 1\n'
                                                 'deadline_seconds = 50.0\ntimeout = { connect = 0.5, read = 40.0 }\n'),
                                 encoding="utf-8")
    simulator.configure("tax", latency_ms=dict.fromkeys(("median", "p95", "min", "max"), 25000.0))
    try:
        env = os.environ | {"PYTHONPATH": str(root / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
        process = subprocess.Popen([sys.executable, "-m", "jiuzhu.cli.main", "verify", home.household_no,
                                    "--as-of", "2025-08-31"], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:  # its queries stored (T1 committed) and every department but the tax office answered
            with session_scope(engine, write=False) as session:
                stored = session.scalar(select(Verification.id).join(VerificationQuery).limit(1))
            others = {d["endpoint"] for d in simulator.decisions(since)} - {"tax"}
            if stored is not None and len(others) == others_count:
                break
            assert process.poll() is None and time.monotonic() < deadline, process.stdout.read().decode()
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=30)
        assert process.returncode == 130, out.decode()
        # the tax office still answers the request it held (a department does not see the caller leave): once it
        # has, the same request sent again is its replay, not a new answer
        deadline = time.monotonic() + 60
        while not [d for d in simulator.decisions(since) if d["endpoint"] == "tax"]:
            assert time.monotonic() < deadline, "the tax office never answered the request it held"
            time.sleep(0.2)
    finally:
        simulator.sources.write_text(sources, encoding="utf-8")
        simulator.configure("tax", latency_ms=dict.fromkeys(("median", "p95", "min", "max"), 0.0))
    code, out = _run("verify", home.household_no, "--as-of", "2025-08-31")
    assert code == 0 and "上次没有做完：接着做" in out, out
    with session_scope(engine, write=False) as session:
        vs = session.scalars(select(Verification)).all()
        rids = set(session.scalars(select(VerificationQuery.request_id)))
    assert len(vs) == 1 and vs[0].status == "done" and vs[0].attempts == 2
    answered = Counter(d["request_id"] for d in simulator.decisions(since) if d["reason"] == "answered")
    assert set(answered) == rids and set(answered.values()) == {1}  # no department answered anew twice
    engine.dispose()
