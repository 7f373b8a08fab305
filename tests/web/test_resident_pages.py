"""申请救助 on the pages: the office makes the link from the household page (a reader is offered no button and is
refused anyway); the resident, signed in nowhere, opens it, is told what is wrong beside the field, applies, gets a
receipt number and a 查看进度 page in plain words; a link that cannot be used is one plain page, never a trace."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from jiuzhu.db import make_engine
from tests.web.conftest import TOWNSHIP, csrf_of

LINK = re.compile(r'value="(http://testserver/a/[^"]+)"')


@pytest.fixture
def household(district) -> tuple[str, str]:
    """A township household with no application nor link yet (each test its own), and its head's ID number."""
    engine = make_engine(district.url)
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT h.household_no, p.id_number FROM households h JOIN members m ON m.household_id = h.id "
            "JOIN persons p ON p.id = m.person_id WHERE h.area_code LIKE :p AND m.relation = 'head' "
            "AND p.death_date IS NULL "
            "AND h.id NOT IN (SELECT household_id FROM applications) "
            "AND h.id NOT IN (SELECT household_id FROM application_links) "
            "AND h.id NOT IN (SELECT household_id FROM consent_records) ORDER BY h.household_no DESC LIMIT 1"),
            {"p": f"{TOWNSHIP}%"}).one()
    engine.dispose()
    return row[0], row[1]


def make_link(client: TestClient, number: str, **data) -> str:
    page = client.get(f"/households/{number}")
    assert page.status_code == 200 and 'data-testid="apply-link-form"' in page.text
    made = client.post(f"/households/{number}/apply-link", data={"csrf_token": csrf_of(page.text), **data})
    assert made.status_code == 200, made.text[:500]
    assert 'data-testid="apply-link-issued"' in made.text and "<svg" in made.text
    return LINK.search(made.text).group(1).removeprefix("http://testserver")


def test_a_resident_applies_on_the_phone_page_and_follows_the_progress(signed_in, zh, household, application):
    number, id_number = household
    path = make_link(signed_in("caseworker"), number)
    with TestClient(application, follow_redirects=False) as phone:  # the resident: nobody signed in
        shown = phone.get(path)
        assert shown.status_code == 200, shown.text[:500]
        for words in ("申请救助", "最低生活保障", "临时救助", "户口簿", "联系电话", "身份证号"):
            assert words in shown.text, words
        form = {"csrf_token": csrf_of(shown.text), "programmes": ["temporary"], "phone": "13800001234",
                "note": "老伴住院，开销大"}
        empty = phone.post(path, data={**form, "id_check": ""})
        assert empty.status_code == 400 and "请输入" in empty.text and 'value="13800001234"' in empty.text
        # before the identity check nothing of the household shows (a forwarded SMS): no hint, the name masked;
        # the check alone (no choice yet) is the first step, and brings the rules' hints
        assert 'data-testid="apply-hint-' not in shown.text and re.search(r"[\u4e00-\u9fff]\*+", shown.text)
        checked = phone.post(path, data={**form, "programmes": [], "id_check": id_number[-6:]})
        assert checked.status_code == 200 and 'data-testid="apply-verified"' in checked.text, checked.text[:500]
        assert f'value="{id_number[-6:]}" readonly' in checked.text
        bad_phone = phone.post(path, data={**form, "phone": "12345", "id_check": id_number[-6:]})
        assert bad_phone.status_code == 400 and "手机" in bad_phone.text
        wrong = phone.post(path, data={**form, "id_check": "00000X" if not id_number.endswith("00000X")
                                       else "000001"})
        assert wrong.status_code == 400 and "还可以再试 4 次" in wrong.text
        forged = phone.post(path, data={**form, "csrf_token": "forged", "id_check": id_number[-6:]})
        assert forged.status_code == 403
        done = phone.post(path, data={**form, "id_check": id_number[-6:].lower()})
        assert done.status_code == 303 and done.headers["location"].startswith("/a/r/"), done.text[:500]
        progress = phone.get(done.headers["location"])
        assert progress.status_code == 200
        assert re.search(r'data-testid="receipt-no">A-\d{8}-\d{9}-\d{4}<', progress.text)
        for words in ("查看进度", "临时救助", "已收到"):
            assert words in progress.text, words
        assert "caseworker" not in progress.text and id_number not in progress.text
        again = phone.get(path)  # one use: a calm page leading to the progress
        assert again.status_code == 410 and "Traceback" not in again.text
        assert f'href="{done.headers["location"].split("?")[0]}"' in again.text
    engine = make_engine(application.state.engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        channel = conn.execute(text("SELECT channel FROM applications a JOIN households h ON h.id = a.household_id "
                                    "WHERE h.household_no = :n"), {"n": number}).scalar_one()
        case_no = conn.execute(text("SELECT case_no FROM cases c JOIN households h ON h.id = c.household_id "
                                    "WHERE h.household_no = :n"), {"n": number}).scalar_one()
    engine.dispose()
    assert channel == "resident"
    # the caseworker's case page gives the phone to call back on and the note the resident left
    case_page = signed_in("caseworker").get(f"/cases/{case_no}", params={"lang": "zh"})
    assert case_page.status_code == 200 and 'data-testid="case-resident-contact"' in case_page.text
    assert "13800001234" in case_page.text and "老伴住院，开销大" in case_page.text


def test_refused_links_are_plain_pages(client, zh):
    for path in ("/a/not-a-token", "/a/r/not-a-token"):
        page = client.get(path)
        assert page.status_code == 404 and "Traceback" not in page.text
        assert 'data-testid="resident-closed"' in page.text


def test_five_wrong_checks_lock_the_link(signed_in, zh, household, application):
    number, id_number = household
    path = make_link(signed_in("caseworker"), number)
    wrong = "000001" if not id_number.endswith("000001") else "000002"
    with TestClient(application, follow_redirects=False) as phone:
        shown = phone.get(path)
        form = {"csrf_token": csrf_of(shown.text), "programmes": ["dibao"], "phone": "13800001234"}
        answers = [phone.post(path, data={**form, "id_check": wrong}).status_code for _ in range(5)]
        assert answers == [400, 400, 400, 400, 410]
        locked = phone.get(path)
        assert locked.status_code == 410 and "锁定" in locked.text


def test_a_newer_link_replaces_the_older_and_a_bad_request_is_said_on_the_page(signed_in, zh, household,
                                                                               application):
    number, _ = household
    office = signed_in("caseworker")
    first = make_link(office, number)
    second = make_link(office, number, hours="1")
    with TestClient(application, follow_redirects=False) as phone:
        assert phone.get(first).status_code == 410 and "新" in phone.get(first).text
        assert phone.get(second).status_code == 200
    page = office.get(f"/households/{number}")
    bad = office.post(f"/households/{number}/apply-link", data={"csrf_token": csrf_of(page.text), "hours": "9999"})
    assert bad.status_code == 400 and 'data-testid="apply-link-error"' in bad.text and "720" in bad.text
    nobody = office.post(f"/households/{number}/apply-link", data={"csrf_token": csrf_of(page.text),
                                                                   "member": "不存在的人"})
    assert nobody.status_code == 400 and "不存在的人" in nobody.text


def test_a_reader_is_offered_no_button_and_is_refused(signed_in, zh, household):
    number, _ = household
    auditor = signed_in("auditor")
    page = auditor.get(f"/households/{number}")
    assert page.status_code == 200 and 'data-testid="apply-link-form"' not in page.text
    refused = auditor.post(f"/households/{number}/apply-link", data={"csrf_token": csrf_of(page.text)})
    assert refused.status_code == 403
