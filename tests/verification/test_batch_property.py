"""The law of a batch: whatever the waves and chunks (how many households share a request), each household's
items are those a verification of that household alone gets from the same departments."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiuzhu.db import session_scope
from jiuzhu.verification import flows, service
from jiuzhu.verification.models import Verification
from tests.verification.conftest import AS_OF, principal
from tests.verification.test_batch import all_items, exactly_once, run_direct, spec_for
from tests.verification.test_flows import items


def facts(rows) -> Counter:
    return Counter((i.endpoint, i.person_id, i.item, i.ref, i.month, i.value_fen, str(i.value_num), i.value_text,
                    i.unit, i.as_of, i.status) for i in rows)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(wave_size=st.integers(1, 7), max_subjects=st.integers(2, 9), limit=st.integers(3, 8))
def test_a_household_s_items_in_a_batch_equal_its_own_verification_s(batch_world, simulator, wave_size,
                                                                     max_subjects, limit):
    world = batch_world
    exchange = simulator.exchange(**{name: {"max_subjects": max_subjects} for name in _endpoints(simulator)})
    job_id, _ = run_direct(world, simulator, spec_for(world, wave_size=wave_size, limit=limit), exchange=exchange)
    vs = exactly_once(world, job_id)
    assert vs
    by_v = {}
    for i in all_items(world.engine, job_id):
        by_v.setdefault(i.verification_id, []).append(i)
    for v in vs[:3]:
        with session_scope(world.engine) as session:
            alone = service.start(session, principal(world.area), v.household_no, "review", AS_OF)
        assert flows.run_here(world.engine, alone.id, exchange=simulator.exchange()) == "done"
        assert facts(by_v[v.id]) == facts(items(world.engine, alone.id)), v.household_no
        own = _report(world, alone.id)
        for part in ("complete", "income", "assets", "property", "vehicles", "businesses", "housing_fund",
                     "differences"):  # the report too: built from the household's own members' answers
            assert v.report[part] == own[part], part


def _endpoints(simulator):
    from jiuzhu.exchange import endpoints

    return list(endpoints.load(simulator.sources).endpoints)


def _report(world, vid) -> dict:
    with session_scope(world.engine, write=False) as session:
        return session.get(Verification, vid).report
