"""The machinery of a signed, expiring, one-use link sent to a resident (consent's 授权核对, casework's 申请救助).

The token is ``itsdangerous.URLSafeTimedSerializer`` over the link's row id and a nonce, signed with the key of the
link's purpose (``keys.secret``): it cannot be forged nor edited, and it carries its own time. Only its SHA-256 is
stored, so a copy of the database gives nobody a usable link. The row (any table with the columns ``id``,
``expires_at``, ``failed_checks``, ``used_at``, ``locked_at``, ``revoked_at``) says whether it may still be used;
``MAX_FAILED_CHECKS`` wrong identity checks in a row lock it. The identity check is the last ``ID_CHECK_CHARS``
characters of the resident's ID number.

Each capability keeps its own table (``LinkColumns`` gives it the columns of the link's life) and says "used" in
its own words; the refusals and the identity check's answers common to both are here (``LINK_MESSAGES``,
``check_failed``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import unicodedata

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from jiuzhu import keys
from jiuzhu.i18n import N_, t

MAX_FAILED_CHECKS = 5
ID_CHECK_CHARS = 6  # the last characters of the resident's ID number, asked on the phone page
# The last 6 characters of a 居民身份证号码: 5 digits and a digit or the check character X (GB 11643-1999).
CHECK_SHAPE = re.compile(r"^[0-9]{5}[0-9X]$")


LINK_MESSAGES = {  # "used" is each capability's own (what was done through it)
    "tampered": N_("this link is not valid: check that it was copied whole, or ask the office for a new one"),
    "expired": N_("this link has expired: ask the office for a new one"),
    "locked": N_("this link is locked after too many wrong identity checks: ask the office for a new one"),
    "revoked": N_("this link was replaced by a newer one: use the latest link the office sent"),
}
BAD_HOURS = N_("a link lasts 1 to {most} hours, not {hours}")
WRONG_ID = N_("the last {chars} characters of the ID number do not match: {left} attempts left")
LOCKED_NOW = N_("the last {chars} characters of the ID number do not match: the link is now locked; ask the office "
                "for a new one")
BAD_CHECK = N_("enter the last {chars} characters of the ID number: digits, the last one may be X (this try is "
               "not counted)")


class LinkColumns:
    """The columns of a link's life, for a capability's table of links (its own key to what the link is for):
    only the token's SHA-256; who made it, when; expiry; first opened; wrong checks in a row and the lock; used;
    revoked by a newer link."""

    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(60))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    failed_checks: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Refused(Exception):
    """A token or link that cannot be used; ``code`` says why (tampered, expired, revoked, used, locked)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def identity_check_text(value: str) -> str | None:
    """What the resident typed, as it is compared: full-width characters (a phone's Chinese keyboard) made
    half-width, spaces removed, upper case; ``None`` when it is not the shape of the last 6 characters of an ID
    number (blank, too short, letters …) — a typing slip, answered with the format and never counted toward the
    lock, which is for wrong numbers of the right shape."""
    text = "".join(unicodedata.normalize("NFKC", value or "").split()).upper()
    return text if CHECK_SHAPE.match(text) else None


def matches(check: str, id_number: str | None) -> bool:
    """Whether ``check`` (from ``identity_check_text``) is the end of ``id_number``, compared in constant time."""
    return bool(id_number) and hmac.compare_digest(check.encode(), id_number[-ID_CHECK_CHARS:].upper().encode())


def serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(keys.secret(purpose), salt=purpose)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def placeholder() -> str:
    """A unique stand-in for the token's hash while the row gets its id (the token signs the id)."""
    return secrets.token_hex(32)


def new_token(purpose: str, link_id: int) -> str:
    return serializer(purpose).dumps({"l": link_id, "n": secrets.token_urlsafe(8)})


def link_id(purpose: str, token: str, *, max_hours: int) -> int:
    """The row id a token names; ``Refused`` (expired, tampered) when its signature is too old or not ours."""
    try:
        data = serializer(purpose).loads(token, max_age=max_hours * 3600)
    except SignatureExpired:
        raise Refused("expired") from None
    except BadSignature:
        raise Refused("tampered") from None
    if not isinstance(data, dict) or not isinstance(data.get("l"), int):
        raise Refused("tampered")
    return data["l"]


def utc(at: dt.datetime) -> dt.datetime:
    """SQLite gives back naive datetimes: they were stored in UTC."""
    return at.replace(tzinfo=dt.timezone.utc) if at.tzinfo is None else at


def refusal(link, *, at: dt.datetime) -> str | None:
    """Why the row ``link`` cannot be used at ``at`` (revoked, used, locked, expired), or ``None``."""
    for code, when in (("revoked", link.revoked_at), ("used", link.used_at), ("locked", link.locked_at)):
        if when is not None:
            return code
    if utc(link.expires_at) <= at:
        return "expired"
    return None


def count_failure(link, *, at: dt.datetime) -> int:
    """One more wrong identity check on ``link``: the attempts left, the link locked (``locked_at``) at none."""
    link.failed_checks += 1
    left = MAX_FAILED_CHECKS - link.failed_checks
    if left <= 0:
        link.locked_at = at
    return max(left, 0)


def check_failed(left: int) -> str:
    """The answer to a wrong identity check: the attempts left, or that the link is now locked."""
    return t(LOCKED_NOW, chars=ID_CHECK_CHARS) if left <= 0 else t(WRONG_ID, chars=ID_CHECK_CHARS, left=left)
