"""Settings, read from the environment once.

``JIUZHU_DATABASE_URL``  SQLAlchemy URL; default: an SQLite file in ``JIUZHU_HOME``.
``JIUZHU_HOME``          folder for local files (database, Parquet snapshots); default ``./var``.
``JIUZHU_ACTOR``         who is acting, recorded in the change and access logs; default the OS user.
``JIUZHU_JURISDICTION``  the area this installation serves (an official district or city code, comma-separated
                         for several); records of areas outside it are refused. Default ``500000`` (重庆市).
``JIUZHU_LANG``          the default language of messages and tables: ``zh`` (default) or ``en``.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    actor: str
    jurisdiction: tuple[str, ...] = ("500000",)


def get_settings() -> Settings:
    home = Path(os.environ.get("JIUZHU_HOME", "var")).resolve()
    url = os.environ.get("JIUZHU_DATABASE_URL") or f"sqlite:///{home / 'jiuzhu.db'}"
    actor = os.environ.get("JIUZHU_ACTOR") or _os_user()
    return Settings(home=home, database_url=url, actor=actor, jurisdiction=jurisdiction())


def jurisdiction() -> tuple[str, ...]:
    """The official codes of the areas this installation serves (``JIUZHU_JURISDICTION``)."""
    raw = os.environ.get("JIUZHU_JURISDICTION", "500000")
    return tuple(code.strip() for code in raw.split(",") if code.strip()) or ("500000",)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "unknown"
