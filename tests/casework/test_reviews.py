"""Reviews: due after 6 months (someone able to work) or 12 (nobody able to work); a review case runs the rules
again and continues, adjusts (the old enrolment ends at the month's end, the new amount starts the next month) or
stops, each a decision with its notice; the taper month is recorded on the 低保 enrolment."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from jiuzhu.casework import reviews, steps
from jiuzhu.consent.service import Purpose
from jiuzhu.db import session_scope
from jiuzhu.errors import ConflictError, JiuzhuError
from jiuzhu.registry import models as rm
from jiuzhu.registry import service as registry
from tests.casework.conftest import MONTH, finished_verification, give_consents
from tests.consent.conftest import HH


def edit(engine, change) -> None:
    with session_scope(engine) as session:
        hh = session.scalars(select(rm.Household).where(rm.Household.household_no == HH)).one()
        doc = registry.household_doc(session, hh).model_dump(mode="json")
        change(doc)
        registry.put_household(session, registry.parse_household(doc, record=HH), actor="t", reason="test")


def enrolments(engine) -> list[tuple]:
    with session_scope(engine) as session:
        return sorted((e.programme, e.monthly_amount_fen, e.start_date, e.end_date, e.last_review, e.taper_from)
                      for e in session.scalars(select(rm.Enrolment)))


def review_to_proposal(engine, worker, today, **propose):
    with session_scope(engine) as session:
        case = reviews.open_review(session, worker, HH, month=MONTH)
        give_consents(session, worker, Purpose("review", case.case_no), today.day)
        steps.authorize(session, worker, case.case_no)
        steps.link_verification(session, worker, case.case_no, finished_verification(session))
        case = reviews.propose(session, worker, case.case_no, **propose)
        return case.case_no, reviews.suggested(session, case)


def test_due_after_6_months_with_someone_able_to_work_and_12_without(world, worker, today):
    with session_scope(world) as session:
        due = reviews.due(session, worker)
    assert [(r.household_no, r.interval_months, r.due_on, r.overdue) for r in due] == [
        (HH, 6, dt.date(2025, 7, 15), True)]
    # 王浩 (21) is the one able to work; without him the household is stable: 12 months
    edit(world, lambda d: d.update(members=[m for m in d["members"] if m["name"] != "王浩"]))
    with session_scope(world) as session:
        due = reviews.due(session, worker)
        assert [(r.interval_months, r.stable, r.due_on) for r in due] == [(12, True, dt.date(2026, 1, 15))]
        reviews.open_review(session, worker, HH)
        assert reviews.due(session, worker) == []  # under review: off the list
        with pytest.raises(ConflictError, match="already has open review"):
            reviews.open_review(session, worker, HH)


def test_continue_sets_the_review_date_and_sends_a_notice(world, worker, approver, today):
    case_no, suggested = review_to_proposal(world, worker, today)
    assert suggested == "keep"
    with session_scope(world) as session:
        reviews.decide(session, approver, case_no, outcome="keep")
        reviews.enact(session, worker, case_no)
        reviews.enact(session, worker, case_no)  # again: nothing more
        case = steps.notify(session, worker, case_no)
    assert enrolments(world) == [("disability_care", 10000, dt.date(2024, 1, 1), None, dt.date(2026, 6, 1), None)]
    assert case.state == "closed" and "金额不变" in case.notice


def test_adjust_ends_the_old_amount_at_month_end_and_starts_the_new(world, worker, approver, today):
    edit(world, lambda d: d["enrolments"][0].update(monthly_amount="80.00"))
    case_no, suggested = review_to_proposal(world, worker, today)
    assert suggested == "adjust"
    with session_scope(world) as session:
        with pytest.raises(JiuzhuError, match="written reasons"):
            reviews.decide(session, approver, case_no, outcome="adjust")
        reviews.decide(session, approver, case_no, outcome="adjust", reasons="护理补贴标准调整")
        reviews.enact(session, worker, case_no)
        case = steps.notify(session, worker, case_no)
    assert enrolments(world) == [
        ("disability_care", 8000, dt.date(2024, 1, 1), dt.date(2026, 6, 30), dt.date(2025, 1, 15), None),
        ("disability_care", 10000, dt.date(2026, 7, 1), None, dt.date(2026, 6, 1), None)]
    assert "2026-07-01" in case.notice and "护理补贴标准调整" in case.notice


def test_stop_ends_the_enrolment_with_reasons_and_notice(world, worker, approver, today):
    def lower_grade(d):
        d["members"][0]["disability"]["grade"] = 3

    edit(world, lower_grade)
    case_no, suggested = review_to_proposal(world, worker, today)
    assert suggested == "stop"
    with session_scope(world) as session:
        reviews.decide(session, approver, case_no, outcome="stop", reasons="残疾等级复评为三级，不再符合护理补贴条件")
        reviews.enact(session, worker, case_no)
        case = steps.notify(session, worker, case_no)
    assert [e[3] for e in enrolments(world)] == [dt.date(2026, 6, 30)]
    assert "2026-06-30" in case.notice and "三级" in case.notice and case.decision == "stop"


def test_the_taper_month_is_recorded_on_the_dibao_enrolment(world, worker, approver, today):
    edit(world, lambda d: d["enrolments"].append({"programme": "dibao", "monthly_amount": "2820.00",
                                                  "start_date": "2025-01-01", "last_review": "2025-06-01"}))
    case_no, suggested = review_to_proposal(world, worker, today, taper_from="2025-08")
    assert suggested == "keep"
    with session_scope(world) as session:
        reviews.decide(session, approver, case_no, outcome="keep")
        reviews.enact(session, worker, case_no)
    dibao = [e for e in enrolments(world) if e[0] == "dibao"]
    assert dibao == [("dibao", 282000, dt.date(2025, 1, 1), None, dt.date(2026, 6, 1), "2025-08")]
