"""The pages that start work: an import (upload, progress, the report by row and column), a scan, a what-if, and
the outcome of a visit recorded from a worklist card. The jobs run here one at a time (``Worker.run_once``)."""

from __future__ import annotations

import json
import re

from jiuzhu.db import make_engine
from jiuzhu.jobs.worker import Worker
from tests.conftest import EXAMPLE
from tests.web.conftest import csrf_of


def _run_jobs(district) -> None:
    engine = make_engine(district.url)
    try:
        while Worker(engine, district.settings()).run_once() is not None:
            pass
    finally:
        engine.dispose()


def test_an_upload_shows_its_progress_then_the_report_by_row_and_column(signed_in, district, zh):
    client = signed_in("caseworker")
    page = client.get("/imports")
    good = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    bad = {**good, "household_no": "500111119-BAD-1", "members": [{**good["members"][0], "name": " "}]}
    body = (json.dumps(good, ensure_ascii=False) + "\n" + json.dumps(bad, ensure_ascii=False) + "\n").encode()
    started = client.post("/imports", data={"csrf_token": csrf_of(page.text), "reason": "测试导入"},
                          files={"file": ("households.jsonl", body, "application/jsonl")},
                          headers={"HX-Request": "true", "HX-Target": "upload-job"})
    assert started.status_code == 200
    job = re.search(r'data-job="(\d+)"', started.text).group(1)
    assert 'data-testid="job-progress"' in started.text and 'hx-trigger="every 1s"' in started.text
    _run_jobs(district)
    done = client.get(f"/jobs/{job}", headers={"HX-Request": "true"})
    assert 'data-status="done"' in done.text and "hx-trigger" not in done.text  # polling stops
    assert 'data-testid="import-report"' in done.text and 'data-testid="report-row"' in done.text
    assert "姓名" in done.text or "name" in done.text  # the field at fault is named
    assert f'href="/api/v1/imports/{job}/report?format=csv"' in done.text
    whole = client.get(f"/jobs/{job}")
    assert whole.status_code == 200 and "<html" in whole.text
    assert 'data-testid="nav-imports" class="active"' in whole.text


def test_a_file_the_import_cannot_read_is_refused_beside_the_form(signed_in, zh):
    client = signed_in("caseworker")
    page = client.get("/imports")
    refused = client.post("/imports", data={"csrf_token": csrf_of(page.text)},
                          files={"file": ("ledger.pdf", b"%PDF-1.4", "application/pdf")})
    assert refused.status_code == 400 and 'data-testid="upload-error"' in refused.text and ".pdf" in refused.text


def test_a_scan_started_from_the_page_is_watched_then_opens_its_worklists(signed_in, district, zh):
    client = signed_in("caseworker")
    page = client.get("/discovery")
    assert 'data-testid="scan-form"' in page.text
    started = client.post("/discovery/scans", data={"csrf_token": csrf_of(page.text), "month": "2025-08"})
    assert started.status_code == 303
    job = started.headers["location"].rsplit("/", 1)[-1]
    again = client.post("/discovery/scans", data={"csrf_token": csrf_of(page.text), "month": "2025-08"},
                        headers={"HX-Request": "true"})
    assert again.status_code == 400 and "已" in again.text  # one scan of a scope at a time
    _run_jobs(district)
    done = client.get(f"/jobs/{job}")
    assert 'data-status="done"' in done.text and 'data-testid="open-worklists"' in done.text


def test_an_outcome_recorded_from_a_card_is_shown_on_it(signed_in, zh):
    client = signed_in("district")
    page = client.get("/discovery")
    entry = re.search(r'data-testid="worklist-card" data-entry="(\d+)"', page.text).group(1)
    assert 'data-testid="record-outcome"' not in page.text  # a district officer reads; the community records
    refused = client.post(f"/discovery/entries/{entry}/outcome", data={"csrf_token": csrf_of(page.text),
                                                                      "outcome": "visited"})
    assert refused.status_code == 403
    worker = signed_in("caseworker")
    page = worker.get("/discovery")
    entry = re.search(r'data-testid="worklist-card" data-entry="(\d+)"', page.text).group(1)
    assert 'data-testid="outcome-form"' in page.text
    recorded = worker.post(f"/discovery/entries/{entry}/outcome",
                           data={"csrf_token": csrf_of(page.text), "outcome": "applied", "note": "已递交申请"},
                           headers={"HX-Request": "true", "HX-Target": f"outcome-{entry}"})
    assert recorded.status_code == 200 and 'data-testid="outcome-recorded"' in recorded.text
    assert "已递交申请" in recorded.text and "caseworker" in recorded.text
    shown = worker.get("/discovery")
    assert "已递交申请" in shown.text


def test_a_what_if_started_from_the_page_shows_cost_and_households_per_programme(signed_in, district, zh):
    client = signed_in("district")
    page = client.get("/whatif?month=2025-08")
    assert "dibao.line.urban" in page.text
    refused = client.post("/whatif", data={"csrf_token": csrf_of(page.text), "month": "2025-08",
                                           "parameter": ["dibao.line.urban"], "value": ["-5"]})
    assert refused.status_code == 400 and 'data-testid="whatif-error"' in refused.text
    started = client.post("/whatif", data={"csrf_token": csrf_of(page.text), "month": "2025-08",
                                           "parameter": ["dibao.line.urban", ""], "value": ["900", ""]})
    assert started.status_code == 303
    job = started.headers["location"].rsplit("/", 1)[-1]
    _run_jobs(district)
    done = client.get(f"/jobs/{job}")
    assert 'data-status="done"' in done.text and 'data-testid="whatif-row"' in done.text
    assert "最低生活保障" in done.text and re.search(r"[\d,]+\.\d\d 元", done.text)


def test_the_administrator_adds_locks_and_unlocks_an_account_of_the_area(signed_in, district, zh):
    client = signed_in("admin")
    page = client.get("/users")
    short = client.post("/users", data={"csrf_token": csrf_of(page.text), "username": "new.worker",
                                        "display_name": "新社工", "role": "community_worker",
                                        "area_code": district.village, "password": "short"})
    assert short.status_code == 400 and 'data-testid="user-error"' in short.text and "密码" in short.text
    added = client.post("/users", data={"csrf_token": csrf_of(page.text), "username": "new.worker",
                                        "display_name": "新社工", "role": "community_worker",
                                        "area_code": district.village, "password": "new-worker-pass-1"})
    assert added.status_code == 303
    listed = client.get("/users")
    assert 'data-user="new.worker"' in listed.text and "新社工" in listed.text
    assert client.post("/users/new.worker/lock", data={"csrf_token": csrf_of(listed.text)}).status_code == 303
    row = re.search(r'data-user="new.worker">.*?</tr>', client.get("/users").text, re.S).group(0)
    assert "已锁定" in row and 'data-testid="user-unlock"' in row
    assert client.post("/users/new.worker/unlock", data={"csrf_token": csrf_of(listed.text)}).status_code == 303
    assert "已锁定" not in re.search(r'data-user="new.worker">.*?</tr>', client.get("/users").text, re.S).group(0)


def test_a_workbook_is_offered_only_where_the_scan_wrote_one(signed_in, district, zh):
    """政策找人's township table: 下载 for each township whose workbook exists; "未生成" where the scan wrote none
    (a scan run from the command line without --workbooks) — never a link that answers "not found"."""
    client = signed_in("district")
    page = client.get("/discovery")
    links = re.findall(r'href="/api/v1/workbooks/(\d+)/(\d+)"', page.text)
    assert links and all(client.get(f"/api/v1/workbooks/{run}/{town}").status_code == 200 for run, town in links)
    folders = [f for f in district.home.rglob("workbooks") if f.is_dir()]
    assert folders
    hidden = [f.rename(f.with_name("workbooks-hidden")) for f in folders]
    try:
        page = client.get("/discovery")
        assert 'data-testid="workbook-link"' not in page.text and "未生成" in page.text
    finally:
        for f in hidden:
            f.rename(f.with_name("workbooks"))


def test_a_community_worker_is_offered_no_township_workbook(signed_in, zh):
    """The township's workbook holds every village of it: a village's worker gets no link (a dead one answered
    "not found" before), and no false "未生成" either."""
    page = signed_in("listed.worker").get("/discovery")
    assert page.status_code == 200 and 'data-testid="worklist-card"' in page.text  # entries, a township row
    assert 'data-testid="workbook-link"' not in page.text and "未生成" not in page.text
    assert "乡镇工作簿含其他村" in page.text
