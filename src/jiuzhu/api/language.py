"""The language of each request: ``?lang=zh|en``, else the ``jiuzhu_lang`` cookie (the pages' switch), else the
installation's default (``JIUZHU_LANG``, Chinese unless set).

The browser's ``Accept-Language`` is not followed: the bureau's pages are Chinese first, whatever language the
machine's browser was installed in; English is a choice the user makes. A middleware sets the language for
everything the request runs (``jiuzhu.i18n``'s context variable), so services' messages come out in it; the
response says which (``Content-Language``).
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from jiuzhu.i18n import LANGUAGES, default_language, use_language

COOKIE = "jiuzhu_lang"
SCOPE_KEY = "jiuzhu.language"


def chosen(scope: dict) -> str:
    """The language of a request (computed once, kept in its scope)."""
    if SCOPE_KEY not in scope:
        scope[SCOPE_KEY] = _pick(scope)
    return scope[SCOPE_KEY]


def asked(scope: dict) -> str | None:
    """The ``lang`` query parameter as given, if any (``deps.language`` refuses one Jiuzhu does not speak)."""
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang")
    return values[0] if values else None


def _pick(scope: dict) -> str:
    query = asked(scope)
    if query in LANGUAGES:
        return query
    cookie = _cookie(scope)
    if cookie in LANGUAGES:
        return cookie
    return default_language()


def _cookie(scope: dict) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie header chooses nothing
                return None
            if COOKIE in jar:
                return jar[COOKIE].value
    return None


class LanguageMiddleware:
    """Runs the rest of the application in the request's language; adds ``Content-Language``."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        lang = chosen(scope)

        async def send_with_language(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"content-language", lang.encode()))
                message = {**message, "headers": headers}
            await send(message)

        with use_language(lang):
            await self.app(scope, receive, send_with_language)
