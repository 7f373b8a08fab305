"""A small synthetic district loaded into SQLite, shared by the discovery tests."""

from __future__ import annotations

import pytest

from jiuzhu import migrate
from jiuzhu.db import make_engine
from jiuzhu.registry.bulk import load_snapshot
from jiuzhu.synth import generate


@pytest.fixture(scope="session")
def district(tmp_path_factory):
    """(engine, snapshot folder) of 3,000 households of 大足, loaded into an SQLite registry."""
    root = tmp_path_factory.mktemp("district")
    generate(district="500111", households=3_000, seed=11, out_dir=root / "synth", month="2025-08", months=12)
    engine = make_engine(f"sqlite:///{root / 'registry.db'}")
    migrate.upgrade(engine)
    load_snapshot(engine, root / "synth")
    return engine, root / "synth"
