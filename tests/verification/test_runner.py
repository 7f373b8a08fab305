"""The runner: a queued verification is run by the server's thread; one interrupted after its queries were sent
(its runner died: the lease runs out) is claimed again and resends the same bytes with the same request ids — the
departments replay, nobody is queried twice, no item is written twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlalchemy import select, update

from jiuzhu import clock
from jiuzhu.db import session_scope
from jiuzhu.verification import flows, runner, service
from jiuzhu.verification.models import Verification
from tests.verification.conftest import ROOT, load_world, principal
from tests.verification.test_flows import audit_rows, items, queries, start


class Crash(Exception):
    """The runner's process dies between the fan-out and T2."""


def wait_finished(engine, world, vid, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with session_scope(engine) as session:
            view = service.get(session, principal(world.area_code), vid)
        if view.finished:
            return view
        time.sleep(0.1)
    pytest.fail(f"verification {vid} did not finish: {view.status}")


def test_the_runner_runs_a_verification_as_soon_as_it_is_queued(engine, district, simulator):
    world = load_world(engine, district)
    thread = runner.start(engine, exchange=simulator.exchange(), poll_seconds=30)  # woken, not polled
    try:
        view = start(world)
        done = wait_finished(engine, world, view.id, seconds=25)
    finally:
        thread.stop()
    assert done.status == "done" and done.complete and (view.id, "done") in thread.finished
    assert not thread.alive


def test_an_interrupted_verification_resumes_without_asking_twice_or_writing_twice(
        engine, district, simulator, monkeypatch):
    world = load_world(engine, district)
    view = start(world)
    dead = "runner:dead-host:1"
    assert service.claim(engine, dead, 60, only=view.id) == view.id

    def crash(*args, **kwargs):
        raise Crash()

    async def first_run():
        links = flows.Links(simulator.exchange())
        try:
            await flows.run(engine, view.id, dead, links)
        finally:
            await links.aclose()

    with monkeypatch.context() as patch:
        patch.setattr(service, "record", crash)
        with pytest.raises(Crash):
            asyncio.run(first_run())
    sent = {q.endpoint: q.request_id for q in queries(engine, view.id)}
    assert items(engine, view.id) == [] and len(sent) == 37
    answered_once = Counter(d["request_id"] for d in simulator.decisions() if d["request_id"] in sent.values())
    assert set(answered_once.values()) == {1}
    # The dead runner's lease runs out; another runner claims it.
    with session_scope(engine) as session:
        session.execute(update(Verification).where(Verification.id == view.id).values(
            lease_until=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)))
    thread = runner.start(engine, exchange=simulator.exchange(), poll_seconds=0.1)
    try:
        done = wait_finished(engine, world, view.id)
    finally:
        thread.stop()
    assert done.status == "done" and done.attempts == 2
    assert {q.endpoint: q.request_id for q in queries(engine, view.id)} == sent  # the same ids, resent
    decisions = [d for d in simulator.decisions() if d["request_id"] in sent.values()]
    by_id = Counter((d["request_id"], d["reason"]) for d in decisions)
    for rid in sent.values():  # answered once, then replayed: the department looked nobody up twice
        assert by_id[(rid, "answered")] == 1 and by_id[(rid, "replay")] == 1
    assert all(q.replayed for q in queries(engine, view.id))
    got = items(engine, view.id)
    keys = [(i.endpoint, i.person_id, i.item, i.ref, i.month) for i in got]
    assert len(keys) == len(set(keys)) and got
    # Audited: the queries once per kind when first prepared, and the resend once per kind.
    first = [r for r in audit_rows(engine, "verification.query") if r["verification"] == view.id]
    again = [r for r in audit_rows(engine, "verification.resume") if r["verification"] == view.id]
    assert len(first) == len(again) == len({q.kind for q in queries(engine, view.id)})
    assert all(r["signed_anew"] == [] for r in again)


def test_a_runner_that_lost_its_lease_writes_nothing(engine, district, simulator):
    world = load_world(engine, district)
    view = start(world)
    assert service.claim(engine, "a", 60, only=view.id) == view.id
    assert service.claim(engine, "b", 60, only=view.id) is None  # held: nobody else takes it
    with session_scope(engine) as session:
        session.execute(update(Verification).where(Verification.id == view.id).values(
            lease_until=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)))
    assert service.claim(engine, "b", 60, only=view.id) == view.id
    assert service.renew(engine, view.id, "a", 60) is False
    service.fail(engine, view.id, "a", "late")
    with pytest.raises(service.LeaseLost):
        service.prepare(engine, view.id, "a", simulator.exchange())
    with session_scope(engine, write=False) as session:
        v = session.get(Verification, view.id)
        assert v.status == "running" and v.lease_owner == "b" and v.error is None


def test_a_verification_interrupted_too_often_is_failed_not_taken_again(engine, district, zh):
    world = load_world(engine, district)
    view = start(world)
    with session_scope(engine) as session:
        session.execute(update(Verification).where(Verification.id == view.id).values(
            status="running", attempts=service.MAX_ATTEMPTS, lease_owner="gone",
            lease_until=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)))
    assert service.claim(engine, "b", 60) is None
    with session_scope(engine, write=False) as session:
        v = session.scalars(select(Verification)).one()
        assert v.status == "failed" and "中断" in v.error and v.exclusive_key is None


def test_a_verification_killed_mid_run_is_resumed_by_a_runner_and_nobody_is_asked_twice(engine, district, simulator):
    world = load_world(engine, district)
    url = engine.url.render_as_string(hide_password=False)
    env = os.environ | {"JIUZHU_HOME": str(simulator.home), "JIUZHU_DATABASE_URL": url, "JIUZHU_ACTOR": "root",
                        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    since = len(simulator.decisions())
    slow = {"median": 1500.0, "p95": 1500.0, "min": 1500.0, "max": 1500.0}
    simulator.configure("tax", latency_ms=slow)  # one source still answering when the process is killed
    try:
        process = subprocess.Popen([sys.executable, "-m", "jiuzhu.cli.main", "verify", world.household_no,
                                    "--as-of", "2025-08-31"], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while len([d for d in simulator.decisions(since) if d["reason"] == "answered"]) < 36:
            assert process.poll() is None and time.monotonic() < deadline, process.stdout.read().decode()
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        time.sleep(2)  # the department finishes the answer the killed process was waiting for, and keeps it
    finally:
        simulator.configure("tax", latency_ms={"median": 0.0, "p95": 0.0, "min": 0.0, "max": 0.0})
    with session_scope(engine) as session:
        v = session.scalars(select(Verification)).one()
        assert v.status == "running" and v.report is None
        # Time passes: the killed process's lease runs out.
        v.lease_until = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
        vid = v.id
    assert items(engine, vid) == []
    thread = runner.start(engine, exchange=simulator.exchange(), poll_seconds=0.1)
    try:
        done = wait_finished(engine, world, vid)
    finally:
        thread.stop()
    assert done.status == "done" and done.attempts == 2
    asked = {q.request_id for q in queries(engine, vid)}
    decisions = [d for d in simulator.decisions(since) if d["request_id"] in asked]
    answered = Counter(d["request_id"] for d in decisions if d["reason"] == "answered")
    assert set(answered) == asked and set(answered.values()) == {1}  # each looked up once, ever
    assert len([d for d in decisions if d["reason"] == "replay"]) >= 36
    keys = [(i.endpoint, i.person_id, i.item, i.ref, i.month) for i in items(engine, vid)]
    assert keys and len(keys) == len(set(keys))


def test_the_runner_writes_ended_authorizations_expired_with_an_audit_row(engine, district):
    from jiuzhu.audit.models import AuditEntry
    from jiuzhu.consent.models import ConsentRecord

    world = load_world(engine, district)
    with session_scope(engine) as session:  # one member's validity ended yesterday (the terms guard is the ORM's)
        record = session.scalars(select(ConsentRecord).where(ConsentRecord.status == "given")
                                 .order_by(ConsentRecord.id)).first()
        session.execute(update(ConsentRecord).where(ConsentRecord.id == record.id).values(
            valid_until=clock.today() - dt.timedelta(days=1)))
        record_id = record.record_id
    thread = runner.start(engine, poll_seconds=0.2)
    try:
        deadline = time.monotonic() + 20
        while True:
            with session_scope(engine, write=False) as session:
                status = session.scalar(select(ConsentRecord.status).where(ConsentRecord.record_id == record_id))
            if status == "expired" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    finally:
        thread.stop()
    assert status == "expired"
    with session_scope(engine, write=False) as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "consent.expire")).all()
        others = session.scalars(select(ConsentRecord.status).where(ConsentRecord.record_id != record_id)).all()
    assert [(r.subject, r.actor) for r in rows] == [(record_id, runner.EXPIRY_ACTOR)]
    assert "expired" not in others and world.household_no


def test_the_runner_reads_sources_toml_again_when_it_changed(engine, district, simulator, tmp_path, monkeypatch):
    """A simulator restarted on other ports rewrites sources.toml: the running server's next verification uses
    the new file (it kept the old ports: every department unreachable)."""
    import re
    import shutil

    home = tmp_path / "home"
    shutil.copytree(simulator.home / "exchange", home / "exchange")
    monkeypatch.setenv("JIUZHU_HOME", str(home))
    sources = home / "exchange" / "sources.toml"
    good = sources.read_text(encoding="utf-8")
    sources.write_text(re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:9", good), encoding="utf-8")  # nobody listens
    world = load_world(engine, district)
    thread = runner.start(engine, poll_seconds=0.2)
    try:
        first = wait_finished(engine, world, start(world).id)
        sources.write_text(good, encoding="utf-8")
        second = wait_finished(engine, world, start(world).id)
    finally:
        thread.stop()
    assert first.status == "incomplete" and len(first.unknown_sources) == 37
    assert second.status == "done" and second.complete
