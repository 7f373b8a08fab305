"""An application through every step of domain.md §5 to its enrolment and notice, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from jiuzhu.casework import applications, steps, views
from jiuzhu.casework.machine import ActionRefused
from jiuzhu.casework.models import CaseEnrolment, CaseEvent
from jiuzhu.consent.service import Purpose
from jiuzhu.db import session_scope
from jiuzhu.errors import ConflictError, JiuzhuError
from jiuzhu.registry import models as rm
from tests.casework.conftest import HH, MONTH, finished_verification, give_consents


def file_one(engine, worker, **kw):
    with session_scope(engine) as session:
        app, case = applications.file(session, worker, household_no=HH, month=MONTH,
                                      **{"programmes": ["dibao", "disability_living"], "channel": "office", **kw})
        return app.application_no, case.case_no


def investigate(engine, worker, today, app_no, case_no):
    with session_scope(engine) as session:
        steps.check_complete(session, worker, case_no)
        give_consents(session, worker, Purpose("application", app_no), today.day)
        steps.authorize(session, worker, case_no)
        steps.link_verification(session, worker, case_no, finished_verification(session))
        steps.visit(session, worker, case_no, staff=["李明", "张华"], note="住房简陋")
        steps.propose(session, worker, case_no)
        steps.publish(session, worker, case_no)


def test_an_application_to_enrolment_and_notice(world, worker, approver, today):
    app_no, case_no = file_one(world, worker)
    assert app_no.startswith("A-20260601-500111119-") and case_no.startswith("C-20260601-500111119-")
    investigate(world, worker, today, app_no, case_no)
    with session_scope(world) as session:
        with pytest.raises(ConflictError, match="public notice runs until 2026-06-08"):
            steps.approve(session, approver, case_no)
    today.set(dt.date(2026, 6, 8))
    with session_scope(world) as session:
        steps.approve(session, approver, case_no, reasons="符合条件")
        steps.enrol(session, worker, case_no)
        steps.notify(session, worker, case_no)
        v = views.view(session, steps.service.get_case(session, worker, case_no))
        hh = session.scalars(select(rm.Household).where(rm.Household.household_no == HH)).one()
        rows = session.scalars(select(rm.Enrolment).where(rm.Enrolment.household_id == hh.id)).all()
        logged = session.scalars(select(rm.Change).where(rm.Change.household_no == HH,
                                                         rm.Change.reason.contains(case_no))).all()
    # the registry's change log says what the case changed, and why (the enrolments, through the document)
    assert logged and {c.path.split("[")[0].split(".")[0] for c in logged} == {"enrolments"}
    assert {c.actor for c in logged} == {worker.username}
    assert v.state == "closed" and v.decision == "approve" and v.rules_changed is False
    assert [e.action for e in v.timeline] == ["file", "accept", "authorize", "verify", "visit", "propose",
                                              "publish", "approve", "enrol", "notify"]
    assert all(a.to_state == b.from_state for a, b in zip(v.timeline, v.timeline[1:], strict=False))
    assert {(e.programme, e.monthly_amount_fen, e.start_date) for e in rows if e.start_date.year == 2026} == {
        ("dibao", 282000, dt.date(2026, 7, 1)), ("disability_living", 9000, dt.date(2026, 7, 1))}
    assert "2026-07-01" in v.notice and "2,820.00" in v.notice and "行政复议" in v.notice
    assert v.time_status == "on_track" and {x.status for x in v.limits} == {"met"}


def test_incomplete_file_gets_one_notice_listing_everything(world, worker, today):
    app_no, case_no = file_one(world, worker)
    with session_scope(world) as session:
        case = steps.check_complete(session, worker, case_no, missing=["户口簿复印件", "收入证明"])
        assert case.state == "incomplete" and case.missing == ["户口簿复印件", "收入证明"]
        with pytest.raises(ActionRefused):  # a second notice is not possible: the first listed everything
            steps.check_complete(session, worker, case_no, missing=["银行卡"])
    today.forward(2)
    with session_scope(world) as session:
        case = steps.resubmit(session, worker, case_no)
        assert case.state == "accepted" and case.accepted_on == dt.date(2026, 6, 3)


def test_a_visit_by_one_person_is_refused(world, worker, today):
    app_no, case_no = file_one(world, worker)
    with session_scope(world) as session:
        steps.check_complete(session, worker, case_no)
        give_consents(session, worker, Purpose("application", app_no), today.day)
        steps.authorize(session, worker, case_no)
        steps.link_verification(session, worker, case_no, finished_verification(session))
        version = steps.service.get_case(session, worker, case_no).version
        for staff in (["李明"], ["李明", " 李明 "], []):
            with pytest.raises(JiuzhuError, match="at least two different staff") as e:
                steps.visit(session, worker, case_no, staff=staff)
            assert e.value.field == "staff"
        assert steps.service.get_case(session, worker, case_no).version == version
        received = steps.service.get_case(session, worker, case_no).received_on
        for day in (dt.date(2020, 1, 1), received - dt.timedelta(days=1)):  # the tryout's: six years before filing
            with pytest.raises(JiuzhuError, match="before the case was received") as e:
                steps.visit(session, worker, case_no, staff=["李明", "张华"], visited_on=day)
            assert e.value.field == "visited_on"
        assert steps.service.get_case(session, worker, case_no).version == version


def test_authorization_missing_names_each_member(world, worker, today):
    _, case_no = file_one(world, worker)
    with session_scope(world) as session:
        steps.check_complete(session, worker, case_no)
        with pytest.raises(ConflictError, match="not every member has authorized") as e:
            steps.authorize(session, worker, case_no)
        assert "王德福" in e.value.message and "0037" in e.value.message and "195804" not in e.value.message[20:]


def test_an_objection_sends_the_case_back_to_investigation(world, worker, approver, today):
    app_no, case_no = file_one(world, worker)
    investigate(world, worker, today, app_no, case_no)
    with session_scope(world) as session:
        listed = views.publicity(session, worker)
        assert [(p.case_no, p.name, p.household_size) for p in listed] == [(case_no, "王**", 4)]
        steps.object_(session, worker, case_no, objection="该户有经营性收入未申报", raised_by="村民")
        case = steps.service.get_case(session, worker, case_no)
        assert case.state == "reinvestigation" and views.publicity(session, worker) == []
        steps.visit(session, worker, case_no, staff=["李明", "王芳"], note="复查：经营收入属实但很少")
        steps.propose(session, worker, case_no)
        assert steps.service.get_case(session, worker, case_no).state == "proposed"


def test_rejection_needs_written_reasons_and_its_notice_is_due_in_3_working_days(world, worker, approver, today):
    _, case_no = file_one(world, worker)
    with session_scope(world) as session:
        steps.check_complete(session, worker, case_no)
        with pytest.raises(JiuzhuError, match="written reasons") as e:
            steps.reject(session, approver, case_no, reasons="  ")
        assert e.value.field == "reasons"
        steps.reject(session, approver, case_no, reasons="家庭人均收入高于低保标准")
        v = views.view(session, steps.service.get_case(session, worker, case_no))
    reasons = next(x for x in v.limits if x.name == "reasons")
    assert reasons.due == dt.date(2026, 6, 4) and reasons.status == "on_track"
    today.set(dt.date(2026, 6, 5))
    with session_scope(world) as session:
        assert views.view(session, steps.service.get_case(session, worker, case_no)).time_status == "breached"
        steps.notify(session, worker, case_no)
        v = views.view(session, steps.service.get_case(session, worker, case_no))
    assert "家庭人均收入高于低保标准" in v.notice and v.time_status == "breached"


def test_enrolment_after_a_crash_is_completed_once(world, worker, approver, today, monkeypatch):
    app_no, case_no = file_one(world, worker)
    investigate(world, worker, today, app_no, case_no)
    today.set(dt.date(2026, 6, 8))
    with session_scope(world) as session:
        steps.approve(session, approver, case_no)  # the decision is written …
    real, calls = steps.start_enrolments, []

    def crash_after_first(*args, **kw):
        if calls:
            raise RuntimeError("power cut")
        calls.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(steps, "start_enrolments", crash_after_first)
    with pytest.raises(RuntimeError), session_scope(world) as session:
        steps.enrol(session, worker, case_no)  # … the enrolment is not
    monkeypatch.setattr(steps, "start_enrolments", real)
    for _ in range(2):  # rerun, and once more: nothing twice
        with session_scope(world) as session:
            steps.enrol(session, worker, case_no)
    with session_scope(world) as session:
        links = session.scalars(select(CaseEnrolment)).all()
        events = session.scalars(select(CaseEvent.action)).all()
        made = session.scalars(select(rm.Enrolment).where(rm.Enrolment.start_date == dt.date(2026, 7, 1))).all()
        assert len(made) == len(links) == 2
        assert events.count("enrol") == 1


def test_one_open_case_per_programme_and_household(world, worker, today):
    file_one(world, worker)
    with session_scope(world) as session, pytest.raises(ConflictError, match="already has open case"):
        applications.file(session, worker, household_no=HH, programmes=["dibao"], channel="phone", month=MONTH)


def test_bad_inputs_name_their_field(world, worker, today):
    with session_scope(world) as session:
        for kw, field in (({"programmes": []}, "programmes"), ({"programmes": ["cash"]}, "programmes"),
                          ({"programmes": ["dibao", "低保"]}, "programmes"), ({"channel": "fax"}, "channel"),
                          ({"channel": "proxy"}, "filed_for"), ({"channel": "proxy", "filed_for": "路人"}, "filed_for"),
                          ({"month": "2025-13"}, "month")):
            args = {"household_no": HH, "programmes": ["dibao"], "channel": "office", "month": MONTH, **kw}
            with pytest.raises(JiuzhuError) as e:
                applications.file(session, worker, **args)
            assert e.value.field == field, (kw, e.value.message)


def test_proxy_application_records_who_filed_for_whom(world, worker, today):
    with session_scope(world) as session:
        app, _ = applications.file(session, worker, household_no=HH, programmes=["dibao"], channel="proxy",
                                   filed_for="512126195804120037", month=MONTH)
        assert (app.filed_by, app.filed_for) == (worker.username, "王德福")
        first = app.assessment[0]
        assert first["programme"] == "dibao" and first["asked"] and first["status"] == "eligible"
        assert first["explanation"] and {c["result"] for c in first["explanation"]} <= {"passed", "failed",
                                                                                          "unknown"}



def test_two_enrolments_at_once_create_each_enrolment_once(world, worker, approver, today):
    from tests.concurrency import together

    app_no, case_no = file_one(world, worker)
    investigate(world, worker, today, app_no, case_no)
    today.set(dt.date(2026, 6, 8))
    with session_scope(world) as session:
        steps.approve(session, approver, case_no)

    def work(_k):
        with session_scope(world) as session:
            return steps.enrol(session, worker, case_no).state

    states, errors = together(2, work)
    assert not errors, errors
    assert states == ["enrolled", "enrolled"]
    with session_scope(world) as session:
        assert len(session.scalars(select(CaseEnrolment)).all()) == 2
        assert session.scalars(select(CaseEvent.action)).all().count("enrol") == 1


def test_a_verification_started_from_the_case_is_linked_once_finished(world, worker, today):
    from jiuzhu.verification.models import Verification

    app_no, case_no = file_one(world, worker)
    with session_scope(world) as session:
        steps.check_complete(session, worker, case_no)
        with pytest.raises(ActionRefused):  # before the authorizations: not yet
            steps.start_verification(session, worker, case_no)
        give_consents(session, worker, Purpose("application", app_no), today.day)
        steps.authorize(session, worker, case_no)
        case = steps.start_verification(session, worker, case_no, as_of=dt.date(2025, 8, 31))
        started = case.version and steps.service.timeline(session, case)[-1].detail["verification"]
        v = session.get(Verification, started)
        assert (v.purpose_kind, v.purpose_ref, v.status, case.state) == ("application", app_no, "queued",
                                                                          "authorized")
        with pytest.raises(ConflictError, match="link it when it has finished"):
            steps.link_verification(session, worker, case_no, started)
        v.status, v.exclusive_key, v.complete, v.report_sha256 = "done", None, True, "1" * 64
        session.flush()
        case = steps.link_verification(session, worker, case_no, started)
        assert (case.state, case.verification_id, case.investigation_on) == ("verified", started, today.day)


def test_a_programme_already_received_is_not_started_twice(world, worker, approver, today):
    app_no, case_no = file_one(world, worker, programmes=["dibao", "disability_care"])  # care: enrolled since 2024
    investigate(world, worker, today, app_no, case_no)
    today.set(dt.date(2026, 6, 8))
    with session_scope(world) as session:
        steps.approve(session, approver, case_no)
        steps.enrol(session, worker, case_no)
        care = session.scalars(select(rm.Enrolment).where(rm.Enrolment.programme == "disability_care")).all()
        assert [(e.start_date, e.end_date) for e in care] == [(dt.date(2024, 1, 1), None)]
        assert [link.programme for link in session.scalars(select(CaseEnrolment))] == ["dibao"]


def test_the_assessment_says_unknown_never_0(example_data):
    from jiuzhu.registry import service as registry

    doc = registry.parse_household(example_data, record="example")
    rows = applications.assess(doc, MONTH, ["tekun", "dibao"])
    assert [r["programme"] for r in rows[:2]] == ["dibao", "tekun"] and rows[0]["asked"] and rows[1]["asked"]
    tekun = rows[1]
    assert tekun["status"] == "needs_information" and tekun["monthly_amount"] is None
    assert any(c["result"] == "unknown" for c in tekun["explanation"])


def test_a_review_whose_rules_need_information_suggests_nothing_never_a_stop():
    from types import SimpleNamespace

    from jiuzhu.casework import reviews

    unknown = SimpleNamespace(proposal={"dibao": {"status": "needs_information", "fen": None, "persons": {}}},
                              programmes=["dibao"])  # the tryout's: 需补充信息, yet 停发 suggested
    assert reviews.suggested(None, unknown) is None
    gone = SimpleNamespace(proposal={"dibao": {"status": "not_eligible", "fen": 0, "persons": {}}},
                           programmes=["dibao"])
    assert reviews.suggested(None, gone) == "stop"


def test_a_grant_of_part_of_an_application_says_what_was_not_granted_and_why():
    from types import SimpleNamespace

    case = SimpleNamespace(kind="application", application_id=None, case_no="C-1", household_no=HH,
                           programmes=["dibao", "temporary"], decision="approve", decided_on=dt.date(2026, 11, 30),
                           outcome={"dibao": {"status": "eligible", "fen": 10002, "persons": {}}},
                           reasons="临时救助不符合条件：无急难情形")
    text = steps.notice_text(None, case)  # the tryout's: 临时救助 not granted, yet "the application was approved"
    assert "最低生活保障已于2026-11-30审批同意" in text and "100.02" in text
    assert "未予批准：临时救助" in text and "无急难情形" in text
    whole = SimpleNamespace(**{**case.__dict__, "programmes": ["dibao"]})
    assert "未予批准" not in steps.notice_text(None, whole)


def test_a_review_kept_without_new_amounts_names_the_programmes_kept():
    from types import SimpleNamespace

    from jiuzhu.casework import reviews

    case = SimpleNamespace(kind="review", case_no="R-1", household_no=HH, programmes=["dibao"], decision="keep",
                           decided_on=dt.date(2026, 11, 30), outcome={"amounts": {}}, reasons=None)
    text = reviews.notice_text(case)
    assert "最低生活保障" in text and "：-" not in text
