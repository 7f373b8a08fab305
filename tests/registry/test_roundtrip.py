"""The interchange round trip: JSON → registry → JSON loses nothing (property test)."""

import json

from hypothesis import HealthCheck, given, settings

from jiuzhu.db import session_scope
from jiuzhu.registry import service
from tests.factories import households


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
