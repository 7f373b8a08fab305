"""核对 in Chromium, as the issue's "Done when" asks: the caseworker opens a household whose members have all
authorized, starts a verification on its 核对 tab, watches the departments answer one by one (已返回), reads the
report (income by category and per person, assets, differences, completeness), opens the PDF (Chinese text in
it), and sees 申报 vs 核对 in two columns. A household whose members have not authorized is refused with a
message pointing to 授权; a bank that is down leaves its part 未知 — in words, never 0.00. Screenshots of each
step in tests/browser/artefacts/verification_journey-*.png.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer
from tests.browser.test_journeys import sign_in

pytestmark = pytest.mark.browser
AS_OF = "2025-08-31"  # the demo district's data is of August 2025
CONSENTS = """
import json, sys
from sqlalchemy import select
from jiuzhu.access import Principal, OPERATOR_PERMISSIONS
from jiuzhu.cli.context import open_registry
from jiuzhu.consent import service as consents
from jiuzhu.db import session_scope
from jiuzhu.registry import models as rm
from jiuzhu.registry import service as registry

area = sys.argv[1]
engine = open_registry()
who = Principal(username="browser-tests", role=None, area_code=area, area_prefixes=(area,),
                permissions=OPERATOR_PERMISSIONS)
chosen, other = None, None
with session_scope(engine, write=False) as session:
    numbers = session.scalars(select(rm.Household.household_no).where(rm.Household.area_code.startswith(area))
                              .order_by(rm.Household.household_no.desc())).all()
def with_wages(session, no):
    hh = session.scalars(select(rm.Household).where(rm.Household.household_no == no)).one()
    doc = registry.household_doc(session, hh).model_dump(mode="json")
    return doc if any(i.get("wages") for m in doc["members"] for i in m.get("incomes") or []) else None


for no in numbers:  # from the last: the consent journey takes the first households
    if other is None:
        other = no
        continue
    with session_scope(engine) as session:
        doc = with_wages(session, no)
        if doc is None:
            continue
        made, skipped = consents.request_required(session, who, household_no=no, purpose=consents.Purpose("review"))
        if skipped or len(made) < 2:
            session.rollback()
            continue
        for record in made:
            consents.give(session, who, record.record_id, evidence={"form": "浏览器测试"})
        # the household declares half its wages: the verification finds the difference
        for member in doc["members"]:
            for income in member.get("incomes") or []:
                if income.get("wages"):
                    income["wages"] = f"{float(income['wages']) / 2:.2f}"
        registry.put_household(session, registry.parse_household(doc, record=no), actor="browser-tests",
                               reason="浏览器测试：申报的工资只有一半")
        chosen = no
        break
print(json.dumps({"authorized": chosen, "not_authorized": other}))
"""


def authorized_households(server: LiveServer, area: str) -> dict:
    """A household of ``area`` with wages, whose members (two or more) have all authorized a review, given in
    person, and which now declares half its wages; and another whose members have not authorized."""
    import os

    env = {**os.environ, "JIUZHU_HOME": str(server.home), "JIUZHU_LANG": "zh", "JIUZHU_ACTOR": "browser-tests"}
    done = subprocess.run([sys.executable, "-c", CONSENTS, area], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["authorized"] and found["not_authorized"], found
    return found


def pdf_text(data: bytes) -> str:
    """The PDF's text: poppler's pdftotext when installed, else pypdf (a test dependency)."""
    if shutil.which("pdftotext"):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "report.pdf"
            path.write_bytes(data)
            return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                  check=True).stdout
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def page_image(data: bytes, path: Path) -> None:
    """The PDF's first page as a PNG (PDFium, as a reader would draw it; headless Chromium has no PDF viewer)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        document[0].render(scale=1.5).to_pil().save(path)
    finally:
        document.close()


def test_verification_journey(live_server, departments, desktop, shots):
    caseworker = live_server.account("township_caseworker")
    found = authorized_households(live_server, caseworker.area_code)
    # the departments answer in 0.4–1.9 s each, so that the page shows them answering one after another
    departments.configure({"defaults": {"latency_ms": {"median": 900, "p95": 1700, "min": 400, "max": 1900}}})
    sign_in(desktop, caseworker)

    # 1. members who have not authorized: refused, with the way to 授权
    desktop.goto(f"/households/{found['not_authorized']}?tab=verifications")
    expect(desktop.get_by_test_id("no-verification")).to_be_visible()
    desktop.get_by_test_id("verify-as-of").fill(AS_OF)
    desktop.get_by_test_id("verify-start").click()
    error = desktop.get_by_test_id("verify-error")
    expect(error).to_be_visible()
    assert "还有家庭成员没有授权核对" in error.inner_text()
    assert not re.search(r"\d{17}[\dX]", error.inner_text()), "a full ID number in the message"
    expect(desktop.get_by_test_id("go-consents")).to_have_attribute(
        "href", f"/households/{found['not_authorized']}?tab=consents")
    shots.take(desktop, "consents-missing")

    # 2. the authorized household: 核对 tab, 发起核对
    number = found["authorized"]
    desktop.goto(f"/households/{number}")
    desktop.get_by_test_id("tab-verifications").click()
    expect(desktop.get_by_test_id("verify-form")).to_be_visible()
    assert desktop.get_by_test_id("verify-purpose").input_value() == "review"
    desktop.get_by_test_id("verify-as-of").fill(AS_OF)
    shots.take(desktop, "tab")
    desktop.get_by_test_id("verify-start").click()
    expect(desktop).to_have_url(re.compile(r"/verifications/\d+$"))
    vid = int(desktop.url.rsplit("/", 1)[1])

    # 3. the endpoints, one row each, turning 已返回 as they answer (polled every second)
    endpoints = desktop.get_by_test_id("endpoint")
    expect(endpoints.first).to_be_visible()
    seen_states: set[str] = set()
    running_shot = False
    for _ in range(40):  # the page polls; look while it runs
        if desktop.get_by_test_id("verification").get_attribute("data-status") in ("done", "incomplete", "failed"):
            break
        seen_states |= set(desktop.get_by_test_id("endpoint-state").all_inner_texts())
        if {"已返回", "查询中"} <= seen_states and not running_shot:
            shots.take(desktop, "running")
            running_shot = True
        desktop.wait_for_timeout(300)
    assert {"查询中", "已返回"} <= seen_states, seen_states
    expect(desktop.get_by_test_id("verification")).to_have_attribute("data-status", "done", timeout=60_000)
    expect(desktop.get_by_test_id("verification-status")).to_have_text("已完成")

    # 4. the report: complete, figures in words and yuan, masked
    summary = desktop.get_by_test_id("report-summary")
    expect(summary.get_by_test_id("report-complete")).to_be_visible()
    assert "37 个部门和机构" in summary.inner_text()
    per_capita = desktop.get_by_test_id("per-capita").inner_text()
    assert re.fullmatch(r"[\d,]+\.\d\d 元", per_capita.strip()), per_capita
    assert desktop.get_by_test_id("income-table").locator("tbody tr").count() >= 3
    body = desktop.locator("main").inner_text() if desktop.locator("main").count() else desktop.inner_text("body")
    assert not re.search(r"\b\d{17}[\dX]\b", body), "a full ID number on the page"
    differences = desktop.get_by_test_id("difference")  # half the wages declared
    expect(differences.first).to_be_visible()
    assert "工资高于申报" in " ".join(differences.all_inner_texts())
    assert "differs" in (differences.first.get_attribute("class") or "")
    side = desktop.get_by_test_id("side-by-side")
    expect(side).to_be_visible()
    assert side.locator("thead th").all_inner_texts()[1:] == ["按申报", "按核对"]
    assert desktop.get_by_test_id("side-row").count() >= 5
    shots.take(desktop, "report")
    desktop.get_by_test_id("side-by-side").scroll_into_view_if_needed()
    shots.take(desktop, "side-by-side", full_page=False)
    desktop.set_viewport_size({"width": 375, "height": 812})  # on a phone too: one column, nothing sideways
    shots.take(desktop, "report")
    desktop.set_viewport_size({"width": 1280, "height": 800})

    # 5. the PDF: a PDF, with the report's Chinese text in it
    pdf_link = desktop.get_by_test_id("report-pdf")
    assert pdf_link.get_attribute("href") == f"/verifications/{vid}/report.pdf"
    answer = desktop.request.get(f"/verifications/{vid}/report.pdf")
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    data = answer.body()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for words in ("核对报告", number, "收入"):
        assert words in text.replace(" ", ""), (words, text[:500])
    (shots.folder / "verification_journey-report.pdf").write_bytes(data)
    page_image(data, shots.folder / "verification_journey-pdf-page1.png")  # to look at: Chinese, readable

    # 6. the tab lists it; 核对管理 lists it
    desktop.goto(f"/households/{number}?tab=verifications")
    row = desktop.locator(f"[data-testid=verification-row][data-verification='{vid}']")
    expect(row.get_by_test_id("verification-status")).to_have_text("已完成")
    desktop.get_by_test_id("nav-verifications").click()
    expect(desktop.locator(f"[data-testid=verification-row][data-verification='{vid}']")).to_be_visible()
    assert "共" in desktop.get_by_test_id("verifications-count").inner_text()
    shots.take(desktop, "list")

    # 7. a bank down: the verification is incomplete, its part 未知 in words (never 0.00)
    departments.configure({"defaults": {"latency_ms": {"median": 0, "p95": 0, "min": 0, "max": 0}},
                           "endpoint": {"bank.cqrcb": {"down": True}}})
    try:
        desktop.goto(f"/households/{number}?tab=verifications")
        desktop.get_by_test_id("verify-as-of").fill(AS_OF)
        desktop.get_by_test_id("verify-start").click()
        expect(desktop.get_by_test_id("verification")).to_have_attribute("data-status", "incomplete",
                                                                         timeout=60_000)
        expect(desktop.get_by_test_id("report-incomplete")).to_be_visible()
        assets = desktop.get_by_test_id("assets-total").inner_text()
        assert "未知" in assets and "0.00" not in assets.split("至少")[0], assets
        down = desktop.locator("[data-testid=source][data-endpoint='bank.cqrcb']")
        expect(down).to_contain_text("未知")
        shots.take(desktop, "bank-down")
    finally:
        departments.configure({"endpoint": {"bank.cqrcb": {"down": False}}})
