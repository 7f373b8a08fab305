"""The 审核审批 and 申请受理 lists on the pages: 共 N 条 counted by the database, a status or state typed as people
write it, a wrong one shown beside the form, 导出Excel for a role that may export (the file is the list), the
applications list."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from jiuzhu.casework import applications
from jiuzhu.db import session_scope
from tests.web import casework_office
from tests.web.casework_office import FULL_ID, client_for, household_in, operator

ZH = {"lang": "zh"}
office, today = casework_office.office, casework_office.today  # the fixtures


def _file(engine, count: int, first: int = 0) -> list[str]:
    done = []
    with session_scope(engine) as session:
        for skip in range(count):
            app, case = applications.file(session, operator(), household_no=household_in(engine, skip=first + skip),
                                          programmes=["dibao"], channel="office", month="2025-08")
            done.append(case.case_no)
    return done


def test_the_case_list_counts_filters_and_exports(office, today):
    cases = _file(office[1], 3)
    worker, auditor = client_for(office, "caseworker"), client_for(office, "auditor")
    page = worker.get("/cases", params={**ZH, "state": "已收件"})
    assert page.status_code == 200 and all(c in page.text for c in cases)
    total = int(re.search(r"共 (\d+) 条", page.text).group(1))
    assert total >= 3 and 'value="received" selected' in page.text  # the word typed, read as its state
    href = re.search(r'href="([^"]+)" data-testid="cases-export"', page.text).group(1).replace("&amp;", "&")
    assert href.startswith("/api/v1/exports/cases?") and "state=received" in href
    download = worker.get(href)
    assert download.status_code == 200, download.text
    rows = list(load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True))
    assert len(rows) - 1 == total and set(cases) <= {r[0] for r in rows[1:]}
    wrong = worker.get("/cases", params={**ZH, "status": "逾期"})
    assert wrong.status_code == 200 and 'data-testid="form-error"' in wrong.text and "已超期（breached）" in wrong.text
    assert 'data-testid="cases-export"' not in auditor.get("/cases", params=ZH).text  # no registry.export
    assert 'data-testid="publicity-export"' in worker.get("/publicity", params=ZH).text


def test_the_applications_list_pages_and_exports(office, today):
    _file(office[1], 1, first=3)
    worker = client_for(office, "caseworker")
    page = worker.get("/applications", params=ZH)
    assert page.status_code == 200 and "共" in page.text and 'data-testid="application-row"' in page.text
    assert 'data-testid="applications-export"' in page.text and not FULL_ID.search(page.text)
    outside = worker.get("/applications", params={**ZH, "area": "500111108"})
    assert outside.status_code == 200 and 'data-testid="form-error"' in outside.text
    download = worker.get("/api/v1/exports/applications")
    assert download.status_code == 200
    rows = list(load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True))
    shown = int(re.search(r"共 (\d+) 条", page.text).group(1))
    assert len(rows) - 1 == shown
    # who reads cases without filing (the auditor) reads the list too, under 审核审批, without the export
    read_only = client_for(office, "auditor").get("/applications", params=ZH)
    assert read_only.status_code == 200 and f"共 {shown} 条" in read_only.text
    assert 'data-testid="applications-export"' not in read_only.text
