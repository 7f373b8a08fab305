"""A batch killed mid-way (``jiuzhu verify batch`` in a process of its own, SIGKILL) and taken up again
(``--resume JOB``): each household verified exactly once, its items those of a clean run, no department asked
for a fresh answer twice (a resent request is replayed), every query audited, the audit chain intact."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

from sqlalchemy import select

from jiuzhu.db import session_scope
from jiuzhu.verification.models import BatchItem, BatchQuery, Verification
from tests.verification.conftest import ROOT
from tests.verification.test_batch import all_items, batch_items, verifications
from tests.verification.test_flows import audit_rows


def cli(world, simulator, *args, wait=True):
    url = world.engine.url.render_as_string(hide_password=False)
    env = os.environ | {"JIUZHU_HOME": str(simulator.home), "JIUZHU_DATABASE_URL": url, "JIUZHU_ACTOR": "root",
                        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen([sys.executable, "-m", "jiuzhu.cli.main", *args], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    if not wait:
        return process
    out, _ = process.communicate(timeout=300)
    return process.returncode, out.decode()


def done_count(engine) -> tuple[int, int]:
    with session_scope(engine, write=False) as session:
        rows = session.scalars(select(BatchItem.status)).all()
    return sum(s != "pending" for s in rows), len(rows)


def facts(engine, job_id) -> dict:
    """Per household, what the departments said: (endpoint, person, item, ref, month, value, status) each."""
    by_v = {v.id: v.household_no for v in verifications(engine, job_id)}
    out: dict[str, Counter] = {}
    for i in all_items(engine, job_id):
        out.setdefault(by_v[i.verification_id], Counter())[
            (i.endpoint, i.person_id, i.item, i.ref, i.month, i.value_fen, str(i.value_num), i.value_text,
             i.status)] += 1
    return out


def test_a_batch_killed_mid_way_resumes_without_repeating_or_losing_a_household(batch_world, simulator):
    engine = batch_world.engine
    since = len(simulator.decisions())
    slow = {"median": 1200.0, "p95": 1200.0, "min": 1200.0, "max": 1200.0}
    simulator.configure("tax", latency_ms=slow)  # a source still answering when the process is killed
    try:
        process = cli(batch_world, simulator, "verify", "batch", "--area", batch_world.area, "--as-of",
                      "2025-08-31", "--wave-size", "4", "--json", wait=False)
        deadline = time.monotonic() + 120
        while True:
            ended, total = done_count(engine)
            if total and ended >= 0.4 * total:
                break
            assert process.poll() is None and time.monotonic() < deadline, process.stdout.read().decode()
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        time.sleep(1.5)  # the department finishes the answers the killed process was waiting for, and keeps them
    finally:
        simulator.configure("tax", latency_ms={"median": 0.0, "p95": 0.0, "min": 0.0, "max": 0.0})
    ended, total = done_count(engine)
    assert 0 < ended < total  # killed mid-way
    with session_scope(engine, write=False) as session:
        job_id = session.scalar(select(BatchItem.job_id).limit(1))
        in_flight = session.scalars(select(Verification.id).where(Verification.status == "running")).all()
    assert in_flight  # a wave was prepared (its requests sent) and not recorded
    expected = 1 if batch_world.unconsented else 0  # exit code 1: some households blocked (not authorized)
    code, out = cli(batch_world, simulator, "verify", "batch", "--resume", str(job_id), "--json")
    assert code == expected, out
    result = json.loads(out[out.index("{"):])
    assert result["status"] == "done" and result["pending"] == 0 and result["failed"] == 0
    rows = batch_items(engine, job_id)
    assert Counter(r.status for r in rows) == Counter({"done": len(batch_world.consented),
                                                       "blocked": len(batch_world.unconsented)})
    vs = verifications(engine, job_id)
    assert Counter(v.household_no for v in vs) == Counter(batch_world.consented)  # each exactly once
    assert all(v.status == "done" and v.complete for v in vs)
    assert {v.id for v in vs if v.attempts == 2} >= set(in_flight)  # the wave in flight was taken up
    # No fresh department answer twice: each request id of the batch answered once; the resent ones replayed.
    with session_scope(engine, write=False) as session:
        rids = set(session.scalars(select(BatchQuery.request_id).where(BatchQuery.job_id == job_id)))
    decisions = [d for d in simulator.decisions(since) if d["request_id"] in rids]
    answered = Counter(d["request_id"] for d in decisions if d["reason"] == "answered")
    assert set(answered) == rids and set(answered.values()) == {1}
    assert any(d["reason"] == "replay" for d in decisions)
    # One audit row per household and kind asked (and one more per kind for the resent wave's households).
    asked = Counter((r["verification"], r["kind"]) for r in audit_rows(engine, "verification.query"))
    assert set(asked.values()) == {1} and {v for v, _ in asked} == {v.id for v in vs}
    resumed = {r["verification"] for r in audit_rows(engine, "verification.resume")}
    assert resumed == set(in_flight)
    # Items equal a clean run's (a second batch of the same households, uninterrupted).
    code, out = cli(batch_world, simulator, "verify", "batch", "--area", batch_world.area, "--as-of", "2025-08-31",
                    "--wave-size", "4", "--json")
    assert code == expected, out
    clean = json.loads(out[out.index("{"):])["job"]
    assert facts(engine, job_id) == facts(engine, clean)
    unknown_valued = [i for i in all_items(engine, job_id) if i.status == "unknown" and (
        i.value_fen is not None or i.value_num is not None)]
    assert not unknown_valued
    code, out = cli(batch_world, simulator, "audit", "verify")
    assert code == 0, out


def test_the_batch_command_speaks_chinese_and_refuses_in_one_line(batch_world, simulator):
    zh = {"JIUZHU_LANG": "zh"}
    code, out = cli_env(batch_world, simulator, zh, "verify", "batch", "--area", batch_world.area, "--as-of",
                        "2025-08-31", "--limit", "6")
    assert code == (1 if set(sorted(batch_world.consented + batch_world.unconsented)[:6]) & set(
        batch_world.unconsented) else 0), out
    assert "批量核对任务" in out and "各数据来源的查询次数" in out and "Traceback" not in out
    for args, words in [(["verify", "batch"], "核对哪个地区"),
                        (["verify", "batch", "--area", batch_world.area, "--programme", "welfare"], "welfare"),
                        (["verify", "batch", "--resume", "999"], "999")]:
        code, out = cli_env(batch_world, simulator, zh, *args)
        assert code == 2 and words in out and "Traceback" not in out, out
        assert len(out.strip().splitlines()) == 1, out


def cli_env(world, simulator, extra, *args):
    url = world.engine.url.render_as_string(hide_password=False)
    env = os.environ | {"JIUZHU_HOME": str(simulator.home), "JIUZHU_DATABASE_URL": url, "JIUZHU_ACTOR": "root",
                        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")} | extra
    done = subprocess.run([sys.executable, "-m", "jiuzhu.cli.main", *args], env=env, capture_output=True,
                          timeout=300)
    return done.returncode, (done.stdout + done.stderr).decode()
