"""db.plan_with_values: on PostgreSQL, the transaction's statements are planned with their values (a prepared
statement's generic plan guessed a few rows for a district's area prefix and made the search 10-20× slower);
the setting ends with the transaction; SQLite has nothing to set."""

from __future__ import annotations

from sqlalchemy import text

from jiuzhu.db import plan_with_values, session_scope


def _mode(session) -> str:
    return session.execute(text("SHOW plan_cache_mode")).scalar_one()


def test_plans_with_values_for_this_transaction_only(engine):
    with session_scope(engine, write=False) as session:
        plan_with_values(session)
        if engine.dialect.name == "postgresql":
            assert _mode(session) == "force_custom_plan"
        else:
            assert session.execute(text("SELECT 1")).scalar_one() == 1  # nothing set, the session still works
    if engine.dialect.name == "postgresql":
        with session_scope(engine, write=False) as session:
            assert _mode(session) == "auto"
