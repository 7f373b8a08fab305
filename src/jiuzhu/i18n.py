"""Languages: Chinese first, English on request — one catalogue for the CLI, the API and the pages.

Messages are written in English in the code, as gettext ``msgid``\\ s, and translated through the
catalogues ``locale/zh/*.po`` (one file per capability, merged at first use; Babel reads and compiles
them, no build step). The language is a context variable: a face sets it once per command or request
(``use_language``), everything below it translates with ``t``::

    raise NotFoundError(t("household {household_no} is not in the registry", household_no=no))

``t`` formats after translating, so a translation may reorder the fields. A message without a
translation falls back to English; ``tests/test_i18n.py`` keeps the catalogues complete (every
message the code passes to ``t`` has a Chinese text) and the fields of each translation equal to
its message's.

    LANGUAGES       ("zh", "en"); zh is the default (JIUZHU_LANG changes the default)
    check_language(lang, option)   the one check of a language a user names (--lang, JIUZHU_LANG, an API call)
    t(msgid, **f)   the message in the current language, fields filled in
    N_(msgid)       marks a message for the catalogue where it is defined, to be translated later by t
    language()      the current language
    month_text(m)   a month as people write it in the current language (2025年8月)
    count_text(n)   a count as people read it (12,345; unknown: 未知)
"""

from __future__ import annotations

import contextlib
import gettext
import io
import os
from collections.abc import Iterator
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("zh", "en")
SETTING = "JIUZHU_LANG"
LOCALE_DIR = Path(__file__).parent / "locale"

_current: ContextVar[str | None] = ContextVar("jiuzhu_language", default=None)


def default_language() -> str:
    code = _setting_code(os.environ.get(SETTING, "zh"))
    return code if code in LANGUAGES else "zh"


def _setting_code(raw: str) -> str:
    """The language a setting names: its first two letters (``en_US.UTF-8`` is English, as in ``LANG``)."""
    return raw.strip().lower()[:2]


def language() -> str:
    return _current.get() or default_language()


def set_language(lang: str) -> None:
    """Set the language of this context (a CLI command sets it once for its whole run)."""
    _current.set(check_language(lang))


@contextlib.contextmanager
def use_language(lang: str) -> Iterator[None]:
    token = _current.set(check_language(lang))
    try:
        yield
    finally:
        _current.reset(token)


def check_language(lang: str, option: str | None = None) -> str:
    """``lang`` if Jiuzhu speaks it, else one line saying which to use — the one check of a language, for
    ``--lang``, ``JIUZHU_LANG`` and API callers. ``option`` names where the language came from (``--lang``,
    ``JIUZHU_LANG``); the setting is read as ``default_language`` reads it (its first two letters) and is refused
    as a wrong setting (ConfigurationError: exit code 3), an option as a refused input (exit code 2)."""
    from jiuzhu.errors import ConfigurationError, JiuzhuError

    code = _setting_code(lang) if option == SETTING else lang
    if code in LANGUAGES:
        return code
    if option is None:
        raise JiuzhuError(t("unknown language {lang}: use zh (中文) or en (English)", lang=lang))
    error = ConfigurationError if option == SETTING else JiuzhuError
    raise error(t("{option}: unknown language '{value}'; use zh (中文) or en (English)", option=option, value=lang))


@lru_cache(maxsize=None)
def _translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of ``lang``: every ``locale/<lang>/*.po`` merged, compiled in memory by Babel."""
    folder = LOCALE_DIR / lang
    files = sorted(folder.glob("*.po")) if folder.is_dir() else []
    if not files:
        return gettext.NullTranslations()
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    merged = Catalog(locale=lang, domain="jiuzhu")
    for path in files:
        with path.open("rb") as f:
            for message in read_po(f, locale=lang):
                if message.id and message.string:
                    merged.add(message.id, message.string)
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translate(msgid: str, lang: str | None = None) -> str:
    """The text of ``msgid`` in ``lang`` (default: the current language); English when not translated."""
    lang = lang or language()
    if lang == "en":
        return msgid
    return _translations(lang).gettext(msgid)


def t(msgid: str, /, **fields) -> str:
    """``msgid`` translated into the current language, then ``str.format``-ed with ``fields``."""
    text = translate(msgid)
    return text.format(**fields) if fields else text


def month_text(month: str) -> str:
    """A month as people write it: ``2025-08`` → ``2025年8月`` in Chinese; unchanged in English."""
    if language() == "zh" and len(month) == 7 and month[4] == "-" and month[:4].isdigit() and month[5:].isdigit():
        return f"{int(month[:4])}年{int(month[5:])}月"
    return month


def count_text(n: int | None) -> str:
    """A count as people read it: thousands separated (``12,345``), or "unknown" (未知) when it is not known."""
    return t("unknown") if n is None else f"{n:,}"


def N_(msgid: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark ``msgid`` for the catalogue without translating it now (e.g. in a table defined at import)."""
    return msgid
