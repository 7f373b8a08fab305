"""Worklists over the API: scoped entries with masked identifiers, filters, the outcome of a visit recorded from a
phone and shown with who and when; refusals as the one error body."""

from __future__ import annotations

import re

import pytest

from jiuzhu.discovery import flows
from tests.api.test_jobs_api import district_db, make  # noqa: F401  (the shared district fixture)
from tests.jobs.district import MONTH

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def scanned(monkeypatch, tmp_path, district_db):  # noqa: F811
    made = make(monkeypatch, tmp_path, district_db)
    flows.scan(made.engine, month=MONTH, home=made.home, actor="scanner", workbooks="township", workers=1)
    yield made
    made.engine.dispose()


def test_a_community_worker_reads_its_worklist_and_records_a_visit(scanned, zh):
    township, other = scanned.townships
    phone = scanned.user("li.na", "community_worker", township)
    page = phone.get("/api/v1/worklists/unclaimed", params={"per_page": 200})
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["total"] == len(body["items"]) > 0 and body["month"] == MONTH
    assert all(e["area_code"].startswith(township) for e in body["items"])
    assert all("*" in e["id_number"] for e in body["items"] if e["id_number"])
    assert body["items"][0]["list_label"] == "应享未享"
    entry = body["items"][0]
    saved = phone.post(f"/api/v1/worklists/entries/{entry['id']}/outcome",
                       json={"outcome": "not_entitled_after_visit", "note": "已有稳定工作"})
    assert saved.status_code == 201, saved.text
    assert saved.json()["actor"] == "li.na" and saved.json()["label"] == "走访后不符合"
    again = phone.get("/api/v1/worklists/unclaimed", params={"outcome": "not_entitled_after_visit"}).json()
    assert [e["id"] for e in again["items"]] == [entry["id"]]
    shown = again["items"][0]["outcome"]
    assert shown["note"] == "已有稳定工作" and shown["actor"] == "li.na" and shown["at"]
    history = phone.get(f"/api/v1/worklists/entries/{entry['id']}/outcomes").json()
    assert [h["outcome"] for h in history] == ["not_entitled_after_visit"]
    summary = phone.get("/api/v1/worklists/summary").json()
    assert [s["township"] for s in summary] == [township] and summary[0]["recorded"] == 1


def test_outside_the_area_nothing_is_found_and_bad_input_is_refused(scanned, zh):
    township, other = scanned.townships
    officer = scanned.user("zhou", "district_officer", "500111")
    everything = officer.get("/api/v1/worklists/unclaimed", params={"per_page": 200}).json()["items"]
    theirs = next(e for e in everything if not e["area_code"].startswith(township))
    mine = next(e for e in everything if e["area_code"].startswith(township))
    phone = scanned.user("li.na", "community_worker", township)
    hidden = phone.post(f"/api/v1/worklists/entries/{theirs['id']}/outcome", json={"outcome": "visited"})
    assert hidden.status_code == 404 and CJK.search(hidden.json()["message"])
    wrong = phone.post(f"/api/v1/worklists/entries/{mine['id']}/outcome", json={"outcome": "maybe"})
    assert wrong.status_code == 422 and wrong.json()["field"]
    long = phone.post(f"/api/v1/worklists/entries/{mine['id']}/outcome",
                      json={"outcome": "visited", "note": "字" * 501})
    assert long.status_code == 422
    auditor = scanned.user("sun.li", "auditor", township)
    assert auditor.get("/api/v1/worklists/unclaimed").status_code == 403
    assert auditor.post(f"/api/v1/worklists/entries/{mine['id']}/outcome",
                        json={"outcome": "visited"}).status_code == 403
    assert officer.post(f"/api/v1/worklists/entries/{mine['id']}/outcome",  # reads, does not visit
                        json={"outcome": "visited"}).status_code == 403
    assert phone.get("/api/v1/worklists/elsewhere").status_code == 422
    assert phone.get("/api/v1/worklists/ineligible", params={"run": 999}).status_code == 404
    programme = phone.get("/api/v1/worklists/unclaimed", params={"programme": "nonsense"})
    assert programme.status_code == 400 and programme.json()["field"] == "programme"
