"""Accounts: create them, sign in, lock and unlock, the principal of a signed-in person.

Passwords are kept as argon2id hashes (``HASHER``: RFC 9106's second recommended option, 64 MiB, 3 passes, 4
lanes; hashes made with weaker parameters are renewed at the next sign-in). Sign-in gives one message for an
unknown name and a wrong password (nobody learns which names exist); ``MAX_FAILURES`` wrong passwords in a row
lock the account for ``LOCKOUT`` (the message says until when), and a locked account is refused before its
password is looked at, so guessing goes no faster. Every sign-in, failure and lock-out is a row of the audit log.

Each account is bound to one area (``area_code``: a district, township or village inside the installation's
jurisdiction) and sees what lies inside it (``access.Principal``). 个人信息保护法 art. 51: access control and
records of processing; the bureau decides who holds which role.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jiuzhu import clock
from jiuzhu.access import Permission, Principal, Role, role_title
from jiuzhu.accounts.models import User
from jiuzhu.audit import service as audit
from jiuzhu.errors import AuthenticationError, ConflictError, JiuzhuError, NotFoundError
from jiuzhu.i18n import N_, t
from jiuzhu.registry import areas
from jiuzhu.registry import service as registry
from jiuzhu.registry.models import Household

HASHER = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)
MAX_FAILURES = 5  # wrong passwords in a row before the account is locked
LOCKOUT = dt.timedelta(minutes=15)
USERNAME = re.compile(r"[a-z0-9._-]{3,32}")
MIN_PASSWORD = 10
MIN_DISTINCT = 5  # "1111111111" and "aaaaabbbbb" are refused
MAX_PASSWORD = 256  # argon2 takes any length; a cap keeps a request from making the server hash megabytes


@dataclass(frozen=True)
class UserView:
    username: str
    display_name: str
    role: Role
    area_code: str
    area_name: str
    locked: bool  # locked by an administrator, or locked out after failed sign-ins until ``locked_until``
    failed_attempts: int
    created_at: dt.datetime
    last_sign_in: dt.datetime | None
    locked_until: dt.datetime | None = None
    disabled: bool = False  # locked by an administrator
    role_title: str = ""
    bound: bool = False  # bound to an identity at the bureau's OpenID Connect provider (``forget_identity`` unbinds)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: Role
    area_code: str


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _utc(at: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives back times without their zone; they were stored in UTC."""
    return at if at is None or at.tzinfo is not None else at.replace(tzinfo=dt.timezone.utc)


# --------------------------------------------------------------------------- checks of what a person types


def check_username(username: str) -> str:
    """The name as stored: lower case, 3 to 32 of a-z 0-9 . _ -."""
    name = (username or "").strip().lower()
    if not USERNAME.fullmatch(name):
        raise JiuzhuError(t(BAD_USERNAME, name=username), field="username")
    return name


def check_password(password: str, *, username: str = "") -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise JiuzhuError(t(SHORT_PASSWORD, chars=MIN_PASSWORD), field="password")
    if len(password) > MAX_PASSWORD:
        raise JiuzhuError(t(LONG_PASSWORD, chars=MAX_PASSWORD), field="password")
    if username and password.strip().lower() == username.lower():
        raise JiuzhuError(t(PASSWORD_IS_NAME), field="password")
    if len(set(password)) < MIN_DISTINCT or (username and username.lower() in password.lower()):
        raise JiuzhuError(t(WEAK_PASSWORD, distinct=MIN_DISTINCT), field="password")
    return password


# The level of area each role works at (社会救助暂行办法 art. 4 and 11: 乡镇 accept and review, 县级 decide; 村/社区
# help): the length of the code — a village/community 12 digits, a township 9, a district (or above) 6. Auditors and
# administrators may serve a township of their own.
ROLE_AREA_LENGTHS = {Role.COMMUNITY_WORKER: (12, 9), Role.TOWNSHIP_CASEWORKER: (9,), Role.TOWNSHIP_APPROVER: (9,),
                     Role.DISTRICT_OFFICER: (6,), Role.AUDITOR: (6, 9), Role.ADMINISTRATOR: (6, 9)}
AREA_LEVEL_WORDS = {12: N_("a village or community"), 9: N_("a township"), 6: N_("a district")}


def check_role_area(role: Role, code: str) -> None:
    """Refuse an area of another level than the role works at (a district officer bound to a village, a community
    worker to the whole district): the account would see too little or far too much."""
    lengths = ROLE_AREA_LENGTHS[role]
    if len(code) not in lengths:
        levels = t(" or ").join(t(AREA_LEVEL_WORDS[n]) for n in lengths)
        raise JiuzhuError(t(WRONG_LEVEL, role=role_title(role), levels=levels, code=code), field="area_code")


def check_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        roles = "、".join(f"{r.value}（{role_title(r)}）" for r in Role)
        raise JiuzhuError(t(BAD_ROLE, role=role, roles=roles), field="role") from None


def check_area(area_code: str) -> str:
    """An official district or township inside the jurisdiction, or a village under an official township."""
    code = (area_code or "").strip().upper()
    areas.check_code(code, "area_code")
    try:
        return areas.check_in_jurisdiction(code)
    except ValueError as exc:
        raise JiuzhuError(str(exc), field="area_code") from None


BAD_USERNAME = N_("user name '{name}': use 3 to 32 characters of a-z, 0-9, '.', '_' and '-' (e.g. zhang.wei)")
SHORT_PASSWORD = N_("the password is too short: use at least {chars} characters")
WEAK_PASSWORD = N_("the password is too easy to guess: use at least {distinct} different characters, and not the "
                   "user name")
WRONG_LEVEL = N_("the role {role} is bound to {levels}: area {code} is not one")
LONG_PASSWORD = N_("the password is too long: use at most {chars} characters")
PASSWORD_IS_NAME = N_("the password must not be the user name")
BAD_ROLE = N_("unknown role '{role}': use one of {roles}")


# --------------------------------------------------------------------------- accounts


def add_user(session: Session, *, username: str, password: str, role: Role | str, area_code: str,
             display_name: str, actor: str, principal: Principal | None = None) -> UserView:
    """Create an account. ``principal`` (the web's administrator): must hold MANAGE_USERS over ``area_code``;
    None for the CLI's operator, who holds the database."""
    name = check_username(username)
    check_password(password, username=name)
    checked_role, code = check_role(role), check_area(area_code)
    check_role_area(checked_role, code)
    if principal is not None:
        principal.require(Permission.MANAGE_USERS)
        principal.require_area(code)
    if _find(session, name) is not None:
        raise ConflictError(t(USER_EXISTS, name=name), field="username")
    shown = (display_name or "").strip()[:60] or name
    user = User(username=name, display_name=shown, role=checked_role.value, area_code=code,
                password_hash=HASHER.hash(password), failed_attempts=0, disabled=False, created_at=now(),
                created_by=actor[:60], password_changed_at=now())
    session.add(user)
    session.flush()
    audit.append(session, actor=actor, action="user_add", subject=name, area_code=code,
                 detail={"role": checked_role.value})
    return _view(session, user)


USER_EXISTS = N_("a user named {name} already exists")


def list_users(session: Session, principal: Principal) -> list[UserView]:
    """The accounts of the principal's area (MANAGE_USERS), by name."""
    principal.require(Permission.MANAGE_USERS)
    users = session.scalars(select(User).where(principal.area_clause(User.area_code)).order_by(User.username))
    return [_view(session, u) for u in users]


def get_user(session: Session, principal: Principal, username: str) -> UserView:
    return _view(session, _managed(session, principal, username))


def lock_user(session: Session, principal: Principal, username: str) -> UserView:
    """Lock an account until an administrator unlocks it (someone left, a password was shared …)."""
    if (username or "").strip().lower() == principal.username:
        raise JiuzhuError(t(OWN_ACCOUNT), field="username")
    user = _managed(session, principal, username)
    user.disabled = True
    session.flush()
    audit.append(session, actor=principal.username, action="user_lock", subject=user.username,
                 area_code=user.area_code)
    return _view(session, user)


def unlock_user(session: Session, principal: Principal, username: str) -> UserView:
    """Unlock an account: the administrator's lock and a lock-out after failed sign-ins both end."""
    user = _managed(session, principal, username)
    user.disabled, user.locked_until, user.failed_attempts = False, None, 0
    session.flush()
    audit.append(session, actor=principal.username, action="user_unlock", subject=user.username,
                 area_code=user.area_code)
    return _view(session, user)


def set_password(session: Session, principal: Principal, username: str, password: str) -> UserView:
    """A new password: the person's own, or set by an administrator of the account's area. Ends a lock-out."""
    own = principal.username == check_username(username)
    user = _find(session, check_username(username)) if own else _managed(session, principal, username)
    if user is None:
        raise NotFoundError(t(NO_USER, name=username), field="username")
    check_password(password, username=user.username)
    user.password_hash = HASHER.hash(password)
    user.password_changed_at, user.failed_attempts, user.locked_until = now(), 0, None
    session.flush()
    audit.append(session, actor=principal.username, action="password_set", subject=user.username,
                 area_code=user.area_code)
    return _view(session, user)


OWN_ACCOUNT = N_("you cannot lock your own account")
NO_USER = N_("there is no user named {name}")


def _find(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def _managed(session: Session, principal: Principal, username: str) -> User:
    """The account, if the principal may manage it; an account outside its area is "not found" (reveals
    nothing)."""
    principal.require(Permission.MANAGE_USERS)
    user = _find(session, (username or "").strip().lower())
    if user is None or not principal.covers(user.area_code):
        raise NotFoundError(t(NO_USER, name=username), field="username")
    return user


def _view(session: Session, user: User) -> UserView:
    locked_until = _utc(user.locked_until)
    out = locked_until if locked_until is not None and locked_until > now() else None
    role = Role(user.role)
    return UserView(username=user.username, display_name=user.display_name, role=role, area_code=user.area_code,
                    area_name=registry.area_name(session, user.area_code), locked=user.disabled or out is not None,
                    failed_attempts=user.failed_attempts, created_at=_utc(user.created_at),
                    last_sign_in=_utc(user.last_sign_in), locked_until=out, disabled=user.disabled,
                    role_title=role_title(role), bound=user.oidc_subject is not None)


# --------------------------------------------------------------------------- signing in


def authenticate(session: Session, username: str, password: str) -> Principal:
    """The principal of a person who gave the right name and password; else ``AuthenticationError``.

    A failure is committed before it is raised (the failed count, the lock-out and their audit rows must outlast
    the caller's rollback of the request): the only place a service commits, and the session goes on usable."""
    name = (username or "").strip().lower()
    user = _find(session, name) if USERNAME.fullmatch(name) else None
    if user is None:
        _verify(_dummy_hash(HASHER), password)
        _unknown_name(session, name[:60] or "-")
    locked_until = _utc(user.locked_until)
    if locked_until is not None and locked_until > now():
        _fail(session, user.username, user.area_code, _locked_out(locked_until), action="sign_in_refused")
    if not _verify(user.password_hash, password):
        _wrong_password(session, user)
    if user.disabled:
        _fail(session, user.username, user.area_code, t(DISABLED), action="sign_in_refused")
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    user.failed_attempts, user.locked_until, user.last_sign_in = 0, None, now()
    session.flush()
    audit.append(session, actor=user.username, action="sign_in", subject=user.username, area_code=user.area_code)
    return _principal(user)


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of a password nobody has: an unknown name costs the same time as a wrong password (no timing
    oracle telling which names exist)."""
    return hasher.hash("jiuzhu: no such account")


def _verify(stored: str, password: str) -> bool:
    try:
        return HASHER.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return False


def _wrong_password(session: Session, user: User) -> None:
    user.failed_attempts += 1
    if user.failed_attempts < MAX_FAILURES:
        _fail(session, user.username, user.area_code, t(BAD_CREDENTIALS),
              detail={"failed_attempts": user.failed_attempts})
    until = now() + LOCKOUT
    user.failed_attempts, user.locked_until = 0, until
    _fail(session, user.username, user.area_code, _locked_out(until), action="locked_out",
          detail={"failed_attempts": MAX_FAILURES, "until": until.isoformat(timespec="seconds")})


def _unknown_name(session: Session, name: str) -> None:
    """Refuse a name no account has exactly as an account's wrong password would be refused — the same message,
    the same lock-out after ``MAX_FAILURES`` in a row, until the same time — so that nobody learns which names exist
    by trying. The failures are counted from the audit log's rows about the name (it has no account to count on)."""
    seen = audit.recent(session, subject=name, actions=("sign_in_failed", "locked_out"), since=now() - LOCKOUT)
    locks = [at for at, action in seen if action == "locked_out"]
    if locks:
        _fail(session, name, None, _locked_out(locks[-1] + LOCKOUT), action="sign_in_refused")
    failures = sum(1 for _, action in seen if action == "sign_in_failed")
    if failures + 1 < MAX_FAILURES:
        _fail(session, name, None, t(BAD_CREDENTIALS), detail={"failed_attempts": failures + 1})
    until = now() + LOCKOUT
    _fail(session, name, None, _locked_out(until), action="locked_out",
          detail={"failed_attempts": MAX_FAILURES, "until": until.isoformat(timespec="seconds")})


def _fail(session: Session, subject: str, area_code: str | None, message: str, *, action: str = "sign_in_failed",
          detail: dict | None = None) -> None:
    session.flush()
    audit.append(session, actor=subject, action=action, subject=subject, area_code=area_code, detail=detail)
    session.commit()
    raise AuthenticationError(message, field="password" if action == "sign_in_failed" else "username")


def _locked_out(until: dt.datetime) -> str:
    return t(LOCKED_OUT, failures=MAX_FAILURES, until=clock.local_text(until))  # the bureau's time, saying so


BAD_CREDENTIALS = N_("wrong user name or password")
LOCKED_OUT = N_("this account is locked after {failures} wrong passwords in a row, until {until}; try again then, "
                "or ask an administrator to unlock it")
DISABLED = N_("this account is locked by an administrator; ask an administrator to unlock it")
SESSION_ENDED = N_("you are not signed in (or the account was locked meanwhile): sign in again")


# --------------------------------------------------------------------------- signing in through an identity provider


@dataclass(frozen=True)
class Identity:
    """A person the bureau's OpenID Connect provider vouched for, in an ID token whose signature, issuer, audience,
    expiry and nonce the face verified: the issuer and the provider's permanent id of the person (``sub``), and the
    user name its ``claim`` gave (None when it gave none). ``provider``: its name, for messages."""

    issuer: str
    subject: str
    username: str | None
    claim: str = "preferred_username"
    provider: str = ""


def sign_in_identity(session: Session, identity: Identity) -> Principal:
    """The principal of the account ``identity`` signs in to; else ``AuthenticationError``, committed first as a
    row of the audit log (as ``authenticate`` does).

    The provider only says who the person is; the account — its role and area — is Jiuzhu's, made beforehand by an
    administrator. The account bound to the identity (issuer + subject) is the one; an identity bound to none
    takes the account its user name claim names and is bound to it, unless that account is bound to another
    identity already. So a name renamed or reused at the provider later cannot sign in to another person's
    account. A locked account (by an administrator, or locked out after wrong passwords) is refused as it is to
    a password. The password's failure count is not touched: it counts guesses of the password."""
    user = session.scalars(select(User).where(User.oidc_issuer == identity.issuer,
                                              User.oidc_subject == identity.subject)).one_or_none()
    newly_bound = user is None
    if user is None:
        user = _claimed_account(session, identity)
    locked_until = _utc(user.locked_until)
    if locked_until is not None and locked_until > now():
        _refuse_identity(session, identity, user, _locked_out(locked_until), "locked_out", action="sign_in_refused")
    if user.disabled:
        _refuse_identity(session, identity, user, t(DISABLED), "disabled", action="sign_in_refused")
    if newly_bound:
        user.oidc_issuer, user.oidc_subject = identity.issuer, identity.subject
    user.last_sign_in = now()
    session.flush()
    audit.append(session, actor=user.username, action="sign_in", subject=user.username, area_code=user.area_code,
                 detail={"method": "oidc", "issuer": identity.issuer, "sub": identity.subject,
                         "bound": newly_bound})
    return _principal(user)


def _claimed_account(session: Session, identity: Identity) -> User:
    """The unbound account the identity's user name claim names."""
    claimed = (identity.username or "").strip().lower()
    if not claimed:
        _refuse_identity(session, identity, None, t(NO_NAME_CLAIM, provider=identity.provider, claim=identity.claim),
                         "no_username")
    user = _find(session, claimed) if USERNAME.fullmatch(claimed) else None
    if user is None:
        _refuse_identity(session, identity, None, t(NO_ACCOUNT, provider=identity.provider, name=claimed[:60]),
                         "no_account", name=claimed)
    if user.oidc_subject is not None:
        _refuse_identity(session, identity, user, t(BOUND_ELSEWHERE, provider=identity.provider,
                                                    name=user.username), "bound_elsewhere")
    return user


def _refuse_identity(session: Session, identity: Identity, user: User | None, message: str, reason: str, *,
                     action: str = "sign_in_failed", name: str | None = None) -> None:
    subject = user.username if user is not None else (name or identity.username or "-")
    record_failed_sign_in(session, subject=subject, area_code=user.area_code if user is not None else None,
                          action=action, detail={"method": "oidc", "reason": reason, "issuer": identity.issuer,
                                                 "sub": identity.subject})
    session.commit()
    raise AuthenticationError(message)


def record_failed_sign_in(session: Session, *, subject: str, detail: dict, area_code: str | None = None,
                          action: str = "sign_in_failed") -> None:
    """A row of the audit log for a sign-in that failed before any account was found (the provider refused, the
    answer could not be verified …): the caller commits it and refuses."""
    audit.append(session, actor=subject[:60] or "-", action=action, subject=subject[:60] or "-", area_code=area_code,
                 detail=detail)


def forget_identity(session: Session, principal: Principal, username: str) -> UserView:
    """Unbind an account from its identity at the provider (the person's identity there was recreated, or the
    account was bound to the wrong person): the next identity whose user name claim names it is bound to it. An
    account bound to none is refused (``ConflictError``): the administrator meant another account, or it was
    unbound already — nothing is written."""
    user = _managed(session, principal, username)
    if user.oidc_subject is None:
        raise ConflictError(t(NOT_BOUND, name=user.username), field="username")
    detail = {"issuer": user.oidc_issuer, "sub": user.oidc_subject}
    user.oidc_issuer = user.oidc_subject = None
    session.flush()
    audit.append(session, actor=principal.username, action="user_unbind", subject=user.username,
                 area_code=user.area_code, detail=detail)
    return _view(session, user)


NO_NAME_CLAIM = N_("{provider} gave no user name (claim {claim}) for this person, and no account is bound to them: "
                   "ask the administrator to check JIUZHU_OIDC_USERNAME_CLAIM")
NO_ACCOUNT = N_("{provider} signed you in as {name}, but Jiuzhu has no account of that name: ask an administrator "
                "to create it")
NOT_BOUND = N_("the account {name} is not bound to anyone at the identity provider: there is nothing to unbind")
BOUND_ELSEWHERE = N_("the account {name} is bound to another person at {provider}: ask an administrator to check "
                     "it (and to unbind it if the person's identity there was made anew)")


def principal_of(session: Session, username: str, signed_in_at: float | None = None) -> Principal:
    """The principal of a signed-in person (each request with a session cookie): ``AuthenticationError`` if the
    account no longer exists or is locked (an administrator's lock takes effect at the next request), or, given
    when the session was signed in (``signed_in_at``, seconds since the epoch), if the account signed out or
    changed its password since."""
    # The columns it needs, not the account as an object: this runs at every request.
    user = session.execute(select(User.username, User.role, User.area_code, User.disabled, User.locked_until,
                                  User.signed_out_at, User.password_changed_at)
                           .where(User.username == (username or "").strip().lower())).one_or_none()
    if user is None or user.disabled:
        raise AuthenticationError(t(SESSION_ENDED))
    locked_until = _utc(user.locked_until)
    if locked_until is not None and locked_until > now():
        raise AuthenticationError(t(SESSION_ENDED))
    if signed_in_at is not None:
        for ended in (_utc(user.signed_out_at), _utc(user.password_changed_at)):
            if ended is not None and signed_in_at <= ended.timestamp():
                raise AuthenticationError(t(SESSION_ENDED))
    return _principal(user)


def end_sessions(session: Session, principal: Principal) -> None:
    """Sign ``principal`` out everywhere: every session cookie signed in until now is refused from now on."""
    user = _find(session, principal.username)
    if user is not None:
        user.signed_out_at = now()
        session.flush()


def _principal(user) -> Principal:
    """``user``: an account, or a row with its username, role and area_code."""
    return Principal(user.username, Role(user.role), user.area_code, (areas.prefix(user.area_code),))


# --------------------------------------------------------------------------- the demo's accounts

# One account per role, for the demo district only: the passwords are published (docs/security.md, the demo's
# output), so they must never exist in a real installation.
DEMO_NAMES = {
    Role.COMMUNITY_WORKER: "demo.worker",
    Role.TOWNSHIP_CASEWORKER: "demo.caseworker",
    Role.TOWNSHIP_APPROVER: "demo.approver",
    Role.DISTRICT_OFFICER: "demo.officer",
    Role.AUDITOR: "demo.auditor",
    Role.ADMINISTRATOR: "demo.admin",
}


def demo_password(role: Role) -> str:
    return f"demo-{role.value}-2026"


def ensure_demo_accounts(session: Session, *, district: str) -> list[DemoAccount]:
    """One account per role for the demo ``district``: the community worker bound to a village of the registry's
    households there, the township's roles to its township, the others to the district. Idempotent: an account
    that exists is brought back to its role, area and published password, and unlocked."""
    code = check_area(district)
    # The village with the most households (the first by code among equals): the community worker's demo shows a
    # worklist with people on it, not a village of one household.
    village = session.scalar(select(Household.area_code).where(
        Household.area_code.startswith(areas.prefix(code), autoescape=True), func.length(Household.area_code) > 9)
        .group_by(Household.area_code).order_by(func.count().desc(), Household.area_code).limit(1))
    township = village[:9] if village else areas.townships_of(code)[0].code
    places = {Role.COMMUNITY_WORKER: village or township, Role.TOWNSHIP_CASEWORKER: township,
              Role.TOWNSHIP_APPROVER: township}
    out = []
    for role, name in DEMO_NAMES.items():
        account = DemoAccount(name, demo_password(role), role, places.get(role, code))
        _ensure(session, account)
        out.append(account)
    return out


def _ensure(session: Session, account: DemoAccount) -> None:
    user = _find(session, account.username)
    if user is None:
        add_user(session, username=account.username, password=account.password, role=account.role,
                 area_code=account.area_code, display_name=t(DEMO_DISPLAY, role=role_title(account.role)),
                 actor="demo")
        return
    if not _verify(user.password_hash, account.password):
        user.password_hash = HASHER.hash(account.password)
    user.role, user.area_code = account.role.value, account.area_code
    user.disabled, user.locked_until, user.failed_attempts = False, None, 0
    session.flush()


DEMO_DISPLAY = N_("demo {role}")
