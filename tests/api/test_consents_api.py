"""``/api/v1/households/{no}/consents`` and ``/api/v1/consents/{id}``: the consent capability's API face — who must
sign, requests, decisions in person, withdrawal, renewal, invalidation, links with their QR code; every refusal one
body with its field, in Chinese when asked; identifiers masked; other areas "not found"."""

from __future__ import annotations

import pytest

from tests.api.conftest import TIESHAN

HH = "500111119-000001"  # the example household: two adults, an adult grandchild, a minor grandchild
OUTSIDE = "500111001-000001"  # another township
URL = f"/api/v1/households/{HH}/consents"


@pytest.fixture
def caseworker(registry):
    return registry.user("caseworker", "township_caseworker", TIESHAN)


def _request_all(client) -> list[dict]:
    answer = client.post(URL, json={})
    assert answer.status_code == 201, answer.text
    return answer.json()["records"]


def test_who_must_sign_then_request_give_and_read(caseworker):
    listed = caseworker.get(URL)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["all_valid"] is False and body["records"] == []
    assert {m["state"] for m in body["members"]} <= {"missing", "guardian_missing"}
    assert all("*" in m["id_number"] for m in body["members"])  # masked
    made = caseworker.post(URL, json={"purpose_kind": "application"})
    assert made.status_code == 201, made.text
    records, skipped = made.json()["records"], made.json()["skipped"]
    assert len(records) == 3 and len(skipped) == 1  # the minor grandchild: no certain parent in the household
    assert "王小雨" in skipped[0]
    assert all(r["status"] == "requested" and "*" in r["person_id_number"] for r in records)
    again = caseworker.post(URL, json={})  # every one waiting: nobody asked twice
    assert again.status_code == 201 and again.json()["records"] == []
    first = records[0]["record_id"]
    given = caseworker.post(f"/api/v1/consents/{first}/give", json={"form": "授权书-001", "witness": "张三"})
    assert given.status_code == 200, given.text
    assert given.json()["status"] == "given" and given.json()["receipt_no"].startswith("SQ-")
    assert given.json()["receipt_path"].startswith("/c/r/")
    assert given.json()["evidence"][-1]["form"] == "授权书-001"
    read = caseworker.get(f"/api/v1/consents/{first}")
    assert read.status_code == 200 and read.json()["effective_status"] == "given"
    states = {m["record_id"]: m["state"] for m in caseworker.get(URL).json()["members"]}
    assert states[first] == "valid"


def test_withdraw_renew_invalidate_refuse(caseworker):
    one, two, three = (r["record_id"] for r in _request_all(caseworker))
    assert caseworker.post(f"/api/v1/consents/{one}/give", json={}).status_code == 200
    renewed = caseworker.post(f"/api/v1/consents/{one}/renew")
    assert renewed.status_code == 201, renewed.text
    assert renewed.json()["supersedes"] == one and renewed.json()["status"] == "requested"
    withdrawn = caseworker.post(f"/api/v1/consents/{one}/withdraw", json={"reason": "本人要求"})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["withdrawal_reason"] == "本人要求"
    no_form = caseworker.post(f"/api/v1/consents/{two}/refuse", json={"method": "paper"})
    assert no_form.status_code == 400 and no_form.json()["field"] == "form"  # the paper is the evidence
    refused = caseworker.post(f"/api/v1/consents/{two}/refuse", json={"method": "paper", "form": "拒绝书-2.pdf"})
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    ended = caseworker.post(f"/api/v1/consents/{three}/invalidate", json={"reason": "签署人弄错"})
    assert ended.status_code == 200 and ended.json()["status"] == "invalidated"


def test_a_link_with_its_qr_code(caseworker):
    record = _request_all(caseworker)[0]["record_id"]
    answer = caseworker.post(f"/api/v1/consents/{record}/link", json={"hours": 24})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["url"].startswith("http://testserver/c/") and body["qr_svg"].startswith("<svg")
    assert "token" not in body
    default = caseworker.post(f"/api/v1/consents/{record}/link")  # no body: 72 hours
    assert default.status_code == 201 and default.json()["url"] != body["url"]


def test_refusals_name_their_field_in_chinese(caseworker, zh):
    record = _request_all(caseworker)[0]["record_id"]
    cases = [
        ("post", URL, {"purpose_kind": "holiday"}, 422, "purpose_kind"),
        ("post", URL, {"member": "110101199003070000"}, 400, "member"),
        ("post", f"/api/v1/consents/{record}/invalidate", {"reason": "  "}, 400, "reason"),
        ("post", f"/api/v1/consents/{record}/link", {"hours": 0}, 422, "hours"),
        ("post", f"/api/v1/consents/{record}/give", {"method": "by_pigeon"}, 422, "method"),
    ]
    for method, url, payload, status, field in cases:
        answer = getattr(caseworker, method)(url, json=payload)
        assert answer.status_code == status, (url, payload, answer.text)
        body = answer.json()
        assert body["field"] == field, (url, payload, body)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body
    caseworker.post(f"/api/v1/consents/{record}/refuse", json={})
    twice = caseworker.post(f"/api/v1/consents/{record}/give", json={})
    assert twice.status_code == 409 and "已拒绝" in twice.json()["message"]
    unknown = caseworker.get("/api/v1/consents/CR-nothing")
    assert unknown.status_code == 404 and "授权记录" in unknown.json()["message"]


def test_outside_the_area_is_not_found_and_readers_cannot_change(registry):
    caseworker = registry.user("caseworker2", "township_caseworker", TIESHAN)
    record = _request_all(caseworker)[0]["record_id"]
    other = registry.user("other", "township_caseworker", "500111001")
    assert other.get(URL).status_code == 404
    assert other.get(f"/api/v1/consents/{record}").status_code == 404
    assert other.post(f"/api/v1/consents/{record}/give", json={}).status_code == 404
    assert caseworker.get(f"/api/v1/households/{OUTSIDE}/consents").status_code == 404
    auditor = registry.user("auditor", "auditor", "500111")
    assert auditor.get(f"/api/v1/consents/{record}").status_code == 200
    refused = auditor.post(f"/api/v1/consents/{record}/give", json={})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
