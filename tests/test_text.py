"""Free text typed by a person is checked once: no control character reaches a notice or a bank memo."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.access import OPERATOR_PERMISSIONS, Principal
from jiuzhu.casework import actions
from jiuzhu.errors import JiuzhuError
from jiuzhu.text import check_text

CONTROLS = [chr(c) for c in (*range(0, 32), *range(127, 160))]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=50))
def test_a_text_without_control_characters_passes_stripped(text):
    assert check_text(text, "note", most=60) == text.strip()


@given(st.text(max_size=20), st.sampled_from(CONTROLS), st.text(max_size=20))
def test_any_control_character_is_refused_naming_the_field(before, control, after):
    text = before + control + after
    if control not in text.replace("\r\n", "\n").strip():
        return  # a blank control at either end is stripped like a space
    with pytest.raises(JiuzhuError) as caught:
        check_text(text, "reasons")
    assert caught.value.field == "reasons"


def test_line_feeds_only_where_a_text_has_lines_and_the_length_declared(zh):
    assert check_text("收入超标\r\n另见附件", "reasons", lines=True) == "收入超标\n另见附件"
    with pytest.raises(JiuzhuError):
        check_text("收入超标\n另见附件", "reason")
    with pytest.raises(JiuzhuError) as caught:
        check_text("字" * 201, "reason")
    assert "201" in caught.value.message and "200" in caught.value.message


def test_a_decision_s_reasons_with_a_terminal_escape_are_refused_before_anything_is_read(zh):
    who = Principal.operator("t", ("500111",))
    assert who.permissions == OPERATOR_PERMISSIONS
    with pytest.raises(JiuzhuError) as caught:  # the tryout's: 收入超标 followed by an escape turning text red
        actions.act(None, who, "C-none", "reject", reasons="收入超标\x00\x1b[31m")
    assert caught.value.field == "reasons" and "控制字符" in caught.value.message
