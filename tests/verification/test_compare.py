"""申报 vs 核对 (``verification.compare``): the answers rebuilt from what T2 stored give back the report T2 froze —
so the verified household the rules see is the one the report describes — and the side-by-side evaluation runs the
rules once over both, a failed source's categories unknown (never zero)."""

from __future__ import annotations

import pytest

from jiuzhu.db import session_scope
from jiuzhu.errors import ConflictError, ForbiddenError, NotFoundError
from jiuzhu.verification import compare, flows, service
from jiuzhu.verification.models import Verification
from jiuzhu.verification.report import ReportMeta, build_report
from tests.verification.conftest import AS_OF, load_world, principal

SAME = ("income", "assets", "property", "vehicles", "businesses", "housing_fund", "differences", "sources",
        "completeness", "complete")


def _run(engine, world, exchange):
    with session_scope(engine) as session:
        vid = service.start(session, principal(world.area_code), world.household_no, "review", AS_OF).id
    flows.run_here(engine, vid, exchange=exchange)
    return vid


def _rebuilt(engine, vid) -> tuple[dict, dict]:
    from jiuzhu.registry import schemas as s

    with session_scope(engine, write=False) as session:
        v = session.get(Verification, vid)
        meta = ReportMeta(household_no=v.household_no, area_code=v.area_code, purpose_kind=v.purpose_kind,
                          purpose_reference=v.report["purpose"]["reference"], requested_by=v.requested_by,
                          as_of=v.as_of, verification_id=v.id, window_from=v.window_from, window_to=v.window_to,
                          created_at=None)
        again = build_report(meta, s.Household.model_validate(v.declared), compare.outcomes(session, v),
                             v.as_of.strftime("%Y-%m"))
        return v.report, again


def _without_times(part):
    if isinstance(part, list):
        return [_without_times(x) for x in part]
    if isinstance(part, dict):
        return {k: _without_times(x) for k, x in part.items() if k not in ("answered_at", "reason")}
    return part


@pytest.mark.parametrize("case", ["all answer", "a bank down"])
def test_the_answers_rebuilt_from_storage_give_back_the_frozen_report(engine, district, simulator, case):
    world = load_world(engine, district)
    down = {"bank.cqrcb": {"url": "http://127.0.0.1:9", "attempts": 1}} if case == "a bank down" else {}
    vid = _run(engine, world, simulator.exchange(**down))
    frozen, again = _rebuilt(engine, vid)
    for part in SAME:
        assert _without_times(again[part]) == _without_times(frozen[part]), part
    assert [m["items"] for m in again["members"]] == [m["items"] for m in frozen["members"]]
    assert [m["unknown_categories"] for m in again["members"]] == [m["unknown_categories"]
                                                                  for m in frozen["members"]]
    if case == "a bank down":
        assert frozen["assets"]["known"] is False and frozen["assets"]["financial_fen"] is None


def test_side_by_side_runs_the_rules_on_both_and_lists_what_changes(engine, district, simulator):
    world = load_world(engine, district)
    vid = _run(engine, world, simulator.exchange(**{"bank.cqrcb": {"url": "http://127.0.0.1:9", "attempts": 1}}))
    with session_scope(engine) as session:
        got = compare.side_by_side(session, principal(world.area_code), vid)
    assert got["month"] == AS_OF.strftime("%Y-%m") and got["complete"] is False
    assert "bank.cqrcb" in got["unknown_sources"]
    declared, verified = got["declared"], got["verified"]
    assert [p["programme"] for p in declared["programmes"]] == [p["programme"] for p in verified["programmes"]]
    # every change listed is a real difference, and every difference is listed
    pairs = {p["programme"]: (p["status"], p["monthly_amount"]) for p in declared["programmes"]}
    expected = [p["programme"] for p in verified["programmes"]
                if pairs[p["programme"]] != (p["status"], p["monthly_amount"])]
    assert [c["programme"] for c in got["changes"]] == expected
    # a bank that did not answer: the household's assets are unknown to the rules, so 低保 is never "eligible" by a
    # zero read for the missing balances — it is unknown or refused on what is known to exceed the line
    dibao = next(p for p in verified["programmes"] if p["programme"] == "dibao")
    assert dibao["status"] in ("needs_information", "not_eligible"), dibao["status"]
    assert all("*" in m["member"] for p in verified["programmes"] for m in p.get("persons") or [] if "member" in m)


def test_side_by_side_refuses_before_the_end_outside_the_area_and_without_the_permission(engine, district):
    from jiuzhu.access import Role

    world = load_world(engine, district)
    with session_scope(engine) as session:
        vid = service.start(session, principal(world.area_code), world.household_no, "review", AS_OF).id
    with session_scope(engine) as session:
        with pytest.raises(ConflictError):
            compare.side_by_side(session, principal(world.area_code), vid)
        with pytest.raises(NotFoundError):
            compare.side_by_side(session, principal("500111001" if world.area_code != "500111001" else "500111002"),
                                 vid)
        with pytest.raises(ForbiddenError):
            compare.side_by_side(session, principal(world.area_code, Role.AUDITOR), vid)
