"""Signed expiring links: one decision each, only the token's hash stored; tampered, expired, used, revoked and
locked links refused."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from jiuzhu.audit import service as audit
from jiuzhu.audit.models import AuditEntry
from jiuzhu.consent import links, service
from jiuzhu.consent.links import LinkError
from jiuzhu.consent.models import ConsentLink
from jiuzhu.consent.service import Purpose
from jiuzhu.db import session_scope
from jiuzhu.errors import ConflictError
from tests.concurrency import together
from tests.consent.conftest import HEAD, HH, MINOR, ON

APP = Purpose("application", "")
BASE = "https://jiuzhu.example.cn"


@pytest.fixture
def waiting(world, caseworker):
    """(record id of the head's request, record id of the minor's, signed by the head as guardian)."""
    with session_scope(world) as session:
        head = service.request(session, caseworker, household_no=HH, member=HEAD, purpose=APP, on=ON)
        minor = service.request(session, caseworker, household_no=HH, member=MINOR, purpose=APP, on=ON)
    return head.record_id, minor.record_id


def _issue(world, caseworker, rid, **kw):
    with session_scope(world) as session:
        return links.issue_link(session, caseworker, rid, base_url=BASE + "/", **kw)


def _decide(world, token, check, accept=True):
    with session_scope(world) as session:
        return links.decide_by_link(session, token, accept=accept, identity_check=check,
                                    evidence={"ip": "10.0.0.8", "user_agent": "test"})


def test_a_member_opens_the_link_checks_identity_and_gives(world, caseworker, waiting):
    issued = _issue(world, caseworker, waiting[0])
    assert issued.url == f"{BASE}/c/{issued.token}"
    with session_scope(world) as session:
        page = links.open_link(session, issued.token)
        stored = session.scalars(select(ConsentLink)).one()
        assert stored.token_sha256 == hashlib.sha256(issued.token.encode()).hexdigest()
        assert page.notice_version == "2026-01" and "核对" in page.notice_body and page.attempts_left == 5
        english = links.open_link(session, issued.token, language="en")
        assert "verify" in english.notice_body and english.notice_sha256 == page.notice_sha256  # the Chinese agreed
    decision = _decide(world, issued.token, HEAD[-6:])
    assert decision.decided and decision.status == "given" and decision.receipt_no.startswith("SQ-")
    with session_scope(world) as session:
        rec = service.get_record(session, caseworker, waiting[0])
        assert rec.method == "remote_link" and rec.evidence[-1]["id_check"] == "last6"
        assert rec.evidence[-1]["ip"] == "10.0.0.8"
        audit.write_pending(session)
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.subject == waiting[0])).all()
        assert {"consent.link", "consent.link_open", "consent.give"} <= set(actions)
    with pytest.raises(LinkError) as exc:
        _decide(world, issued.token, HEAD[-6:])
    assert exc.value.code == "used"


def test_a_guardian_checks_their_own_id_and_can_refuse(world, caseworker, waiting):
    issued = _issue(world, caseworker, waiting[1])
    assert not _decide(world, issued.token, MINOR[-6:]).decided  # the child's number is not the signer's
    decision = _decide(world, issued.token, HEAD[-6:], accept=False)
    assert decision.status == "refused"


def test_tampered_and_unknown_tokens(world, caseworker, waiting):
    issued = _issue(world, caseworker, waiting[0])
    flipped = issued.token[:-3] + ("A" if issued.token[-3] != "A" else "B") + issued.token[-2:]
    for token in (flipped, issued.token + "x", "nonsense", ""):
        with pytest.raises(LinkError) as exc:
            _decide(world, token, HEAD[-6:])
        assert exc.value.code == "tampered"


def test_an_expired_link(world, caseworker, waiting, monkeypatch):
    issued = _issue(world, caseworker, waiting[0], hours=1)
    later = service.now() + dt.timedelta(hours=1, seconds=1)
    monkeypatch.setattr(service, "now", lambda: later)
    with pytest.raises(LinkError) as exc, session_scope(world) as session:
        links.open_link(session, issued.token)
    assert exc.value.code == "expired"


def test_a_new_link_revokes_the_previous(world, caseworker, waiting):
    first = _issue(world, caseworker, waiting[0])
    second = _issue(world, caseworker, waiting[0])
    with pytest.raises(LinkError) as exc:
        _decide(world, first.token, HEAD[-6:])
    assert exc.value.code == "revoked"
    assert _decide(world, second.token, HEAD[-6:]).decided


def test_five_wrong_checks_lock_the_link(world, caseworker, waiting):
    issued = _issue(world, caseworker, waiting[0])
    lefts = [_decide(world, issued.token, "000000").attempts_left for _ in range(links.MAX_FAILED_CHECKS)]
    assert lefts == [4, 3, 2, 1, 0]
    with pytest.raises(LinkError) as exc:
        _decide(world, issued.token, HEAD[-6:])  # even the right answer now
    assert exc.value.code == "locked"
    with session_scope(world) as session:
        assert service.get_record(session, caseworker, waiting[0]).status == "requested"


def test_a_link_only_for_a_waiting_request(world, caseworker, waiting):
    with session_scope(world) as session:
        service.give(session, caseworker, waiting[0], on=ON)
    with pytest.raises(ConflictError):
        _issue(world, caseworker, waiting[0])


def test_a_link_decides_once_when_two_decisions_arrive_together(world, caseworker, waiting):
    issued = _issue(world, caseworker, waiting[0])
    results, errors = together(4, lambda k: _decide(world, issued.token, HEAD[-6:], accept=k % 2 == 0))
    decided = [r for r in results if r is not None and r.decided]
    assert len(decided) == 1, (results, errors)
    assert [getattr(e, "code", e) for e in errors] == ["used"] * 3
    with session_scope(world) as session:
        rec = service.get_record(session, caseworker, waiting[0])
        assert rec.status == decided[0].status and rec.receipt_no == decided[0].receipt_no
        assert len([e for e in rec.evidence if e["event"] in ("give", "refuse")]) == 1


def test_the_member_reads_chinese(world, caseworker, waiting, zh):
    issued = _issue(world, caseworker, waiting[0])
    assert _decide(world, issued.token, "000000").message == "身份证号后 6 位不对：还可以再试 4 次"
    with pytest.raises(LinkError) as exc:
        _decide(world, issued.token + "x", HEAD[-6:])
    assert exc.value.message == "链接无效：请检查是否复制完整，或请经办人重新发送"
