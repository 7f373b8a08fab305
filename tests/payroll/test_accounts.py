"""Payee accounts from the township's ledger: good rows kept, bad rows reported by row and field; a card held by
nobody else; the synthetic district's accounts; numbers masked unless unmasked."""

from __future__ import annotations

import openpyxl
import pytest
from sqlalchemy import func, select

from jiuzhu.db import session_scope
from jiuzhu.errors import ForbiddenError, RecordError
from jiuzhu.payroll import accounts
from jiuzhu.payroll.models import PayeeAccount
from tests.payroll.conftest import CASEWORKER, MAKER, dibao_household, put

HEADER = "身份证号,户名,账户类型,开户银行,账号,开户网点,联行号,开户日期,销户日期\n"


@pytest.fixture
def people(engine):
    docs = [dibao_household("500111119-000201", 21), dibao_household("500111119-000202", 22)]
    put(engine, *docs)
    return engine, [(d["members"][0]["id_number"], d["members"][0]["name"]) for d in docs], docs


def run(engine, path, who=MAKER):
    with session_scope(engine) as session:
        return accounts.import_ledger(session, who, path)


def test_a_ledger_keeps_its_good_rows_and_reports_each_bad_one_by_row_and_field(people, tmp_path):
    engine, (first, second), docs = people
    spouse = docs[0]["members"][1]
    path = tmp_path / "accounts.csv"
    path.write_text(HEADER + "\n".join([
        f"{first[0]},{first[1]},一卡通,cqrcb,6231000000000000201,,,2024-01-01,",
        f"{second[0]},{second[1]},银行账户,中国邮政储蓄银行,6221000000000000202,,,2024-01-01,",  # no 联行号
        f"{spouse['id_number']},别人,一卡通,cqrcb,6231000000000000203,,,2024-01-01,",        # held by another
        f"{second[0]},{second[1]},一卡通,cqrcb,6231000000000000201,,,2024-01-01,",            # first's card
        f"{second[0]},{second[1]},一卡通,无此银行,6231000000000000204,,,2024-01-01,",
        f"{second[0]},{second[1]},一卡通,cqrcb,62310000,,,2099-01-01,",
    ]) + "\n", encoding="gbk")
    result = run(engine, path)
    assert (result.stored, result.unchanged) == (1, 0)
    assert [(e.record, e.field) for e in result.errors] == [
        ("row 3", "联行号"), ("row 4", "户名"), ("row 5", "账号"), ("row 6", "开户银行"), ("row 7", "开户日期")]
    assert "held by someone else" in str(result.errors[1])
    assert run(engine, path).unchanged == 1  # the same ledger again stores nothing twice
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(PayeeAccount)) == 1


def test_an_excel_ledger_and_the_errors_in_chinese(people, tmp_path, zh):
    engine, (first, second), _ = people
    book = openpyxl.Workbook()
    book.active.append(HEADER.strip().split(","))
    book.active.append([first[0], first[1], "一卡通", "重庆农村商业银行", "6231000000000000211", None, None,
                        "2024-01-01", None])
    book.active.append([second[0], "张三", "一卡通", "cqrcb", "6231000000000000212", None, None, "2024-01-01", None])
    book.save(tmp_path / "accounts.xlsx")
    result = run(engine, tmp_path / "accounts.xlsx")
    assert result.stored == 1
    assert str(result.errors[0]).startswith("第 3 行: 户名:") and "他人" in str(result.errors[0])


def test_an_unknown_column_refuses_the_file(people, tmp_path):
    engine, _, _ = people
    (tmp_path / "a.csv").write_text("身份证号,户名,帐号\n", encoding="utf-8")
    with pytest.raises(RecordError, match="帐号"):
        run(engine, tmp_path / "a.csv")


def test_synthetic_accounts_for_every_payee_and_masked_reading(people):
    engine, (first, second), _ = people
    with session_scope(engine) as session:
        assert accounts.synthesize(session, MAKER, "500111") == 2  # the two heads (低保 and their care subsidy)
    with session_scope(engine) as session:
        assert accounts.synthesize(session, MAKER, "500111") == 0
        shown = accounts.accounts_of(session, CASEWORKER, first[0])
        assert shown[0].account_no.startswith("*") and shown[0].id_number.count("*") == 8
        with pytest.raises(ForbiddenError):
            accounts.accounts_of(session, CASEWORKER, first[0], unmask=True, reason="核对")
        full = accounts.accounts_of(session, MAKER, first[0], unmask=True, reason="核对")
    assert "*" not in full[0].account_no and full[0].holder_name == first[1]
