"""A batch and the members' authorizations: a withdrawal mid-batch stops every later request about that member (no
request sent after the withdrawal's commit carries that consent — the departments' decision logs say so), the
household asked about in the wave then in flight keeps the others' items and has the member's unknown; a
household whose wave comes later is blocked; a household done before keeps its items. And the submit's checks."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from jiuzhu import clock
from jiuzhu.access import Principal, Role
from jiuzhu.consent import service as consents
from jiuzhu.db import session_scope
from jiuzhu.errors import ForbiddenError, JiuzhuError
from jiuzhu.jobs import kinds
from jiuzhu.registry import models as rm
from jiuzhu.verification.models import BatchItem
from tests.verification.conftest import AS_OF, principal
from tests.verification.test_batch import (
    all_items,
    batch_items,
    exactly_once,
    run_direct,
    spec_for,
    submit,
    verifications,
)


def members_of(engine, household_no) -> list[dict]:
    with session_scope(engine, write=False) as session:
        rows = consents.check_required(session, household_no, consents.Purpose("review"), clock.today())
        return [{"person_id": m.person_id, "consent": m.record_id} for m in rows]


def withdraw(world, record_id) -> None:
    with session_scope(world.engine) as session:
        consents.withdraw(session, principal(world.area), record_id, reason="本人撤回")


def test_a_withdrawal_mid_batch_stops_every_later_request_about_that_member(batch_world, simulator):
    world, since = batch_world, len(simulator.decisions())
    order = [no for no in sorted(world.consented + world.unconsented)]
    wave = 4
    def pick(n: int, members: int = 1) -> str:  # a household of wave n + 1, wholly authorized
        return next(no for no in order[n * wave:(n + 1) * wave]
                    if no in world.consented and len(members_of(world.engine, no)) >= members)

    first, middle, late = pick(0), pick(2, members=2), pick(4)  # in waves 1, 3 (two members or more) and 5
    gone = {no: members_of(world.engine, no)[0] for no in (first, middle, late)}
    job = {}

    def after_prepare(w):
        if w.number == 3:  # wave 1 done and recorded, wave 3 prepared and not sent
            before = [i for i in all_items(world.engine, job["id"]) if i.person_id == gone[first]["person_id"]]
            job["kept"] = sorted((i.endpoint, i.item, i.ref, i.month, i.status) for i in before)
            for no in (first, middle, late):
                withdraw(world, gone[no]["consent"])

    job["id"] = 7001
    job_id, result = run_direct(world, simulator, spec_for(world, wave_size=wave, in_flight=1), job_id=job["id"],
                                after_prepare=after_prepare)
    exactly_once(world, job_id)
    withdrawn = {g["consent"] for g in gone.values()}
    # Not one request after the withdrawals carried those consents: every one of wave 3 onwards was signed after.
    with session_scope(world.engine, write=False) as session:
        from jiuzhu.verification.models import BatchQuery

        later = set(session.scalars(select(BatchQuery.request_id).where(BatchQuery.job_id == job_id,
                                                                          BatchQuery.wave >= 3)))
    decisions = [d for d in simulator.decisions(since) if d["request_id"] in later]
    assert decisions and not [d for d in decisions if withdrawn & set(d.get("consents") or [])]
    items = {i.household_no: i for i in batch_items(world.engine, job_id)}
    # Done before: its items kept, with the consent they relied on.
    assert items[first].status == "done"
    after = [i for i in all_items(world.engine, job_id) if i.person_id == gone[first]["person_id"]]
    assert sorted((i.endpoint, i.item, i.ref, i.month, i.status) for i in after) == job["kept"] and job["kept"]
    assert {i.consent_id for i in after} == {gone[first]["consent"]}
    # In flight: asked about without the member (their items unknown: consent ended), the others whole.
    assert items[middle].status == "done"
    mine = [i for i in all_items(world.engine, job_id) if i.verification_id == items[middle].verification_id]
    theirs = [i for i in mine if i.person_id == gone[middle]["person_id"]]
    assert theirs and all(i.status == "unknown" and i.reason == "consent_ended" and i.value_fen is None
                          for i in theirs)
    assert [i for i in mine if i.person_id != gone[middle]["person_id"] and i.status != "unknown"]
    report = next(v.report for v in verifications(world.engine, job_id) if v.id == items[middle].verification_id)
    assert {s["reason"] for s in report["sources"]} == {  # said why, not 'refused' / 'missing from the answer'
        "1 member(s) not asked: their authorization ended (withdrawn) after the verification began"}
    # Later: blocked, nothing asked, the reason said.
    assert items[late].status == "blocked" and items[late].verification_id is None
    assert "withdrawn" in items[late].reason or "撤回" in items[late].reason
    assert result["blocked"] == len(world.unconsented) + 1


def test_submit_refuses_what_cannot_run(batch_world, zh):
    world = batch_world
    with session_scope(world.engine) as session:
        worker = Principal(username="w", role=Role.COMMUNITY_WORKER, area_code=world.area,
                           area_prefixes=(world.area,))
        with pytest.raises(ForbiddenError):
            kinds.submit_verify_batch(session, worker, area=world.area)
        town = principal("500111001")
        with pytest.raises(ForbiddenError):
            kinds.submit_verify_batch(session, town, area="500112")
        who = principal(world.area)
        for options, field, words in [
            ({"purpose_kind": "audit"}, "purpose", "audit"),
            ({"programme": "welfare"}, "programme", "dibao"),
            ({"as_of": clock.today() + dt.timedelta(days=3)}, "as_of", "之后"),
            ({"limit": 0}, "limit", "1"),
            ({"programme": "tekun", "as_of": dt.date(2021, 7, 31)}, "area", "500111"),
            ({"as_of": dt.date(2000, 1, 31)}, "as_of", "2021-07-01"),  # before the rules in force
            ({"purpose_ref": "复" * 101}, "purpose_ref", "100"),  # refused, never cut
        ]:
            with pytest.raises(JiuzhuError) as refused:
                kinds.submit_verify_batch(session, who, area=world.area, **options)
            assert refused.value.field == field and words in refused.value.message, refused.value.message
        assert not session.scalars(select(BatchItem)).all()


def test_one_batch_per_area_at_a_time(batch_world):
    from jiuzhu.errors import ConflictError

    first = submit(batch_world)
    with pytest.raises(ConflictError) as second:
        submit(batch_world)
    assert str(first.id) in second.value.message


def test_a_programme_filter_takes_only_its_enrolled_households(batch_world, simulator):
    from jiuzhu.verification import batch_service

    with session_scope(batch_world.engine, write=False) as session:
        enrolled = set(session.scalars(select(rm.Household.household_no).join(
            rm.Enrolment, rm.Enrolment.household_id == rm.Household.id).where(
            rm.Enrolment.programme == "dibao", rm.Enrolment.start_date <= AS_OF,
            (rm.Enrolment.end_date.is_(None)) | (rm.Enrolment.end_date >= AS_OF))))
    assert enrolled
    n = batch_service.materialise(batch_world.engine, 4242, spec_for(batch_world, programme="dibao"),
                                  lambda s: None)
    assert n == len(enrolled)
    assert {i.household_no for i in batch_items(batch_world.engine, 4242)} == enrolled
    assert batch_service.materialise(batch_world.engine, 4242, spec_for(batch_world, programme="dibao"),
                                     lambda s: None) == n  # a second run writes nothing more
    assert len(batch_items(batch_world.engine, 4242)) == n
