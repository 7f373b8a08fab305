"""Snapshots generated once per test session, and a DuckDB connection over them."""

from __future__ import annotations

import duckdb
import pytest

from jiuzhu.synth import generate

REGISTRY = ("areas", "households", "persons", "members", "incomes", "financial_assets", "vehicles", "real_estate",
            "businesses", "supporters", "rigid_spending", "enrolments")


@pytest.fixture(scope="session")
def snapshot(tmp_path_factory):
    """5,000 households of 大足 in three chunks (chunk boundaries are exercised)."""
    out = tmp_path_factory.mktemp("synth") / "dazu-5"
    summary = generate(district="500111", households=5_000, seed=5, out_dir=out, month="2025-08", months=12,
                       chunk_households=2_000)
    return out, summary


@pytest.fixture(scope="session")
def db(snapshot):
    """DuckDB views: registry tables by name, departments as dep_<source>, truth as planted/differences."""
    out, _ = snapshot
    con = duckdb.connect()
    for t in REGISTRY:
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{out / 'registry' / (t + '.parquet')}')")
    for f in (out / "departments").glob("*.parquet"):
        con.execute(f"CREATE VIEW dep_{f.stem} AS SELECT * FROM read_parquet('{f}')")
    con.execute(f"CREATE VIEW planted AS SELECT * FROM read_parquet('{out / 'truth' / 'planted.parquet'}')")
    con.execute(f"CREATE VIEW differences AS SELECT * FROM read_parquet('{out / 'truth' / 'differences.parquet'}')")
    yield con
    con.close()
