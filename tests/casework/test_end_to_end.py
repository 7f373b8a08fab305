"""Issue 14's end-to-end journeys through the API on one database (SQLite and PostgreSQL): a phone application to
its first payment and a later review; a 应享未享 entry to enrolment; a failed bank line corrected and re-issued once,
the household paid exactly once."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from jiuzhu.db import session_scope
from jiuzhu.payroll.models import PayrollLine
from jiuzhu.registry import models as rm
from tests.api.conftest import TIESHAN
from tests.casework.conftest import MONTH, finished_verification
from tests.casework.test_applications import entry
from tests.consent.conftest import HEAD, HH, _household

URL = "/api/v1"


@pytest.fixture
def office(api_any, example_data, today):
    api_any.put(_household(example_data))
    worker = api_any.user("worker", "township_caseworker", TIESHAN)
    approver = api_any.user("approver", "township_approver", TIESHAN)
    return api_any, worker, approver


def _ok(answer, status=200):
    assert answer.status_code == status, answer.text
    return answer.json()


def _to_enrolment(api, worker, approver, today, filed) -> str:
    case_no, app_no = filed["case_no"], filed["application_no"]
    act = lambda action, **body: _ok(worker.post(f"{URL}/cases/{case_no}/actions/{action}", json=body))  # noqa: E731
    act("check")
    asked = _ok(worker.post(f"{URL}/households/{HH}/consents",
                            json={"purpose_kind": "application", "purpose_ref": app_no}), 201)
    for r in asked["records"]:
        _ok(worker.post(f"{URL}/consents/{r['record_id']}/give", json={}))
    act("authorize")
    with session_scope(api.engine) as session:
        verification = finished_verification(session)
    act("verify", verification_id=verification)
    act("visit", staff=["李明", "张华"], note="入户核实")
    act("propose")
    posted = act("publish")
    today.forward(7)  # 公示 7 days
    _ok(approver.post(f"{URL}/cases/{case_no}/decisions/approve",
                      json={"reasons": "符合条件", "expected_version": posted["version"]}))
    act("enrol")
    closed = act("notify")
    assert closed["state"] == "closed" and "2026-07-01" in closed["notice"]
    return case_no


def _return_file(checker, no, outcomes) -> dict:
    """The bank's return of every line of payroll ``no``: ``outcomes`` maps a line's position to ok/failed."""
    full = _ok(checker.get(f"{URL}/payrolls/{no}", params={"unmask": True, "reason": "对账"}))["lines"]
    back = "".join(f"{i}|{li['account_no']}|{li['payee_name']}|{li['amount_yuan']}|"
                   f"{'0000|' if outcomes[i] else '9|卡已注销'}\r\n" for i, li in enumerate(full, start=1))
    total = sum(int(li["amount_yuan"].replace(".", "")) for li in full)
    back += f"合计|{len(full)}|{total // 100}.{total % 100:02d}\r\n"
    return _ok(checker.post(f"{URL}/payrolls/{no}/returns/cqrcb",
                            files={"file": ("back.txt", back.encode("gbk"), "text/plain")}), 201)


def _paid_lines(api, household_no, month) -> list[int]:
    with session_scope(api.engine) as session:
        return list(session.scalars(select(PayrollLine.amount_fen).where(
            PayrollLine.household_no == household_no, PayrollLine.service_month == month,
            PayrollLine.programme == "dibao", PayrollLine.status == "paid")))


def _account(worker, number, reason="开户"):
    return _ok(worker.post(f"{URL}/payroll-accounts", json={
        "id_number": HEAD, "holder_name": "王德福", "bank": "cqrcb", "account_no": number,
        "opened_on": "2026-06-20", "reason": reason}), 201)


def _pay_month(api, worker, approver, outcomes) -> tuple[str, dict]:
    made = _ok(worker.post(f"{URL}/payrolls", json={"programme": "dibao", "area": TIESHAN, "month": "2026-07"}), 201)
    no = made["payroll_no"]
    assert (made["line_count"], made["total_yuan"]) == (1, "2820.00")
    assert worker.post(f"{URL}/payrolls/{no}/approve").status_code == 403  # the preparer never approves
    assert _ok(approver.post(f"{URL}/payrolls/{no}/approve"))["status"] == "approved"
    written = _ok(approver.post(f"{URL}/payrolls/{no}/files", json={"reason": "代发"}), 201)
    assert [w["bank_code"] for w in written] == ["cqrcb"]
    return no, _return_file(approver, no, outcomes)


def test_a_phone_application_to_its_first_payment_and_a_later_review(office, today):
    api, worker, approver = office
    filed = _ok(worker.post(f"{URL}/applications", json={
        "household_no": HH, "programmes": ["dibao"], "channel": "phone", "month": MONTH}), 201)
    assert filed["channel"] == "phone"
    _to_enrolment(api, worker, approver, today, filed)
    with session_scope(api.engine) as session:
        enrolled = session.scalars(select(rm.Enrolment).where(rm.Enrolment.programme == "dibao")).one()
        monthly = enrolled.monthly_amount_fen
    assert (monthly, enrolled.start_date) == (282000, dt.date(2026, 7, 1))
    today.set(dt.date(2026, 7, 1))
    _account(worker, "6231000000000000601")
    no, back = _pay_month(api, worker, approver, {1: True})
    assert (back["paid"], back["failed"]) == (1, 0)
    paid = _ok(approver.get(f"{URL}/payrolls/{no}", params={"status": "paid"}))["lines"]
    assert [li["household_no"] for li in paid] == [HH]
    assert _paid_lines(api, HH, "2026-07") == [monthly]
    today.set(dt.date(2026, 11, 20))
    due = _ok(worker.get(f"{URL}/reviews/due"))
    assert [r["household_no"] for r in due] == [HH]
    review_no = _ok(worker.post(f"{URL}/reviews", json={"household_no": HH, "month": MONTH}), 201)["case_no"]
    act = lambda action, **body: _ok(worker.post(f"{URL}/cases/{review_no}/actions/{action}",  # noqa: E731
                                                 json=body))
    act("authorize")
    with session_scope(api.engine) as session:
        verification = finished_verification(session)
    act("verify", verification_id=verification)
    assert act("propose")["suggested"] == "keep"
    _ok(approver.post(f"{URL}/cases/{review_no}/decisions/decide", json={"outcome": "keep"}))
    act("enact")
    closed = act("notify")
    assert closed["state"] == "closed" and "金额不变" in closed["notice"]
    assert _ok(worker.get(f"{URL}/reviews/due")) == []


def test_an_unclaimed_entry_to_a_case_to_enrolment(office, today):
    api, worker, approver = office
    with session_scope(api.engine) as session:
        entry_id = entry(session)
    filed = _ok(worker.post(f"{URL}/worklists/entries/{entry_id}/application", json={"month": MONTH}), 201)
    assert (filed["channel"], filed["finding_id"], filed["programmes"]) == ("outreach", entry_id, ["dibao"])
    assert worker.post(f"{URL}/worklists/entries/{entry_id}/application", json={"month": MONTH}).status_code == 409
    _to_enrolment(api, worker, approver, today, filed)
    with session_scope(api.engine) as session:
        started = session.scalars(select(rm.Enrolment).where(rm.Enrolment.programme == "dibao")).all()
    assert [(e.monthly_amount_fen, e.start_date) for e in started] == [(282000, dt.date(2026, 7, 1))]


def test_a_failed_line_is_corrected_and_reissued_once_and_paid_once(office, today):
    api, worker, approver = office
    filed = _ok(worker.post(f"{URL}/applications", json={
        "household_no": HH, "programmes": ["dibao"], "channel": "phone", "month": MONTH}), 201)
    _to_enrolment(api, worker, approver, today, filed)
    today.set(dt.date(2026, 7, 1))
    _account(worker, "6231000000000000601")
    no, back = _pay_month(api, worker, approver, {1: False})
    assert (back["paid"], back["failed"]) == (0, 1)
    assert _paid_lines(api, HH, "2026-07") == []
    _account(worker, "6231000000000000602", reason="卡已注销，换新卡")
    again = _ok(worker.post(f"{URL}/payrolls/{no}/reissue", json={"reason": "换卡"}), 201)
    assert (again["line_count"], again["total_yuan"]) == (1, "2820.00")
    assert worker.post(f"{URL}/payrolls/{no}/reissue", json={"reason": "换卡"}).status_code == 409
    re_no = again["payroll_no"]
    assert _ok(approver.post(f"{URL}/payrolls/{re_no}/approve"))["status"] == "approved"
    _ok(approver.post(f"{URL}/payrolls/{re_no}/files", json={"reason": "代发"}), 201)
    assert _return_file(approver, re_no, {1: True})["paid"] == 1
    assert worker.post(f"{URL}/payrolls/{no}/reissue", json={"reason": "换卡"}).status_code == 409
    assert _paid_lines(api, HH, "2026-07") == [282000]
    with session_scope(api.engine) as session:
        assert session.scalar(select(func.count()).select_from(PayrollLine).where(
            PayrollLine.household_no == HH, PayrollLine.service_month == "2026-07")) == 2  # failed + re-issue
