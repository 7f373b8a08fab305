"""The identity check on the phone pages (issue 13, found by a newcomer): what is not the shape of the last 6
characters of an ID number — blank, too short, too long, letters, a dash — is a slip of typing, answered with the
format and never counted toward the lock; a wrong number of the right shape is counted; full-width digits typed
on a Chinese keyboard are read as digits. The link's decision and the receipt's withdrawal alike."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.consent import links, receipts, service
from jiuzhu.consent.links import MAX_FAILED_CHECKS, identity_check_text
from jiuzhu.consent.service import Purpose
from jiuzhu.db import session_scope
from tests.consent.conftest import HEAD, HH, ON

APP = Purpose("application", "")
SLIPS = ["", "   ", "12345", "1234567", "ABCDEF", "12-345", "12345Y", "１２３", "x"]


@given(st.text(max_size=12))
def test_a_check_is_six_characters_five_digits_and_a_digit_or_x_or_nothing(typed):
    found = identity_check_text(typed)
    assert found is None or (len(found) == 6 and found[:5].isascii() and found[:5].isdigit()
                             and (found[5].isdigit() or found[5] == "X"))


def test_full_width_digits_spaces_and_a_small_x_are_read():
    assert identity_check_text(" １２３４５ｘ ") == "12345X"
    assert identity_check_text("123 450") == "123450"


def _link_decide(world, token, check):
    with session_scope(world) as session:
        return links.decide_by_link(session, token, accept=True, identity_check=check, evidence={})


def test_slips_on_the_link_are_said_and_not_counted(world, caseworker, zh):
    with session_scope(world) as session:
        rid = service.request(session, caseworker, household_no=HH, member=HEAD, purpose=APP, on=ON).record_id
        token = links.issue_link(session, caseworker, rid, base_url="https://x.cn").token
    for slip in SLIPS * 2:  # more slips than the lock allows
        done = _link_decide(world, token, slip)
        assert not done.decided and done.malformed and done.attempts_left == MAX_FAILED_CHECKS, slip
        assert "请输入身份证号的后 6 位" in done.message and "不计入" in done.message
    wrong = _link_decide(world, token, "000000")
    assert not wrong.malformed and wrong.attempts_left == MAX_FAILED_CHECKS - 1
    right = HEAD[-6:]
    assert _link_decide(world, token, " ".join(right)).decided  # spaced out: still the right answer


def test_slips_on_the_receipt_page_are_said_and_not_counted(world, caseworker, zh):
    with session_scope(world) as session:
        rid = service.request(session, caseworker, household_no=HH, member=HEAD, purpose=APP, on=ON).record_id
        token = receipts.receipt_token(service.give(session, caseworker, rid, on=ON).receipt_no)
    for slip in SLIPS:
        with session_scope(world) as session:
            done = receipts.withdraw_by_receipt(session, token, identity_check=slip)
        assert done.malformed and done.attempts_left == MAX_FAILED_CHECKS and "不计入" in done.message
    with session_scope(world) as session:
        assert receipts.withdraw_by_receipt(session, token, identity_check=HEAD[-6:]).decided

