"""The worker's claim, lease, heartbeat, resumption and failures, with kinds of jobs made for the test (both
database backends)."""

from __future__ import annotations

import re
import threading
import time

import pytest
from sqlalchemy import select

from jiuzhu.access import Principal, Role
from jiuzhu.clock import local_text
from jiuzhu.db import session_scope
from jiuzhu.errors import ConflictError, ForbiddenError, JiuzhuError, NotFoundError
from jiuzhu.i18n import t
from jiuzhu.jobs import service
from jiuzhu.jobs.models import Job
from jiuzhu.jobs.worker import Worker
from tests.jobs.district import principal

TOWNSHIP, OTHER = "500111119", "500111120"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def kinds(monkeypatch):
    """Test kinds submitted like the real ones: 'count' (records each run), 'scan' (the real kind's rules of
    submission, run by a test handler)."""
    from jiuzhu.access import Permission

    monkeypatch.setitem(service.KIND_PERMISSIONS, "count", Permission.SCAN)
    return Permission


def caseworker(area: str = TOWNSHIP) -> Principal:
    return principal(Role.TOWNSHIP_CASEWORKER, area, name=f"worker-{area}")


def submit(engine, kind="count", scope=None, who=None, params=None):
    with session_scope(engine) as session:
        return service.submit(session, kind=kind, params=params or {}, principal=who or caseworker(), scope=scope)


def job_row(engine, job_id) -> Job:
    with session_scope(engine, write=False) as session:
        return session.get(Job, job_id)


def worker(engine, tmp_path, handlers, **options) -> Worker:
    from jiuzhu.config import Settings

    settings = Settings(home=tmp_path, database_url=str(engine.url), actor="test")
    return Worker(engine, settings, handlers=handlers, tick_seconds=options.pop("tick_seconds", 0.05), **options)


def test_two_workers_racing_for_one_job_run_it_once(engine, tmp_path, kinds):
    runs = []
    job = submit(engine)
    barrier = threading.Barrier(2)

    def handler(ctx):
        runs.append(ctx.worker.owner)
        return {"ok": True}

    workers = [worker(engine, tmp_path, {"count": handler}, owner=f"w{i}") for i in range(2)]
    claimed = []

    def race(w):
        barrier.wait()
        claimed.append(w.run_once())

    threads = [threading.Thread(target=race, args=(w,)) for w in workers]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert sorted(claimed, key=str) == [job.id, None] or sorted(claimed, key=str) == [None, job.id]
    assert len(runs) == 1
    row = job_row(engine, job.id)
    assert row.status == "done" and row.attempts == 1 and row.result == {"ok": True}


def test_claims_are_exclusive_under_contention(engine, kinds):
    """Eight claimers, five jobs: each job claimed by exactly one, none twice."""
    jobs = [submit(engine).id for _ in range(5)]
    barrier = threading.Barrier(8)
    got: list[int] = []
    lock = threading.Lock()

    def claimer(i):
        barrier.wait()
        while (job := service.claim(engine, f"c{i}", 60)) is not None:
            with lock:
                got.append(job.id)

    threads = [threading.Thread(target=claimer, args=(i,)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert sorted(got) == sorted(jobs)


def test_a_dead_worker_s_job_is_resumed_once_after_its_lease_and_completes(engine, tmp_path, kinds):
    job = submit(engine)
    dead = service.claim(engine, "dead-worker", 0.3)  # claimed, then the worker "dies": no heartbeat, no end
    assert dead.id == job.id and dead.attempts == 1
    seen = []

    def handler(ctx):
        seen.append((ctx.resumed, ctx.job.attempts))
        return {"resumed": ctx.resumed}

    live = worker(engine, tmp_path, {"count": handler}, owner="live")
    assert live.run_once() is None  # the lease still holds: nobody else takes the job
    time.sleep(0.4)
    assert live.run_once() == job.id
    assert seen == [(True, 2)]
    row = job_row(engine, job.id)
    assert row.status == "done" and row.result == {"resumed": True} and row.lease_owner is None
    # Done: never run again, by anyone, however long after.
    assert worker(engine, tmp_path, {"count": handler}, owner="third").run_once() is None
    assert seen == [(True, 2)]


def test_a_job_whose_workers_keep_dying_is_failed_not_taken_forever(engine, tmp_path, kinds, zh):
    job = submit(engine)
    for i in range(service.MAX_ATTEMPTS):
        assert service.claim(engine, f"dying-{i}", 0.05).id == job.id
        time.sleep(0.1)
    assert service.claim(engine, "next", 60) is None
    row = job_row(engine, job.id)
    assert row.status == "failed" and CJK.search(row.error) and str(service.MAX_ATTEMPTS) in row.error
    assert row.stage == "stopped"  # not the stage it was in when its worker died


def test_progress_is_visible_while_the_job_runs(engine, tmp_path, kinds):
    job = submit(engine)
    halfway, release = threading.Event(), threading.Event()

    def handler(ctx):
        ctx.progress(0.5, "storing households")
        halfway.set()
        assert release.wait(30)
        return {}

    w = worker(engine, tmp_path, {"count": handler})
    th = threading.Thread(target=w.run_once)
    th.start()
    try:
        assert halfway.wait(30)
        with session_scope(engine, write=False) as session:  # this process's board: at once
            seen = service.get(session, caseworker(), job.id)
        assert seen.status == "running" and seen.progress == 0.5 and seen.stage == "storing households"
        deadline = time.monotonic() + 20
        while job_row(engine, job.id).progress != 0.5:  # the row itself: within a heartbeat
            assert time.monotonic() < deadline, "the heartbeat never wrote the progress"
            time.sleep(0.05)
        assert job_row(engine, job.id).lease_until is not None
    finally:
        release.set()
        th.join(30)
    assert job_row(engine, job.id).progress == 1.0


def test_a_failing_job_records_one_chinese_line_never_a_traceback(engine, tmp_path, kinds, zh):
    refused, broken = submit(engine).id, submit(engine).id

    def handler(ctx):
        if ctx.job.id == refused:
            raise JiuzhuError(t("give at least one change: --set NAME=VALUE"))
        raise RuntimeError("secret internals at /srv/x.py line 3")

    w = worker(engine, tmp_path, {"count": handler})
    assert w.run_once() == refused and w.run_once() == broken
    first, second = job_row(engine, refused), job_row(engine, broken)
    assert first.status == second.status == "failed"
    assert first.error == t("give at least one change: --set NAME=VALUE") and CJK.search(first.error)
    assert CJK.search(second.error) and f"{broken}" in second.error
    for row in (first, second):
        assert "Traceback" not in row.error and "secret" not in row.error and "RuntimeError" not in row.error
        assert row.result is None and "\n" not in row.error


def test_a_failed_job_s_stage_says_it_failed_and_why_not_what_it_was_doing(engine, tmp_path, kinds, zh):
    refused, broken = submit(engine).id, submit(engine).id

    def handler(ctx):
        ctx.progress(0.1, "reading the file")  # the stage it is in when it fails
        if ctx.job.id == refused:
            raise JiuzhuError(t("give at least one change: --set NAME=VALUE"))
        raise RuntimeError("internals")

    w = worker(engine, tmp_path, {"count": handler})
    assert w.run_once() == refused and w.run_once() == broken
    with session_scope(engine, write=False) as session:
        first, second = service.get(session, caseworker(), refused), service.get(session, caseworker(), broken)
    for job in (first, second):
        assert job.status == "failed" and job.stage == f"失败：{job.error}" and "读取" not in job.stage
    assert "至少" in first.stage and str(broken) in second.stage
    assert job_row(engine, refused).stage == "stopped"  # the row's stage too: a message id, "stopped"
    with session_scope(engine) as session:  # a job failed before this fix (its stage left as it was) reads alike
        session.get(Job, refused).stage = "reading the file"
    with session_scope(engine, write=False) as session:
        assert service.get(session, caseworker(), refused).stage == first.stage


def test_the_second_scan_of_a_scope_is_refused_naming_the_first(engine, tmp_path, zh):
    first = submit(engine, kind="scan", scope=TOWNSHIP)
    with pytest.raises(ConflictError) as refused:
        submit(engine, kind="scan", scope=TOWNSHIP)
    assert str(first.id) in refused.value.message and CJK.search(refused.value.message)
    assert TOWNSHIP in refused.value.message
    assert local_text(first.created_at) in refused.value.message  # when it was submitted, in 北京时间, saying so
    other = submit(engine, kind="scan", scope=OTHER, who=caseworker(OTHER))  # another scope: no clash
    assert other.id != first.id
    w = worker(engine, tmp_path, {"scan": lambda ctx: {}})
    assert w.run_once() == first.id and w.run_once() == other.id
    again = submit(engine, kind="scan", scope=TOWNSHIP)  # the first is done: a new scan may start
    assert again.status == "queued"


def test_the_same_scan_submitted_at_once_from_two_requests_is_queued_once(engine):
    barrier = threading.Barrier(2)
    outcomes = []

    def request():
        barrier.wait()
        try:
            outcomes.append(submit(engine, kind="scan", scope=TOWNSHIP).id)
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=request) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert sorted(outcomes, key=str).count("conflict") == 1
    with session_scope(engine, write=False) as session:
        assert len(list(session.scalars(select(Job).where(Job.kind == "scan")))) == 1


def test_jobs_are_seen_inside_the_area_only(engine, kinds):
    mine = submit(engine)
    theirs = submit(engine, who=caseworker(OTHER))
    district = principal(Role.DISTRICT_OFFICER, "500111")
    with session_scope(engine, write=False) as session:
        assert service.get(session, caseworker(), mine.id).id == mine.id
        with pytest.raises(NotFoundError):
            service.get(session, caseworker(), theirs.id)
        assert [j.id for j in service.list_jobs(session, caseworker())] == [mine.id]
        assert {j.id for j in service.list_jobs(session, district)} == {mine.id, theirs.id}
    with session_scope(engine) as session, pytest.raises(ForbiddenError):
        service.submit(session, kind="count", params={}, principal=caseworker(), scope=OTHER)
    with session_scope(engine) as session, pytest.raises(ForbiddenError):  # a community worker may not scan
        service.submit(session, kind="scan", params={}, principal=principal(Role.COMMUNITY_WORKER, TOWNSHIP))


def test_a_worker_that_lost_its_lease_writes_nothing(engine, tmp_path, kinds):
    job = submit(engine)
    started, release = threading.Event(), threading.Event()

    def slow(ctx):
        started.set()
        release.wait(30)
        ctx.progress(0.9)  # the lease is gone by now: this raises, and the run stops
        return {"by": "slow"}

    slow_worker = worker(engine, tmp_path, {"count": slow}, owner="slow", lease_seconds=0.3, tick_seconds=30)
    th = threading.Thread(target=slow_worker.run_once)
    th.start()
    assert started.wait(30)
    time.sleep(0.5)
    fast = worker(engine, tmp_path, {"count": lambda ctx: {"by": "fast"}}, owner="fast")
    assert fast.run_once() == job.id
    release.set()
    th.join(30)
    row = job_row(engine, job.id)
    assert row.status == "done" and row.result == {"by": "fast"} and row.attempts == 2


def test_the_thread_starts_runs_queued_jobs_and_stops(engine, tmp_path, kinds):
    done = threading.Event()

    def handler(ctx):
        done.set()
        return {}

    w = worker(engine, tmp_path, {"count": handler}, poll_seconds=0.05).start()
    try:
        job = submit(engine)
        assert done.wait(30)
    finally:
        w.stop()
    assert not w.alive
    deadline = time.monotonic() + 10
    while job_row(engine, job.id).status != "done":
        assert time.monotonic() < deadline
        time.sleep(0.05)
