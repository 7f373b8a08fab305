"""Bulk load of a synthetic snapshot: counts, exact read-back, id offsets, all or nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import defaultdict

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select, text

from jiuzhu import migrate
from jiuzhu.db import make_engine, session_scope
from jiuzhu.money import fen_to_yuan
from jiuzhu.registry import models as m
from jiuzhu.registry import service
from jiuzhu.registry.bulk import TABLES, load_snapshot
from jiuzhu.registry.codes import INCOME_CATEGORIES, SELF_CARE_ACTIVITIES
from jiuzhu.synth import generate

MODELS = {t.__tablename__: t for t in (m.Area, m.Household, m.Person, m.Member, m.Income, m.FinancialAsset, m.Vehicle,
                                       m.RealEstate, m.Business, m.Supporter, m.RigidSpending, m.Emergency,
                                       m.Enrolment)}


@pytest.fixture(scope="module")
def dazu(tmp_path_factory):
    out = tmp_path_factory.mktemp("bulk") / "dazu"
    generate(district="500111", households=300, seed=21, out_dir=out, chunk_households=120)
    return out


@pytest.fixture(scope="module")
def yuzhong(tmp_path_factory):
    out = tmp_path_factory.mktemp("bulk") / "yuzhong"
    generate(district="500103", households=80, seed=22, out_dir=out, chunk_households=80)
    return out


def _count(engine, table) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(MODELS[table]))


def _rows(snapshot, table) -> int:
    return pq.ParquetFile(snapshot / "registry" / f"{table}.parquet").metadata.num_rows


def test_counts_equal_the_parquet_row_counts_and_the_load_is_logged(engine, dazu):
    seen = []
    result = load_snapshot(engine, dazu, progress=seen.append, actor="tester", reason="unit test")
    for table in TABLES:
        assert _count(engine, table) == _rows(dazu, table) == result.rows[table], table
    assert result.households == 300 and result.persons == _rows(dazu, "persons")
    assert seen == sorted(seen) and seen[-1] == result.persons
    with session_scope(engine) as session:
        changes = session.scalars(select(m.Change)).all()
    assert len(changes) == 1
    change = changes[0]
    assert (change.household_no, change.path, change.actor, change.reason) == (
        "*", "(bulk load)", "tester", "unit test")
    assert '"persons": %d' % result.persons in change.new_value and str(dazu.name) in change.new_value
    from jiuzhu.audit import service as audit
    from jiuzhu.audit.models import AuditEntry

    with session_scope(engine) as session:  # the load is a row of the audit log too, in its district, chain whole
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "create")).all()
        verdict = audit.verify(session)
    assert [(r.actor, r.reason, r.area_code) for r in rows] == [("tester", "unit test", "500111")]
    assert f"{result.households} households" in rows[0].subject and verdict.ok


def _expected_docs(snapshot) -> dict[str, dict]:
    """The interchange documents of every household, built straight from the Parquet files."""
    t = {name: pq.read_table(snapshot / "registry" / f"{name}.parquet").to_pylist() for name in TABLES}
    persons = {p["id"]: p for p in t["persons"]}
    facts: dict[str, dict[int, list]] = {k: defaultdict(list) for k in
                                         ("incomes", "financial_assets", "vehicles", "real_estate", "businesses",
                                          "supporters")}
    for k in facts:
        for row in t[k]:
            facts[k][row["person_id"]].append(row)

    def money(fen):
        return None if fen is None else f"{fen_to_yuan(fen):.2f}"

    def iso(d):
        return None if d is None else d.isoformat()

    members = defaultdict(list)
    for mem in sorted(t["members"], key=lambda r: (r["household_id"], r["position"])):
        p = persons[mem["person_id"]]
        pid = p["id"]
        members[mem["household_id"]].append({
            "id_number": p["id_number"], "name": p["name"], "sex": p["sex"], "birth_date": iso(p["birth_date"]),
            "death_date": iso(p["death_date"]), "relation": mem["relation"], "phone": p.get("phone"),
            "counted": mem["counted"],
            "exclusion_reason": mem["exclusion_reason"],
            "hukou": {"chongqing": p["hukou_chongqing"], "urban": p["hukou_urban"], "area_code": p["hukou_area_code"]},
            "employment": p["employment"], "sector": p["sector"], "school_level": p["school_level"],
            "major_illness": p["major_illness"],
            "disability": None if p["disability_category"] is None else {
                "category": p["disability_category"], "grade": p["disability_grade"],
                "certificate_no": p["disability_certificate"], "valid_from": iso(p["disability_valid_from"]),
                "valid_to": iso(p["disability_valid_to"])},
            "self_care": None if p["can_eating"] is None else {
                "assessed_on": iso(p["care_assessed_on"]), **{a: p[f"can_{a}"] for a in SELF_CARE_ACTIVITIES}},
            "incomes": [{"month": i["month"], **{c: money(i[c]) for c in INCOME_CATEGORIES}}
                        for i in sorted(facts["incomes"][pid], key=lambda i: i["month"])],
            "financial_assets": [{"kind": a["kind"], "institution": a["institution"], "account": a.get("account"),
                                  "amount": money(a["amount_fen"]), "as_of": iso(a["as_of"])}
                                 for a in facts["financial_assets"][pid]],
            "vehicles": [{"kind": v["kind"], "plate": v["plate"], "value": money(v["value_fen"]),
                          "mobility_for_disabled": v["mobility_for_disabled"],
                          "registered_on": iso(v.get("registered_on")),
                          "deregistered_on": iso(v.get("deregistered_on"))}
                         for v in facts["vehicles"][pid]],
            "real_estate": [{"use": r["use"], "floor_area_m2": f"{r['floor_area_m2']:.2f}",
                             "certificate_no": r["certificate_no"], "location": r["location"],
                             "acquired_on": iso(r.get("acquired_on")), "disposed_on": iso(r.get("disposed_on"))}
                            for r in facts["real_estate"][pid]],
            "businesses": [{"uscc": b["uscc"], "name": b["name"],
                            "registered_capital": money(b["registered_capital_fen"]),
                            "registered_on": iso(b.get("registered_on")),
                            "deregistered_on": iso(b.get("deregistered_on"))}
                           for b in facts["businesses"][pid]],
            "supporters": [{"name": s["name"], "id_number": s["id_number"], "relation": s["relation"],
                            "status": s["status"], "as_of": iso(s.get("as_of"))} for s in facts["supporters"][pid]],
            "in_institution": p["in_institution"], "work_injury_care": p["work_injury_care"],
        })
    id_number = {p["id"]: p["id_number"] for p in t["persons"]}
    rigid, emergencies, enrol = defaultdict(list), defaultdict(list), defaultdict(list)
    for r in t["rigid_spending"]:
        rigid[r["household_id"]].append({"month": r["month"], "category": r["category"],
                                         "amount": money(r["amount_fen"]),
                                         "id_number": id_number.get(r["person_id"])})
    for e in t["emergencies"]:
        emergencies[e["household_id"]].append({"date": iso(e["occurred_on"]), "kind": e["kind"],
                                               "need": money(e["need_fen"]), "note": e["note"]})
    for e in t["enrolments"]:
        enrol[e["household_id"]].append({"programme": e["programme"], "id_number": id_number.get(e["person_id"]),
                                         "monthly_amount": money(e["monthly_amount_fen"]),
                                         "start_date": iso(e["start_date"]), "end_date": iso(e["end_date"]),
                                         "last_review": iso(e["last_review"]), "taper_from": e["taper_from"]})
    return {h["household_no"]: {"household_no": h["household_no"], "area_code": h["area_code"],
                                "address": h["address"], "urban": h["urban"], "declared_on": iso(h["declared_on"]),
                                "members": members[h["id"]], "rigid_spending": rigid[h["id"]],
                                "emergencies": emergencies[h["id"]], "enrolments": enrol[h["id"]]}
            for h in t["households"]}


def _loaded_docs(engine, prefix: str = "") -> dict[str, dict]:
    with session_scope(engine) as session:
        households = session.scalars(select(m.Household).where(m.Household.household_no.startswith(prefix))
                                     .order_by(m.Household.id)).all()
        return {d.household_no: d.model_dump(mode="json") for d in service.households_docs(session, households)}


def test_every_loaded_household_reads_back_equal_to_the_generators_data(engine, dazu):
    load_snapshot(engine, dazu)
    loaded = _loaded_docs(engine)
    expected = _expected_docs(dazu)
    assert loaded.keys() == expected.keys()
    for no, doc in expected.items():
        assert loaded[no] == doc, no
    # And each one is a valid interchange document (ID numbers, area codes, USCCs, one head ...).
    for no, doc in loaded.items():
        service.parse_household(doc, record=no)


def test_a_second_snapshot_is_offset_and_existing_areas_are_skipped(engine, dazu, yuzhong):
    first = load_snapshot(engine, dazu)
    second = load_snapshot(engine, yuzhong)
    assert first.offsets == {}
    assert second.offsets["households"] == 300 and second.offsets["persons"] == first.persons
    for t in ("financial_assets", "incomes", "enrolments"):
        assert _count(engine, t) == _rows(dazu, t) + _rows(yuzhong, t)
    # 500000 (重庆市) came with the first snapshot; the second adds only its own district's areas.
    assert second.rows["areas"] == _rows(yuzhong, "areas") - 1
    with session_scope(engine) as session:
        ids = session.scalars(select(m.Household.id).where(m.Household.household_no.startswith("500103"))).all()
        assert sorted(ids) == list(range(301, 381))
        assert session.scalar(select(func.count()).select_from(m.Change)) == 2
    loaded = _loaded_docs(engine, "500103")
    expected = _expected_docs(yuzhong)
    assert loaded == expected
    if engine.dialect.name == "postgresql":  # sequences follow the loaded ids
        with engine.begin() as conn:
            assert conn.execute(text("SELECT nextval(pg_get_serial_sequence('households', 'id'))")).scalar() == 381


def test_a_failure_midway_leaves_nothing_written(engine, dazu, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(dazu, broken)
    path = broken / "registry" / "enrolments.parquet"
    table = pq.read_table(path)
    bad = pc.add(table.column("household_id"), pa.scalar(1_000_000, pa.int64()))
    pq.write_table(table.set_column(table.schema.get_field_index("household_id"), "household_id", bad), path)
    indexes_before = _index_names(engine)
    first_bad = table.column("id")[0].as_py()
    with pytest.raises(Exception, match=rf"enrolments \(id {first_bad}\): household_id \d+ refers to no row of "
                                        r"households|violates foreign key constraint"):
        load_snapshot(engine, broken)
    for table_name in TABLES:
        assert _count(engine, table_name) == 0, table_name
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(m.Change)) == 0
    assert _index_names(engine) == indexes_before
    # The database is still usable: the intact snapshot loads.
    assert load_snapshot(engine, dazu).households == 300


def _index_names(engine) -> set[str]:
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            return set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'")).scalars())
        return set(conn.execute(text("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")).scalars())


def test_a_folder_that_is_not_a_snapshot_is_refused(engine, tmp_path):
    from jiuzhu.registry.bulk import SnapshotError

    with pytest.raises(SnapshotError, match="missing"):
        load_snapshot(engine, tmp_path)


def test_a_database_that_is_not_a_file_is_refused_by_name(dazu):
    engine = make_engine("sqlite:///:memory:")
    with pytest.raises(ValueError, match="SQLite database file"):
        load_snapshot(engine, dazu)


def test_the_callers_connections_stay_sound_across_loads(tmp_path, dazu, yuzhong):
    """The SQLite load writes from a process of its own (a second build of SQLite must not share this one's
    locks): the caller's pooled connection, open on the file before, between and after, keeps reading a sound
    database."""
    engine = make_engine(f"sqlite:///{tmp_path / 'open.db'}")
    migrate.upgrade(engine)
    with engine.connect() as held:  # held open across both loads
        load_snapshot(engine, dazu)
        assert held.execute(text("SELECT count(*) FROM households")).scalar() == 300
        held.commit()  # end the read transaction: WAL readers keep the snapshot they began with
        load_snapshot(engine, yuzhong)
        assert held.execute(text("SELECT count(*) FROM households")).scalar() == 380
        assert held.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_a_script_without_a_main_guard_can_load(tmp_path, dazu):
    """The SQLite load's own process must not re-run the caller's script (multiprocessing's spawn does, and
    fails in any script without ``if __name__ == "__main__"``)."""
    db = tmp_path / "script.db"
    script = tmp_path / "load.py"
    script.write_text("from jiuzhu import migrate\nfrom jiuzhu.db import make_engine\n"
                      "from jiuzhu.registry.bulk import load_snapshot\n"
                      f"engine = make_engine({f'sqlite:///{db}'!r})\nmigrate.upgrade(engine)\n"
                      f"print('loaded', load_snapshot(engine, {str(dazu)!r}).households)\n", encoding="utf-8")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "loaded 300"
    assert _count(make_engine(f"sqlite:///{db}"), "households") == 300


def test_a_load_stopped_by_the_caller_leaves_nothing_written(tmp_path, dazu):
    """Ctrl-C or a failing progress callback ends the SQLite load's process mid-transaction."""
    engine = make_engine(f"sqlite:///{tmp_path / 'stopped.db'}")
    migrate.upgrade(engine)

    def stop(people: int) -> None:
        if people > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load_snapshot(engine, dazu, progress=stop, batch_rows=50)
    for table in TABLES:
        assert _count(engine, table) == 0, table
    assert load_snapshot(engine, dazu).households == 300
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"


# --------------------------------------------------------------------------- refused before the load starts


def _nothing_loaded(engine) -> None:
    for table in TABLES:
        assert _count(engine, table) == 0, table


def test_a_district_already_loaded_is_refused_before_anything_is_written(engine, dazu):
    from jiuzhu.errors import ConflictError

    load_snapshot(engine, dazu)
    counts = {t: _count(engine, t) for t in TABLES}
    with pytest.raises(ConflictError, match=r"household 500111\S+ of this snapshot is already in the registry.*"
                                            r"nothing was loaded") as info:
        load_snapshot(engine, dazu)
    assert "\n" not in info.value.message
    assert {t: _count(engine, t) for t in TABLES} == counts
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(m.Change)) == 1


def _with_column(snapshot, tmp_path, table, column, change):
    copy = tmp_path / "changed"
    shutil.copytree(snapshot, copy)
    path = copy / "registry" / f"{table}.parquet"
    data = pq.read_table(path)
    i = data.schema.get_field_index(column)
    pq.write_table(data.set_column(i, column, change(data.column(i))), path)
    return copy, data


def test_a_negative_amount_is_refused_naming_table_row_and_column(engine, dazu, tmp_path):
    from jiuzhu.registry.bulk import SnapshotError

    def negate_the_third(col):
        values = col.to_pylist()
        values[2] = -abs(values[2] or 1)
        return pa.array(values, col.type)

    broken, original = _with_column(dazu, tmp_path, "financial_assets", "amount_fen", negate_the_third)
    row_id = original.column("id")[2].as_py()
    with pytest.raises(SnapshotError, match=rf"financial_assets \(id {row_id}\): amount_fen is -\d+, a negative "
                                            r"amount; nothing was loaded"):
        load_snapshot(engine, broken)
    _nothing_loaded(engine)


def test_a_negative_floor_area_is_refused(engine, dazu, tmp_path):
    from decimal import Decimal

    from jiuzhu.registry.bulk import SnapshotError

    broken, _ = _with_column(dazu, tmp_path, "real_estate", "floor_area_m2",
                             lambda col: pa.array([Decimal("-1.00")] + col.to_pylist()[1:], col.type))
    with pytest.raises(SnapshotError, match="floor_area_m2 is -1.00"):
        load_snapshot(engine, broken)
    _nothing_loaded(engine)


def test_areas_outside_the_jurisdiction_are_refused_by_name(engine, dazu, monkeypatch, zh):
    from jiuzhu.registry.bulk import SnapshotError

    monkeypatch.setenv("JIUZHU_JURISDICTION", "500103")  # 渝中区 serves only itself
    with pytest.raises(SnapshotError, match=r"区划 500111\S*：.*不在本登记库的辖区.*未装入任何数据"):
        load_snapshot(engine, dazu)
    _nothing_loaded(engine)


def test_the_load_process_error_arrives_whole(tmp_path, dazu, monkeypatch):
    """An error of the driver in the load's own process (here a clash the checks before the load were made to
    miss) reaches the caller as its one line, not as an unrelated error of unpickling it."""
    from jiuzhu.errors import ConflictError
    from jiuzhu.registry import bulk

    engine = make_engine(f"sqlite:///{tmp_path / 'twice.db'}")
    migrate.upgrade(engine)
    load_snapshot(engine, dazu)
    monkeypatch.setattr(bulk, "check_snapshot", lambda *args: None)
    with pytest.raises(ConflictError, match="UNIQUE constraint failed: .*nothing was loaded"):
        load_snapshot(engine, dazu)
    assert _count(engine, "households") == 300


def test_an_error_that_cannot_cross_the_pipe_arrives_as_its_type_and_message(tmp_path):
    from jiuzhu.registry.bulk import BulkLoadError
    from jiuzhu.registry.sqlite_load import portable_error

    class Unpicklable(Exception):
        def __init__(self, message, *, status_code):
            super().__init__(message)

    error = portable_error(Unpicklable("the driver failed", status_code=3), tmp_path / "x.db")
    assert isinstance(error, BulkLoadError)
    assert error.message == "the bulk load stopped: Unpicklable: the driver failed; nothing was loaded"
    full = portable_error(Exception("database or disk is full"), tmp_path / "x.db")
    assert "the disk is full" in full.message and "x.db" in full.message
