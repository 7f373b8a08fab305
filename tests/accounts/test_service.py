"""Accounts: creating them (every input checked), signing in, the lock-out, scoped management, the demo's."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from jiuzhu.access import Permission, Principal, Role
from jiuzhu.accounts import service
from jiuzhu.audit.models import AuditEntry
from jiuzhu.db import session_scope
from jiuzhu.errors import AuthenticationError, ConflictError, ForbiddenError, JiuzhuError, NotFoundError
from tests.accounts.conftest import CHEAP

TOWNSHIP = "500111119"  # 大足区 铁山镇 (official)
PASSWORD = "correct horse 1"
OPERATOR = Principal.operator("root", ("50",))
_names = itertools.count()


def _add(engine, name="zhang.wei", *, role=Role.TOWNSHIP_CASEWORKER, area=TOWNSHIP, password=PASSWORD):
    with session_scope(engine) as session:
        return service.add_user(session, username=name, password=password, role=role, area_code=area,
                                display_name="张伟", actor="root")


def _sign_in(engine, name="zhang.wei", password=PASSWORD) -> Principal:
    with session_scope(engine) as session:
        return service.authenticate(session, name, password)


def _refusal(engine, name="zhang.wei", password="wrong password") -> str:
    with pytest.raises(AuthenticationError) as caught:
        _sign_in(engine, name, password)
    return caught.value.message


def _events(engine, action=None) -> list[tuple]:
    with session_scope(engine) as session:
        query = select(AuditEntry).order_by(AuditEntry.seq)
        return [(e.actor, e.action, e.subject, e.area_code) for e in session.scalars(query)
                if action is None or e.action == action]


def test_an_account_signs_in_and_is_a_principal_of_its_area(sqlite_engine):
    view = _add(sqlite_engine, "Zhang.Wei")  # names are kept in lower case
    assert (view.username, view.role, view.area_code, view.area_name, view.locked) == (
        "zhang.wei", Role.TOWNSHIP_CASEWORKER, TOWNSHIP, "铁山镇", False)
    principal = _sign_in(sqlite_engine, "ZHANG.WEI ")
    assert principal == Principal("zhang.wei", Role.TOWNSHIP_CASEWORKER, TOWNSHIP, (TOWNSHIP,))
    assert principal.can(Permission.WRITE_REGISTRY) and not principal.can(Permission.UNMASK)
    assert principal.covers("500111119001") and not principal.covers("500111120001")
    with session_scope(sqlite_engine) as session:
        assert service.principal_of(session, "zhang.wei") == principal
        [listed] = service.list_users(session, OPERATOR)
    assert listed.last_sign_in is not None and listed.failed_attempts == 0
    assert _events(sqlite_engine) == [("root", "user_add", "zhang.wei", TOWNSHIP),
                                      ("zhang.wei", "sign_in", "zhang.wei", TOWNSHIP)]


def test_the_password_is_stored_as_an_argon2id_hash_never_as_itself(sqlite_engine):
    _add(sqlite_engine)
    with session_scope(sqlite_engine) as session:
        from jiuzhu.accounts.models import User

        stored = session.scalars(select(User.password_hash)).one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_the_real_hasher_uses_rfc_9106_parameters(monkeypatch):
    monkeypatch.undo()  # the real HASHER, not the tests' cheap one
    hashed = service.HASHER.hash("a password of ours")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert service.HASHER.verify(hashed, "a password of ours")


def test_unknown_name_and_wrong_password_get_one_message(sqlite_engine):
    _add(sqlite_engine)
    wrong = _refusal(sqlite_engine, "zhang.wei", "not the password")
    unknown = _refusal(sqlite_engine, "li.na", PASSWORD)
    bad_name = _refusal(sqlite_engine, "x", PASSWORD)  # not even a possible name: the same
    assert wrong == unknown == bad_name == "wrong user name or password"
    assert [e[:3] for e in _events(sqlite_engine, "sign_in_failed")] == [
        ("zhang.wei", "sign_in_failed", "zhang.wei"), ("li.na", "sign_in_failed", "li.na"),
        ("x", "sign_in_failed", "x")]


def test_a_name_nobody_has_is_locked_out_as_an_account_is(sqlite_engine):
    """Six tries of a made-up name read exactly as six wrong passwords of a real account — the lock-out on the
    fifth included — so trying names tells nobody which exist (the newcomer saw the lock-out only for real ones)."""
    import re

    _add(sqlite_engine)
    real = [_refusal(sqlite_engine, "zhang.wei") for _ in range(6)]
    made_up = [_refusal(sqlite_engine, "nobody.here") for _ in range(6)]
    same = [re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "<until>", m) for m in real + made_up]
    assert same[6:] == same[:6] and "locked" in same[4] and "locked" in same[5]
    assert [e[1] for e in _events(sqlite_engine) if e[0] == "nobody.here"] == (
        ["sign_in_failed"] * 4 + ["locked_out", "sign_in_refused"])


def test_five_wrong_passwords_lock_the_account_for_15_minutes(sqlite_engine, monkeypatch):
    _add(sqlite_engine)
    start = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.timezone.utc)
    monkeypatch.setattr(service, "now", lambda: start)
    for _ in range(4):
        assert _refusal(sqlite_engine) == "wrong user name or password"
    fifth = _refusal(sqlite_engine)
    assert fifth.startswith("this account is locked after 5 wrong passwords in a row, until ")
    assert "2026-11-30 10:15 (Beijing time)" in fifth  # 02:15 UTC in the bureau's time, saying so
    assert _refusal(sqlite_engine, password=PASSWORD) == fifth  # the right password too: no faster guessing
    with session_scope(sqlite_engine) as session, pytest.raises(AuthenticationError):
        service.principal_of(session, "zhang.wei")  # a session already open ends too
    monkeypatch.setattr(service, "now", lambda: start + dt.timedelta(minutes=14, seconds=59))
    assert _refusal(sqlite_engine, password=PASSWORD) == fifth
    monkeypatch.setattr(service, "now", lambda: start + dt.timedelta(minutes=15, seconds=1))
    assert _sign_in(sqlite_engine).username == "zhang.wei"
    assert [e[1] for e in _events(sqlite_engine) if e[1] != "user_add"] == (
        ["sign_in_failed"] * 4 + ["locked_out"] + ["sign_in_refused"] * 2 + ["sign_in"])


def test_a_failure_outlasts_the_callers_rollback(sqlite_engine):
    """A request that fails is rolled back by its caller: the failed count and its audit row stay."""
    _add(sqlite_engine)
    for _ in range(2):
        _refusal(sqlite_engine)
    with session_scope(sqlite_engine) as session:
        [view] = service.list_users(session, OPERATOR)
    assert view.failed_attempts == 2 and len(_events(sqlite_engine, "sign_in_failed")) == 2


def test_a_success_resets_the_count(sqlite_engine):
    _add(sqlite_engine)
    for _ in range(4):
        _refusal(sqlite_engine)
    _sign_in(sqlite_engine)
    for _ in range(4):  # four more: not five in a row
        _refusal(sqlite_engine)
    assert _sign_in(sqlite_engine).username == "zhang.wei"


@pytest.mark.parametrize(("field", "kwargs", "words"), [
    ("username", dict(name="zw"), "3 to 32 characters"),
    ("username", dict(name="张伟"), "3 to 32 characters"),
    ("username", dict(name="a" * 33), "3 to 32 characters"),
    ("username", dict(name="zhang wei"), "3 to 32 characters"),
    ("password", dict(password="short1"), "at least 10 characters"),
    ("password", dict(password="x" * 257), "at most 256"),
    ("password", dict(name="zhang.wei.1", password="ZHANG.WEI.1"), "must not be the user name"),
    ("role", dict(role="clerk"), "unknown role 'clerk'"),
    ("area_code", dict(area="110101"), "outside the area this installation serves"),  # 北京 东城区
    ("area_code", dict(area="500000"), "province or prefecture"),
    ("area_code", dict(area="500111999"), "not in the official division table"),
    ("area_code", dict(area="500111999001"), "is not in the official table"),
    ("area_code", dict(area="abc"), "not an area code"),
])
def test_every_input_is_checked_naming_its_field(sqlite_engine, field, kwargs, words):
    with pytest.raises(JiuzhuError) as caught:
        _add(sqlite_engine, **kwargs)
    assert caught.value.field == field and words in caught.value.message
    assert _events(sqlite_engine) == []


def test_a_village_under_an_official_township_is_an_area(sqlite_engine):
    assert _add(sqlite_engine, role=Role.COMMUNITY_WORKER, area="500111119001").area_code == "500111119001"
    assert _sign_in(sqlite_engine).area_prefixes == ("500111119001",)


@pytest.mark.parametrize(("role", "area"), [(Role.DISTRICT_OFFICER, "500111119001"),
                                            (Role.COMMUNITY_WORKER, "500111"), (Role.TOWNSHIP_CASEWORKER, "500111"),
                                            (Role.AUDITOR, "500111119001"), (Role.TOWNSHIP_APPROVER, "500111119001")])
def test_an_area_of_another_level_than_the_role_works_at_is_refused(sqlite_engine, role, area, zh):
    """A community worker bound to the whole district would see far too much; a district officer bound to a
    village far too little (the newcomer created both through 用户管理)."""
    with pytest.raises(JiuzhuError) as refused:
        _add(sqlite_engine, role=role, area=area)
    assert refused.value.field == "area_code" and area in refused.value.message and "应绑定到" in refused.value.message


@pytest.mark.parametrize("password", ["1111111111", "aaaaabbbbb", "zhang.wei2026x", "ZHANG.WEI-pass"])
def test_a_password_easy_to_guess_is_refused(sqlite_engine, password):
    with pytest.raises(JiuzhuError) as refused:
        _add(sqlite_engine, password=password)
    assert refused.value.field == "password" and "easy to guess" in refused.value.message


def test_a_name_is_taken_once(sqlite_engine):
    _add(sqlite_engine)
    with pytest.raises(ConflictError, match="already exists"):
        _add(sqlite_engine, "ZHANG.wei")


def test_chinese_messages(sqlite_engine, zh):
    _add(sqlite_engine)
    assert _refusal(sqlite_engine) == "用户名或密码不对"
    with pytest.raises(JiuzhuError, match="密码太短"):
        _add(sqlite_engine, "li.na", password="short")


# --------------------------------------------------------------------------- managing accounts


def _admin(area=TOWNSHIP) -> Principal:
    return Principal("admin", Role.ADMINISTRATOR, area, (area,))


def test_an_administrator_manages_the_accounts_of_its_area_only(sqlite_engine):
    _add(sqlite_engine)
    _add(sqlite_engine, "li.na", area="500111120")  # another township
    with session_scope(sqlite_engine) as session:
        assert [u.username for u in service.list_users(session, _admin())] == ["zhang.wei"]
        assert [u.username for u in service.list_users(session, _admin("500111"))] == ["li.na", "zhang.wei"]
        with pytest.raises(NotFoundError):  # outside: as if it did not exist
            service.lock_user(session, _admin(), "li.na")
        with pytest.raises(ForbiddenError):
            service.list_users(session, Principal("x", Role.TOWNSHIP_APPROVER, TOWNSHIP, (TOWNSHIP,)))
        with pytest.raises(ForbiddenError):  # an administrator creates accounts inside its own area only
            service.add_user(session, username="wang.fang", password=PASSWORD, role=Role.COMMUNITY_WORKER,
                             area_code="500111120001", display_name="", actor="admin", principal=_admin())


def test_a_locked_account_cannot_sign_in_until_unlocked(sqlite_engine):
    _add(sqlite_engine)
    with session_scope(sqlite_engine) as session:
        assert service.lock_user(session, _admin(), "zhang.wei").locked
        with pytest.raises(JiuzhuError, match="your own account"):
            service.lock_user(session, _admin(), "admin")
    assert "locked by an administrator" in _refusal(sqlite_engine, password=PASSWORD)
    assert _refusal(sqlite_engine) == "wrong user name or password"  # a wrong password says only that
    with session_scope(sqlite_engine) as session:
        with pytest.raises(AuthenticationError):
            service.principal_of(session, "zhang.wei")
        view = service.unlock_user(session, _admin(), "zhang.wei")
    assert not view.locked and view.failed_attempts == 0
    assert _sign_in(sqlite_engine).username == "zhang.wei"
    assert [e[1] for e in _events(sqlite_engine)] == ["user_add", "user_lock", "sign_in_refused", "sign_in_failed",
                                                      "user_unlock", "sign_in"]


def test_unlock_ends_a_lock_out_and_set_password_changes_it(sqlite_engine):
    _add(sqlite_engine)
    for _ in range(5):
        _refusal(sqlite_engine)
    with session_scope(sqlite_engine) as session:
        [view] = service.list_users(session, OPERATOR)
        assert view.locked and view.locked_until is not None and not view.disabled
        service.set_password(session, _admin(), "zhang.wei", "a new password 2")
    assert _refusal(sqlite_engine, password=PASSWORD) == "wrong user name or password"
    assert _sign_in(sqlite_engine, password="a new password 2").username == "zhang.wei"
    me = _sign_in(sqlite_engine, password="a new password 2")
    with session_scope(sqlite_engine) as session:  # one's own password, without MANAGE_USERS
        service.set_password(session, me, "zhang.wei", "my own password 3")
        with pytest.raises(ForbiddenError):
            service.set_password(session, me, "admin", "my own password 3")
    assert _sign_in(sqlite_engine, password="my own password 3").username == "zhang.wei"


def test_principal_of_an_unknown_name_is_refused(sqlite_engine):
    with session_scope(sqlite_engine) as session, pytest.raises(AuthenticationError, match="sign in again"):
        service.principal_of(session, "nobody")


# --------------------------------------------------------------------------- laws


@settings(max_examples=30, deadline=None)
@given(password=st.text(min_size=10, max_size=40).filter(lambda p: p.strip()), extra=st.text(min_size=1, max_size=3))
def test_a_hash_verifies_its_password_and_no_other(password, extra):
    hashed = CHEAP.hash(password)
    assert service._verify(hashed, password)
    assert not service._verify(hashed, password + extra)
    assert not service._verify("not a hash", password)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attempts=st.lists(st.booleans(), max_size=14))
def test_the_lock_out_follows_its_rule(sqlite_engine, attempts):
    """A model of the rule: each wrong password counts; the fifth in a row locks; while locked everything is refused
    and nothing counts; a right password (not locked) resets the count. The clock stands still."""
    name = f"user.{next(_names)}"
    _add(sqlite_engine, name)
    failures, locked = 0, False
    for right in attempts:
        try:
            _sign_in(sqlite_engine, name, PASSWORD if right else "wrong password")
            succeeded = True
        except AuthenticationError:
            succeeded = False
        assert succeeded == (right and not locked)
        if locked:
            continue
        if right:
            failures = 0
        else:
            failures += 1
            locked = failures == service.MAX_FAILURES


# --------------------------------------------------------------------------- the demo's accounts


def test_the_demo_accounts_one_per_role_idempotent(sqlite_engine):
    from jiuzhu.registry import service as registry

    with session_scope(sqlite_engine) as session:
        registry.ensure_area(session, "500111119S01")
        registry.ensure_area(session, "500111001S02")
        session.execute(registry.m.Household.__table__.insert(), [  # the worker gets the village with most households
            dict(household_no="500111001S02-000001", area_code="500111001S02", urban=False),
            dict(household_no="500111119S01-000001", area_code="500111119S01", urban=False),
            dict(household_no="500111119S01-000002", area_code="500111119S01", urban=False)])
        first = service.ensure_demo_accounts(session, district="500111")
    assert {a.role for a in first} == set(Role)
    by_role = {a.role: a for a in first}
    assert by_role[Role.COMMUNITY_WORKER].area_code == "500111119S01"
    assert by_role[Role.TOWNSHIP_APPROVER].area_code == "500111119"
    assert by_role[Role.DISTRICT_OFFICER].area_code == by_role[Role.ADMINISTRATOR].area_code == "500111"
    for account in first:
        assert _sign_in(sqlite_engine, account.username, account.password).role == account.role
    _refusal(sqlite_engine, "demo.worker")
    with session_scope(sqlite_engine) as session:
        service.set_password(session, OPERATOR, "demo.officer", "changed by hand 1")
        assert service.ensure_demo_accounts(session, district="500111") == first
        assert len(service.list_users(session, OPERATOR)) == 6
    assert _sign_in(sqlite_engine, "demo.officer", "demo-district_officer-2026").username == "demo.officer"
