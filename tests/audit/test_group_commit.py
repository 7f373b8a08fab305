"""Group commit of the events of reads (audit.take_pending and write_events, as api.deps.db does): reads ending
together share one transaction, every event is written once in one unbroken chain, each reader returns only once
its own events are committed, and one reader's failure is not another's."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from jiuzhu.audit import service as audit
from jiuzhu.audit.models import AuditEntry
from jiuzhu.db import session_scope
from tests.concurrency import together

THREADS, READS = 8, 10


def _read(engine, actor: str, subject: str) -> None:
    """What a GET request does: a read-only transaction whose audit rows are written separately at its end."""
    with session_scope(engine, write=False) as session:
        audit.append(session, actor=actor, action="view", subject=subject, area_code="500111119")
        events = audit.take_pending(session)
    audit.write_events(engine, events)


def _count(engine, **where) -> int:
    with session_scope(engine, write=False) as session:
        query = select(func.count()).select_from(AuditEntry)
        for column, value in where.items():
            query = query.where(getattr(AuditEntry, column) == value)
        return session.scalar(query)


def test_concurrent_reads_write_every_event_once_in_one_chain_and_wait_for_their_own(engine):
    def work(k: int) -> None:
        for i in range(READS):
            subject = f"t{k}-{i}"
            _read(engine, f"reader-{k}", subject)
            assert _count(engine, subject=subject) == 1  # committed before the read returned

    assert together(THREADS, work)[1] == []
    assert _count(engine) == THREADS * READS
    with session_scope(engine, write=False) as session:
        seqs = list(session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
        verdict = audit.verify(session)
    assert seqs == list(range(1, THREADS * READS + 1))
    assert verdict.ok and verdict.checked == THREADS * READS


def test_reads_ending_while_another_writes_share_one_transaction(sqlite_engine, monkeypatch):
    batches: list[int] = []
    real = audit._write

    def slow_write(session, events):
        batches.append(len(events))
        if len(batches) == 1:
            time.sleep(0.3)  # the first writer is slow: the others queue meanwhile
        real(session, events)

    monkeypatch.setattr(audit, "_write", slow_write)
    assert together(THREADS, lambda k: _read(sqlite_engine, f"reader-{k}", f"s{k}"))[1] == []
    assert sum(batches) == THREADS and _count(sqlite_engine) == THREADS
    assert max(batches) > 1  # at least one transaction held several readers' events


def test_a_failing_read_does_not_fail_the_others_of_its_batch(sqlite_engine, monkeypatch):
    real = audit._write

    def write(session, events):
        time.sleep(0.05)  # long enough for the others to queue behind the first
        if any(e.actor == "reader-3" for e in events):
            raise RuntimeError("this reader's event cannot be written")
        real(session, events)

    monkeypatch.setattr(audit, "_write", write)
    errors = together(THREADS, lambda k: _read(sqlite_engine, f"reader-{k}", f"s{k}"))[1]
    assert [str(e) for e in errors] == ["this reader's event cannot be written"]
    assert _count(sqlite_engine) == THREADS - 1
    assert _count(sqlite_engine, actor="reader-3") == 0
    with session_scope(sqlite_engine, write=False) as session:
        assert audit.verify(session).ok


@pytest.mark.parametrize("events", [1, audit.MAX_BATCH_EVENTS + 5])
def test_a_read_with_many_events_is_written_whole(sqlite_engine, events):
    with session_scope(sqlite_engine, write=False) as session:
        audit.append_many(session, [dict(actor="exporter", action="view", subject=f"h{i}") for i in range(events)])
        pending = audit.take_pending(session)
    audit.write_events(sqlite_engine, pending)
    assert _count(sqlite_engine, actor="exporter") == events
