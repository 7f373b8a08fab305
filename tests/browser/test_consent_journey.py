"""授权核对 in Chromium, as the issue's "Done when" asks: a caseworker requests the household's authorizations and
makes the QR link on the desktop page; a member far away opens the link on a 375×667 phone, passes the identity
check, agrees and reads the receipt number (回执编号); the caseworker's tab then reads 已授权; the used link, opened
again, is one clear page. Screenshots of each step in tests/browser/artefacts/consent_journey-*.png."""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from jiuzhu import clock
from tests.browser.conftest import LiveServer, watched
from tests.browser.test_journeys import sign_in

pytestmark = pytest.mark.browser
PHONE_667 = {"width": 375, "height": 667}  # the phone (an iPhone SE/8: the smallest common screen)


def adult_household(server: LiveServer, area: str) -> tuple[str, dict[str, str]]:
    """A household of ``area`` whose members are all adults (each signs for themself), with their ID numbers."""
    limit = clock.today().replace(year=clock.today().year - 18).isoformat()
    with sqlite3.connect(server.home / "jiuzhu.db") as db:
        rows = db.execute("SELECT h.household_no, p.name, p.id_number, p.birth_date FROM households h "
                          "JOIN members m ON m.household_id = h.id JOIN persons p ON p.id = m.person_id "
                          "WHERE h.area_code LIKE ? ORDER BY h.household_no", (f"{area}%",)).fetchall()
    found: dict[str, dict[str, str]] = {}
    young = set()
    for no, name, id_number, born in rows:
        found.setdefault(no, {})[name] = id_number
        if str(born) > limit:
            young.add(no)
    no = next(n for n in found if n not in young and len(found[n]) >= 2)
    return no, found[no]


def test_consent_journey(chromium_browser, live_server, desktop, shots):
    caseworker = live_server.account("township_caseworker")
    number, people = adult_household(live_server, caseworker.area_code)
    sign_in(desktop, caseworker)
    desktop.goto(f"/households/{number}")
    desktop.get_by_test_id("tab-consents").click()
    members = desktop.get_by_test_id("consent-member")
    expect(members.first).to_be_visible()
    assert members.count() == len(people)
    assert set(desktop.get_by_test_id("consent-state").all_inner_texts()) == {"未授权"}
    shots.take(desktop, "tab")

    desktop.get_by_test_id("consent-request").click()
    records = desktop.get_by_test_id("consent-record")
    expect(records).to_have_count(len(people))
    shots.take(desktop, "requested")
    row = records.first
    signer = row.locator("td").first.inner_text().split("\n")[0].strip()
    row.get_by_test_id("make-link").click()
    qr = desktop.get_by_test_id("consent-qr")
    expect(qr).to_be_visible()
    expect(qr.get_by_test_id("consent-qr-code").locator("svg")).to_be_visible()
    url = desktop.get_by_test_id("consent-link-url").input_value()
    assert re.fullmatch(re.escape(live_server.url) + r"/c/[\w.-]+", url), url
    assert "有效期至" in qr.inner_text()
    shots.take(desktop, "qr")

    # the member, far away, on a small phone: nobody signed in
    context = chromium_browser.new_context(viewport=PHONE_667, locale="zh-CN", is_mobile=True, has_touch=True,
                                           device_scale_factor=1)
    context.set_default_timeout(20_000)
    phone = watched(context)
    try:
        phone.goto(url)
        expect(phone.get_by_test_id("consent-link")).to_be_visible()
        text = phone.get_by_test_id("consent-link").inner_text()
        for words in ("授权核对", signer, "核对哪些信息", "向谁核对", "告知书版本", "银行"):
            assert words in text, words
        shots.take(phone, "phone-link")
        accept = phone.get_by_test_id("consent-accept")
        box = accept.bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 300, box  # a large touch target
        phone.get_by_test_id("consent-id-check").fill("00000X")
        phone.get_by_test_id("consent-id-check").press("Enter")  # the keyboard's Go: no decision is sent
        phone.wait_for_timeout(500)  # time for a submission to start, were one made
        expect(phone.get_by_test_id("consent-link")).to_be_visible()
        assert not phone.get_by_test_id("consent-error").count()
        assert phone.evaluate("[...document.querySelectorAll('#consent-form button')]"
                              ".filter(b => b.offsetParent !== null).length") == 2  # only the two choices show
        accept.click()
        expect(phone.get_by_test_id("consent-error")).to_contain_text("还可以再试 4 次")
        shots.take(phone, "phone-wrong-check")
        phone.get_by_test_id("consent-id-check").fill(people[signer][-6:])
        phone.get_by_test_id("consent-accept").click()
        receipt_no = phone.get_by_test_id("receipt-no")
        expect(receipt_no).to_be_visible()
        assert re.fullmatch(r"SQ-\d{8}-[0-9A-Z]{6}", receipt_no.inner_text().strip())
        assert "回执编号" in phone.get_by_test_id("consent-receipt").inner_text()
        expect(phone.get_by_test_id("consent-outcome")).to_contain_text("您已同意授权")
        shots.take(phone, "phone-receipt")

        # the caseworker's tab reads 已授权 for that member
        desktop.goto(f"/households/{number}?tab=consents")
        states = dict(zip([c.split("\n")[0].strip() for c in desktop.locator(
            "[data-testid=consent-member] td:first-child").all_inner_texts()],
            desktop.get_by_test_id("consent-state").all_inner_texts(), strict=True))
        assert states[signer] == "已授权", states
        assert receipt_no.inner_text().strip() in desktop.get_by_test_id("consent-records").inner_text()
        shots.take(desktop, "authorized")
        desktop.set_viewport_size({"width": 375, "height": 812})  # a community worker's phone: the same tab
        shots.take(desktop, "authorized")
        desktop.set_viewport_size({"width": 1280, "height": 800})

        # the used link, opened again: one clear page
        phone.goto(url)
        expect(phone.get_by_test_id("consent-closed")).to_be_visible()
        expect(phone.get_by_test_id("consent-closed-message")).to_contain_text("已使用过")
        shots.take(phone, "phone-used-link")
    finally:
        context.close()
    assert not phone.script_errors, phone.script_errors
