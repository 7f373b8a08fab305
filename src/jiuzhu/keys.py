"""The installation's secret, and the keys derived from it, one per purpose.

``JIUZHU_SECRET_KEY`` if set (an installation with several servers sets the same value on each), else the file
``<home>/secret.key``: 32 random bytes written once, in hexadecimal, readable by its owner only (mode 0600).
Each purpose gets its own key, HMAC-SHA256(secret, purpose), so that a key that leaks from one use (a session
cookie's signature) says nothing about another (the audit chain's). Purposes: "session" (the web's signed cookie),
"audit" (the audit log's hash chain), "csrf", "consent-link" (the signed links sent to members for their
authorization, ``consent.links``), "consent-receipt" (receipts' pages and MACs, ``consent.receipts``).

Losing the secret signs everybody out and makes the audit chain unverifiable: back the file up with the
database (docs/security.md).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from jiuzhu.config import get_settings
from jiuzhu.errors import ConfigurationError
from jiuzhu.i18n import t

SETTING = "JIUZHU_SECRET_KEY"
FILE_NAME = "secret.key"
MIN_SECRET_CHARS = 32  # a value set by hand must hold at least 128 bits if it is hexadecimal


def secret(purpose: str) -> bytes:
    """The key for ``purpose``, derived from the installation's secret (HMAC-SHA256)."""
    return hmac.new(installation_secret(), purpose.encode("utf-8"), hashlib.sha256).digest()


def installation_secret() -> bytes:
    """The installation's secret: ``JIUZHU_SECRET_KEY``, else ``<home>/secret.key`` (created on first use)."""
    raw = os.environ.get(SETTING, "").strip()
    if raw:
        if len(raw) < MIN_SECRET_CHARS:
            raise ConfigurationError(t("{setting} is too short: give at least {chars} characters (e.g. the output "
                                       "of: python -c \"import secrets; print(secrets.token_hex(32))\")",
                                       setting=SETTING, chars=MIN_SECRET_CHARS))
        return raw.encode("utf-8")
    return _file_secret(get_settings(strict=False).home / FILE_NAME)


def _file_secret(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return _create(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(t("cannot read the secret key file {path}: {cause}", path=path, cause=exc)) from None
    if len(text) < MIN_SECRET_CHARS:
        raise ConfigurationError(t("the secret key file {path} is damaged (too short); restore it from a backup",
                                   path=path))
    return text.encode("ascii")


def _create(path: Path) -> bytes:
    """Write a new secret, mode 0600 from the start (never readable by others, not even for a moment), under a
    temporary name, then link it in place: a reader never sees a half-written file, and if another process
    created it first, theirs is the one."""
    value = secrets.token_hex(32)
    temporary = path.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(value + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            return _file_secret(path)
    except OSError as exc:
        raise ConfigurationError(t("cannot create the secret key file {path}: {cause}", path=path,
                                   cause=exc)) from None
    finally:
        temporary.unlink(missing_ok=True)
    return value.encode("ascii")
