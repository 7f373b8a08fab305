"""Settings, read from the environment at each call (a command reads them once, at its start).

``JIUZHU_HOME``          the folder of Jiuzhu's own files: the SQLite database, snapshots, scans, reports, logs.
                         Default: the operating system's data folder for applications
                         (``platformdirs.user_data_dir("jiuzhu")``: ``~/.local/share/jiuzhu`` on Linux), never
                         a folder relative to where the command happens to run. A relative value is taken
                         from the current folder once and used as an absolute path.
``JIUZHU_DATABASE_URL``  SQLAlchemy URL; default: the SQLite file ``jiuzhu.db`` in ``JIUZHU_HOME``.
``JIUZHU_ACTOR``         who is acting, recorded in the change and access logs; default the OS user.
``JIUZHU_JURISDICTION``  the area this installation serves (an official province, city or district code — 6
                         digits — or a township's 9, comma-separated for several); records of areas outside it
                         are refused, and so is a command's --area. Default ``500000`` (重庆市). A value that is not
                         such a code is refused when read (``ConfigurationError``: one line naming the setting).
``JIUZHU_LANG``          the language of messages and tables: ``zh`` (default) or ``en``; ``--lang`` overrides it.

Sign-in through the bureau's OpenID Connect identity provider (统一身份认证), off unless set (``oidc_settings``;
docs/security.md). The first three turn it on together; one without the others is refused at start:
``JIUZHU_OIDC_ISSUER``         the provider's issuer URL (https); its discovery document:
                               ``<issuer>/.well-known/openid-configuration``
``JIUZHU_OIDC_CLIENT_ID``      Jiuzhu's client id at the provider
``JIUZHU_OIDC_CLIENT_SECRET``  its client secret
``JIUZHU_OIDC_USERNAME_CLAIM`` the claim that holds the Jiuzhu user name; default ``preferred_username``
``JIUZHU_OIDC_NAME``           the provider's name on the sign-in button; default 统一身份认证
``JIUZHU_OIDC_REDIRECT_URI``   the callback address registered at the provider; default: this server's
                               ``/api/v1/session/oidc/callback`` as the browser reached it
"""

from __future__ import annotations

import getpass
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

SQLITE_PREFIX = "sqlite:///"


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    actor: str
    jurisdiction: tuple[str, ...] = ("500000",)

    @property
    def log_dir(self) -> Path:
        """Where the details of internal errors are written (never on screen)."""
        return self.home / "logs"

    @property
    def sqlite_file(self) -> Path | None:
        """The database file when the database is an SQLite file, else None."""
        return sqlite_file(self.database_url)

    @property
    def database_url_shown(self) -> str:
        """The database URL as it may be printed: without the password."""
        return shown_url(self.database_url)


def default_home() -> Path:
    """The operating system's folder for an application's data (XDG on Linux)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("jiuzhu", appauthor=False))


def get_settings(*, strict: bool = True) -> Settings:
    """The settings; ``strict=False`` (the error edge, writing its log) never refuses a bad jurisdiction."""
    raw_home = os.environ.get("JIUZHU_HOME", "").strip()
    home = Path(raw_home).expanduser().absolute() if raw_home else default_home()
    url = os.environ.get("JIUZHU_DATABASE_URL", "").strip() or f"{SQLITE_PREFIX}{home / 'jiuzhu.db'}"
    actor = os.environ.get("JIUZHU_ACTOR") or _os_user()
    return Settings(home=home, database_url=url, actor=actor, jurisdiction=jurisdiction(strict=strict))


JURISDICTION_CODE = re.compile(r"\d{6}|\d{9}")


def jurisdiction(*, strict: bool = True) -> tuple[str, ...]:
    """The official codes of the areas this installation serves (``JIUZHU_JURISDICTION``); a value that is not a
    list of official codes is a ``ConfigurationError`` naming the setting (``strict=False``: kept as written)."""
    raw = os.environ.get("JIUZHU_JURISDICTION", "500000")
    codes = tuple(code.strip() for code in raw.split(",") if code.strip()) or ("500000",)
    if strict:
        for code in codes:
            _check_jurisdiction(code, raw)
    return codes


def _check_jurisdiction(code: str, raw: str) -> None:
    # The form only: whether a code is an official area is the registry's to say (``registry.areas``, which reads
    # the division table), and it refuses the setting with the same line when it reads it.
    if not JURISDICTION_CODE.fullmatch(code):
        raise bad_jurisdiction(raw, code)


def bad_jurisdiction(raw: str, code: str):
    """The one line refusing ``JIUZHU_JURISDICTION``: a ``ConfigurationError`` naming the setting."""
    from jiuzhu.errors import ConfigurationError
    from jiuzhu.i18n import t

    return ConfigurationError(t(
        "JIUZHU_JURISDICTION='{value}': {code} is not an official area code; give the province, city or "
        "district this installation serves (6 digits, e.g. 500000 for 重庆市 or 500111 for 大足区; several "
        "separated by commas)", value=raw, code=code))


@dataclass(frozen=True)
class OidcSettings:
    """Where and as whom Jiuzhu signs people in through an OpenID Connect provider (``oidc_settings``)."""

    issuer: str
    client_id: str
    client_secret: str = ""
    username_claim: str = "preferred_username"
    name: str = ""  # shown on the button ("" → the words for 统一身份认证)
    redirect_uri: str = ""  # "" → derived from the request

    def __repr__(self) -> str:  # never the secret, in a log or a traceback
        return f"OidcSettings(issuer={self.issuer!r}, client_id={self.client_id!r})"


OIDC_REQUIRED = ("JIUZHU_OIDC_ISSUER", "JIUZHU_OIDC_CLIENT_ID", "JIUZHU_OIDC_CLIENT_SECRET")
OIDC_OPTIONAL = ("JIUZHU_OIDC_USERNAME_CLAIM", "JIUZHU_OIDC_NAME", "JIUZHU_OIDC_REDIRECT_URI")
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def oidc_settings() -> OidcSettings | None:
    """The identity provider's settings, or None when none is set (sign-in by password only). A partial set — an
    issuer without a client id, a secret without an issuer, a username claim alone … — or an address that is not an
    https URL (http only on this machine's loopback, for tests) is a ``ConfigurationError`` naming the setting."""
    from jiuzhu.errors import ConfigurationError
    from jiuzhu.i18n import t

    raw = {name: os.environ.get(name, "").strip() for name in (*OIDC_REQUIRED, *OIDC_OPTIONAL)}
    if not any(raw.values()):
        return None
    for name in OIDC_REQUIRED:
        if not raw[name]:
            given = next(n for n in (*OIDC_REQUIRED, *OIDC_OPTIONAL) if raw[n])
            raise ConfigurationError(t(
                "{setting} is not set, but {given} is: sign-in through the identity provider needs {required} "
                "(or none of them)", setting=name, given=given, required="、".join(OIDC_REQUIRED)))
    issuer, redirect = raw["JIUZHU_OIDC_ISSUER"], raw["JIUZHU_OIDC_REDIRECT_URI"]
    if not _secure_url(issuer):
        raise ConfigurationError(t("JIUZHU_OIDC_ISSUER='{value}': give the identity provider's https:// address "
                                   "(its issuer, e.g. https://sso.example.gov.cn/realms/mzj)", value=issuer))
    if redirect and not _secure_url(redirect):
        raise ConfigurationError(t("JIUZHU_OIDC_REDIRECT_URI='{value}': give the https:// address of Jiuzhu's "
                                   "callback as registered at the provider (https://…/api/v1/session/oidc/callback)",
                                   value=redirect))
    return OidcSettings(issuer=issuer, client_id=raw["JIUZHU_OIDC_CLIENT_ID"],
                        client_secret=raw["JIUZHU_OIDC_CLIENT_SECRET"],
                        username_claim=raw["JIUZHU_OIDC_USERNAME_CLAIM"] or "preferred_username",
                        name=raw["JIUZHU_OIDC_NAME"][:40], redirect_uri=redirect)


def _secure_url(value: str) -> bool:
    """An absolute https URL without query or fragment; http only to this machine's loopback (a test's provider):
    the client secret and the ID token travel over it."""
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return False
    return bool(host) and not parts.query and not parts.fragment and (
        parts.scheme == "https" or (parts.scheme == "http" and host in LOOPBACK))


def sqlite_file(url: str) -> Path | None:
    if not url.startswith(SQLITE_PREFIX) or url.startswith(f"{SQLITE_PREFIX}:memory:"):
        return None
    return Path(url.removeprefix(SQLITE_PREFIX).split("?", 1)[0])


def shown_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (the text as given when it does not parse)."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is reported as such elsewhere; never print a password from it
        return url.split("@", 1)[-1] if "@" in url else url


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "unknown"
