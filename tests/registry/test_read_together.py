"""Household pages read together (registry.service's reader batch): pages asked for while another is being read
share one query per table, each reader gets exactly its own household, and a session that writes never takes part
(its own uncommitted change would be invisible to another's transaction)."""

from __future__ import annotations

import threading
import time

from jiuzhu.access import Principal
from jiuzhu.audit import service as audit
from jiuzhu.db import session_scope
from jiuzhu.registry import service
from tests.api.conftest import household

TOWNSHIP = "500111119"
OPERATOR = Principal.operator("operator", ("50",))
READERS = 8


def _store(engine, n: int) -> list[str]:
    numbers = [f"{TOWNSHIP}-{k:06d}" for k in range(1, n + 1)]
    with session_scope(engine) as session:
        for k, no in enumerate(numbers, start=1):
            doc = service.parse_household(household(no, TOWNSHIP, seed=k), record=no)
            service.put_household(session, doc, actor="clerk", reason="test")
    return numbers


def _alone(engine, no: str) -> dict:
    with session_scope(engine) as session:  # a writing session: read on its own
        return service.household_doc(session, service.get_household(session, no)).model_dump(mode="json")


def test_readers_at_once_each_get_their_own_household_and_share_reads(engine, monkeypatch):
    numbers = _store(engine, READERS)
    expected = {no: _alone(engine, no) for no in numbers}
    batches: list[int] = []
    real = service.households_docs

    def slow(session, households):
        batches.append(len(households))
        if len(batches) == 1:
            time.sleep(0.3)  # the first reading is slow: the other readers queue meanwhile
        return real(session, households)

    monkeypatch.setattr(service, "households_docs", slow)
    got: dict[str, dict] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(READERS)

    def read(no: str) -> None:
        try:
            start.wait()
            with session_scope(engine, write=False) as session:  # as a GET request does (api.deps.db)
                got[no] = service.read_household(session, no, actor="reader", unmask=True)
                events = audit.take_pending(session)
            audit.write_events(engine, events)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(no,)) for no in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert got == expected
    assert sum(batches) == READERS and max(batches) > 1
    with session_scope(engine, write=False) as session:
        assert audit.verify(session).ok
        assert audit.browse(session, OPERATOR, actor="reader").total == READERS  # one row per reader, written


def test_a_writing_session_reads_its_own_uncommitted_change(engine):
    (no,) = _store(engine, 1)
    with session_scope(engine) as session:
        doc = service.household_doc(session, service.get_household(session, no))
        changed = doc.model_copy(update={"address": "新地址 1 号"})
        service.put_household(session, changed, actor="clerk", reason="moved")
        assert service.read_household(session, no, actor="clerk", unmask=True)["address"] == "新地址 1 号"
