"""One payee's corrected account (``accounts.record_account``): checked as a ledger row is (same words), its reason
required and audited with the old and new account masked, the old account kept, the area and the permission held;
then the re-issue pays the new account. A ledger missing a required column is refused once for the file."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from jiuzhu.access import Principal, Role
from jiuzhu.audit.models import AuditEntry
from jiuzhu.db import session_scope
from jiuzhu.errors import ForbiddenError, JiuzhuError, NotFoundError, RecordError
from jiuzhu.payroll import accounts, service
from jiuzhu.payroll.models import PayeeAccount
from tests.payroll.conftest import CASEWORKER, CHECKER, MAKER, add_account, dibao_household, put
from tests.payroll.test_files_returns import approved, import_return, write

NEW = "6231000000000000999"


@pytest.fixture
def payee(engine):
    doc = dibao_household("500111119-000401", 41)
    put(engine, doc)
    head = doc["members"][0]
    add_account(engine, head["id_number"], "6231000000000000401")
    return engine, head["id_number"], head["name"]


def record(engine, who=CASEWORKER, **given):
    with session_scope(engine) as session:
        return accounts.record_account(session, who, **given)


def test_a_corrected_account_is_audited_with_its_reason_and_the_old_one_is_kept(payee):
    engine, id_number, name = payee
    done = record(engine, id_number=id_number, holder_name=name, bank="中国工商银行", account_no=NEW,
                  opened_on="2025-07-01", reason="原卡已销户")
    assert done.account_no == "*" * 15 + "0999" and "*" in done.id_number and done.bank_code == "icbc"
    with session_scope(engine, write=False) as session:
        rows = session.scalars(select(PayeeAccount).order_by(PayeeAccount.id)).all()
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "payroll.account_set")).one()
    assert [(a.account_no, a.closed_on, a.source) for a in rows] == [
        ("6231000000000000401", None, "test"), (NEW, None, "correction")]  # history kept; the newest pays
    detail = json.loads(entry.detail)
    assert (entry.actor, entry.reason) == ("caseworker", "原卡已销户")
    assert detail["account"].endswith("0999") and NEW not in entry.detail and "0401" in detail["previous"][0]
    assert id_number not in entry.subject  # masked everywhere
    with pytest.raises(RecordError, match="already the payee's account"):
        record(engine, id_number=id_number, holder_name=name, bank="icbc", account_no=NEW, opened_on="2025-07-01",
               reason="again")


@pytest.mark.parametrize("given, field, words", [
    ({"reason": " "}, "reason", "reason"),
    ({"account_no": "12ab"}, "账号", "8 to 32 digits"),
    ({"holder_name": "别人"}, "户名", "held by someone else"),
    ({"bank": "无此银行"}, "开户银行", "中国工商银行"),  # the known banks named, by their names
    ({"opened_on": "2099-01-01"}, "开户日期", "future"),
    ({"bank": "中国银行"}, "联行号", "branch"),  # another bank: through the default bank, with branch and 联行号
])
def test_a_correction_is_checked_as_a_ledger_row(payee, given, field, words):
    engine, id_number, name = payee
    asked = dict(id_number=id_number, holder_name=name, bank="cqrcb", account_no=NEW, opened_on="2025-07-01",
                 reason="换卡")
    asked.update(given)
    with pytest.raises(JiuzhuError) as caught:
        record(engine, **asked)
    exc = caught.value
    assert exc.field == field and words in str(exc)
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(PayeeAccount.id).where(PayeeAccount.account_no == NEW)) is None


def test_a_correction_is_held_by_area_and_permission(payee):
    engine, id_number, name = payee
    asked = dict(id_number=id_number, holder_name=name, bank="cqrcb", account_no=NEW, reason="换卡",
                 opened_on="2025-07-01")
    elsewhere = Principal(username="far", role=Role.TOWNSHIP_CASEWORKER, area_code="500111001",
                          area_prefixes=("500111001",))
    with pytest.raises(NotFoundError, match="not a member of a household in your area"):
        record(engine, elsewhere, **asked)
    auditor = Principal(username="aud", role=Role.AUDITOR, area_code="500111", area_prefixes=("500111",))
    district = Principal(username="dist", role=Role.DISTRICT_OFFICER, area_code="500111", area_prefixes=("500111",))
    for who in (auditor, district):  # the district officer may not change the registry's accounts
        with pytest.raises(ForbiddenError):
            record(engine, who, **asked)


def test_a_correction_in_chinese(payee, zh):
    engine, id_number, name = payee
    with pytest.raises(RecordError) as caught:
        record(engine, id_number=id_number, holder_name=name, bank="boc", account_no=NEW, reason="换卡",
               opened_on="2025-07-01")
    text = str(caught.value)
    assert text.startswith("新账户") and "中国银行" in text and "boc" not in text, text
    with pytest.raises(JiuzhuError, match="须填写原因"):
        record(engine, id_number=id_number, holder_name=name, bank="cqrcb", account_no=NEW, reason="")


def test_a_failed_line_re_issued_to_the_recorded_account(district, tmp_path):
    engine, _, heads = district
    no = approved(engine)
    write(engine, no, tmp_path)
    import_return(engine, no, "cqrcb", "1|6221000000000000103|王德福|612.40|0000|\r\n"
                                       "2|6231000000000000101|王德福|612.40|9999|已销户\r\n"
                                       "3|6231000000000000102|王德福|830.00|0000|\r\n合计|3|2054.80")
    with session_scope(engine, write=False) as session:
        name = session.scalar(select(PayeeAccount.holder_name).where(
            PayeeAccount.account_no == "6231000000000000101"))
    record(engine, MAKER, id_number=heads[0], holder_name=name, bank="cqrcb", account_no=NEW,
           opened_on="2025-07-20", reason="原卡已销户，换新卡")
    with session_scope(engine) as session:
        again = service.reissue(session, MAKER, no, reason="换卡重发")
    with pytest.raises(ForbiddenError), session_scope(engine) as session:
        service.approve(session, MAKER, again.payroll_no)  # the one who corrected and re-issued cannot approve
    with session_scope(engine) as session:
        service.approve(session, CHECKER, again.payroll_no)
        lines = service.show(session, CHECKER, again.payroll_no, unmask=True, reason="核对").lines
    assert [(x.account_no, x.amount_yuan) for x in lines] == [(NEW, "612.40")]


@pytest.mark.parametrize("header, missing", [
    ("身份证号,户名,开户银行,开户日期", "账号"),
    ("身份证号,开户银行,卡号,开户日期", "户名"),
])
def test_a_ledger_without_a_required_column_is_refused_once(payee, tmp_path, header, missing):
    engine, id_number, name = payee
    path = tmp_path / "accounts.csv"
    path.write_text(header + "\n" + "\n".join(f"{id_number},{name},cqrcb,2024-01-01" for _ in range(5)) + "\n",
                    encoding="utf-8")
    with pytest.raises(RecordError) as caught, session_scope(engine) as session:
        accounts.import_ledger(session, MAKER, path)
    text = str(caught.value)
    assert missing in text and header.split(",")[0] in text and text.count("\n") == 0, text


def test_one_page_of_lines_read_by_the_database_with_the_counts_and_amounts_of_all(district):
    engine, _, _ = district
    no = approved(engine)
    with session_scope(engine) as session:
        whole = service.show(session, MAKER, no)
        page = service.show(session, MAKER, no, first=1, most=2)
        failed = service.show(session, MAKER, no, status="失败", most=10)
    assert [x.seq for x in page.lines] == [x.seq for x in whole.lines][1:3]
    assert page.matching == whole.matching == len(whole.lines) == sum(page.counts.values())
    assert page.amounts_fen == {"pending": sum(x.amount_fen for x in whole.lines)}
    assert (failed.lines, failed.matching) == ([], 0)
