"""Laws of the bank files and of reconciliation, for every layout configured."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.errors import RecordError
from jiuzhu.payroll import bankfiles, banks
from jiuzhu.payroll.returns import Expected, ReturnRow, failure_code, reconcile

LAYOUTS = banks.load().banks
names = st.text(alphabet="王李张刘陈杨赵黄周吴秀英德福明华军·", min_size=1, max_size=6)
digits = st.text(alphabet="0123456789", min_size=16, max_size=19)


@st.composite
def file_lines(draw):
    n = draw(st.integers(0, 12))
    return [bankfiles.FileLine(
        seq=i + 1, name=draw(names), account=draw(digits), amount_fen=draw(st.integers(1, 10**11)),
        id_number=draw(st.text(alphabet="0123456789X", min_size=18, max_size=18)),
        memo=draw(st.sampled_from(["低保金2025年06月", "特困供养金2025年07月补发", "护理补贴2025年06月重发"])),
        branch=draw(st.sampled_from(["", "邮储银行大足支行"])),
        interbank_no=draw(st.sampled_from(["", "403653000001"])),
        bank=draw(st.sampled_from(["中国邮政储蓄银行", "重庆农村商业银行"]))) for i in range(n)]


@pytest.mark.parametrize("bank", sorted(LAYOUTS))
@settings(max_examples=40, deadline=None)
@given(lines=file_lines())
def test_a_file_written_then_read_back_has_the_same_lines_and_its_totals_line_is_their_sum(bank, lines):
    layout = LAYOUTS[bank].layout
    back, count, total = bankfiles.read(layout, bankfiles.render(layout, lines))
    absent = {"branch", "interbank_no", "bank", "memo", "id_number", "name"} - set(layout.columns)
    expected = [dataclasses.replace(li, **dict.fromkeys(absent, "")) for li in lines]  # a column not in the layout
    assert back == expected
    assert (count, total) == (len(lines), sum(li.amount_fen for li in lines))


def test_a_character_gbk_cannot_write_is_refused_naming_the_line_and_the_field():
    layout = LAYOUTS["cqrcb"].layout
    line = bankfiles.FileLine(seq=3, name="王𠀀", account="6231000000000000101", amount_fen=100,
                              id_number="512126195804120037", memo="低保金")
    with pytest.raises(RecordError, match="line 3: 户名"):
        bankfiles.render(layout, [line])


rows = st.lists(st.builds(ReturnRow, row=st.integers(1, 99), seq=st.integers(1, 8),
                          account=st.sampled_from(["a1", "a2", "a3", "zz"]),
                          amount_fen=st.sampled_from([100, 200, 300, 999]), paid=st.booleans(),
                          reason=st.sampled_from(["", "已销户", "户名不符", "系统繁忙"])), max_size=20)
expected = st.dictionaries(st.integers(1, 8), st.builds(Expected, account=st.sampled_from(["a1", "a2", "a3"]),
                                                        amount_fen=st.sampled_from([100, 200, 300])), max_size=8)


@settings(max_examples=200, deadline=None)
@given(expected=expected, rows=rows, settled=st.frozensets(st.integers(1, 8), max_size=3))
def test_a_batch_of_return_lines_reconciles_as_the_same_lines_one_at_a_time(expected, rows, settled):
    reasons = LAYOUTS["cqrcb"].returns.reasons
    batch = reconcile(expected, settled, rows, reasons)
    one_by_one, seen = [], set(settled)
    for row in rows:
        (outcome,) = reconcile(expected, frozenset(seen), [row], reasons)
        one_by_one.append(outcome)
        if outcome.result in ("paid", "failed"):
            seen.add(outcome.seq)
    assert batch == one_by_one
    assert sum(o.result in ("paid", "failed") for o in batch) <= len(expected)


def test_reasons_map_to_the_code_table():
    reasons = LAYOUTS["cqrcb"].returns.reasons
    assert failure_code("户名不符", reasons) == "name_mismatch"
    assert failure_code("交易失败：该账户已销户", reasons) == "closed"
    assert failure_code("系统繁忙", reasons) == "other"
    assert set(reasons.values()) == set(banks.FAILURE_CODES) - {"other"}
