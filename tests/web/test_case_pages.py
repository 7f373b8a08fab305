"""申请受理 and 审核审批 pages: the menu per role; an application on the phone form with several programmes, its
receipt number and checklist; a case moved along its page to a decision with reasons, its timeline and time
limits; the 公示 list with masked names; 发起申请 from a 应享未享 card; refusals (role, CSRF, bad input beside the
field, never a traceback)."""

from __future__ import annotations

import datetime as dt
import re

from jiuzhu.consent import service as consents
from jiuzhu.db import session_scope
from tests.casework.conftest import finished_verification
from tests.web import casework_office
from tests.web.casework_office import FULL_ID, client_for, entitled_household, household_in, operator
from tests.web.conftest import csrf_of

ZH = {"lang": "zh"}
office, today = casework_office.office, casework_office.today  # the fixtures


def _post(client, path: str, data: dict, page: str = "/cases"):
    token = csrf_of(client.get(page).text)
    return client.post(path, data={**data, "csrf_token": token})


def test_the_menu_shows_intake_review_and_payments_only_to_roles_that_may(office):
    menus = {}
    for user in ("worker", "caseworker", "approver", "auditor", "admin"):
        html = client_for(office, user).get("/", params=ZH).text
        menus[user] = {key for key in ("applications", "cases", "payroll") if f'data-testid="nav-{key}"' in html}
    assert menus == {"worker": {"applications", "cases"}, "caseworker": {"applications", "cases", "payroll"},
                     "approver": {"applications", "cases", "payroll"}, "auditor": {"cases", "payroll"},
                     "admin": set()}
    html = client_for(office, "caseworker").get("/", params=ZH).text
    assert "申请受理" in html and "审核审批" in html and "资金发放" in html


def test_roles_that_may_not_are_refused_and_nobody_signed_in_goes_to_sign_in(office):
    assert client_for(office, "auditor").get("/applications/new").status_code == 403
    assert client_for(office, "admin").get("/cases").status_code == 403
    assert client_for(office, "admin").get("/publicity").status_code == 403
    from fastapi.testclient import TestClient

    anonymous = TestClient(office[0], follow_redirects=False)
    answer = anonymous.get("/cases")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=/cases")


def test_the_phone_form_refuses_bad_input_beside_the_field_in_chinese(office, today):
    client = client_for(office, "caseworker")
    form = client.get("/applications/new", params=ZH)
    assert form.status_code == 200 and "申请救助" in form.text and 'type="checkbox"' in form.text
    no_programme = _post(client, "/applications?lang=zh", {"household_no": household_in(office[1]),
                                                           "channel": "office"}, "/applications/new")
    assert no_programme.status_code == 400 and 'data-testid="error-programmes"' in no_programme.text
    assert "Traceback" not in no_programme.text
    unknown = _post(client, "/applications?lang=zh", {"household_no": "500111119-999999", "programmes": "dibao",
                                                      "channel": "office"}, "/applications/new")
    assert unknown.status_code == 404 and 'data-testid="error-household_no"' in unknown.text
    proxy = _post(client, "/applications?lang=zh", {"household_no": household_in(office[1]), "programmes": "dibao",
                                                    "channel": "proxy"}, "/applications/new")
    assert proxy.status_code == 400 and 'data-testid="error-filed_for"' in proxy.text
    missing_token = client.post("/applications", data={"household_no": "x", "programmes": "dibao"})
    assert missing_token.status_code == 403


def test_an_application_to_a_decided_case_through_the_pages(office, today):
    worker, approver = client_for(office, "caseworker"), client_for(office, "approver")
    household, programme = entitled_household(office[1])
    second = "disability_living" if programme != "disability_living" else "dibao"
    filed = _post(worker, "/applications", {"household_no": household, "programmes": [programme, second],
                                            "channel": "phone", "month": "2025-08"}, "/applications/new")
    assert filed.status_code == 303, filed.text
    receipt = worker.get(filed.headers["location"], params=ZH)
    assert receipt.status_code == 200 and "受理回执" in receipt.text
    app_no = re.search(r'data-testid="receipt-no">([^<]+)<', receipt.text).group(1)
    case_no = re.search(r'data-testid="receipt-case">([^<]+)<', receipt.text).group(1)
    assert receipt.text.count('data-testid="checklist-programme"') == 2 and not FULL_ID.search(receipt.text)

    def act(client, action, **data):
        page = client.get(f"/cases/{case_no}")
        version = re.search(r'name="expected_version" value="(\d+)"', page.text).group(1)
        return client.post(f"/cases/{case_no}/actions/{action}",
                           data={**data, "expected_version": version, "csrf_token": csrf_of(page.text)})

    assert act(worker, "check").status_code == 303
    with session_scope(office[1]) as session:
        made, _ = consents.request_required(session, operator(), household_no=household,
                                            purpose=consents.Purpose("application", app_no))
        for record in made:
            consents.give(session, operator(), record.record_id)
    assert act(worker, "authorize").status_code == 303
    bad = act(worker, "verify", verification_id="abc")
    assert bad.status_code == 400 and 'data-testid="error-verification_id"' in bad.text
    with session_scope(office[1]) as session:
        verification = finished_verification(session, household)
    assert act(worker, "verify", verification_id=str(verification)).status_code == 303
    one_staff = act(worker, "visit", staff_1="李明", **ZH)
    assert one_staff.status_code == 400 and 'data-testid="error-staff"' in one_staff.text
    assert "Traceback" not in one_staff.text
    assert act(worker, "visit", staff_1="李明", staff_2="张华", note="入户核实").status_code == 303
    assert act(worker, "propose").status_code == 303
    assert act(worker, "publish").status_code == 303
    listed = worker.get("/publicity", params=ZH)
    assert listed.status_code == 200 and case_no in listed.text and "公示" in listed.text
    name = re.search(r'data-testid="publicity-name">([^<]+)<', listed.text).group(1)
    assert "*" in name
    assert act(worker, "object", objection="邻居反映其家中有营运车辆", raised_by="村民").status_code == 303
    listed = worker.get("/publicity", params=ZH).text  # off the posting, among the objections re-investigated
    assert re.search(rf'data-testid="objected-row">\s*<td[^>]*>{case_no}<', listed)
    assert listed.count('data-testid="objected"') == 1  # once, in the page (never inside its <title>)
    assert "<" not in re.search(r"<title>([\s\S]*?)</title>", listed)[1]
    posted = re.search(r'data-testid="publicity-table">([\s\S]*?)</table>', listed)[1]
    assert case_no not in posted and "当前没有公示" in posted
    assert act(worker, "visit", staff_1="李明", staff_2="王强", note="复查：车辆已于去年过户").status_code == 303
    assert act(worker, "propose").status_code == 303
    assert act(worker, "publish").status_code == 303
    assert act(worker, "approve", reasons="符合条件").status_code == 403  # a caseworker does not decide
    case_page = worker.get(f"/cases/{case_no}", params=ZH).text
    assert 'data-testid="action-approve"' not in case_page and 'data-testid="action-object"' in case_page
    today["now"] = dt.date(2026, 6, 9)
    approved = act(approver, "approve", reasons="家庭人均收入低于标准")
    assert approved.status_code == 303, approved.text[-3000:]
    assert act(worker, "enrol").status_code == 303
    assert act(worker, "notify").status_code == 303
    done = worker.get(f"/cases/{case_no}", params=ZH).text
    assert "家庭人均收入低于标准" in done and 'data-testid="case-notice"' in done
    actions = re.findall(r'data-testid="timeline-event" data-action="(\w+)"', done)
    assert actions[:3] == ["notify", "enrol", "approve"] and actions[-1] == "file"
    assert "李明" in done and "approver" in done and 'data-testid="case-household"' in done
    assert "邻居反映其家中有营运车辆" in done  # the objection, in the timeline with its reason
    assert 'data-testid="case-verification"' in done and not FULL_ID.search(done)
    cases = worker.get("/cases", params={**ZH, "closed": "1"}).text
    assert case_no in cases and "共" in cases and 'data-testid="time-status"' in cases


def test_the_worklists_filter_by_state_and_time_limit_status_and_refuse_an_unknown_one(office, today):
    worker = client_for(office, "caseworker")
    household = household_in(office[1], skip=5)
    assert _post(worker, "/applications", {"household_no": household, "programmes": "dibao", "channel": "office"},
                 "/applications/new").status_code == 303
    received = worker.get("/cases", params={**ZH, "state": "received"})
    assert received.status_code == 200 and household in received.text and "待" not in "" and "已受理" not in ""
    assert "正常" in received.text or "即将超期" in received.text or "已超期" in received.text
    village = worker.get("/cases", params={**ZH, "area": office_area(office[1], household)}).text
    assert household in village
    one = worker.get("/cases", params={**ZH, "household_no": "500111119-999999"}).text
    assert household not in one and "共 0 条" in one
    outside = worker.get("/cases", params={**ZH, "area": "500111108"})
    assert 'data-testid="form-error"' in outside.text and household not in outside.text
    bad = worker.get("/cases", params={**ZH, "status": "late"})
    assert bad.status_code == 200 and 'data-testid="form-error"' in bad.text and "Traceback" not in bad.text


def office_area(engine, household: str) -> str:
    from sqlalchemy import select

    from jiuzhu.registry import models as rm

    with session_scope(engine, write=False) as session:
        return session.scalar(select(rm.Household.area_code).where(rm.Household.household_no == household))


def test_an_entitled_not_enrolled_card_starts_an_application_in_one_click(office, today):
    worker = client_for(office, "listed.worker")
    page = worker.get("/discovery", params=ZH)
    entry = re.search(r'action="/applications/from-entry/(\d+)"', page.text)
    assert entry, "no 发起申请 on the 应享未享 cards"
    assert "发起申请" in page.text
    answer = worker.post(f"/applications/from-entry/{entry.group(1)}", data={"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/applications/A")
    again = worker.get("/discovery", params=ZH).text
    assert f'action="/applications/from-entry/{entry.group(1)}"' not in again
    twice = worker.post(f"/applications/from-entry/{entry.group(1)}", data={"csrf_token": csrf_of(page.text)})
    assert twice.status_code == 409 and "Traceback" not in twice.text


def test_one_notice_lists_every_missing_paper_and_roles_that_may_not_act_are_refused(office, today):
    caseworker, worker = client_for(office, "caseworker"), client_for(office, "worker")
    household = household_in(office[1], skip=7)
    filed = _post(caseworker, "/applications", {"household_no": household, "programmes": "dibao",
                                                "channel": "office"}, "/applications/new")
    assert filed.status_code == 303
    case_no = re.search(r'data-testid="receipt-case">([^<]+)<', caseworker.get(filed.headers["location"]).text)[1]
    page = caseworker.get(f"/cases/{case_no}", params=ZH).text
    assert "材料审查（一次性告知）" in page and 'data-testid="case-limits"' in page
    token = csrf_of(page)
    asked = caseworker.post(f"/cases/{case_no}/actions/check",
                            data={"missing": "户口簿复印件\n残疾证", "csrf_token": token})
    assert asked.status_code == 303
    shown = caseworker.get(f"/cases/{case_no}", params=ZH).text
    missing = re.search(r'data-testid="case-missing">([\s\S]*?)</ul>', shown)[1]
    assert "户口簿复印件" in missing and "残疾证" in missing and "☐" in missing and "☑" not in missing
    assert 'data-testid="action-resubmit"' in shown
    # a community worker reads cases but does not move them; without the token nothing is done
    assert worker.post(f"/cases/{case_no}/actions/resubmit", data={"csrf_token": csrf_of(
        worker.get("/cases").text)}).status_code in (403, 404)
    assert caseworker.post(f"/cases/{case_no}/actions/resubmit", data={}).status_code == 403
    unknown = caseworker.post(f"/cases/{case_no}/actions/fly", data={"csrf_token": token})
    assert unknown.status_code == 400 and "Traceback" not in unknown.text
    english = caseworker.get(f"/cases/{case_no}", params={"lang": "en"}).text
    assert "Completeness check" not in english and "Missing papers handed in" in english
    assert caseworker.post(f"/cases/{case_no}/actions/resubmit", data={"csrf_token": token}).status_code == 303
    handed = caseworker.get(f"/cases/{case_no}", params=ZH).text  # the papers handed in: ticked, not still missing
    missing = re.search(r'data-testid="case-missing">([\s\S]*?)</ul>', handed)[1]
    assert "☑" in missing and "☐" not in missing and 'data-testid="case-missing-done"' in handed
