"""Lossless round trips: export (unmasked) → import into an empty registry gives the same registry.

Property tests on generated households (every fact of the format: income months, statements of accounts,
held dates, supporters' status dates, rigid spending, emergencies, enrolments with end, review and taper,
formula-like text, community codes), for .xlsx and CSV; and one test over a whole synthetic district.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from jiuzhu.db import session_scope
from jiuzhu.registry import models as m
from jiuzhu.registry import service
from jiuzhu.registry.ledger import export_ledger, import_ledger
from tests.factories import households

AREAS = ["500111119", "500111119S02", "500111001S01", "500111120001", "500103011"]
FORMULA_LIKE = ["=1+2", "-测试壬妻", "+86", "@王", "'=王", "''王", "=HYPERLINK(\"http://example.invalid/\",\"铁山\")"]


def documents(engine) -> dict[str, dict]:
    with session_scope(engine) as session:
        found = list(session.scalars(select(m.Household)))
        return {d.household_no: d.model_dump(mode="json") for d in service.households_docs(session, found)}


def put_all(engine, data: list[dict]) -> None:
    with session_scope(engine) as session:
        for item in data:
            service.put_household(session, service.parse_household(item, record="gen"), actor="gen", reason="gen")


def changes(engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(m.Change))


@st.composite
def registries(draw) -> list[dict]:
    """One to three generated households, with community codes and formula-like text."""
    data = [draw(households(n + 1)) for n in range(draw(st.integers(1, 3)))]
    ids = [mem["id_number"] for h in data for mem in h["members"]]
    assume(len(set(ids)) == len(ids))
    for h in data:
        h["area_code"] = draw(st.sampled_from(AREAS))
        h["address"] = draw(st.sampled_from([h["address"], *FORMULA_LIKE]))
        for mem in h["members"]:
            mem["name"] = draw(st.sampled_from([mem["name"], *FORMULA_LIKE[:-1]]))
    return data


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=registries(), suffix=st.sampled_from([".xlsx", ".csv"]),
       month=st.sampled_from(["2023-05", "2025-07", "2025-08", "2026-06"]))
def test_export_then_import_into_an_empty_registry_is_the_same(module_db, tmp_path_factory, data, suffix, month):
    source, target = module_db(), module_db()
    put_all(source, data)
    path = tmp_path_factory.mktemp("rt") / f"ledger{suffix}"
    with session_scope(source) as session:
        assert export_ledger(session, path, month=month, unmask=True, actor="clerk") == len(data)
    with session_scope(target) as session:
        report = import_ledger(session, path, actor="clerk", reason="round trip")
    assert report.rejected == []
    assert documents(target) == documents(source)
    # and importing the registry's own ledger back into it changes nothing
    before = changes(source)
    with session_scope(source) as session:
        assert import_ledger(session, path, actor="clerk", reason="again").rejected == []
    assert changes(source) == before


# ----------------------------------------------------------------------------- a whole synthetic district


@pytest.fixture(scope="module")
def district(tmp_path_factory, module_db):
    """A synthetic district of 300 households (community codes such as 500111119S02), bulk loaded."""
    from jiuzhu.registry.bulk import load_snapshot
    from jiuzhu.synth import generate

    folder = tmp_path_factory.mktemp("synth")
    generate(district="500111", households=300, seed=11, out_dir=folder)
    engine = module_db()
    load_snapshot(engine, folder)
    return engine


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_whole_synthetic_district_round_trips(district, module_db, tmp_path, suffix):
    source = documents(district)
    assert any("S" in doc["area_code"] for doc in source.values())
    path = tmp_path / f"district{suffix}"
    with session_scope(district) as session:
        assert export_ledger(session, path, month="2025-08", unmask=True, actor="clerk") == 300
    target = module_db()
    with session_scope(target) as session:
        report = import_ledger(session, path, actor="clerk", reason="round trip")
    assert report.rejected == [] and report.stored_households == 300
    assert documents(target) == source
