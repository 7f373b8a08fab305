"""Consent bodies that contradict themselves or carry what the API does not know (issue 13, found by a newcomer):
each refused with its field named in Chinese (422 for the body's shape, 400 for the service's rules), nothing
stored; never a field dropped silently."""

from __future__ import annotations

import pytest

from tests.api.conftest import TIESHAN, household

HH = "500111119-000001"
URL = f"/api/v1/households/{HH}/consents"
HEAD, SPOUSE = (m["id_number"] for m in household(HH, TIESHAN, 1)["members"][:2])  # as the registry fixture puts it


@pytest.fixture
def caseworker(registry):
    return registry.user("caseworker", "township_caseworker", TIESHAN)


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_contradictory_or_unknown_fields_are_refused_by_name_and_nothing_is_stored(caseworker, zh):
    assert caseworker.get(URL).json()["records"] == []
    cases = [
        ({"signer_role": "proxy"}, 422, "signer_role"),  # a signer with no member: every member asked, it dropped
        ({"capacity_basis": "no_capacity"}, 422, "capacity_basis"),
        ({"purpose_kind": "review", "colour": "blue"}, 422, "colour"),
        ({"member": HEAD, "signer_role": "self", "capacity_basis": "no_capacity"}, 400, "capacity_basis"),
        ({"member": HEAD, "signer_role": "proxy", "signer": SPOUSE, "proxy_reason": "卧床"}, 400,
         "authority_document"),
        ({"member": HEAD, "signer_role": "proxy", "signer": SPOUSE, "proxy_reason": "卧床",
          "authority_document": "委托书-1", "capacity_basis": "no_capacity"}, 400, "capacity_basis"),
    ]
    for payload, status, field in cases:
        answer = caseworker.post(URL, json=payload)
        assert answer.status_code == status, (payload, answer.text)
        assert answer.json()["field"] == field and _chinese(answer.json()["message"]), answer.json()
    assert caseworker.get(URL).json()["records"] == []
    record = caseworker.post(URL, json={}).json()["records"][0]["record_id"]
    for url, payload, field in [
        (f"/api/v1/consents/{record}/give", {"method": "paper"}, "form"),
        (f"/api/v1/consents/{record}/give", {"form": "a.pdf", "signed_by": "x"}, "signed_by"),
        (f"/api/v1/consents/{record}/withdraw", {"reason": "x", "force": True}, "force"),
        (f"/api/v1/consents/{record}/link", {"hours": 3, "to": "x"}, "to"),
    ]:
        answer = caseworker.post(url, json=payload)
        assert answer.status_code in (400, 422) and answer.json()["field"] == field, (url, payload, answer.text)
        assert _chinese(answer.json()["message"])
    assert caseworker.get(f"/api/v1/consents/{record}").json()["status"] == "requested"
