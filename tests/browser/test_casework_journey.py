"""Issue 14's main journey in Chromium, in Chinese, against ``jiuzhu serve``: a community worker files an
application on a phone (帮代办, two programmes), gets the receipt number and the checklist; the township
caseworker takes the case through its page (材料齐全, 授权, 核对, 入户调查 by two staff, 审核意见, 公示), the
公示 list shows the name masked; after the 7 days the approver approves with written reasons, the caseworker enrols
and sends the notice; the timeline says who, when, why. Then a month's payroll prepared by the caseworker, refused
to its preparer and approved by the approver, its bank file downloaded with a reason, the bank's return with one
failed line, the payee's new account recorded and the line re-issued; the dashboard's payments chart and table.
Screenshots at 375 px and 1280 px in tests/browser/artefacts/casework_journey-*.png.

What the pages cannot do (the departments' answers, the members' signatures, seven days passing) is done by a
script on the server's database, as the verification journey does: the members' authorizations given in person,
a finished verification, the 公示's days moved back by 7.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer
from tests.browser.test_journeys import sign_in

pytestmark = pytest.mark.browser
MONTH = "2025-08"  # the demo district's data
FULL_ID = re.compile(r"(?<![0-9*])\d{17}[\dX](?![0-9*])")
SETUP = r"""
import datetime as dt, json, secrets, sys
from sqlalchemy import select, update
from jiuzhu import clock
from jiuzhu.access import Principal, OPERATOR_PERMISSIONS
from jiuzhu.cli.context import open_registry
from jiuzhu.consent import service as consents
from jiuzhu.db import session_scope
from jiuzhu.discovery.lists import NOT_ENTITLED
from jiuzhu.discovery.models import Finding
from jiuzhu.registry import models as rm

engine = open_registry()
what, args = sys.argv[1], sys.argv[2:]
def who(area):
    return Principal(username="browser-tests", role=None, area_code=area, area_prefixes=(area,),
                     permissions=OPERATOR_PERMISSIONS)
out = {}
with session_scope(engine) as session:
    if what == "pick":  # a household of the area receiving a paid programme the scan did not question; its head
        questioned = select(Finding.household_id).where(Finding.list == NOT_ENTITLED)
        for area in args:  # the worker's village first, else the township
            found = session.execute(select(rm.Household.household_no, rm.Household.id, rm.Enrolment.programme).join(
                rm.Enrolment, rm.Enrolment.household_id == rm.Household.id).where(
                rm.Enrolment.programme.in_(("dibao", "tekun", "disability_living", "disability_care")),
                rm.Enrolment.end_date.is_(None),
                rm.Household.area_code.startswith(area), rm.Household.id.not_in(questioned))
                .order_by(rm.Household.household_no).limit(1)).first()
            if found:
                break
        no, hid, programme = found
        head = session.execute(select(rm.Person.name).join(rm.Member, rm.Member.person_id == rm.Person.id)
                               .where(rm.Member.household_id == hid).order_by(rm.Member.position).limit(1)).scalar()
        out = {"household": no, "head": head, "area": area, "programme": programme}
    elif what == "authorize":  # every member's authorization given in person, and a finished verification
        no, app_no, area = args
        made, skipped = consents.request_required(session, who(area), household_no=no,
                                                  purpose=consents.Purpose("application", app_no))
        for r in made:
            consents.give(session, who(area), r.record_id, evidence={"form": "浏览器测试"})
        from jiuzhu.verification.models import Verification
        hh = session.scalars(select(rm.Household).where(rm.Household.household_no == no)).one()
        now = dt.datetime.now(dt.timezone.utc)
        v = Verification(token=secrets.token_hex(16), household_id=hh.id, household_no=no, area_code=hh.area_code,
                         purpose_kind="application", purpose_ref=app_no, as_of=dt.date(2025, 8, 31),
                         window_from="2025-02", window_to="2025-07", requested_by="browser-tests", language="zh",
                         status="done", created_at=now, started_at=now, finished_at=now, attempts=1, declared={},
                         report={"sources": []}, report_sha256="0" * 64, complete=True)
        session.add(v)
        session.flush()
        out = {"verification": v.id, "skipped": skipped}
    elif what == "publicity-over":  # the 7 days of 公示 have passed
        from jiuzhu.casework.models import Case
        today = clock.today()
        session.execute(update(Case).where(Case.case_no == args[0]).values(
            publicity_from=today - dt.timedelta(days=8), publicity_until=today - dt.timedelta(days=1)))
    elif what == "accounts":  # the payees' accounts (the synthetic district has none)
        from jiuzhu.payroll import accounts
        out = {"accounts": accounts.synthesize(session, who(args[0]), args[0])}
print(json.dumps(out, ensure_ascii=False))
"""


def setup(server: LiveServer, *args: str) -> dict:
    env = {**os.environ, "JIUZHU_HOME": str(server.home), "JIUZHU_LANG": "zh", "JIUZHU_ACTOR": "browser-tests"}
    done = subprocess.run([sys.executable, "-c", SETUP, *args], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def id_number_of(server: LiveServer, name: str, household: str) -> str:
    with sqlite3.connect(server.home / "jiuzhu.db") as db:
        return db.execute("SELECT p.id_number FROM persons p JOIN members m ON m.person_id = p.id JOIN households h "
                          "ON h.id = m.household_id WHERE p.name = ? AND h.household_no = ?",
                          (name, household)).fetchone()[0]


def act(page, form: str, **fields) -> None:
    for testid, value in fields.items():
        page.get_by_test_id(testid).fill(value)
    page.get_by_test_id(f"{form}-submit").click()
    expect(page.get_by_test_id("case-timeline")).to_be_visible()
    assert not page.get_by_test_id("action-error").count(), page.get_by_test_id("action-error").inner_text()


def test_casework_journey(live_server, chromium_browser, phone, desktop, shots):
    worker = live_server.account("community_worker")
    caseworker = live_server.account("township_caseworker")
    approver = live_server.account("township_approver")
    picked = setup(live_server, "pick", worker.area_code, caseworker.area_code)

    # 1. the phone application (帮代办): two programmes, a field forgotten first, then the receipt — by the
    # community worker when the household is in her village, else by the township's caseworker
    sign_in(phone, worker if picked["area"] == worker.area_code else caseworker)
    expect(phone.get_by_test_id("nav-applications")).to_be_visible()
    phone.get_by_test_id("nav-applications").click()
    phone.get_by_test_id("application-household").fill(picked["household"])
    programme = picked["programme"]
    phone.get_by_test_id(f"programme-{programme}").check()
    phone.get_by_test_id("programme-disability_living" if programme != "disability_living" else
                         "programme-dibao").check()
    phone.get_by_test_id("application-channel").select_option("proxy")
    phone.get_by_test_id("application-month").fill(MONTH)
    shots.take(phone, "apply")
    phone.get_by_test_id("application-submit").click()
    expect(phone.get_by_test_id("error-filed_for")).to_be_visible()  # 帮代办 names the resident
    shots.take(phone, "apply-refused")
    phone.get_by_test_id("application-for").fill(picked["head"])
    phone.get_by_test_id("application-submit").click()
    receipt = phone.get_by_test_id("receipt-no")
    expect(receipt).to_be_visible()
    app_no = receipt.inner_text().strip()
    assert app_no.startswith("A")
    expect(phone.get_by_test_id("checklist-programme")).to_have_count(2)
    assert not FULL_ID.search(phone.content())
    shots.take(phone, "receipt")
    case_no = phone.get_by_test_id("receipt-case").inner_text().strip()

    # 2. the caseworker's case page, step by step
    sign_in(desktop, caseworker)
    desktop.get_by_test_id("nav-cases").click()
    expect(desktop.get_by_test_id("cases-table")).to_be_visible()
    expect(desktop.locator(f'[data-testid="case-row"][data-case="{case_no}"]')).to_be_visible()
    shots.take(desktop, "worklist")
    desktop.locator(f'[data-testid="case-row"][data-case="{case_no}"]').get_by_test_id("case-open").click()
    expect(desktop.get_by_test_id("case-limits")).to_be_visible()
    shots.take(desktop, "case-received")
    act(desktop, "check")
    done = setup(live_server, "authorize", picked["household"], app_no, caseworker.area_code)
    act(desktop, "authorize")
    act(desktop, "verify", **{"verify-id": str(done["verification"])})
    act(desktop, "visit", **{"visit-staff-1": "李明", "visit-staff-2": "张华", "visit-note": "入户核实，情况属实"})
    act(desktop, "propose")
    act(desktop, "publish")
    expect(desktop.get_by_test_id("case-state")).to_have_attribute("data-state", "publicity")
    desktop.goto("/publicity")
    row = desktop.get_by_test_id("publicity-row").filter(has_text=case_no)
    expect(row).to_be_visible()
    assert "*" in row.get_by_test_id("publicity-name").inner_text()
    shots.take(desktop, "publicity")

    # 3. seven days later the approver decides with reasons; the caseworker enrols and sends the notice
    setup(live_server, "publicity-over", case_no)
    checker = chromium_browser.new_context(viewport=desktop.viewport_size, locale="zh-CN", base_url=live_server.url)
    approving = checker.new_page()
    sign_in(approving, approver)
    approving.goto(f"/cases/{case_no}")
    act(approving, "approve", **{"approve-reasons": "家庭人均收入低于当地低保标准，经公示无异议"})
    expect(approving.get_by_test_id("case-state")).to_have_attribute("data-state", "approved")
    desktop.goto(f"/cases/{case_no}")
    act(desktop, "enrol")
    act(desktop, "notify")
    expect(desktop.get_by_test_id("case-state")).to_have_attribute("data-state", "closed")
    expect(desktop.get_by_test_id("case-notice")).to_be_visible()
    events = desktop.get_by_test_id("timeline-event")
    expect(events.first).to_have_attribute("data-action", "notify")
    assert "家庭人均收入低于当地低保标准" in desktop.get_by_test_id("case-decision").inner_text()
    shots.take(desktop, "case-decided")
    phone.goto(f"/cases/{case_no}")
    shots.take(phone, "case-decided")

    # 4. payroll: prepared by the caseworker, refused to her, approved by the approver
    setup(live_server, "accounts", caseworker.area_code)
    desktop.goto("/payroll")
    desktop.get_by_test_id("prepare-programme").select_option(programme)
    desktop.get_by_test_id("prepare-month").fill(MONTH)
    desktop.get_by_test_id("prepare-submit").click()
    expect(desktop.get_by_test_id("own-payroll")).to_be_visible()
    expect(desktop.get_by_test_id("approve-form")).to_have_count(0)
    assert not FULL_ID.search(desktop.content())
    shots.take(desktop, "payroll-prepared")
    payroll_no = desktop.url.rsplit("/", 1)[1]
    approving.goto(f"/payroll/{payroll_no}")
    approving.get_by_test_id("approve-submit").click()
    expect(approving.get_by_test_id("payroll-status")).to_have_attribute("data-status", "approved")
    approving.get_by_test_id("files-reason").fill("报送重庆农商行")
    approving.get_by_test_id("files-submit").click()
    bank_row = approving.locator('[data-testid="file-row"][data-bank="cqrcb"]')
    expect(bank_row).to_be_visible()
    bank_row.get_by_test_id("download-reason").fill("报送银行")
    with approving.expect_download() as download:
        bank_row.get_by_test_id("download-submit").click()
    lines = [x.split("|") for x in open(download.value.path(), encoding="gbk").read().splitlines()
             if x and x[0].isdigit()]
    assert lines
    back = [f"{r[0]}|{r[2]}|{r[1]}|{r[3]}|" + ("9999|该账户已销户" if r is lines[0] else "0000|") for r in lines]
    total = sum(int(r[3].replace(".", "")) for r in lines)
    back.append(f"合计|{len(lines)}|{total // 100}.{total % 100:02d}")
    bank_row = approving.locator('[data-testid="file-row"][data-bank="cqrcb"]')
    bank_row.get_by_test_id("return-input").set_input_files(
        files=[{"name": "回盘.txt", "mimeType": "text/plain", "buffer": "\r\n".join(back).encode("gbk")}])
    bank_row.get_by_test_id("return-submit").click()
    failed = approving.get_by_test_id("failed-line")
    expect(failed).to_have_count(1)
    shots.take(approving, "reconciliation")

    # 5. the payee's new account, a wrong number first (refused beside the field), then the re-issue
    name = lines[0][1]
    household = failed.inner_text().split("·")[1].split()[0].strip()
    approving.get_by_test_id("account-id").fill(id_number_of(live_server, name, household))
    approving.get_by_test_id("account-holder").fill(name)
    approving.get_by_test_id("account-no").fill("12ab")
    approving.get_by_test_id("account-opened").fill("2025-09-01")
    approving.get_by_test_id("account-reason").fill("原卡已销户，换新卡")  # a correction needs its reason (audited)
    approving.get_by_test_id("account-submit").click()
    expect(approving.get_by_test_id("error-account_no")).to_be_visible()
    shots.take(approving, "account-refused")
    expect(approving.get_by_test_id("account-holder")).to_have_value(name)  # what was typed is kept
    approving.get_by_test_id("account-id").fill(id_number_of(live_server, name, household))
    approving.get_by_test_id("account-bank").select_option("cqrcb")
    approving.get_by_test_id("account-no").fill("6231009999000000001")
    approving.get_by_test_id("account-submit").click()
    expect(approving.get_by_test_id("reissue-form")).to_be_visible()
    assert not approving.locator("[data-testid^=error-], [data-testid=action-error]").count()
    approving.get_by_test_id("reissue-reason").fill("账户已销户，换卡重发")
    approving.get_by_test_id("reissue-submit").click()
    expect(approving).to_have_url(re.compile(rf"/payroll/{payroll_no}-R1$"))
    expect(approving.get_by_test_id("line-row")).to_have_count(1)
    assert "6231009999000000001" not in approving.content()  # masked on the page
    shots.take(approving, "reissue")
    approving.goto(f"/payroll/{payroll_no}")
    approving.get_by_test_id("reissue-reason").fill("再发一次")
    approving.get_by_test_id("reissue-submit").click()
    expect(approving.get_by_test_id("action-error")).to_be_visible()  # never twice

    # the re-issue's preparer cannot approve it either: the district officer does
    officer = chromium_browser.new_context(viewport=desktop.viewport_size, locale="zh-CN", base_url=live_server.url)
    district = officer.new_page()
    sign_in(district, live_server.account("district_officer"))
    district.goto(f"/payroll/{payroll_no}-R1")
    district.get_by_test_id("approve-submit").click()
    expect(district.get_by_test_id("payroll-status")).to_have_attribute("data-status", "approved")
    officer.close()

    # 6. the dashboard: the month's payments, chart and table (the re-issue counts in the month it re-issues)
    desktop.goto(f"/?month={MONTH}")
    payments = desktop.get_by_test_id("dashboard-payments")
    expect(payments.locator("svg")).to_be_attached()
    issued = f"{total // 100:,}.{total % 100:02d} 元"  # the file's lines, the failed one now issued again
    expect(payments.get_by_test_id("table-payments")).to_contain_text(issued)
    payments.scroll_into_view_if_needed()
    shots.take(desktop, "dashboard-payments")
    phone.goto(f"/payroll/{payroll_no}")
    shots.take(phone, "payroll")
    checker.close()
