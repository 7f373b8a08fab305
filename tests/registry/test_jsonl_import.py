"""A file of any size: streamed line by line, committed in batches of their own, resumed by importing it again
(households stored unchanged are skipped and log nothing), each household stored wholly or not at all."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from jiuzhu.db import session_scope
from jiuzhu.registry import interchange, service
from jiuzhu.registry import models as m
from tests.factories import id_number


class Stop(Exception):
    pass


def _household(number: int, prefix: str = "500111119", seq: int | None = None, **change) -> dict:
    birth = dt.date(1950 + number % 50, 1 + number % 12, 1 + number % 28)
    doc = {"household_no": f"{prefix}-{number:06d}", "area_code": "500111119", "urban": False,
           "declared_on": "2025-08-05",
           "members": [{"id_number": id_number(birth, number if seq is None else seq, number % 2 == 0),
                        "name": "测试", "relation": "head",
                        "incomes": [{"month": "2025-07", "wages": f"{number}.00"}],
                        "financial_assets": [{"kind": "deposit", "amount": "10.00", "as_of": "2025-07-31"}]}]}
    doc.update(change)
    return doc


def _write(path, docs):
    path.write_text("".join((d if isinstance(d, str) else json.dumps(d, ensure_ascii=False)) + "\n" for d in docs),
                    encoding="utf-8")
    return path


def _count(engine, model) -> int:
    with session_scope(engine, write=False) as session:
        return session.scalar(select(func.count()).select_from(model))


def _docs(engine) -> dict[str, dict]:
    with session_scope(engine, write=False) as session:
        households = list(session.scalars(select(m.Household)))
        return {d.household_no: d.model_dump(mode="json") for d in service.households_docs(session, households)}


def test_progress_is_reported_per_batch_and_every_household_stored(sqlite_engine, tmp_path):
    docs = [_household(n) for n in range(1, 12)]
    path = _write(tmp_path / "h.jsonl", docs)
    seen: list[int] = []
    size: list[int] = []
    report = interchange.import_households_file(sqlite_engine, path, actor="t", reason="r", batch=4,
                                                progress=seen.append, total=size.append)
    lines = path.read_bytes().splitlines(keepends=True)
    assert size == [path.stat().st_size]  # the file is read once: progress in bytes, not in records counted first
    assert seen == [sum(map(len, lines[:4])), sum(map(len, lines[:8])), path.stat().st_size]
    assert report.records == 11 and len(report.stored) == 11 and report.rejected == []
    expected = {d["household_no"]: service.parse_household(d, record="t").model_dump(mode="json") for d in docs}
    assert _docs(sqlite_engine) == expected
    with session_scope(sqlite_engine, write=False) as session:
        assert [c.path for c in session.scalars(select(m.Change))] == ["(created)"] * 11


def test_an_interrupted_import_keeps_its_batches_and_is_resumed_by_importing_again(sqlite_engine, tmp_path):
    docs = [_household(n) for n in range(1, 11)]
    docs.insert(7, "{ not json")  # in the third batch: never read before the stop
    path = _write(tmp_path / "h.jsonl", docs)

    batches: list[int] = []

    def stop_after_two_batches(done: int) -> None:  # progress comes once per batch (in bytes)
        batches.append(done)
        if len(batches) == 2:
            raise Stop

    with pytest.raises(Stop):
        interchange.import_households_file(sqlite_engine, path, actor="t", reason="r", batch=3,
                                           progress=stop_after_two_batches)
    assert _count(sqlite_engine, m.Household) == 6  # two batches committed, each in its own transaction
    assert _count(sqlite_engine, m.Change) == 6
    report = interchange.import_households_file(sqlite_engine, path, actor="t", reason="r", batch=3)
    assert len(report.unchanged) == 6 and len(report.stored) == 4
    assert [e.record for e in report.rejected] == ["h.jsonl line 8"]
    assert _count(sqlite_engine, m.Household) == 10 and _count(sqlite_engine, m.Change) == 10


def test_importing_the_same_file_again_changes_and_logs_nothing(engine, tmp_path, example_data):
    docs = [_household(n, prefix="T") for n in range(1, 6)] + [example_data]
    path = _write(tmp_path / "h.jsonl", docs)
    interchange.import_households_file(engine, path, actor="t", reason="r", batch=2)
    before = _docs(engine)
    with engine.connect() as conn:
        rows_before = {t: conn.execute(text(f"SELECT count(*), max(id) FROM {t}")).one()
                       for t in ("persons", "financial_assets", "changes")}
    report = interchange.import_households_file(engine, path, actor="t", reason="r", batch=2)
    assert report.stored == [] and len(report.unchanged) == 6
    assert _docs(engine) == before
    with engine.connect() as conn:
        assert {t: conn.execute(text(f"SELECT count(*), max(id) FROM {t}")).one() for t in rows_before} == rows_before


def test_a_changed_household_is_stored_and_only_its_changes_logged(sqlite_engine, tmp_path):
    path = _write(tmp_path / "h.jsonl", [_household(n) for n in range(1, 4)])
    interchange.import_households_file(sqlite_engine, path, actor="t", reason="first")
    changed = _household(2)
    changed["members"][0]["incomes"][0]["wages"] = "999.00"
    report = interchange.import_households_file(
        sqlite_engine, _write(tmp_path / "h2.jsonl", [_household(1), changed, _household(3)]), actor="t",
        reason="second")
    assert report.stored == ["500111119-000002"] and len(report.unchanged) == 2
    with session_scope(sqlite_engine) as session:
        log = service.read_history(session, "500111119-000002", actor="t", unmask=True)
    assert [(c["path"], c["old"], c["new"], c["reason"]) for c in log[1:]] == [
        (f"members[{changed['members'][0]['id_number']}].incomes[2025-07].wages", "2.00", "999.00", "second")]


def test_a_household_twice_in_one_batch_ends_as_its_last_line(sqlite_engine, tmp_path):
    later = _household(1)
    later["address"] = "后来的地址"
    report = interchange.import_households_file(
        sqlite_engine, _write(tmp_path / "h.jsonl", [_household(1), _household(2), later]), actor="t", reason="r")
    assert report.stored == ["500111119-000001", "500111119-000002", "500111119-000001"]
    assert _docs(sqlite_engine)["500111119-000001"]["address"] == "后来的地址"
    with session_scope(sqlite_engine, write=False) as session:
        paths = [c.path for c in session.scalars(select(m.Change).where(m.Change.household_no == "500111119-000001"))]
    assert paths == ["(created)", "address"]


def test_a_person_in_two_new_households_of_a_batch_is_refused_in_the_second(sqlite_engine, tmp_path):
    first, second = _household(1), _household(2)
    second["members"] = copy.deepcopy(first["members"])
    report = interchange.import_households_file(
        sqlite_engine, _write(tmp_path / "h.jsonl", [first, second, _household(3)]), actor="t", reason="r")
    assert report.stored == ["500111119-000001", "500111119-000003"]
    [error] = report.rejected
    assert error.record == "h.jsonl line 2 (household 500111119-000002)" and error.field == "members[0].id_number"
    assert "already a member of household 500111119-000001" in error.reason


def test_a_household_refused_by_the_database_inside_a_batch_is_the_only_one_refused(sqlite_engine, tmp_path):
    with sqlite_engine.begin() as conn:
        conn.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON financial_assets WHEN NEW.amount_fen = 1234 "
                          "BEGIN SELECT RAISE(ABORT, 'refused (simulated)'); END"))
    docs = [_household(n) for n in range(1, 6)]
    docs[2]["members"][0]["financial_assets"][0]["amount"] = "12.34"
    report = interchange.import_households_file(sqlite_engine, _write(tmp_path / "h.jsonl", docs), actor="t",
                                                reason="r")
    assert sorted(report.stored) == [f"500111119-{n:06d}" for n in (1, 2, 4, 5)]
    [error] = report.rejected
    assert error.record.startswith("h.jsonl line 3") and "refused (simulated)" in error.reason
    assert _count(sqlite_engine, m.Person) == 4 and _count(sqlite_engine, m.FinancialAsset) == 4
    assert _count(sqlite_engine, m.Change) == 4


def test_people_who_left_a_household_join_a_new_one_with_their_new_facts_only(sqlite_engine, tmp_path):
    both = _household(1)
    both["members"].append({**_household(2)["members"][0], "relation": "child"})
    interchange.import_households_file(sqlite_engine, _write(tmp_path / "a.jsonl", [both]), actor="t", reason="r")
    alone = _household(1)  # the child leaves ...
    moved = _household(2)  # ... and heads a household of their own, with other facts
    moved["members"][0]["financial_assets"][0]["amount"] = "55.00"
    report = interchange.import_households_file(sqlite_engine, _write(tmp_path / "b.jsonl", [alone, moved]),
                                                actor="t", reason="r")
    assert report.rejected == [] and sorted(report.stored) == ["500111119-000001", "500111119-000002"]
    assert _docs(sqlite_engine)["500111119-000002"]["members"][0]["financial_assets"] == [
        {"kind": "deposit", "institution": None, "account": None, "amount": "55.00", "as_of": "2025-07-31"}]
    assert _count(sqlite_engine, m.FinancialAsset) == 2


# --------------------------------------------------------------------------- the property

_examples = itertools.count()
BAD = {
    "negative": lambda d: d["members"][0]["financial_assets"][0].__setitem__("amount", "-1.00"),
    "future": lambda d: d.__setitem__("declared_on", "2099-01-01"),
    "check digit": lambda d: d["members"][0].__setitem__(
        "id_number", d["members"][0]["id_number"][:-1] + ("0" if d["members"][0]["id_number"][-1] != "0" else "1")),
    "no head": lambda d: d["members"][0].__setitem__("relation", "child"),
    "not json": None,
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from([None, *BAD]), min_size=1, max_size=9), batch=st.integers(1, 4))
def test_any_mix_of_good_and_bad_records_stores_exactly_the_good_ones(sqlite_engine, tmp_path, kinds, batch):
    run = next(_examples)
    prefix = f"P{run:04d}"
    lines, good = [], {}
    for n, kind in enumerate(kinds):
        doc = _household(n, prefix=prefix)
        doc["members"][0]["id_number"] = id_number(dt.date(1930, 1, 1) + dt.timedelta(days=run * 10 + n), n, True)
        if kind is None:
            good[doc["household_no"]] = service.parse_household(doc, record="t").model_dump(mode="json")
            lines.append(doc)
        elif kind == "not json":
            lines.append(json.dumps(doc)[:-3])
        else:
            BAD[kind](doc)
            lines.append(doc)
    path = _write(tmp_path / f"{prefix}.jsonl", lines)
    report = interchange.import_households_file(sqlite_engine, path, actor="t", reason="r", batch=batch)
    assert sorted(report.stored) == sorted(good)
    assert report.rejected_households == len(kinds) - len(good)
    stored = {no: doc for no, doc in _docs(sqlite_engine).items() if no.startswith(prefix)}
    assert stored == good
