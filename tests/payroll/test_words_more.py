"""What payroll says in Chinese has no English code inside (tryout): an amount's refusal, an encoding, a bank's
code, a programme's code; a return file in another bank's layout named in one line (which bank's it is, which was
chosen, what was expected and found). Pure functions: no database."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.errors import JiuzhuError, RecordError
from jiuzhu.payroll import bankfiles, banks, service
from jiuzhu.payroll.returns import read_return

LATIN = re.compile(r"[A-Za-z]{3,}")  # a word of code (boc, auto, dibao) in a Chinese sentence
ICBC_RETURN = "序号,账号,户名,金额,处理结果,失败原因\r\n1,6231000000000000101,王德福,612.40,成功,\r\n".encode()


@pytest.mark.parametrize("typed, words", [("50.005", "超过两位小数"), ("5O.00", "不是以元计的金额"),
                                          ("", "不是以元计的金额"), ("1e-5", "超过两位小数")])
def test_an_amount_refused_in_chinese_words(zh, typed, words):
    with pytest.raises(JiuzhuError) as caught:
        service.parse_yuan(typed, "amount")
    assert words in caught.value.message and caught.value.field == "amount"
    assert not LATIN.search(caught.value.message.replace(typed, "")), caught.value.message


@given(st.integers(min_value=0, max_value=10**12))
def test_an_amount_in_yuan_is_its_fen_exactly(fen):
    assert service.parse_yuan(f"{fen // 100}.{fen % 100:02d}", "amount") == fen


def test_an_unreadable_file_names_its_encoding_in_words(zh):
    with pytest.raises(RecordError) as caught:
        bankfiles.decode(b"\xff\xfe\xfa\x80\x81", "auto", "回盘.txt")
    assert "UTF-8 或 GBK" in str(caught.value) and "auto" not in str(caught.value)


def test_a_bank_without_a_layout_is_named_in_words(zh):
    with pytest.raises(JiuzhuError) as caught:
        banks.load().get("boc")
    text = caught.value.message
    assert text.startswith("银行 中国银行") and "重庆农村商业银行（cqrcb）" in text, text


def test_a_programme_not_paid_monthly_in_words(zh):
    with pytest.raises(JiuzhuError) as caught:
        service._check_programme("低保边缘")
    text = caught.value.message
    assert "最低生活保障" in text and not LATIN.search(text), text


def test_another_banks_return_file_is_named_in_one_line_chinese_first(zh):
    with pytest.raises(JiuzhuError) as caught:
        service._read_return(banks.load(), "cqrcb", ICBC_RETURN, "回盘.csv")
    text = caught.value.message
    assert "中国工商银行格式" in text and "重庆农村商业银行" in text and "\n" not in text, text
    assert caught.value.field == "bank"
    assert len(service._read_return(banks.load(), "icbc", ICBC_RETURN, "回盘.csv")) == 1  # as the right bank


def test_a_file_of_no_known_layout_says_what_was_expected_and_found(zh):
    layout = banks.load().get("cqrcb").returns
    with pytest.raises(RecordError) as caught:
        read_return(layout, "1|6231000000000000101|612.40\r\n合计|1|612.40\r\n".encode("gbk"), "回盘.txt",
                    "重庆农村商业银行")
    text = str(caught.value)
    assert text.startswith("回盘.txt 第 1 行") and "不是重庆农村商业银行的回盘格式" in text, text
    assert "应有 6 列" in text and "实有 3 列" in text and "序号、账号" in text, text
