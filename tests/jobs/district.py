"""A small synthetic district (300 households of 大足) loaded into SQLite once per test session, copied for each
test that changes it; and a scan of it."""

from __future__ import annotations

import shutil
from pathlib import Path

from jiuzhu import migrate
from jiuzhu.access import Principal, Role
from jiuzhu.db import make_engine

DISTRICT = "500111"
MONTH = "2025-08"


def build(root: Path) -> Path:
    """Generate and load the district under ``root``; returns the database file."""
    from jiuzhu.registry.bulk import load_snapshot
    from jiuzhu.synth import generate

    generate(district=DISTRICT, households=300, seed=11, out_dir=root / "synth", month=MONTH, months=12)
    engine = make_engine(f"sqlite:///{root / 'registry.db'}")
    migrate.upgrade(engine)
    load_snapshot(engine, root / "synth")
    engine.dispose()
    return root / "registry.db"


def copy(database: Path, folder: Path):
    """An engine on a copy of the district's database in ``folder`` (a test may change it freely)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "registry.db"
    shutil.copyfile(database, target)
    engine = make_engine(f"sqlite:///{target}")
    migrate.upgrade(engine)
    return engine


def principal(role: Role, area: str, name: str | None = None) -> Principal:
    from jiuzhu.registry.areas import prefix

    return Principal(username=name or f"{role.value}-{area}", role=role, area_code=area, area_prefixes=(prefix(area),))


def busiest_townships(engine, n: int = 2) -> list[str]:
    from sqlalchemy import text

    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text(
            "SELECT substr(area_code, 1, 9) AS t, count(*) AS n FROM households GROUP BY t "
            "ORDER BY n DESC, t LIMIT :n"),
            {"n": n})]
