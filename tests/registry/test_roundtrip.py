"""The interchange round trip: JSON → registry → JSON loses nothing (property test)."""

import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiuzhu.db import session_scope
from jiuzhu.registry import service
from tests.factories import households, id_number


def _roundtrip(engine, data: dict) -> tuple[dict, dict]:
    doc = service.parse_household(data, record="generated")
    with session_scope(engine) as session:
        service.put_household(session, doc, actor="test", reason="round trip")
    with session_scope(engine) as session:
        back = service.household_doc(session, service.get_household(session, doc.household_no))
    # Through text too, as a file would carry it.
    return json.loads(doc.model_dump_json()), json.loads(back.model_dump_json())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=households())
def test_json_registry_json_loses_nothing(sqlite_engine, data):
    sent, received = _roundtrip(sqlite_engine, data)
    assert received == sent


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=households())
def test_round_trip_on_both_backends(engine, data):
    sent, received = _roundtrip(engine, data)
    assert received == sent


def test_round_trip_keeps_unknown_distinct_from_zero(sqlite_engine, example_data):
    example_data["members"][1]["incomes"] = [{"month": "2025-07", "wages": "0.00"}]
    example_data["members"][1]["major_illness"] = None
    sent, received = _roundtrip(sqlite_engine, example_data)
    income = received["members"][1]["incomes"][0]
    assert income["wages"] == "0.00" and income["pension"] is None
    assert received["members"][1]["major_illness"] is None
    assert received == sent


# --------------------------------------------------------------------------- a whole district, and the new facts


def test_a_whole_synthetic_district_exports_and_imports_to_the_same_registry(tmp_path):
    """JSON Lines round trip over a synthetic district (300 households, community codes included): bulk load,
    export unmasked, import into an empty registry, every household document equal."""
    from sqlalchemy import select

    from jiuzhu import migrate
    from jiuzhu.db import make_engine
    from jiuzhu.registry import interchange
    from jiuzhu.registry import models as m
    from jiuzhu.registry.bulk import load_snapshot
    from jiuzhu.synth import generate

    generate(district="500111", households=300, seed=41, out_dir=tmp_path / "district", chunk_households=150)
    source = make_engine(f"sqlite:///{tmp_path / 'source.db'}")
    migrate.upgrade(source)
    load_snapshot(source, tmp_path / "district")
    with session_scope(source) as session:
        assert interchange.export_households(session, tmp_path / "all.jsonl", actor="t", unmask=True) == 300
    copy = make_engine(f"sqlite:///{tmp_path / 'copy.db'}")
    migrate.upgrade(copy)
    report = interchange.import_households_file(copy, tmp_path / "all.jsonl", actor="t", reason="copy", batch=64)
    assert report.rejected == [] and len(report.stored) == 300

    def documents(engine) -> dict[str, dict]:
        with session_scope(engine, write=False) as session:
            households = list(session.scalars(select(m.Household)))
            return {d.household_no: d.model_dump(mode="json") for d in service.households_docs(session, households)}

    before, after = documents(source), documents(copy)
    assert len(before) == 300 and after == before
    assert any(len(doc["area_code"]) == 12 for doc in after.values())  # community codes
    with session_scope(copy) as session:
        interchange.export_households(session, tmp_path / "again.jsonl", actor="t", unmask=True)
    assert (tmp_path / "again.jsonl").read_text(encoding="utf-8") == (tmp_path / "all.jsonl").read_text(
        encoding="utf-8")


@st.composite
def households_with_every_fact(draw):
    """The shared strategy (tests/factories.py: phones, accounts, the dates each property was held, supporters'
    status dates), with the identifiers it leaves out: real-estate certificates and supporters' ID numbers."""
    data = draw(households())
    for i, mem in enumerate(data["members"]):
        for home in mem["real_estate"]:
            home["certificate_no"] = draw(st.none() | st.just("渝(2021)大足区不动产权第0012345号"))
        for supporter in mem["supporters"]:
            supporter["id_number"] = draw(st.none() | st.just(id_number(dt.date(1980, 4, 4), 100 + i, True)))
    return data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=households_with_every_fact())
def test_every_fact_of_the_format_survives_the_round_trip(sqlite_engine, data):
    sent, received = _roundtrip(sqlite_engine, data)
    assert received == sent


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=households_with_every_fact())
def test_documents_read_back_are_the_same_objects_pydantic_would_construct(sqlite_engine, data):
    """``convert.build`` (the fast ``model_construct``) makes exactly what pydantic's would: equal, dumping
    the same JSON in the same order, with the same fields set."""
    doc = service.parse_household(data, record="generated")
    with session_scope(sqlite_engine) as session:
        service.put_household(session, doc, actor="test", reason="round trip")
        built = service.household_doc(session, service.get_household(session, doc.household_no))

    def construct(value):
        if isinstance(value, list):
            return [construct(v) for v in value]
        if not hasattr(value, "model_fields_set"):
            return value
        return type(value).model_construct(**{k: construct(v) for k, v in value.__dict__.items()})

    constructed = construct(built)
    assert built == constructed
    assert built.model_dump_json() == constructed.model_dump_json()
    assert built.model_fields_set == constructed.model_fields_set
    assert built.members[0].model_fields_set == constructed.members[0].model_fields_set
