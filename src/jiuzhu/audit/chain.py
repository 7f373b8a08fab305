"""The hash chain's arithmetic, pure (no database): the canonical text of a row and its keyed hash.

Each row's ``hash`` = HMAC-SHA256(key, canonical JSON of seq, at, actor, action, subject, area_code, unmasked,
reason, detail, prev_hash), hexadecimal; ``prev_hash`` is the row before's ``hash`` (``GENESIS`` for the first).
The key (``keys.secret("audit")``) is not in the database: somebody who can write the database but not read the
key file cannot forge a row, nor mend the chain after editing, deleting or reordering rows. The head's ``mac``
signs the last seq and hash the same way, so that cutting off the tail (and moving the head back) shows too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any

GENESIS = "0" * 64  # the prev_hash of the first row


def utc_text(at: dt.datetime) -> str:
    """A time as it is hashed: UTC, microseconds, ISO 8601 (SQLite gives back UTC times without their zone)."""
    at = at.replace(tzinfo=dt.timezone.utc) if at.tzinfo is None else at.astimezone(dt.timezone.utc)
    return at.isoformat(timespec="microseconds")


def canonical(*, seq: int, at: dt.datetime, actor: str, action: str, subject: str, area_code: str | None,
              unmasked: bool, reason: str | None, detail: str | None, prev_hash: str) -> bytes:
    """The bytes a row's hash covers: every field, in a fixed order, as JSON (sorted keys, no spaces)."""
    fields: dict[str, Any] = dict(seq=int(seq), at=utc_text(at), actor=actor, action=action, subject=subject,
                                  area_code=area_code, unmasked=bool(unmasked), reason=reason, detail=detail,
                                  prev_hash=prev_hash)
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def row_hash(key: bytes, **fields: Any) -> str:
    """HMAC-SHA256 of ``canonical(**fields)``, hexadecimal."""
    return hmac.new(key, canonical(**fields), hashlib.sha256).hexdigest()


def head_mac(key: bytes, seq: int, last_hash: str) -> str:
    """The head's signature over the last row's seq and hash."""
    return hmac.new(key, f"head:{int(seq)}:{last_hash}".encode("ascii"), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))
