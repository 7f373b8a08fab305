"""JSON Lines import keeps the good households and reports the bad ones; export → import is lossless."""

import copy
import json

from sqlalchemy import func, select

from jiuzhu.db import session_scope
from jiuzhu.registry import interchange
from jiuzhu.registry import models as m


def _jsonl(path, docs):
    path.write_text("\n".join(d if isinstance(d, str) else json.dumps(d, ensure_ascii=False) for d in docs) + "\n",
                    encoding="utf-8")
    return path


def _variant(example, number, drop=()):
    doc = copy.deepcopy(example)
    doc["household_no"] = f"500111119-{number:06d}"
    doc["members"] = [mem for i, mem in enumerate(doc["members"]) if i not in drop]
    return doc


def test_bad_lines_are_reported_and_good_ones_stored(sqlite_engine, example_data, tmp_path):
    good = _variant(example_data, 1)
    bad_id = _variant(example_data, 2)
    bad_id["members"][0]["id_number"] = "512126195804120030"
    clash = _variant(example_data, 3)  # same people as household 1
    path = _jsonl(tmp_path / "h.jsonl", [good, bad_id, "{not json", clash])
    with session_scope(sqlite_engine) as session:
        report = interchange.import_households(session, path, actor="t", reason="import")
    assert report.stored == ["500111119-000001"]
    by_record = {(e.record, e.field) for e in report.rejected}
    assert ("h.jsonl line 2 (household 500111119-000002)", "members[0].id_number") in by_record
    assert any(r.startswith("h.jsonl line 3") for r, _ in by_record)
    assert ("h.jsonl line 4 (household 500111119-000003)", "members[0].id_number") in by_record
    with session_scope(sqlite_engine) as session:
        assert session.scalar(select(func.count(m.Household.id))) == 1


def test_export_then_import_into_an_empty_database_is_lossless(engine, example_data, tmp_path, sqlite_engine):
    path = _jsonl(tmp_path / "in.jsonl", [example_data])
    with session_scope(engine) as session:
        interchange.import_households(session, path, actor="t", reason="import")
    with session_scope(engine) as session:
        assert interchange.export_households(session, tmp_path / "out.jsonl", actor="t") == 1
    with session_scope(sqlite_engine) as session:
        report = interchange.import_households(session, tmp_path / "out.jsonl", actor="t", reason="copy")
    assert report.rejected == []
    with session_scope(sqlite_engine) as session:
        interchange.export_households(session, tmp_path / "again.jsonl", actor="t")
    assert (tmp_path / "again.jsonl").read_text() == (tmp_path / "out.jsonl").read_text()
    with session_scope(engine) as session:
        assert session.scalar(select(func.count(m.AccessLog.id))) == 1


def test_a_household_failing_inside_the_database_leaves_nothing_half_written(sqlite_engine, example_data, tmp_path,
                                                                             monkeypatch):
    from jiuzhu.errors import JiuzhuError
    from jiuzhu.registry import service

    original = service._log_changes

    def failing_log(session, household_no, *args, **kwargs):
        if household_no.endswith("2"):
            raise JiuzhuError("disk full (simulated)")
        return original(session, household_no, *args, **kwargs)

    monkeypatch.setattr(service, "_log_changes", failing_log)
    second = _variant(example_data, 2)
    for mem, suffix in zip(second["members"], ("1", "2", "3", "4"), strict=True):
        mem["name"] += suffix
    second["members"] = second["members"][:1]
    second["members"][0]["id_number"] = "512126195804120117"
    second["rigid_spending"] = second["enrolments"] = []
    path = _jsonl(tmp_path / "h.jsonl", [_variant(example_data, 1), second])
    with session_scope(sqlite_engine) as session:
        report = interchange.import_households(session, path, actor="t", reason="import")
    assert report.stored == ["500111119-000001"]
    assert [e.reason for e in report.rejected] == ["disk full (simulated)"]
    with session_scope(sqlite_engine) as session:
        assert session.scalar(select(func.count(m.Person.id))) == 4
        assert session.scalar(select(func.count(m.Household.id))) == 1
