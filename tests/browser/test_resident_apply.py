"""申请救助 in Chromium: a caseworker makes the application link from the household page (desktop); the resident
opens it on a 375 px phone, nobody signed in, chooses the help, gives a phone number, passes the identity check,
sends, reads the receipt number and the 查看进度 page; the used link, opened again, leads there. Also the two phone
fixes of this change: the household page's tab bar says it scrolls sideways, and the dashboard's tiles fit in
375 px (screenshots of both widths in tests/browser/artefacts/resident_apply-*.png and dashboard_fits-*.png)."""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, watched
from tests.browser.test_journeys import sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 812}


def fresh_household(server: LiveServer, area: str) -> tuple[str, str]:
    """A household of ``area`` with no application and no link yet, and its head's ID number."""
    with sqlite3.connect(server.home / "jiuzhu.db") as db:
        return db.execute(
            "SELECT h.household_no, p.id_number FROM households h JOIN members m ON m.household_id = h.id "
            "JOIN persons p ON p.id = m.person_id WHERE h.area_code LIKE ? AND m.relation = 'head' "
            "AND p.death_date IS NULL AND h.id NOT IN (SELECT household_id FROM applications) "
            "AND h.id NOT IN (SELECT household_id FROM application_links) ORDER BY h.household_no LIMIT 1",
            (f"{area}%",)).fetchone()


def test_resident_apply(chromium_browser, live_server, desktop, shots):
    caseworker = live_server.account("township_caseworker")
    number, id_number = fresh_household(live_server, caseworker.area_code)
    sign_in(desktop, caseworker)
    desktop.goto(f"/households/{number}")
    desktop.get_by_test_id("apply-link").locator("summary").click()
    shots.take(desktop, "household")
    desktop.get_by_test_id("apply-link-submit").click()
    expect(desktop.get_by_test_id("apply-link-issued")).to_be_visible()
    url = desktop.get_by_test_id("apply-link-url").input_value()
    assert re.fullmatch(re.escape(live_server.url) + r"/a/[\w.-]+", url), url
    assert "短信" in desktop.get_by_test_id("apply-link-issued").inner_text()
    shots.take(desktop, "link")

    context = chromium_browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True,
                                           device_scale_factor=1)
    context.set_default_timeout(20_000)
    phone = watched(context)
    try:
        phone.goto(url)
        expect(phone.get_by_test_id("resident-apply")).to_be_visible()
        text = phone.get_by_test_id("resident-apply").inner_text()
        for words in ("申请救助", "最低生活保障", "临时救助", "通常需要的材料", "户口簿", "联系电话"):
            assert words in text, words
        shots.take(phone, "phone-form")
        # who it is first: before the check nothing of the household shows (no hint of what may apply)
        assert phone.locator("[data-testid^=apply-hint-]").count() == 0
        phone.get_by_test_id("apply-id-check").fill(id_number[-6:])
        phone.get_by_test_id("apply-check").click()
        expect(phone.get_by_test_id("apply-verified")).to_be_visible()
        shots.take(phone, "phone-checked")
        submit = phone.get_by_test_id("apply-submit")
        box = submit.bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 300, box  # a large touch target
        tick = phone.get_by_test_id("apply-programme-temporary")
        assert tick.bounding_box()["height"] >= 20
        tick.check()
        phone.get_by_test_id("apply-phone").fill("1380000")
        phone.get_by_test_id("apply-note").fill("老伴住院，开销大")
        submit.click()
        expect(phone.get_by_test_id("apply-error")).to_contain_text("手机")  # said beside the field
        assert phone.get_by_test_id("apply-programme-temporary").is_checked()  # what was typed is kept
        shots.take(phone, "phone-wrong-phone")
        phone.get_by_test_id("apply-phone").fill("138 0000 1234")
        expect(phone.get_by_test_id("apply-id-check")).to_have_value(id_number[-6:])  # kept, checked once
        phone.get_by_test_id("apply-submit").click()
        receipt_no = phone.get_by_test_id("receipt-no")
        expect(receipt_no).to_be_visible()
        assert re.fullmatch(r"A-\d{8}-\d{9}-\d{4}", receipt_no.inner_text().strip())
        expect(phone.get_by_test_id("apply-done")).to_be_visible()
        progress = phone.get_by_test_id("resident-progress").inner_text()
        for words in ("查看进度", "回执编号", "临时救助", "已收到申请", "下一步"):
            assert words in progress, words
        assert id_number not in progress and caseworker.username not in progress
        shots.take(phone, "phone-progress")
        progress_url = phone.url.split("?")[0]

        phone.goto(url)  # the used link: a calm page leading to the progress
        expect(phone.get_by_test_id("resident-closed")).to_be_visible()
        phone.get_by_test_id("resident-closed-progress").click()
        expect(phone.get_by_test_id("receipt-no")).to_have_text(receipt_no.inner_text())
        assert phone.url.split("?")[0] == progress_url
        shots.take(phone, "phone-used-link")
    finally:
        context.close()
    assert not phone.script_errors, phone.script_errors

    # the office sees the application (居民自助) on the household's page
    desktop.goto(f"/households/{number}")
    desktop.set_viewport_size(PHONE)  # and the tab bar at 375 px says it scrolls sideways
    tabs = desktop.get_by_test_id("household-tabs")
    expect(tabs).to_be_visible()
    overflow = desktop.evaluate("(() => { const t = document.querySelector('[data-testid=household-tabs]');"
                                " return [t.scrollWidth, t.clientWidth, getComputedStyle(t).overflowX,"
                                " getComputedStyle(t.parentElement, '::after').content,"
                                " getComputedStyle(t).maskImage || getComputedStyle(t).webkitMaskImage]; })()")
    scroll_width, client_width, overflow_x, _, mask = overflow
    if scroll_width > client_width:  # the tabs do not fit: they scroll, and the edge fades to say so
        assert overflow_x in ("auto", "scroll") and "gradient" in (mask or ""), overflow
    shots.take(desktop, "household-tabs")
    desktop.set_viewport_size({"width": 1280, "height": 800})


def test_dashboard_fits(live_server, desktop, shots):
    """The dashboard's tiles at 375 px: one or two to a row, none wider than its box, nothing sideways."""
    sign_in(desktop, live_server.account("district_officer"))
    desktop.goto("/")
    expect(desktop.get_by_test_id("dashboard-stats")).to_be_visible()
    shots.take(desktop, "wide")
    desktop.set_viewport_size(PHONE)
    desktop.wait_for_timeout(300)
    found = desktop.evaluate("[...document.querySelectorAll('[data-testid=dashboard-stats] .stat')].map(s => {"
                             " const r = s.getBoundingClientRect();"
                             " return [r.left, r.right, s.scrollWidth - s.clientWidth]; })")
    assert found
    for left, right, spill in found:
        assert left >= 0 and right <= PHONE["width"] and spill <= 1, found
    assert len({round(left) for left, _, _ in found}) <= 2, found  # one or two columns
    shots.take(desktop, "phone")
    desktop.set_viewport_size({"width": 1280, "height": 800})
