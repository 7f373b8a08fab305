"""The batch (定期复核 of many households as one job) against the department simulator: every household ends done,
blocked or failed with its own verification, items and report; a source down, slow or rate-limited, a withdrawal
mid-batch — in none is a household lost, verified twice, or an unknown item read as zero."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from jiuzhu.config import Settings
from jiuzhu.db import session_scope
from jiuzhu.jobs import kinds
from jiuzhu.jobs import service as jobs
from jiuzhu.jobs.worker import Worker
from jiuzhu.verification.models import BatchItem, BatchQuery, Verification, VerificationItem
from tests.verification.conftest import AS_OF, principal


def submit(world, **kw):
    options = {"area": world.area, "purpose_kind": "review", "as_of": AS_OF, "wave_size": 8} | kw
    with session_scope(world.engine) as session:
        return kinds.submit_verify_batch(session, principal(world.area), **options)


def run_job(world, simulator, tmp_path, monkeypatch, job_id, **exchange):
    monkeypatch.setattr(kinds, "EXCHANGE", simulator.exchange(**exchange))
    worker = Worker(world.engine, Settings(home=tmp_path, database_url=str(world.engine.url), actor="test"),
                    tick_seconds=0.05)
    claimed = jobs.claim(world.engine, worker.owner, 60, only=job_id)
    assert claimed is not None
    worker.run(claimed)
    with session_scope(world.engine, write=False) as session:
        return jobs.get(session, principal(world.area), job_id)


def batch_items(engine, job_id) -> list[BatchItem]:
    with session_scope(engine, write=False) as session:
        return list(session.scalars(select(BatchItem).where(BatchItem.job_id == job_id).order_by(BatchItem.seq)))


def verifications(engine, job_id) -> list[Verification]:
    with session_scope(engine, write=False) as session:
        return list(session.scalars(select(Verification).where(Verification.job_id == job_id)))


def all_items(engine, job_id) -> list[VerificationItem]:
    with session_scope(engine, write=False) as session:
        return list(session.scalars(select(VerificationItem).join(
            Verification, Verification.id == VerificationItem.verification_id).where(Verification.job_id == job_id)))


def test_a_batch_verifies_every_household_once_and_blocks_those_not_authorized(
        batch_world, simulator, tmp_path, monkeypatch):
    job = submit(batch_world)
    done = run_job(batch_world, simulator, tmp_path, monkeypatch, job.id)
    assert done.status == "done", done.error
    rows = batch_items(batch_world.engine, job.id)
    assert len(rows) == len(batch_world.consented) + len(batch_world.unconsented)
    assert {r.household_no for r in rows if r.status == "done"} == set(batch_world.consented)
    assert {r.household_no for r in rows if r.status == "blocked"} == set(batch_world.unconsented)
    assert all(r.reason for r in rows if r.status == "blocked")
    vs = verifications(batch_world.engine, job.id)
    assert Counter(v.household_no for v in vs) == Counter(batch_world.consented)  # each exactly once
    assert all(v.status == "done" and v.complete and v.report_sha256 and v.exclusive_key is None for v in vs)
    result = done.result
    assert result["households"] == len(rows) and result["done"] == len(vs)
    assert result["blocked"] == len(batch_world.unconsented) and result["failed"] == result["pending"] == 0
    assert set(result["per_source"]) and all(s["answered"] == s["requests"] for s in result["per_source"].values())
    with session_scope(batch_world.engine, write=False) as session:
        assert all(q.request_body == "" for q in session.scalars(select(BatchQuery)))  # nothing left to resend
