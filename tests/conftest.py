"""Shared fixtures: databases (SQLite and a real PostgreSQL server) and the example household."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from jiuzhu import migrate
from jiuzhu.db import make_engine
from tests import dbtemplate
from tests.pgserver import PostgresServer, find_bindir

# Tests written before Chinese became the default language assert English messages: English is their default.
# Tests of the Chinese texts say so (the ``zh`` fixture, or ``jiuzhu.i18n.use_language("zh")``).
os.environ["JIUZHU_LANG"] = "en"
# The installation's secret (jiuzhu.keys): fixed for the tests, so that none writes a key file into the home folder
# of whoever runs them; tests of the key file remove it (monkeypatch.delenv).
os.environ.setdefault("JIUZHU_SECRET_KEY", "test-secret-0123456789abcdef0123456789abcdef")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "household.json"
# The inputs of field test 1 (copied from the project's shared cases), each one example of a kind of fault.
FIELD_TEST_1 = ROOT / "tests" / "cases" / "field_test_1"
_db_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server():
    bindir = find_bindir()
    if bindir is None:
        pytest.fail("PostgreSQL is not installed (no initdb found); .ci/run installs it: apt-get install postgresql")
    server = PostgresServer(bindir).start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """The URL of a new, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.db'}"
        return
    server = request.getfixturevalue("pg_server")
    name = f"t{next(_db_counter)}"
    admin = create_engine(f"{server.url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield f"{server.url}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def engine(database_url):
    """An engine on a new database whose schema Alembic has created."""
    eng = make_engine(database_url)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path):
    eng = make_engine(f"sqlite:///{tmp_path / 'one.db'}")
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


# Every new database of the suite starts as a copy of one migrated in this session (``tests/dbtemplate.py``): the
# Alembic chain (16 revisions, about a second a database) runs once per backend, not once per test. The modules that
# test the migrations themselves (``*migration*``) run the real chain on every database.
@pytest.fixture(autouse=True)
def _migrated_from_template(request, monkeypatch):
    if "migration" not in request.module.__name__:
        monkeypatch.setattr(migrate, "upgrade", dbtemplate.upgrade)


@pytest.fixture
def zh(monkeypatch):
    """Chinese, the users' default language, for this test (the suite's default is English)."""
    monkeypatch.setenv("JIUZHU_LANG", "zh")
    return "zh"


@pytest.fixture
def example_data() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))
