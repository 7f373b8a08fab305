"""The kinds of jobs over the small district: a scan, a ledger and a JSON import, a what-if — run by the worker,
resumed after a worker died, refused with one line before anything is queued."""

from __future__ import annotations

import csv
import re
import time

import pytest
from sqlalchemy import func, select

from jiuzhu.access import Principal, Role
from jiuzhu.config import Settings
from jiuzhu.db import session_scope
from jiuzhu.discovery import flows
from jiuzhu.discovery.models import ScanRun
from jiuzhu.errors import ConflictError, ForbiddenError, JiuzhuError
from jiuzhu.jobs import kinds, service, uploads
from jiuzhu.jobs.models import Job
from jiuzhu.jobs.worker import Worker
from tests.jobs.district import MONTH, busiest_townships, principal

CJK = re.compile(r"[\u4e00-\u9fff]")


def worker(engine, home, **options) -> Worker:
    return Worker(engine, Settings(home=home, database_url=str(engine.url), actor="test"), tick_seconds=0.05,
                  **options)


def row(engine, job_id) -> Job:
    with session_scope(engine, write=False) as session:
        return session.get(Job, job_id)


def submit(engine, fn, who: Principal, **kw):
    with session_scope(engine) as session:
        return fn(session, who, **kw)


def test_a_scan_job_scans_the_township_and_tells_what_it_found(registry):
    engine, home = registry
    township = busiest_townships(engine, 1)[0]
    who = principal(Role.TOWNSHIP_CASEWORKER, township)
    job = submit(engine, kinds.submit_scan, who, month=MONTH)
    assert job.status == "queued" and job.scope == township
    assert worker(engine, home).run_once() == job.id
    done = row(engine, job.id)
    assert done.status == "done" and done.progress == 1.0 and done.error is None, done.error
    result = done.result
    with session_scope(engine, write=False) as session:
        run = session.get(ScanRun, result["run_id"])
    assert run.area_code == township and run.actor == who.username and result["households"] == run.households
    assert result["workbooks"] and all(name.startswith(township) for name in result["workbooks"])
    assert {t["list"] for t in result["totals"]} <= {"entitled_not_enrolled", "enrolled_not_entitled"}


def test_a_scan_job_interrupted_after_its_run_was_recorded_is_not_scanned_again(registry):
    engine, home = registry
    township = busiest_townships(engine, 1)[0]
    who = principal(Role.TOWNSHIP_CASEWORKER, township)
    job = submit(engine, kinds.submit_scan, who, month=MONTH)
    claimed = service.claim(engine, "dying", 0.3)
    # The dead worker got as far as the flow's commit: the run is recorded, the job is not marked done.
    flows.scan(engine, month=MONTH, home=home, actor=who.username, area=township, workbooks="township", workers=1)
    time.sleep(0.4)
    assert worker(engine, home).run_once() == claimed.id == job.id
    done = row(engine, job.id)
    with session_scope(engine, write=False) as session:
        runs = session.scalar(select(func.count(ScanRun.id)))
    assert runs == 1 and done.status == "done" and done.result["mode"] == "resumed" and done.attempts == 2
    assert done.result["workbooks"]


def test_scans_are_refused_before_queueing(registry, zh):
    engine, _ = registry
    a, b = busiest_townships(engine, 2)
    who = principal(Role.TOWNSHIP_CASEWORKER, a)
    with pytest.raises(ForbiddenError):
        submit(engine, kinds.submit_scan, who, month=MONTH, area=b)
    with pytest.raises(JiuzhuError) as future:
        submit(engine, kinds.submit_scan, who, month="2999-01")
    assert CJK.search(future.value.message)
    with pytest.raises(ForbiddenError):
        submit(engine, kinds.submit_scan, principal(Role.COMMUNITY_WORKER, a), month=MONTH)
    first = submit(engine, kinds.submit_scan, who, month=MONTH)
    with pytest.raises(ConflictError) as twice:
        submit(engine, kinds.submit_scan, who, month=MONTH)
    assert f"{first.id}" in twice.value.message and CJK.search(twice.value.message)


def _ledger(engine, home, township) -> tuple:
    """The township's ledger as CSV (unmasked: it can be imported again), with one row's ID number broken."""
    from jiuzhu.registry.ledger import export_ledger

    path = home / "ledger.csv"
    with session_scope(engine) as session:
        export_ledger(session, path, month=MONTH, area_code=township, unmask=True, actor="test")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    column = rows[0].index("身份证号")
    rows[2][column] = "12345"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    return path, rows


def test_an_import_job_reports_rejections_by_row_and_column(registry, zh):
    engine, home = registry
    township = busiest_townships(engine, 1)[0]
    path, _ = _ledger(engine, home, township)
    with path.open("rb") as f:
        kept = uploads.save_upload(home, "台账.csv", f)
    who = principal(Role.TOWNSHIP_CASEWORKER, township)
    job = submit(engine, kinds.submit_import, who, path=kept, name="台账.csv", reason="月度更新")
    assert job.params == {"name": "台账.csv", "format": "csv", "reason": "月度更新"}  # not where it is kept
    assert worker(engine, home).run_once() == job.id
    done = row(engine, job.id)
    assert done.status == "done", done.error
    result = done.result
    assert result["rejected_rows"] >= 1 and result["unchanged_households"] >= 1
    rejection = next(r for r in result["rejections"] if r["row"] == 3)  # the broken row (the header is row 1)
    assert rejection["field"] == "身份证号" and CJK.search(rejection["reason"]) and rejection["record"] == "第 3 行"
    assert not kept.exists()  # the upload is personal data kept for the import only


def test_an_import_of_another_township_s_households_is_refused_whole(registry, zh):
    engine, home = registry
    mine, theirs = busiest_townships(engine, 2)
    path, _ = _ledger(engine, home, theirs)
    with path.open("rb") as f:
        kept = uploads.save_upload(home, "ledger.csv", f)
    job = submit(engine, kinds.submit_import, principal(Role.TOWNSHIP_CASEWORKER, mine), path=kept,
                 name="ledger.csv")
    worker(engine, home).run_once()
    failed = row(engine, job.id)
    assert failed.status == "failed" and "ledger.csv" in failed.error and mine in failed.error
    assert CJK.search(failed.error) and "\n" not in failed.error


def test_a_json_import_resumed_after_a_worker_died_stores_nothing_twice(registry):
    from jiuzhu.registry import interchange

    engine, home = registry
    township = busiest_townships(engine, 1)[0]
    export = home / "households.jsonl"
    with session_scope(engine) as session:
        households = interchange.export_households(session, export, actor="test", area_code=township, unmask=True)
    with export.open("rb") as f:
        kept = uploads.save_upload(home, "households.jsonl", f)
    job = submit(engine, kinds.submit_import, principal(Role.TOWNSHIP_CASEWORKER, township), path=kept,
                 name="households.jsonl")
    service.claim(engine, "dying", 0.2)
    time.sleep(0.3)
    assert worker(engine, home).run_once() == job.id
    done = row(engine, job.id)
    assert done.status == "done" and done.attempts == 2 and done.result["resumed"] is True
    assert done.result["unchanged_households"] == households and done.result["stored_households"] == 0
    assert done.result["warnings"]


def test_a_whatif_job_compares_the_district(registry):
    engine, home = registry
    who = principal(Role.DISTRICT_OFFICER, "500111")
    job = submit(engine, kinds.submit_whatif, who, changes=["dibao.line.urban=1200"], month=MONTH)
    assert worker(engine, home).run_once() == job.id
    done = row(engine, job.id)
    assert done.status == "done", done.error
    dibao = next(p for p in done.result["programmes"] if p["programme"] == "dibao")
    assert done.result["households"] == 300 and dibao["eligible_after"] >= dibao["eligible_before"]
    with pytest.raises(JiuzhuError) as bad:
        submit(engine, kinds.submit_whatif, who, changes=["dibao.line.urban=-5"], month=MONTH)
    assert bad.value.field == "changes" and "dibao.line.urban" in bad.value.message
    with pytest.raises(ForbiddenError):  # a township caseworker has no what-if
        submit(engine, kinds.submit_whatif, principal(Role.TOWNSHIP_CASEWORKER, "500111119"),
               changes=["dibao.line.urban=1200"], month=MONTH)


def test_uploads_are_checked_by_type_content_and_size(tmp_path, zh):
    import io

    with pytest.raises(JiuzhuError) as suffix:
        uploads.save_upload(tmp_path, "台账.doc", io.BytesIO(b"x"))
    assert "台账.doc" in suffix.value.message and CJK.search(suffix.value.message)
    with pytest.raises(JiuzhuError) as fake:
        uploads.save_upload(tmp_path, "台账.xlsx", io.BytesIO(b"not a zip"))
    assert "台账.xlsx" in fake.value.message
    with pytest.raises(JiuzhuError) as binary:
        uploads.save_upload(tmp_path, "a.csv", io.BytesIO(b"\x00\x01\x02" * 100))
    assert "a.csv" in binary.value.message
    with pytest.raises(JiuzhuError) as large:
        uploads.save_upload(tmp_path, "big.jsonl", io.BytesIO(b"{}\n" * 5000), limit=1000)
    assert "big.jsonl" in large.value.message
    assert not list((tmp_path / "uploads").iterdir())  # nothing kept of a refused file
    kept = uploads.save_upload(tmp_path, "../../etc/x.jsonl", io.BytesIO(b"{}\n"))
    assert kept.parent == tmp_path / "uploads" and kept.name.endswith("x.jsonl")
