"""A registry snapshot is one moment: an import committed while it is being written is wholly absent from it,
on SQLite and on PostgreSQL (one REPEATABLE READ transaction); its folder appears only when complete."""

from __future__ import annotations

import errno
import json

import pyarrow.parquet as pq
import pytest

from jiuzhu.db import session_scope
from jiuzhu.errors import JiuzhuError
from jiuzhu.registry import service, snapshot
from tests.conftest import FIELD_TEST_1


def put(engine, data: dict) -> None:
    with session_scope(engine) as session:
        service.put_household(session, service.parse_household(data, record=data["household_no"]),
                              actor="t", reason="t")


def column(folder, table: str, name: str) -> list:
    return pq.read_table(folder / "registry" / f"{table}.parquet", columns=[name]).column(name).to_pylist()


@pytest.fixture
def first(engine):
    """A registry of one household (field test 1's T05-000002)."""
    data = json.loads((FIELD_TEST_1 / "households-head-died.json").read_text(encoding="utf-8"))[1]
    put(engine, data)
    return engine


def import_while_reading(monkeypatch, engine, data: dict, after: str = "households") -> None:
    """Commit ``data`` from another connection right after the snapshot has read the table ``after``."""
    real = snapshot._write_table

    def write_then_import(conn, name, folder):
        count = real(conn, name, folder)
        if name == after:
            put(engine, data)
        return count

    monkeypatch.setattr(snapshot, "_write_table", write_then_import)


def test_an_import_committed_during_the_snapshot_is_wholly_absent(first, example_data, tmp_path, monkeypatch):
    import_while_reading(monkeypatch, first, example_data)
    counts = snapshot.export_registry(first, tmp_path / "snap")
    assert column(tmp_path / "snap", "households", "household_no") == ["T05-000002"]
    persons = column(tmp_path / "snap", "persons", "id")
    assert len(persons) == 3 == counts["persons"]  # not the example's people, who were committed meanwhile
    assert set(column(tmp_path / "snap", "members", "person_id")) == set(persons)
    assert not column(tmp_path / "snap", "incomes", "person_id")  # the example's incomes are not half there
    monkeypatch.undo()
    snapshot.export_registry(first, tmp_path / "again")
    assert sorted(column(tmp_path / "again", "households", "household_no")) == ["500111119-000001", "T05-000002"]


@pytest.mark.postgres
def test_postgres_read_committed_would_mix_moments(pg_server, tmp_path, monkeypatch, example_data):
    """The test above can fail: with PostgreSQL's default isolation the same interleaving mixes two moments."""
    from sqlalchemy import create_engine, text

    from jiuzhu import migrate
    from jiuzhu.db import make_engine

    admin = create_engine(f"{pg_server.url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE mixed_moments"))
    engine = make_engine(f"{pg_server.url}/mixed_moments")
    try:
        migrate.upgrade(engine)
        put(engine, json.loads((FIELD_TEST_1 / "households-head-died.json").read_text(encoding="utf-8"))[1])
        monkeypatch.setattr(snapshot, "_one_moment", lambda conn: None)
        import_while_reading(monkeypatch, engine, example_data)
        snapshot.export_registry(engine, tmp_path / "snap")
        assert column(tmp_path / "snap", "households", "household_no") == ["T05-000002"]
        assert len(column(tmp_path / "snap", "persons", "id")) > 3  # people of a household not in the snapshot
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE mixed_moments WITH (FORCE)"))
        admin.dispose()


def test_the_snapshot_transaction_is_repeatable_read_on_postgres(first, tmp_path, monkeypatch):
    seen = []
    real = snapshot._write_table

    def spy(conn, name, folder):
        if not seen:
            seen.append(conn.exec_driver_sql("SHOW transaction_isolation").scalar()
                        if conn.dialect.name == "postgresql" else conn.dialect.name)
            seen.append(conn.in_transaction())
        return real(conn, name, folder)

    monkeypatch.setattr(snapshot, "_write_table", spy)
    snapshot.export_registry(first, tmp_path / "snap")
    assert seen in (["repeatable read", True], ["sqlite", True])


def test_a_failed_snapshot_leaves_no_registry_folder(first, tmp_path, monkeypatch):
    real = snapshot._write_table

    def disk_full_at_members(conn, name, folder):
        if name == "members":
            (folder / "members.parquet").write_bytes(b"PAR1 cut short")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(conn, name, folder)

    monkeypatch.setattr(snapshot, "_write_table", disk_full_at_members)
    with pytest.raises(JiuzhuError, match="disk is full"):
        snapshot.export_registry(first, tmp_path / "snap")
    assert not (tmp_path / "snap" / "registry").exists()
    assert [p.name for p in (tmp_path / "snap").iterdir()] == []
