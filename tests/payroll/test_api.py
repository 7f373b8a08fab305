"""``/api/v1/payrolls`` end to end: a township's caseworker prepares, its approver approves (never their own), the
bank file, its return with a failure, the re-issue to the corrected card, closing by another person, the totals;
approvals sent at the same moment on each backend give one."""

from __future__ import annotations

import pytest

from tests.api.conftest import api_any  # noqa: F401  (the API on each backend)
from tests.concurrency import together
from tests.payroll.conftest import add_account, close_accounts, dibao_household

TIESHAN = "500111119"


@pytest.fixture
def town(api_any):  # noqa: F811  (the imported fixture)
    docs = [dibao_household("500111119-000401", 41), dibao_household("500111119-000402", 42, amount="700.00")]
    api_any.put(*docs)
    for i, d in enumerate(docs):
        add_account(api_any.engine, d["members"][0]["id_number"], f"623100000000000040{i}")
    maker = api_any.user("jingban", "township_caseworker", TIESHAN)
    checker = api_any.user("shenhe", "township_approver", TIESHAN)
    return api_any, maker, checker, [d["members"][0]["id_number"] for d in docs]


def test_from_preparation_to_totals(town):
    api, maker, checker, heads = town
    made = maker.post("/api/v1/payrolls", json={"programme": "dibao", "area": TIESHAN, "month": "2025-06"})
    assert made.status_code == 201, made.text
    no = made.json()["payroll_no"]
    assert (made.json()["line_count"], made.json()["total_yuan"]) == (2, "1312.40")
    assert maker.post(f"/api/v1/payrolls/{no}/approve").status_code == 403  # a caseworker never approves
    assert checker.post(f"/api/v1/payrolls/{no}/approve").status_code == 200
    assert checker.post(f"/api/v1/payrolls/{no}/approve").status_code == 409
    # The file carries numbers in full: the caseworker (no unmask permission) may not write it.
    assert maker.post(f"/api/v1/payrolls/{no}/files", json={"reason": "代发"}).status_code == 403
    written = checker.post(f"/api/v1/payrolls/{no}/files", json={"reason": "代发"})
    assert written.status_code == 201, written.text
    paths = {w["bank_code"]: w["path"] for w in written.json()}
    assert list(paths) == ["cqrcb"]
    lines = checker.get(f"/api/v1/payrolls/{no}").json()["lines"]
    assert all("*" in li["account_no"] for li in lines)
    download = checker.get(paths["cqrcb"], params={"reason": "上传银行"})
    assert download.status_code == 200
    full = checker.get(f"/api/v1/payrolls/{no}", params={"unmask": True, "reason": "对账"}).json()["lines"]
    assert [row.split("|")[2] for row in download.content.decode("gbk").splitlines()[:2]] == [
        li["account_no"] for li in full]
    back = "".join(f"{i}|{li['account_no']}|{li['payee_name']}|{li['amount_yuan']}|{'0000' if i == 1 else '9'}|"
                   f"{'' if i == 1 else '卡已注销'}\r\n" for i, li in enumerate(full, start=1))
    back += "合计|2|1312.40\r\n"
    imported = checker.post(f"/api/v1/payrolls/{no}/returns/cqrcb",
                            files={"file": ("back.txt", back.encode("gbk"), "text/plain")})
    assert imported.status_code == 201, imported.text
    assert (imported.json()["paid"], imported.json()["failed"]) == (1, 1)
    failed = checker.get(f"/api/v1/payrolls/{no}", params={"status": "failed"}).json()["lines"]
    assert failed[0]["fail_code"] == "card_deactivated"
    close_accounts(api.engine, heads[1])
    add_account(api.engine, heads[1], "6231000000000000499", opened="2025-07-16")
    again = maker.post(f"/api/v1/payrolls/{no}/reissue", json={"reason": "换卡"})
    assert again.status_code == 201, again.text
    assert maker.post(f"/api/v1/payrolls/{no}/reissue", json={"reason": "换卡"}).status_code == 409
    assert maker.post(f"/api/v1/payrolls/{no}/close").status_code == 200
    assert maker.post(f"/api/v1/payrolls/{no}/close/confirm").status_code == 403
    assert checker.post(f"/api/v1/payrolls/{no}/close/confirm").json()["status"] == "closed"
    totals = checker.get("/api/v1/payrolls/totals", params={"area": TIESHAN, "year": 2025}).json()
    assert [(r["lines"], r["amount_yuan"], r["paid_yuan"], r["failed"]) for r in totals] == [(1, "612.40", "612.40",
                                                                                            1)]


def test_approvals_at_the_same_moment_give_one(town):
    api, maker, _, _ = town
    no = maker.post("/api/v1/payrolls", json={"programme": "dibao", "area": TIESHAN, "month": "2025-06"}).json()[
        "payroll_no"]
    approvers = [api.user(f"shenhe{k}", "township_approver", TIESHAN) for k in range(3)]
    results, errors = together(3, lambda k: approvers[k].post(f"/api/v1/payrolls/{no}/approve").status_code)
    assert not errors and sorted(results) == [200, 409, 409]


def test_bad_input_is_named(town, zh):
    _, maker, _, _ = town
    wrong = maker.post("/api/v1/payrolls", json={"programme": "dibao", "area": "500101", "month": "2025-06"})
    assert wrong.status_code == 403
    missing = maker.get("/api/v1/payrolls/dibao-500111119-2024-01")
    assert missing.status_code == 404 and "不存在" in missing.json()["message"]
