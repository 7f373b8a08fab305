"""Bank files per bank, returns reconciled line by line, re-issues never twice, closing by another person, totals."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from jiuzhu.db import session_scope
from jiuzhu.errors import ConflictError, ForbiddenError, RecordError
from jiuzhu.payroll import bankfiles, banks, service, totals
from jiuzhu.payroll.models import PayrollLine, PayrollReturn
from tests.payroll.conftest import CASEWORKER, CHECKER, MAKER, add_account, close_accounts


def approved(engine, month: str = "2025-06") -> str:
    with session_scope(engine) as session:
        no = service.prepare(session, MAKER, programme="dibao", area="500111", month=month).payroll_no
    with session_scope(engine) as session:
        service.approve(session, CHECKER, no)
    return no


def write(engine, no: str, folder, who=MAKER):
    with session_scope(engine) as session:
        return service.write_files(session, who, no, folder, reason="月度代发")


def import_return(engine, no: str, bank: str, text: str, name: str = "back.txt", encoding: str = "gbk"):
    with session_scope(engine) as session:
        return service.import_return(session, MAKER, no, bank, text.encode(encoding), name)


def test_one_file_per_bank_with_full_numbers_a_memo_and_a_totals_line(district, tmp_path):
    engine, _, heads = district
    no = approved(engine)
    with pytest.raises(ForbiddenError):
        write(engine, no, tmp_path, who=CASEWORKER)  # the file shows numbers in full: the unmask permission
    written = write(engine, no, tmp_path)
    assert [(w.bank_code, w.line_count, w.total_yuan) for w in written] == [("cqrcb", 3, "2054.80")]
    raw = (tmp_path / f"{no}_cqrcb.txt").read_bytes()
    text = raw.decode("gbk")
    rows = text.splitlines()
    assert rows[-1] == "合计|3|2054.80"
    assert rows[0].split("|")[:4] == ["1", "王德福", "6221000000000000103", "612.40"]
    assert rows[0].split("|")[4:] == [heads[2], "低保金2025年06月", "邮储银行大足支行", "403653000001"]
    lines, count, total = bankfiles.read(banks.load().banks["cqrcb"].layout, raw)
    assert (count, total) == (3, sum(li.amount_fen for li in lines))
    assert write(engine, no, tmp_path)[0].total_yuan == "2054.80"  # again: the same file, recorded once
    assert (tmp_path / f"{no}_cqrcb.txt").read_bytes() == raw
    with session_scope(engine) as session:
        view = service.show(session, MAKER, no)
    assert len(view.files) == 1 and view.files[0].sha256


def test_a_return_reconciles_paid_failed_and_unmatched_lines(district, tmp_path):
    engine, _, _ = district
    no = approved(engine)
    write(engine, no, tmp_path)
    back = import_return(engine, no, "cqrcb", "\r\n".join([
        "1|6221000000000000103|王德福|612.40|0000|",
        "2|6231000000000000101|王德福|612.40|9999|该账户已销户",
        "3|6231000000000000102|王德福|800.00|0000|",   # amount differs
        "7|6231000000000000107|王德福|1.00|0000|",     # not ours
        "1|6221000000000000103|王德福|612.40|0000|",   # duplicate
        "合计|5|2638.20"]))
    assert (back.paid, back.failed) == (1, 1)
    assert [(u["row"], u["code"]) for u in back.unmatched] == [(3, "amount_differs"), (4, "not_in_file"),
                                                               (5, "duplicate")]
    with session_scope(engine) as session:
        view = service.show(session, MAKER, no)
    assert [(li.status, li.fail_code) for li in view.lines] == [("paid", None), ("failed", "closed"),
                                                               ("pending", None)]
    with pytest.raises(ConflictError, match="imported already"):
        import_return(engine, no, "cqrcb", "\r\n".join([
            "1|6221000000000000103|王德福|612.40|0000|",
            "2|6231000000000000101|王德福|612.40|9999|该账户已销户",
            "3|6231000000000000102|王德福|800.00|0000|",
            "7|6231000000000000107|王德福|1.00|0000|",
            "1|6221000000000000103|王德福|612.40|0000|",
            "合计|5|2638.20"]))


@pytest.mark.parametrize("text, where", [
    ("1|6221000000000000103|王德福|612.4x|0000|\r\n合计|1|612.40", "line 1: 金额"),
    ("x|6221000000000000103|王德福|612.40|0000|\r\n合计|1|612.40", "line 1: 序号"),
    ("1|6221000000000000103|王德福|612.40|0000|\r\n2|6231000000000000101|王德福|612.40||\r\n合计|2|1224.80",
     "line 2: 处理结果"),
    ("1|6221000000000000103|王德福|612.40|0000|\r\n合计|2|612.40", "totals line: count"),
    ("1|6221000000000000103|王德福|612.40|0000|", "totals line"),
])
def test_a_bad_return_file_is_refused_whole_naming_the_line_and_the_field(district, tmp_path, text, where):
    engine, _, _ = district
    no = approved(engine)
    write(engine, no, tmp_path)
    with pytest.raises(RecordError) as caught:
        import_return(engine, no, "cqrcb", text)
    assert where in str(caught.value)
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(PayrollReturn)) == 0
        assert set(session.scalars(select(PayrollLine.status))) == {"pending"}


def test_a_failed_line_is_reissued_to_the_corrected_account_once_and_closing_needs_another_person(district,
                                                                                                   tmp_path):
    engine, _, heads = district
    no = approved(engine)
    write(engine, no, tmp_path)
    import_return(engine, no, "cqrcb", "1|6221000000000000103|王德福|612.40|0000|\r\n"
                                       "2|6231000000000000101|王德福|612.40|9999|账户已冻结\r\n"
                                       "3|6231000000000000102|王德福|830.00|0000|\r\n合计|3|2054.80")
    with pytest.raises(ConflictError, match="corrected account"), session_scope(engine) as session:
        service.reissue(session, MAKER, no, reason="换卡重发")
    close_accounts(engine, heads[0])
    add_account(engine, heads[0], "6231000000000000201", opened="2025-07-16")
    with session_scope(engine) as session:
        again = service.reissue(session, MAKER, no, reason="换卡重发")
    assert (again.payroll_no, again.line_count, again.total_fen) == (f"{no}-R1", 1, 61240)
    with pytest.raises(ConflictError, match="no failed line"), session_scope(engine) as session:
        service.reissue(session, MAKER, no, reason="again")
    with session_scope(engine) as session:
        service.approve(session, CHECKER, again.payroll_no)
    write(engine, again.payroll_no, tmp_path)
    rows = (tmp_path / f"{again.payroll_no}_cqrcb.txt").read_text(encoding="gbk").splitlines()
    assert rows[0].split("|")[2:4] == ["6231000000000000201", "612.40"]
    assert rows[0].split("|")[5] == "低保金2025年06月重发"
    import_return(engine, again.payroll_no, "cqrcb", "1|6231000000000000201|王德福|612.40|0000|\r\n合计|1|612.40")
    with session_scope(engine) as session:
        service.request_close(session, MAKER, no)
    with pytest.raises(ForbiddenError, match="maker-checker"), session_scope(engine) as session:
        service.close(session, MAKER, no)
    with session_scope(engine) as session:
        assert service.close(session, CHECKER, no).status == "closed"
        rows = totals.totals(session, CHECKER, area="500111", year=2025)
    assert [(r.township, r.month, r.lines, r.amount_yuan, r.paid_yuan, r.failed) for r in rows] == [
        ("500111001", "2025-06", 1, "612.40", "612.40", 0),
        ("500111119", "2025-06", 2, "1442.40", "1442.40", 1)]


def test_an_unknown_failure_reason_is_other_with_the_banks_words(district, tmp_path):
    engine, _, _ = district
    no = approved(engine)
    write(engine, no, tmp_path)
    import_return(engine, no, "cqrcb", "1|6221000000000000103|王德福|612.40|E99|系统繁忙\r\n合计|1|612.40")
    with session_scope(engine) as session:
        line = service.show(session, MAKER, no, status="failed").lines[0]
    assert (line.fail_code, line.fail_text) == ("other", "系统繁忙")
