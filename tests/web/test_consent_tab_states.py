"""The 授权 tab and the phone page after a newcomer tried to break them (issue 13): a withdrawal stays 已撤回 while a
new request waits (with 新的授权待签署 beside it), each record shows its purpose (用途), and on the phone page a
check that is not 6 digits/X is answered with the format without using up an attempt."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web import test_consent_pages as pages
from tests.web.conftest import csrf_of
from tests.web.test_consent_pages import _link, _post, _requested, _tab

household = pages.household  # the fixture: a household of the township not yet asked


def test_a_withdrawal_stays_said_while_a_new_request_waits_and_records_show_their_purpose(signed_in, zh, household):
    number, _ = household
    client = signed_in("caseworker")
    page, records = _requested(client, number)
    assert "用途：申请" in page
    assert re.search(r'data-testid="record-purpose">申请\s*<', page), "each record's purpose in words"
    first = records[0]
    assert _post(client, f"/households/{number}/consents/{first}/give", page, form="授权书-9").status_code == 303
    page = _tab(client, number)
    assert _post(client, f"/households/{number}/consents/{first}/withdraw", page, reason="本人要求").status_code == 303
    page = _tab(client, number)
    again = _post(client, f"/households/{number}/consents/request", page)  # 发起授权 asks the member again
    assert again.status_code in (200, 303), again.text[:300]
    page = _tab(client, number)
    states = re.findall(r'data-testid="consent-state">([^<]+)<', page)
    assert "已撤回" in states, states
    assert "新的授权待签署" in page


def test_the_phone_page_answers_a_slip_with_the_format_and_keeps_the_attempts(signed_in, zh, household,
                                                                               application):
    number, _ = household
    path, _signer = _link(signed_in("caseworker"), number)
    with TestClient(application, follow_redirects=False) as phone:
        shown = phone.get(path)
        for slip in ("12", "abcdef", "1234567", "12-34X"):
            answer = phone.post(path, data={"csrf_token": csrf_of(shown.text), "id_check": slip,
                                            "decision": "accept"})
            assert answer.status_code == 400 and "不计入尝试次数" in answer.text, slip
            assert "Traceback" not in answer.text
        wrong = phone.post(path, data={"csrf_token": csrf_of(shown.text), "id_check": "00000X", "decision": "accept"})
        assert wrong.status_code == 400 and "还可以再试 4 次" in wrong.text
