"""The casework lists through the CLI and the API: pages and 共 N 条, states and statuses as people type them, a
wrong word refused in one Chinese line, 导出Excel written (CLI --output, API download) and read back."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.api.conftest import TIESHAN
from tests.casework.conftest import MONTH
from tests.casework.test_api import URL, _ok, office  # noqa: F401  (fixture)
from tests.casework.test_cli import _run, home  # noqa: F401  (fixture)
from tests.consent.conftest import HH


def test_the_cli_pages_counts_and_exports_the_case_list(home, zh, tmp_path):  # noqa: F811
    code, out = _run("apply", HH, "--programme", "dibao", "--month", MONTH)
    assert code == 0, out
    code, out = _run("case", "list", "--state", "已受理")
    assert code == 0 and "共 0 条" in out
    code, out = _run("case", "list", "--state", "received", "--status", "正常", "--limit", "1")
    assert code == 0 and "共 1 条" in out and "第 1 页，共 1 页" in out and HH in out
    code, out = _run("case", "list", "--status", "逾期")
    assert code == 2 and "逾期" in out and "已超期（breached）" in out and len(out.strip().splitlines()) == 1
    target = tmp_path / "out" / "cases.xlsx"
    code, out = _run("case", "list", "--output", target)
    assert code == 0 and "1" in out and target.exists()
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert rows[0][0] == "案件编号" and len(rows) == 2 and rows[1][2] == HH
    code, out = _run("case", "applications")
    assert code == 0 and "共 1 条" in out
    code, out = _run("case", "reviews-due", "--area", "110000")
    assert code == 2 and "110000" in out and len(out.strip().splitlines()) == 1
    assert not list(target.parent.glob("*.tmp*")) and sorted(p.name for p in target.parent.iterdir()) == [
        "cases.xlsx"]


def test_the_api_pages_the_cases_with_a_total_and_downloads_the_lists(office, today):  # noqa: F811
    worker = office.user("worker", "township_caseworker", TIESHAN)
    filed = _ok(worker.post(f"{URL}/applications", json={"household_no": HH, "programmes": ["dibao"],
                                                          "channel": "office", "month": MONTH}), 201)
    answer = worker.get(f"{URL}/cases", params={"per_page": 1, "state": "已收件"})  # the received state's title
    assert answer.status_code == 200 and answer.headers["X-Total-Count"] == "1"
    answer = worker.get(f"{URL}/cases", params={"per_page": 1, "state": "received"})
    assert answer.status_code == 200 and answer.headers["X-Total-Count"] == "1"
    assert [c["case_no"] for c in answer.json()] == [filed["case_no"]]
    empty = worker.get(f"{URL}/cases", params={"page": 2, "per_page": 1})
    assert empty.status_code == 200 and empty.json() == [] and empty.headers["X-Total-Count"] == "1"
    wrong = worker.get(f"{URL}/cases", params={"status": "late"})
    assert wrong.status_code == 400 and wrong.json()["field"] == "status"
    listed = worker.get(f"{URL}/applications")
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "1"
    assert listed.json()[0]["application_no"] == filed["application_no"]
    download = worker.get(f"{URL}/exports/cases", params={"state": "received"})
    assert download.status_code == 200, download.text
    rows = list(load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [filed["case_no"]]
    for route in ("publicity", "applications", "reviews-due"):
        assert worker.get(f"{URL}/exports/{route}").status_code == 200
    assert worker.get(f"{URL}/reviews/due", params={"area": "500111120"}).status_code == 403
