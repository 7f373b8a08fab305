"""``/api/v1/…/verifications``: started under consent (202; 409 consent_required naming the members masked), read
inside the area only (404 outside, as if it did not exist), the report masked and each read logged, the PDF a PDF,
申报 vs 核对 side by side — against the department simulator on loopback (tests/verification/conftest.py)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from jiuzhu.audit.models import AuditEntry
from jiuzhu.db import session_scope
from jiuzhu.verification import flows
from tests.verification.conftest import AS_OF, district, load_world, simulator  # noqa: F401 - fixtures

PREFIX = "/api/v1"
ID_NUMBER = re.compile(r"\b\d{17}[\dX]\b")


def _reads(engine) -> int:
    with session_scope(engine, write=False) as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "verification.read"))


def _other_township(area: str) -> str:
    return "500111001" if area != "500111001" else "500111002"


def test_without_every_consent_starting_is_409_naming_the_members_masked(api, district):  # noqa: F811
    world = load_world(api.engine, district, consent=False)
    client = api.user("zhang", "township_caseworker", world.area_code)
    answer = client.post(f"{PREFIX}/households/{world.household_no}/verifications",
                         json={"purpose_kind": "review", "as_of": AS_OF.isoformat()})
    assert answer.status_code == 409, answer.text
    body = answer.json()
    assert body["code"] == "consent_required"
    assert all(m["name"] in body["message"] for m in world.members)
    assert not ID_NUMBER.search(body["message"]) and "*" in body["message"]
    assert client.get(f"{PREFIX}/households/{world.household_no}/verifications").json() == []


def test_a_verification_through_the_api(api, district, simulator, zh):  # noqa: F811
    world = load_world(api.engine, district)
    client = api.user("zhang", "township_caseworker", world.area_code)
    started = client.post(f"{PREFIX}/households/{world.household_no}/verifications",
                          json={"purpose_kind": "review", "as_of": AS_OF.isoformat()})
    assert started.status_code == 202, started.text
    vid = started.json()["id"]
    assert started.json()["status"] == "queued" and started.json()["status_label"] == "排队中"
    # before the end: no report, no comparison (409), the status readable
    assert client.get(f"{PREFIX}/verifications/{vid}").json()["status"] == "queued"
    for path in ("report", "report.pdf", "evaluation"):
        early = client.get(f"{PREFIX}/verifications/{vid}/{path}")
        assert early.status_code == 409, (path, early.text)
    # one at a time per household
    again = client.post(f"{PREFIX}/households/{world.household_no}/verifications",
                        json={"purpose_kind": "review", "as_of": AS_OF.isoformat()})
    assert again.status_code == 409 and str(vid) in again.json()["message"]

    assert flows.run_here(api.engine, vid, exchange=simulator.exchange()) == "done"
    done = client.get(f"{PREFIX}/verifications/{vid}").json()
    assert done["status"] == "done" and done["complete"] is True
    assert len(done["endpoints"]) == 37 and {e["state"] for e in done["endpoints"]} == {"answered"}
    assert {e["label"] for e in done["endpoints"]} == {"已返回"}
    assert all(e["department"] for e in done["endpoints"])
    assert not ID_NUMBER.search(str(done))

    reads = _reads(api.engine)
    report = client.get(f"{PREFIX}/verifications/{vid}/report")
    assert report.status_code == 200
    assert report.json()["masked"] is True and report.json()["verification_id"] == vid
    assert not ID_NUMBER.search(report.text), "a full ID number in the report"
    assert _reads(api.engine) == reads + 1, "each read of a report is logged"

    pdf = client.get(f"{PREFIX}/verifications/{vid}/report.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 10_000
    assert _reads(api.engine) == reads + 2
    assert client.get(f"{PREFIX}/verifications/{vid}/report.pdf").content == pdf.content  # kept, not redrawn

    side = client.get(f"{PREFIX}/verifications/{vid}/evaluation")
    assert side.status_code == 200, side.text
    got = side.json()
    assert got["month"] == "2025-08" and set(got) >= {"declared", "verified", "changes"}
    assert [p["programme"] for p in got["declared"]["programmes"]] == \
        [p["programme"] for p in got["verified"]["programmes"]]
    for change in got["changes"]:
        assert set(change) >= {"programme", "status_before", "status_after", "amount_before", "amount_after"}
        assert (change["status_before"], change["amount_before"]) != (change["status_after"], change["amount_after"])
    assert not ID_NUMBER.search(side.text)
    assert client.get(f"{PREFIX}/verifications/{vid}/evaluation", params={"month": "2025-13"}).status_code == 400

    listed = client.get(f"{PREFIX}/households/{world.household_no}/verifications").json()
    assert [v["id"] for v in listed] == [vid]
    assert vid in [v["id"] for v in client.get(f"{PREFIX}/verifications").json()]
    assert [v["id"] for v in client.get(f"{PREFIX}/verifications", params={"status": "failed"}).json()] == []

    # outside the area: "not found", never the household's data
    outsider = api.user("li.na", "township_caseworker", _other_township(world.area_code))
    for path in ("", "/report", "/report.pdf", "/evaluation"):
        answer = outsider.get(f"{PREFIX}/verifications/{vid}{path}")
        assert answer.status_code == 404, (path, answer.status_code)
        assert world.household_no not in answer.text
    assert outsider.get(f"{PREFIX}/households/{world.household_no}/verifications").status_code == 404
    assert outsider.post(f"{PREFIX}/households/{world.household_no}/verifications",
                         json={"purpose_kind": "review"}).status_code == 404
    assert vid not in [v["id"] for v in outsider.get(f"{PREFIX}/verifications").json()]

    # the auditor reads the report (masked) but runs no evaluation; the community worker starts nothing
    auditor = api.user("shen", "auditor", world.area_code)
    assert auditor.get(f"{PREFIX}/verifications/{vid}/report").status_code == 200
    assert auditor.get(f"{PREFIX}/verifications/{vid}/evaluation").status_code == 403
    worker = api.user("wang", "community_worker", world.area_code)
    assert worker.post(f"{PREFIX}/households/{world.household_no}/verifications",
                       json={"purpose_kind": "review"}).status_code == 403
    assert worker.get(f"{PREFIX}/verifications/{vid}").status_code == 403


def test_the_sources_without_and_with_a_configuration(api, simulator, monkeypatch):  # noqa: F811
    from jiuzhu.exchange import endpoints

    client = api.user("zhang", "township_caseworker", "500111119")
    missing = client.get(f"{PREFIX}/exchange/sources").json()
    assert missing["configured"] is False and "sources.toml" in missing["reason"] and missing["endpoints"] == []
    monkeypatch.setattr(endpoints, "default_path", lambda: simulator.sources)
    got = client.get(f"{PREFIX}/exchange/sources")
    assert got.status_code == 200
    body = got.json()
    assert body["configured"] is True and len(body["endpoints"]) == 37
    assert all(e["department"] and e["attempts"] >= 1 and e["breaker"]["failures"] >= 1 for e in body["endpoints"])
    assert "http" not in got.text, "no address of a department"
    assert api.user("wang", "community_worker", "500111119").get(f"{PREFIX}/exchange/sources").status_code == 403


@pytest.mark.parametrize("body", [{"purpose_kind": "audit"}, {"purpose_kind": "review", "as_of": "2099-01-01"},
                                  {"purpose_kind": "review", "purpose_ref": "a\x00b"}, {},
                                  {"purpose_kind": "review", "asof": "2025-07-31"}])
def test_bad_input_is_one_line_naming_the_field(api, district, body):  # noqa: F811
    world = load_world(api.engine, district)
    client = api.user("zhang", "township_caseworker", world.area_code)
    answer = client.post(f"{PREFIX}/households/{world.household_no}/verifications", json=body)
    assert answer.status_code in (400, 422), answer.text
    assert answer.json()["field"] in ("purpose_kind", "as_of", "purpose_ref", "asof"), answer.json()
