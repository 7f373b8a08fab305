"""The audit log's chain: appends at commit, and verify names the first row edited, deleted, reordered or cut off."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from jiuzhu import migrate
from jiuzhu.access import Principal, Role
from jiuzhu.audit import service as audit
from jiuzhu.db import make_engine, session_scope
from jiuzhu.errors import ConfigurationError, ForbiddenError, JiuzhuError

TOWNSHIP = "500111119"


def _log(engine, n: int, *, area: str | None = TOWNSHIP, actor: str = "clerk") -> None:
    with session_scope(engine) as session:
        for i in range(n):
            audit.append(session, actor=actor, action="view", subject=f"{TOWNSHIP}-{i:06d}", area_code=area,
                         reason="家访" if i % 2 else None, detail={"i": i})


def _verify(engine) -> audit.Verdict:
    with session_scope(engine, write=False) as session:
        return audit.verify(session)


def _sql(engine, statement: str, **params) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement), params)


def _seqs(engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT seq FROM audit_log ORDER BY seq")).scalars())


def test_events_become_rows_at_commit_and_the_chain_verifies(engine):
    assert _verify(engine).ok and _verify(engine).checked == 0
    _log(engine, 5)
    _log(engine, 3, area=None)
    verdict = _verify(engine)
    assert (verdict.ok, verdict.checked, verdict.last_seq, verdict.problem) == (True, 8, 8, None)
    assert "8 rows checked" in verdict.message
    assert _seqs(engine) == list(range(1, 9))


def test_a_rolled_back_transaction_or_savepoint_logs_nothing_of_its_own(sqlite_engine):
    with pytest.raises(RuntimeError), session_scope(sqlite_engine) as session:
        audit.append(session, actor="clerk", action="view", subject="a")
        raise RuntimeError("the request failed")
    with session_scope(sqlite_engine) as session:
        audit.append(session, actor="clerk", action="view", subject="kept 1")
        with pytest.raises(RuntimeError), session.begin_nested():
            audit.append(session, actor="clerk", action="change", subject="refused household")
            raise RuntimeError("the database refused it")
        with session.begin_nested():
            audit.append(session, actor="clerk", action="change", subject="kept 2")
    with session_scope(sqlite_engine) as session:
        page = audit.browse(session, Principal.operator("root", ("50",)))
    assert [e.subject for e in page.items] == ["kept 2", "kept 1"]
    assert _verify(sqlite_engine).ok


def test_an_edited_row_is_named(engine):
    _log(engine, 6)
    _sql(engine, "UPDATE audit_log SET actor = 'someone else' WHERE seq = 4")
    verdict = _verify(engine)
    assert (verdict.ok, verdict.seq, verdict.problem, verdict.checked) == (False, 4, "edited", 3)
    assert verdict.message == "row 4 was changed after it was written (its contents do not match its hash)"


@pytest.mark.parametrize(("column", "value"), [("unmasked", True), ("reason", "changed"), ("area_code", "500111120"),
                                                ("detail", '{"i": 99}'), ("subject", "x"), ("action", "export")])
def test_any_field_edited_is_found(sqlite_engine, column, value):
    _log(sqlite_engine, 3)
    _sql(sqlite_engine, f"UPDATE audit_log SET {column} = :value WHERE seq = 2", value=value)
    assert (_verify(sqlite_engine).seq, _verify(sqlite_engine).problem) == (2, "edited")


def test_an_edited_time_is_found(sqlite_engine):
    _log(sqlite_engine, 3)
    at = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    _sql(sqlite_engine, "UPDATE audit_log SET at = :at WHERE seq = 1", at=at)
    assert (_verify(sqlite_engine).seq, _verify(sqlite_engine).problem) == (1, "edited")


def test_a_deleted_middle_row_is_named(engine):
    _log(engine, 6)
    _sql(engine, "DELETE FROM audit_log WHERE seq IN (3, 4)")
    verdict = _verify(engine)
    assert (verdict.ok, verdict.seq, verdict.problem) == (False, 5, "deleted")
    assert verdict.message == "rows 3 to 4 are missing (deleted): the row after them is 5"


def test_a_deleted_first_row_is_named(sqlite_engine):
    _log(sqlite_engine, 3)
    _sql(sqlite_engine, "DELETE FROM audit_log WHERE seq = 1")
    assert (_verify(sqlite_engine).seq, _verify(sqlite_engine).problem) == (2, "deleted")


def test_swapped_rows_are_named(engine):
    _log(engine, 6)
    _sql(engine, "UPDATE audit_log SET seq = -3 WHERE seq = 3")
    _sql(engine, "UPDATE audit_log SET seq = 3 WHERE seq = 5")
    _sql(engine, "UPDATE audit_log SET seq = 5 WHERE seq = -3")
    verdict = _verify(engine)
    assert (verdict.seq, verdict.problem) == (3, "reordered")
    assert verdict.message == "row 3 is out of place: it was written as row 5"


def test_renumbered_rows_after_a_deletion_are_found(sqlite_engine):
    """Closing the gap a deletion left (every later seq minus one) does not hide it: the moved rows' hashes were
    made with their old seq."""
    _log(sqlite_engine, 5)
    _sql(sqlite_engine, "DELETE FROM audit_log WHERE seq = 2")
    for seq in (3, 4, 5):
        _sql(sqlite_engine, "UPDATE audit_log SET seq = :new WHERE seq = :old", new=seq - 1, old=seq)
    verdict = _verify(sqlite_engine)
    assert (verdict.seq, verdict.problem) == (2, "reordered")


def test_a_cut_off_tail_is_named(engine):
    _log(engine, 5)
    _sql(engine, "DELETE FROM audit_log WHERE seq = 5")
    verdict = _verify(engine)
    assert (verdict.ok, verdict.seq, verdict.problem, verdict.checked) == (False, 5, "truncated", 4)
    assert "ends at row 4" in verdict.message and "reached row 5" in verdict.message


def test_a_head_moved_back_by_hand_is_found(sqlite_engine):
    _log(sqlite_engine, 5)
    _sql(sqlite_engine, "DELETE FROM audit_log WHERE seq = 5")
    _sql(sqlite_engine, "UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_log WHERE seq = 4)")
    assert _verify(sqlite_engine).problem == "head_edited"


def test_a_missing_head_is_named_and_appending_is_refused(engine):
    _log(engine, 2)
    _sql(engine, "DELETE FROM audit_head")
    verdict = _verify(engine)
    assert (verdict.ok, verdict.seq, verdict.problem) == (False, None, "head_missing")
    assert verdict.message == "the log has 2 rows but its head record is missing (deleted)"
    with pytest.raises(ConfigurationError, match="jiuzhu audit verify"):
        _log(engine, 1)


def test_a_row_added_behind_the_heads_back_is_found(sqlite_engine):
    _log(sqlite_engine, 2)
    _sql(sqlite_engine, "INSERT INTO audit_log (seq, at, actor, action, subject, unmasked, prev_hash, hash) "
                 "SELECT 3, at, actor, action, subject, unmasked, hash, hash FROM audit_log WHERE seq = 2")
    assert (_verify(sqlite_engine).seq, _verify(sqlite_engine).problem) == (3, "edited")


def test_another_key_verifies_nothing(sqlite_engine, monkeypatch):
    _log(sqlite_engine, 2)
    monkeypatch.setenv("JIUZHU_SECRET_KEY", "another-secret-0123456789abcdef0123456789")
    assert (_verify(sqlite_engine).seq, _verify(sqlite_engine).problem) == (1, "edited")


def test_the_verdict_in_chinese(sqlite_engine, zh):
    _log(sqlite_engine, 3)
    assert _verify(sqlite_engine).message == "审计日志完好：已核对 3 条记录，直到第 3 条链条完整无缺"
    _sql(sqlite_engine, "UPDATE audit_log SET actor = 'x' WHERE seq = 2")
    assert _verify(sqlite_engine).message == "第 2 条记录写入后被改动过（内容与其校验值不符）"


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.integers(1, 4), min_size=1, max_size=4), data=st.data())
def test_any_one_edit_is_named_at_its_row(sqlite_engine, batches, data):
    """Law: whatever was appended verifies; change any one field of any one row and verify names that row."""
    _sql(sqlite_engine, "DELETE FROM audit_log")
    _sql(sqlite_engine, "DELETE FROM audit_head")
    for n in batches:
        _log(sqlite_engine, n)
    total = sum(batches)
    assert _verify(sqlite_engine).ok and _verify(sqlite_engine).checked == total
    seq = data.draw(st.integers(1, total))
    column, value = data.draw(st.sampled_from([("actor", "intruder"), ("subject", "other"), ("unmasked", True),
                                               ("reason", "任意"), ("area_code", None), ("prev_hash", "f" * 64)]))
    _sql(sqlite_engine, f"UPDATE audit_log SET {column} = :value WHERE seq = :seq", value=value, seq=seq)
    verdict = _verify(sqlite_engine)
    assert not verdict.ok and verdict.seq == seq and verdict.problem == "edited"


@pytest.mark.postgres
def test_concurrent_appends_from_eight_threads_make_one_chain(pg_server):
    from sqlalchemy import create_engine

    admin = create_engine(f"{pg_server.url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE audit_threads"))
    engine = make_engine(f"{pg_server.url}/audit_threads")
    try:
        migrate.upgrade(engine)  # no head yet: the threads race to create it, then for its lock
        errors: list[BaseException] = []
        start = threading.Barrier(8)

        def work(k: int) -> None:
            try:
                start.wait()
                for _ in range(15):
                    _log(engine, 2, actor=f"thread-{k}")
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert _seqs(engine) == list(range(1, 8 * 15 * 2 + 1))
        verdict = _verify(engine)
        assert verdict.ok and verdict.checked == 240
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE audit_threads WITH (FORCE)"))
        admin.dispose()


# --------------------------------------------------------------------------- browse


def _principal(role: Role, area: str) -> Principal:
    return Principal("p", role, area, (area,))


def test_browse_is_scoped_to_the_area_newest_first_and_paginated(engine):
    _log(engine, 3, area="500111119001")
    _log(engine, 2, area="500111120")
    _log(engine, 1, area=None, actor="root")
    with session_scope(engine) as session:
        township = audit.browse(session, _principal(Role.AUDITOR, TOWNSHIP))
        district = audit.browse(session, _principal(Role.AUDITOR, "500111"), per_page=2, page=2)
        operator = audit.browse(session, Principal.operator("root", ("50",)))
        by_actor = audit.browse(session, Principal.operator("root", ("50",)), actor="root")
        with pytest.raises(ForbiddenError):
            audit.browse(session, _principal(Role.TOWNSHIP_APPROVER, TOWNSHIP))
        with pytest.raises(JiuzhuError) as caught:
            audit.browse(session, _principal(Role.AUDITOR, TOWNSHIP), per_page=0)
    assert [e.seq for e in township.items] == [3, 2, 1] and township.total == 3
    assert [e.seq for e in district.items] == [3, 2] and district.total == 5  # the row of no area: nobody's
    assert operator.total == 6 and [e.seq for e in by_actor.items] == [6]
    assert township.items[0].detail == {"i": 2} and township.items[1].reason == "家访"
    assert caught.value.field == "per_page"


def test_browse_filters(sqlite_engine):
    _log(sqlite_engine, 4)
    with session_scope(sqlite_engine) as session:
        who = _principal(Role.AUDITOR, TOWNSHIP)
        assert audit.browse(session, who, subject="000002").total == 1
        assert audit.browse(session, who, action="export").total == 0
        today = dt.datetime.now(dt.timezone.utc).date()
        assert audit.browse(session, who, since=today, until=today).total == 4
        assert audit.browse(session, who, until=today - dt.timedelta(days=1)).total == 0
        assert audit.browse(session, who, since=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).total == 0


def test_browse_masks_the_identifiers_a_row_quotes(sqlite_engine):
    with session_scope(sqlite_engine) as session:
        audit.append(session, actor="clerk", action="search", subject="id_number=512126195804120037",
                     area_code=TOWNSHIP, reason="电话 13812345678", detail={"q": ["6217000012345678901"], "n": 2})
    with session_scope(sqlite_engine) as session:
        [row] = audit.browse(session, _principal(Role.AUDITOR, TOWNSHIP)).items
        [full] = audit.browse(session, _principal(Role.AUDITOR, TOWNSHIP), masked=False).items
    assert row.subject == "id_number=512126********0037" and row.reason == "电话 138****5678"
    assert row.detail == {"q": ["621700*********8901"], "n": 2}
    assert full.subject == "id_number=512126195804120037"
    assert audit.mask_text("household 500111119-000001, area 500111119001") == (
        "household 500111119-000001, area 500111119001")  # numbers that are not identifiers stay
