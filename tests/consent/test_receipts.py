"""The receipt: its page by a token without expiry, its MAC, and a withdrawal from it after the identity check."""

from __future__ import annotations

import pytest

from jiuzhu.consent import receipts, service
from jiuzhu.consent.links import MAX_FAILED_CHECKS, LinkError
from jiuzhu.consent.service import Purpose
from jiuzhu.db import session_scope
from jiuzhu.errors import NotFoundError
from tests.consent.conftest import HEAD, HH, ON

APP = Purpose("application", "")


@pytest.fixture
def given_receipt(world, caseworker) -> str:
    with session_scope(world) as session:
        rid = service.request(session, caseworker, household_no=HH, member=HEAD, purpose=APP, on=ON).record_id
        return receipts.receipt_token(service.give(session, caseworker, rid, on=ON).receipt_no)


def _withdraw(world, token, check):
    with session_scope(world) as session:
        return receipts.withdraw_by_receipt(session, token, identity_check=check, reason="不需要了")


def test_the_receipt_holds_the_terms_and_its_mac_proves_them(world, given_receipt):
    with session_scope(world) as session:
        page = receipts.receipt(session, given_receipt)
    doc = page["receipt"]
    assert page["status"] == "given" and page["may_withdraw"]
    assert doc["subject"]["id_number"] == "512126********0037" and doc["notice"]["version"] == "2026-01"
    assert doc["valid_until"] == "2029-05-31" and doc["receipt_no"].startswith("SQ-")
    assert receipts.check_mac(doc, page["mac"])
    assert not receipts.check_mac({**doc, "valid_until": "2039-05-31"}, page["mac"])
    with pytest.raises(NotFoundError), session_scope(world) as session:
        receipts.receipt(session, given_receipt[:-2] + "xx")


def test_withdrawing_from_the_receipt_page(world, given_receipt):
    assert not _withdraw(world, given_receipt, "123456").decided
    done = _withdraw(world, given_receipt, HEAD[-6:])
    assert done.decided and done.status == "withdrawn"
    with session_scope(world) as session:
        page = receipts.receipt(session, given_receipt)
        assert page["status"] == "withdrawn" and not page["may_withdraw"]
        assert {m.name: m.state for m in service.check_required(session, HH, APP, ON)}["王德福"] == "withdrawn"


def test_wrong_checks_on_the_receipt_page_stop_for_the_day(world, given_receipt):
    lefts = [_withdraw(world, given_receipt, "000000").attempts_left for _ in range(MAX_FAILED_CHECKS)]
    assert lefts == [4, 3, 2, 1, 0]
    with pytest.raises(LinkError):
        _withdraw(world, given_receipt, HEAD[-6:])
