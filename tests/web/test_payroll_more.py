"""资金发放 pages, what the tryout asked: the wording about full numbers follows the role's permissions; 导出Excel
of a payroll's lines, of the payrolls and of the totals (masked, audited); "共 N 条" with pages; a corrected
account needs its reason beside the field."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import func, select

from jiuzhu.audit.models import AuditEntry
from jiuzhu.db import session_scope
from jiuzhu.payroll import accounts
from tests.web import casework_office
from tests.web.casework_office import FULL_ID, client_for, operator
from tests.web.conftest import TOWNSHIP, csrf_of

ZH = {"lang": "zh"}
MONTH = "2025-08"
office = casework_office.office  # the fixture


def _exports(engine) -> int:
    with session_scope(engine, write=False) as session:
        return session.scalar(select(func.count()).where(AuditEntry.action == "payroll.export"))


def _prepared(office, client) -> str:
    with session_scope(office[1]) as session:
        accounts.synthesize(session, operator(), TOWNSHIP)
    listing = client.get("/payroll").text
    made = client.post("/payroll", data={"programme": "tekun", "area": TOWNSHIP, "month": MONTH,
                                         "csrf_token": csrf_of(listing)})
    assert made.status_code == 303, made.text[-1500:]
    return made.headers["location"].rsplit("/", 1)[1]


def test_exports_wording_and_the_account_reason(office):
    maker, checker = client_for(office, "caseworker"), client_for(office, "approver")
    no = _prepared(office, maker)
    assert checker.post(f"/payroll/{no}/approve", data={
        "csrf_token": csrf_of(checker.get(f"/payroll/{no}").text)}).status_code == 303
    page = maker.get(f"/payroll/{no}", params=ZH).text
    refused = page.split('data-testid="files-refused">', 1)[1].split("</p>", 1)[0]
    mine, who_may = refused.split("生成和下载：", 1)
    assert "经办人" in mine and "审核人" in who_may and "区县民政局" in who_may, refused  # from the role table
    assert "经办人" not in who_may  # a caseworker is not among those who may
    assert 'data-testid="lines-export"' in page
    before = _exports(office[1])
    sheet = maker.get(f"/payroll/{no}/export")
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("application/vnd.openxml")
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][0].startswith(f"发放名册 {no}") and rows[1][:3] == ("序号", "户编号", "收款人")
    assert rows[-1][0] == "合计" and not any(FULL_ID.search(str(v)) for row in rows for v in row if v)
    assert _exports(office[1]) == before + 1  # an export of personal data, audited
    for url in ("/payroll/export", f"/payroll/totals/export?year=2025&area={TOWNSHIP}"):
        answer = checker.get(url)
        assert answer.status_code == 200, (url, answer.text[-800:])
        assert openpyxl.load_workbook(io.BytesIO(answer.content)).active.max_row >= 3
    listing = maker.get("/payroll", params=ZH).text
    assert "共 " in listing and 'data-testid="payroll-export"' in listing and 'data-testid="totals-export"' in listing
    no_reason = maker.post(f"/payroll/{no}/accounts?lang=zh", data={
        "id_number": "110101199001011237", "holder_name": "某人", "bank": "cqrcb",
        "account_no": "6231000000000000555", "opened_on": "2025-08-01", "reason": " ",
        "csrf_token": csrf_of(page)})
    # (the form itself is shown beside failed lines only: tests/web/test_payroll_pages.py posts it with a reason)
    assert no_reason.status_code == 400 and "Traceback" not in no_reason.text, no_reason.text[-1500:]


def test_an_auditor_reads_and_exports_totals_but_not_lines(office):
    auditor = client_for(office, "auditor")
    listing = auditor.get("/payroll", params=ZH)
    assert listing.status_code == 200
    assert auditor.get("/payroll/export").status_code == 200
    with session_scope(office[1], write=False) as session:
        from jiuzhu.payroll.models import Payroll

        no = session.scalar(select(Payroll.payroll_no).limit(1))
    if no:
        assert auditor.get(f"/payroll/{no}/export").status_code == 403
        assert 'data-testid="lines-export"' not in auditor.get(f"/payroll/{no}", params=ZH).text
