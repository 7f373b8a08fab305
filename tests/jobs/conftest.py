"""Fixtures of the job tests: the small district (tests/jobs/district.py) and a worker that runs here."""

from __future__ import annotations

import pytest

from tests.jobs import district


@pytest.fixture(scope="session")
def district_db(tmp_path_factory):
    return district.build(tmp_path_factory.mktemp("jobs-district"))


@pytest.fixture
def registry(district_db, tmp_path):
    """(engine, home) on a copy of the small district."""
    engine = district.copy(district_db, tmp_path / "home")
    yield engine, tmp_path / "home"
    engine.dispose()
