"""Migration 0018 adds the time-limit columns, fills them for the cases already there (as every action would
have), and goes down again."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from alembic import command
from sqlalchemy import inspect, text

from jiuzhu import migrate
from jiuzhu.casework import limits
from tests.consent.conftest import HH

COLUMNS = {"limit_late", "limit_unknown", "limit_due", "limit_risk", "limit_years"}


def _columns(engine) -> set[str]:
    with engine.connect() as conn:
        return {c["name"] for c in inspect(conn).get_columns("cases")}


def test_down_fill_and_up_again(sqlite_world):
    engine = sqlite_world
    cfg = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0016")
    assert not COLUMNS & _columns(engine)
    with engine.begin() as conn:  # a case of the old schema: accepted 2026-06-01, decided late on 06-30
        household_id = conn.execute(text("SELECT id FROM households WHERE household_no = :no"), {"no": HH}).scalar()
        conn.execute(text(
            "INSERT INTO cases (case_no, kind, household_id, household_no, area_code, programmes, month, state, "
            "version, received_on, accepted_on, decided_on, decision, created_at) VALUES ('C-OLD-1', "
            "'application', :hh, :no, '500111119', '[\"dibao\"]', '2025-08', 'approved', 3, '2026-06-01', "
            "'2026-06-01', '2026-06-30', 'approve', '2026-06-01 00:00:00')"), {"hh": household_id, "no": HH})
    migrate.upgrade(engine)
    assert COLUMNS <= _columns(engine)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT limit_late, limit_unknown, limit_due, limit_risk, limit_years FROM cases "
                                "WHERE case_no = 'C-OLD-1'")).one()
    expected = limits.columns(SimpleNamespace(
        kind="application", received_on=dt.date(2026, 6, 1), accepted_on=dt.date(2026, 6, 1),
        investigation_on=None, decided_on=dt.date(2026, 6, 30), notified_on=None, special_reason=None,
        decision="approve"))
    assert bool(row[0]) is True and expected["limit_late"] is True  # the decision came after 10 working days
    assert bool(row[1]) is expected["limit_unknown"] is False
    assert str(row[2]) == expected["limit_due"].isoformat() and str(row[3]) == expected["limit_risk"].isoformat()
    assert row[4] == limits.years_key()
