"""授权核对 on the pages: the household page's 授权 tab (the caseworker requests, makes the QR code, records a signature
in person, withdraws; a reader is offered none of it and is refused anyway) and the resident's phone pages (no
sign-in: the link, the identity check, the decision, the receipt, withdrawing from it; a link that cannot be used is
one clear page, never an error trace)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from jiuzhu.db import make_engine
from tests.web.conftest import TOWNSHIP, csrf_of

LINK = re.compile(r'value="(http://testserver/c/[^"]+)"')


@pytest.fixture
def household(district) -> tuple[str, dict[str, str]]:
    """A household of the township not yet asked (each test its own), and its members' ID numbers by name."""
    engine = make_engine(district.url)
    with engine.connect() as conn:
        used = {r[0] for r in conn.execute(text(
            "SELECT DISTINCT h.household_no FROM consent_records c JOIN households h ON h.id = c.household_id"))}
        numbers = [r[0] for r in conn.execute(text(
            "SELECT household_no FROM households WHERE area_code LIKE :p ORDER BY household_no"),
            {"p": f"{TOWNSHIP}%"})]
        number = next(n for n in numbers if n not in used)
        people = dict(conn.execute(text(
            "SELECT p.name, p.id_number FROM members m JOIN persons p ON p.id = m.person_id "
            "JOIN households h ON h.id = m.household_id WHERE h.household_no = :n"), {"n": number}).all())
    engine.dispose()
    return number, people


def _tab(client: TestClient, number: str) -> str:
    page = client.get(f"/households/{number}?tab=consents")
    assert page.status_code == 200, page.text[:500]
    return page.text


def _post(client: TestClient, url: str, page: str, **data):
    return client.post(url, data={"csrf_token": csrf_of(page), **data})


def _requested(client: TestClient, number: str) -> tuple[str, list[str]]:
    page = _tab(client, number)
    done = _post(client, f"/households/{number}/consents/request", page)
    assert done.status_code in (200, 303), done.text[:500]
    page = _tab(client, number)
    return page, re.findall(r'data-record="(CR-[^"]+)"', page)


def _link(client: TestClient, number: str) -> tuple[str, str]:
    """The link of the first adult record (its signer's name), made from the tab."""
    page, records = _requested(client, number)
    made = _post(client, f"/households/{number}/consents/{records[-1]}/link", page)
    assert made.status_code == 200 and 'data-testid="consent-qr-code"' in made.text and "<svg" in made.text
    signer = re.search(rf'data-record="{records[-1]}">\s*<td>([^<]+)<', page).group(1).strip()
    return LINK.search(made.text).group(1).removeprefix("http://testserver"), signer


def test_the_tab_lists_who_must_sign_in_words_and_requests_them(signed_in, zh, household):
    number, _ = household
    client = signed_in("caseworker")
    page = _tab(client, number)
    assert 'data-testid="tab-consents" class="active"' in page and ">授权<" in page
    assert "未授权" in page or "监护人未签" in page
    assert not re.search(r"\b\d{17}[\dX]\b", page), "an identifier shown in full"
    page, records = _requested(client, number)
    assert records and "待签署" in page and "生成二维码" in page and "现场签署" in page


def test_in_person_needs_the_form_s_reference_then_reads_authorized(signed_in, zh, household):
    number, _ = household
    client = signed_in("caseworker")
    page, records = _requested(client, number)
    missing = _post(client, f"/households/{number}/consents/{records[0]}/give", page, form=" ")
    assert missing.status_code == 200 and "授权书的编号" in missing.text
    done = _post(client, f"/households/{number}/consents/{records[0]}/give", page, form="授权书-7")
    assert done.status_code == 303
    page = _tab(client, number)
    assert "已授权" in page and "现场签署" in page and "SQ-" in page
    receipt = re.search(r'href="(/c/r/[^"]+)"[^>]*data-testid="record-receipt"', page).group(1)
    assert "回执编号" in client.get(receipt).text  # printable for the member
    withdrawn = _post(client, f"/households/{number}/consents/{records[0]}/withdraw", page, reason="本人要求")
    assert withdrawn.status_code == 303 and "已撤回" in _tab(client, number)


def test_a_reader_sees_the_tab_without_actions_and_is_refused_them(signed_in, zh, household, application):
    number, _ = household
    _requested(signed_in("caseworker"), number)
    auditor = signed_in("auditor")
    page = _tab(auditor, number)
    assert "待签署" in page and "生成二维码" not in page and "发起授权" not in page
    record = re.findall(r'data-record="(CR-[^"]+)"', page)[0]
    refused = _post(auditor, f"/households/{number}/consents/{record}/give", page, form="x")
    assert refused.status_code == 403


def test_a_member_far_away_authorizes_on_the_phone_page(signed_in, zh, household, application):
    number, people = household
    path, signer = _link(signed_in("caseworker"), number)
    last6 = people[signer][-6:]
    with TestClient(application, follow_redirects=False) as phone:  # the member: nobody signed in
        shown = phone.get(path)
        assert shown.status_code == 200, shown.text[:500]
        for words in ("授权核对", "同意授权", "不同意", "2026-01", "银行", "存款等金融资产", signer):
            assert words in shown.text, words
        empty = phone.post(path, data={"csrf_token": csrf_of(shown.text), "id_check": "", "decision": "accept"})
        assert empty.status_code == 400 and "请输入" in empty.text
        undecided = phone.post(path, data={"csrf_token": csrf_of(shown.text), "id_check": last6})  # Enter pressed
        assert undecided.status_code == 400 and "请点击" in undecided.text
        wrong = phone.post(path, data={"csrf_token": csrf_of(shown.text), "id_check": "00000X", "decision": "accept"})
        assert wrong.status_code == 400 and "还可以再试 4 次" in wrong.text
        forged = phone.post(path, data={"csrf_token": "forged", "id_check": last6, "decision": "accept"})
        assert forged.status_code == 403
        done = phone.post(path, data={"csrf_token": csrf_of(shown.text), "id_check": last6.lower(),
                                      "decision": "accept"})
        assert done.status_code == 303 and done.headers["location"].startswith("/c/r/")
        receipt = phone.get(done.headers["location"])
        assert receipt.status_code == 200 and "回执编号" in receipt.text and "您已同意授权" in receipt.text
        assert re.search(r'data-testid="receipt-no">SQ-\d{8}-[0-9A-Z]{6}<', receipt.text)
        again = phone.get(path)
        assert again.status_code == 410 and "已使用过" in again.text and "Traceback" not in again.text
        # the used link leads to the decision's receipt
        assert f'href="{done.headers["location"].split("?")[0]}"' in again.text and "查看本次授权的回执" in again.text
        back = done.headers["location"].split("?")[0]
        withdrawn = phone.post(back, data={"csrf_token": csrf_of(receipt.text), "id_check": last6})
        assert withdrawn.status_code == 303
        assert "您已撤回授权" in phone.get(back).text
    assert "已撤回" in _tab(signed_in("caseworker"), number)


def test_a_member_may_refuse(signed_in, zh, household, application):
    number, people = household
    path, signer = _link(signed_in("caseworker"), number)
    with TestClient(application, follow_redirects=False) as phone:
        shown = phone.get(path)
        done = phone.post(path, data={"csrf_token": csrf_of(shown.text), "id_check": people[signer][-6:],
                                      "decision": "refuse"})
        receipt = phone.get(done.headers["location"])
        assert "回执编号" in receipt.text and "您没有同意" in receipt.text
        assert 'data-testid="withdraw"' not in receipt.text  # nothing to withdraw
        english = phone.get(f"{path}?lang=en")  # the used link, in English: the same clear page
        assert english.status_code == 410 and "This link cannot be used" in english.text
    assert "已拒绝" in _tab(signed_in("caseworker"), number)


def test_the_phone_page_in_english_shows_the_english_notice(signed_in, zh, household, application):
    number, _ = household
    path, _ = _link(signed_in("caseworker"), number)
    with TestClient(application, follow_redirects=False) as phone:
        shown = phone.get(f"{path}?lang=en")
        assert shown.status_code == 200 and "I agree to authorize" in shown.text
        assert "Authorization to verify" in shown.text and "tax bureau" in shown.text


@pytest.mark.parametrize("token", ["not-a-token", "eyJsIjoxfQ.forged.signature"])
def test_a_tampered_link_or_receipt_is_one_clear_page(client, zh, token):
    page = client.get(f"/c/{token}")
    assert page.status_code == 404 and "链接无效" in page.text and "Traceback" not in page.text
    receipt = client.get(f"/c/r/{token}")
    assert receipt.status_code == 404 and "回执" in receipt.text


def test_five_wrong_checks_lock_the_link(signed_in, zh, household, application):
    number, _ = household
    path, _ = _link(signed_in("caseworker"), number)
    with TestClient(application, follow_redirects=False) as phone:
        wrong = {"csrf_token": csrf_of(phone.get(path).text), "id_check": "00000X", "decision": "refuse"}
        for _ in range(4):
            assert phone.post(path, data=wrong).status_code == 400
        locked = phone.post(path, data=wrong)
        assert locked.status_code == 410 and "锁定" in locked.text
        assert phone.get(path).status_code == 410
