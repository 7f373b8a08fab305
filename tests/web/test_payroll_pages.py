"""资金发放 pages: a payroll prepared by one person, refused to its preparer's approval and approved by another;
identifiers masked in its lines; bank files only with the unmask permission and a reason; a return file with a
failed line, the new account recorded (a wrong one refused beside its field) and the line re-issued once; the
dashboard's chart of the month's payments with its table; bad input beside the field, never a traceback."""

from __future__ import annotations

import re

from jiuzhu.db import session_scope
from jiuzhu.payroll import accounts
from tests.web import casework_office
from tests.web.casework_office import FULL_ID, client_for, operator
from tests.web.conftest import TOWNSHIP, csrf_of

ZH = {"lang": "zh"}
MONTH = "2025-08"  # the synthetic district's enrolments are of this month
office = casework_office.office  # the fixture


def _total(html: str) -> int:
    """The payroll's total on its page, in fen."""
    return int(re.search(r'data-testid="payroll-total">([\d,]+)\.(\d\d) 元', html).expand(r"\1\2").replace(",", ""))


def _form(client, path: str, data: dict, page: str, files=None):
    return client.post(path, data={**data, "csrf_token": csrf_of(client.get(page).text)}, files=files)


def test_a_payroll_prepared_by_one_approved_by_another_with_a_failed_line_reissued(office):
    with session_scope(office[1]) as session:
        assert accounts.synthesize(session, operator(), TOWNSHIP) > 0
    maker, checker = client_for(office, "caseworker"), client_for(office, "approver")
    listing = maker.get("/payroll", params=ZH)
    assert listing.status_code == 200 and "编制月度发放名册" in listing.text
    bad = _form(maker, "/payroll?lang=zh", {"programme": "dibao", "area": TOWNSHIP, "month": "2025-13"}, "/payroll")
    assert bad.status_code == 400 and 'data-testid="error-month"' in bad.text and "Traceback" not in bad.text
    made = _form(maker, "/payroll", {"programme": "dibao", "area": TOWNSHIP, "month": MONTH}, "/payroll")
    assert made.status_code == 303, made.text[-2000:]
    no = made.headers["location"].rsplit("/", 1)[1]
    own = maker.get(f"/payroll/{no}", params=ZH).text
    assert "编审分离" in own and 'data-testid="approve-form"' not in own
    assert "元" in own and not FULL_ID.search(own) and 'data-testid="line-row"' in own
    first_line = re.search(r'data-testid="line-row">\s*<td[^>]*>\d+</td>\s*<td[^>]*>([^<]+)<', own)[1]
    negative = _form(maker, f"/payroll/{no}/adjustments?lang=zh", {
        "household_no": first_line, "service_month": MONTH, "amount": "-5", "reason": "补差"}, f"/payroll/{no}")
    assert negative.status_code == 400 and 'data-testid="error-amount"' in negative.text
    assert 'value="-5"' in negative.text and "Traceback" not in negative.text  # what was typed is kept
    added = _form(maker, f"/payroll/{no}/adjustments", {
        "household_no": first_line, "service_month": MONTH, "amount": "50.00", "reason": "补差"}, f"/payroll/{no}")
    assert added.status_code == 303, added.text[-2000:]
    after = maker.get(f"/payroll/{no}", params=ZH).text
    assert _total(after) == _total(own) + 5000
    lines = int(re.search(r'<dt>笔数</dt><dd>([\d,]+)</dd>', after)[1].replace(",", ""))
    last_page = maker.get(f"/payroll/{no}", params={**ZH, "p": (lines - 1) // 50 + 1}).text
    assert "补差" in last_page and "调整" in last_page
    assert maker.post(f"/payroll/{no}/approve", data={"csrf_token": csrf_of(own)}).status_code == 403
    assert _form(checker, f"/payroll/{no}/approve", {}, f"/payroll/{no}").status_code == 303
    approved = checker.get(f"/payroll/{no}", params=ZH).text
    assert 'data-status="approved"' in approved
    assert 'data-testid="files-refused"' in maker.get(f"/payroll/{no}", params=ZH).text  # no unmask: no files
    no_reason = _form(checker, f"/payroll/{no}/files?lang=zh", {"reason": " "}, f"/payroll/{no}")
    assert no_reason.status_code == 400 and "Traceback" not in no_reason.text
    assert _form(checker, f"/payroll/{no}/files", {"reason": "报送银行"}, f"/payroll/{no}").status_code == 303
    assert checker.get(f"/payroll/{no}/files/cqrcb").status_code == 400  # a reason is needed
    file = checker.get(f"/payroll/{no}/files/cqrcb", params={"reason": "报送银行"})
    assert file.status_code == 200
    rows = [line.split("|") for line in file.content.decode("gbk").splitlines() if line and line[0].isdigit()]
    assert rows
    first = rows[0]
    back = [f"{r[0]}|{r[2]}|{r[1]}|{r[3]}|" + ("9999|该账户已销户" if r is first else "0000|") for r in rows]
    total = sum(int(r[3].replace(".", "")) for r in rows)
    back.append(f"合计|{len(rows)}|{total // 100}.{total % 100:02d}")
    returned = _form(checker, f"/payroll/{no}/returns/cqrcb", {}, f"/payroll/{no}",
                     files={"file": ("back.txt", "\r\n".join(back).encode("gbk"), "text/plain")})
    assert returned.status_code == 303, returned.text[-2000:]
    page = checker.get(f"/payroll/{no}", params=ZH).text
    assert page.count('data-testid="failed-line"') == 1 and "待更正的失败记录" in page
    failed_name = re.search(r'data-testid="failed-line"><td[^>]*>\d+</td><td[^>]*>([^ <]+)', page).group(1)
    with session_scope(office[1], write=False) as session:
        from sqlalchemy import select

        from jiuzhu.registry import models as rm
        id_number = session.scalars(select(rm.Person.id_number).where(rm.Person.name == failed_name)).first()
    wrong = _form(checker, f"/payroll/{no}/accounts?lang=zh", {
        "id_number": id_number, "holder_name": failed_name, "bank": "cqrcb", "account_no": "12ab",
        "opened_on": "2025-08-20", "reason": "换卡"}, f"/payroll/{no}")
    assert wrong.status_code == 400 and 'data-testid="error-account_no"' in wrong.text
    assert "Traceback" not in wrong.text
    assert _form(checker, f"/payroll/{no}/accounts", {
        "id_number": id_number, "holder_name": failed_name, "bank": "cqrcb", "account_no": "6231009999000000001",
        "opened_on": "2025-08-20", "reason": "原卡已销户，换新卡"}, f"/payroll/{no}").status_code == 303
    again = _form(checker, f"/payroll/{no}/reissue", {"reason": "换卡重发"}, f"/payroll/{no}")
    assert again.status_code == 303 and again.headers["location"].endswith(f"{no}-R1")
    twice = _form(checker, f"/payroll/{no}/reissue?lang=zh", {"reason": "换卡重发"}, f"/payroll/{no}")
    assert twice.status_code == 409 and 'data-testid="action-error"' in twice.text
    reissue = checker.get(f"/payroll/{no}-R1", params=ZH).text
    assert "重发" in reissue and "编审分离" in reissue  # the checker prepared the re-issue: another approves it
    dashboard = checker.get("/", params={**ZH, "month": MONTH}).text
    assert 'data-testid="table-payments"' in dashboard and "资金发放" in dashboard
    assert re.search(r'data-testid="table-payments"[\s\S]*?最低生活保障[\s\S]*?[\d,]+\.\d\d 元', dashboard) or \
        re.search(r'data-testid="table-payments"[\s\S]*?低保[\s\S]*?[\d,]+\.\d\d 元', dashboard)


def test_roles_without_payments_are_refused(office):
    assert client_for(office, "admin").get("/payroll").status_code == 403
    assert client_for(office, "worker").get("/payroll").status_code == 403
    auditor = client_for(office, "auditor").get("/payroll", params=ZH)
    assert auditor.status_code == 200 and 'data-testid="prepare-form"' not in auditor.text
