"""Migration 0008 moves the old access log into the chain, oldest first, each row with its household's area."""

from __future__ import annotations

from sqlalchemy import inspect, text

from jiuzhu import migrate
from jiuzhu.access import Principal
from jiuzhu.audit import service as audit
from jiuzhu.db import make_engine, session_scope


def test_the_old_access_log_becomes_the_chains_first_rows(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0007")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO areas (code, level, name, source) VALUES ('500111119', 4, '铁山镇', 'x')"))
        conn.execute(text("INSERT INTO households (household_no, area_code, urban) VALUES ('H-1', '500111119', 0)"))
        conn.execute(text("INSERT INTO access_log (at, actor, action, subject, unmasked) VALUES "
                          "('2026-01-02 03:04:05.000000', 'clerk', 'view', 'H-1', 1), "
                          "('2026-01-03 03:04:05.000000', 'clerk', 'export', '导出 a.xlsx，全部区划', 0)"))
    migrate.upgrade(engine)
    assert "access_log" not in inspect(engine).get_table_names()
    with session_scope(engine) as session:
        assert audit.verify(session).ok and audit.verify(session).checked == 2
        page = audit.browse(session, Principal.operator("root", ("50",)))
    rows = [(e.seq, e.actor, e.action, e.subject, e.area_code, e.unmasked, f"{e.at:%Y-%m-%d}") for e in page.items]
    assert rows == [(2, "clerk", "export", "导出 a.xlsx，全部区划", None, False, "2026-01-03"),
                    (1, "clerk", "view", "H-1", "500111119", True, "2026-01-02")]
    _log_one(engine)
    with session_scope(engine) as session:
        assert audit.verify(session).checked == 4  # appends go on from the moved rows
    migrate_down(engine)
    with engine.connect() as conn:
        back = conn.execute(text("SELECT actor, action, subject, unmasked FROM access_log ORDER BY id")).all()
    assert [tuple(r) for r in back] == [("clerk", "view", "H-1", 1), ("clerk", "export", "导出 a.xlsx，全部区划", 0),
                                        ("clerk", "view", "H-1", 0)]
    engine.dispose()


def _log_one(engine) -> None:
    with session_scope(engine) as session:
        audit.append(session, actor="clerk", action="view", subject="H-1", area_code="500111119")
        audit.append(session, actor="admin", action="sign_in", subject="admin", area_code="500111")


def migrate_down(engine) -> None:
    from alembic import command

    cfg = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007")
