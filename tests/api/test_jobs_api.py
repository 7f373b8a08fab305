"""Jobs over the API: a scan, an import and a what-if started by a request, run by the worker, polled until done;
refusals (role, area, a second scan, a bad upload) as the one error body with a Chinese message."""

from __future__ import annotations

import csv
import io
import re
import shutil
import time

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient

from jiuzhu.db import session_scope
from jiuzhu.jobs.worker import Worker
from tests.jobs import district
from tests.jobs.district import MONTH

CJK = re.compile(r"[\u4e00-\u9fff]")
PASSWORD = "correct horse 2026"


def with_job_routes(app):
    """The application with B2's routers (``app.api_router`` includes them once merged: then this adds none)."""
    from jiuzhu.api.app import PREFIX
    from jiuzhu.api.deps import csrf, language
    from jiuzhu.api.routers import imports, jobs, scans, whatif, worklists

    if not any(getattr(r, "path", "") == f"{PREFIX}/jobs/{{job_id}}" for r in app.routes):
        router = APIRouter(prefix=PREFIX, dependencies=[Depends(csrf), Depends(language)])
        for module in (jobs, imports, scans, worklists, whatif):
            router.include_router(module.router)
        app.include_router(router)
    return app


class JobsApi:
    def __init__(self, app, home) -> None:
        self.app, self.home, self.engine = app, home, app.state.engine
        self.townships = district.busiest_townships(self.engine, 2)

    def user(self, username: str, role: str, area: str, client: TestClient | None = None) -> TestClient:
        from jiuzhu.accounts import service as accounts

        with session_scope(self.engine) as session:
            accounts.add_user(session, username=username, password=PASSWORD, role=role, area_code=area,
                              display_name=username, actor="test")
        client = client or TestClient(self.app, raise_server_exceptions=False)
        response = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        return client

    def work(self) -> int | None:
        """Run the next job here (the tests' worker; the server's own is tested once below)."""
        return Worker(self.engine, self.app.state.settings, tick_seconds=0.05).run_once()


def make(monkeypatch, tmp_path, district_db, *, start_worker=False) -> JobsApi:
    from jiuzhu.api.app import create_app

    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(district_db, home / "jiuzhu.db")
    monkeypatch.setenv("JIUZHU_HOME", str(home))
    monkeypatch.delenv("JIUZHU_DATABASE_URL", raising=False)
    return JobsApi(with_job_routes(create_app(start_worker=start_worker)), home)


@pytest.fixture(scope="session")
def district_db(tmp_path_factory):
    return district.build(tmp_path_factory.mktemp("api-jobs-district"))


@pytest.fixture
def jobs_api(monkeypatch, tmp_path, district_db):
    made = make(monkeypatch, tmp_path, district_db)
    yield made
    made.engine.dispose()


def test_a_scan_started_polled_and_its_workbook_downloaded(jobs_api, zh):
    township, other = jobs_api.townships
    client = jobs_api.user("wang", "township_caseworker", township)
    started = client.post("/api/v1/scans", json={"month": MONTH})
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["status"] == "queued" and job["scope"] == township and job["url"] == f"/api/v1/jobs/{job['id']}"
    again = client.post("/api/v1/scans", json={"month": MONTH})
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert str(job["id"]) in again.json()["message"] and CJK.search(again.json()["message"])
    assert jobs_api.work() == job["id"]
    done = client.get(job["url"]).json()
    assert done["status"] == "done" and done["progress"] == 1 and done["status_label"] == "已完成"
    run = done["result"]["run_id"]
    scans = client.get("/api/v1/scans").json()
    assert scans[0]["id"] == run and scans[0]["workbooks"] == [township]
    book = client.get(f"/api/v1/workbooks/{run}/{township}")
    assert book.status_code == 200 and book.content.startswith(b"PK")
    assert client.get(f"/api/v1/workbooks/{run}/{other}").status_code == 404


def test_who_may_start_and_see_a_scan(jobs_api, zh):
    township, other = jobs_api.townships
    worker = jobs_api.user("li.na", "community_worker", township)
    refused = worker.post("/api/v1/scans", json={"month": MONTH})
    assert refused.status_code == 403 and CJK.search(refused.json()["message"])
    caseworker = jobs_api.user("wang", "township_caseworker", township)
    outside = caseworker.post("/api/v1/scans", json={"month": MONTH, "area": other})
    assert outside.status_code == 403
    job = caseworker.post("/api/v1/scans", json={"month": MONTH}).json()
    assert worker.get(job["url"]).status_code == 200  # a community worker reads the scan's progress
    stranger = jobs_api.user("zhao", "township_caseworker", other)
    assert stranger.get(job["url"]).status_code == 404
    assert [j["id"] for j in stranger.get("/api/v1/jobs").json()] == []
    nobody = TestClient(jobs_api.app, raise_server_exceptions=False)
    assert nobody.get(job["url"]).status_code == 401
    no_token = TestClient(jobs_api.app, raise_server_exceptions=False)
    jobs_api.user("qian", "township_caseworker", township, client=no_token)
    del no_token.headers["X-CSRF-Token"]
    assert no_token.post("/api/v1/scans", json={"month": MONTH}).status_code == 403
    bad = caseworker.post("/api/v1/scans", json={"month": "2025-8"})
    assert bad.status_code == 422 and bad.json()["field"]


def _bad_ledger(jobs_api, township) -> bytes:
    from jiuzhu.registry.ledger import export_ledger

    path = jobs_api.home / "export.csv"
    with session_scope(jobs_api.engine) as session:
        export_ledger(session, path, month=MONTH, area_code=township, unmask=True, actor="test")
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    rows[2][rows[0].index("身份证号")] = "12345"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def test_an_uploaded_ledger_is_imported_and_its_report_read_by_row_and_column(jobs_api, zh):
    township = jobs_api.townships[0]
    client = jobs_api.user("wang", "township_caseworker", township)
    started = client.post("/api/v1/imports", files={"file": ("台账.csv", _bad_ledger(jobs_api, township), "text/csv")},
                          data={"reason": "月度更新"})
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["params"] == {"name": "台账.csv", "format": "csv", "reason": "月度更新"}
    early = client.get(f"/api/v1/imports/{job['id']}/report")
    assert early.status_code == 409 and CJK.search(early.json()["message"])
    assert jobs_api.work() == job["id"]
    report = client.get(f"/api/v1/imports/{job['id']}/report")
    assert report.status_code == 200, report.text
    body = report.json()
    row3 = next(r for r in body["rejections"] if r["row"] == 3)
    assert row3["field"] == "身份证号" and CJK.search(row3["reason"]) and body["unchanged_households"] >= 1
    rejects = client.get(body["rejects_csv"])
    assert rejects.status_code == 200 and rejects.headers["content-type"].startswith("text/csv")
    assert rejects.content.startswith("\ufeff行号,户编号,字段,原因".encode())
    assert "台账-rejected.csv" in rejects.headers["content-disposition"] or "%E5%8F%B0" in \
        rejects.headers["content-disposition"]
    assert not list((jobs_api.home / "uploads").glob("*台账.csv"))  # the upload is gone once imported


def test_uploads_of_the_wrong_kind_are_refused_naming_the_file(jobs_api, zh):
    client = jobs_api.user("wang", "township_caseworker", jobs_api.townships[0])
    for name, content in (("名单.docx", b"PK\x03\x04xx"), ("台账.xlsx", b"a,b\n1,2\n"), ("households.jsonl", b"")):
        refused = client.post("/api/v1/imports", files={"file": (name, content, "application/octet-stream")})
        assert refused.status_code == 400, (name, refused.text)
        assert name in refused.json()["message"] and CJK.search(refused.json()["message"])
        assert refused.json()["field"] == "file"
    reader = jobs_api.user("sun.li", "auditor", jobs_api.townships[0])
    assert reader.post("/api/v1/imports", files={"file": ("a.csv", b"x", "text/csv")}).status_code == 403
    assert not list((jobs_api.home / "uploads").glob("*")) if (jobs_api.home / "uploads").exists() else True


def test_the_rejects_csv_never_holds_a_formula():
    from jiuzhu.api.routers.imports import rejects_csv

    text = rejects_csv({"format": "json", "rejections": [
        {"row": None, "record": "=HYPERLINK(\"http://x\")", "household_no": None, "field": "+1", "reason": "@x"}]})
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert rows[0] == ["记录", "字段", "原因"] and rows[1] == ["'=HYPERLINK(\"http://x\")", "'+1", "'@x"]


def test_a_whatif_is_started_and_its_result_read(jobs_api, zh):
    officer = jobs_api.user("zhou", "district_officer", "500111")
    bad = officer.post("/api/v1/whatif", json={"changes": ["dibao.line.urban=-1"], "month": MONTH})
    assert bad.status_code == 400 and "dibao.line.urban" in bad.json()["message"]
    started = officer.post("/api/v1/whatif", json={"changes": ["dibao.line.urban=1200"], "month": MONTH})
    assert started.status_code == 202, started.text
    assert jobs_api.work() == started.json()["id"]
    done = officer.get(started.json()["url"]).json()
    assert done["status"] == "done" and done["result"]["households"] == 300
    assert {p["programme"] for p in done["result"]["programmes"]} >= {"dibao", "tekun"}
    caseworker = jobs_api.user("wang", "township_caseworker", jobs_api.townships[0])
    assert caseworker.post("/api/v1/whatif", json={"changes": ["dibao.line.urban=1200"]}).status_code == 403
    assert caseworker.get(started.json()["url"]).status_code == 404  # outside the township, and no what-if


def test_the_server_s_own_worker_runs_a_job_to_the_end(monkeypatch, tmp_path, district_db):
    made = make(monkeypatch, tmp_path, district_db, start_worker=True)
    try:
        with TestClient(made.app, raise_server_exceptions=False) as client:
            made.user("wang", "township_caseworker", made.townships[0], client=client)
            job = client.post("/api/v1/scans", json={"month": MONTH}).json()
            seen, deadline = set(), time.monotonic() + 300
            while (now := client.get(job["url"]).json())["status"] not in ("done", "failed"):
                seen.add(now["status"])
                assert time.monotonic() < deadline, now
                time.sleep(0.2)
            assert now["status"] == "done", now["error"]
            assert seen <= {"queued", "running"}
    finally:
        made.engine.dispose()


def test_a_household_of_another_area_in_an_upload_is_named_by_the_uploaded_file_s_name(jobs_api, zh):
    import json as _json

    from tests.api.conftest import household

    mine, other = jobs_api.townships[0], jobs_api.townships[1]
    client = jobs_api.user("wang", "township_caseworker", mine)
    line = _json.dumps(household(f"{other}-990001", other, seed=41), ensure_ascii=False).encode()
    started = client.post("/api/v1/imports", files={"file": ("外区.jsonl", line + b"\n", "application/jsonl")})
    assert started.status_code == 202, started.text
    assert jobs_api.work() == started.json()["id"]
    job = client.get(f"/api/v1/jobs/{started.json()['id']}").json()
    said = _json.dumps(job, ensure_ascii=False)
    assert "外区.jsonl 第1行" in said, said  # the name the person uploaded, not the name it was stored under
    assert not re.search(r"[0-9a-f]{12}-外区", said)
