"""Pages from Jinja2 templates, in the request's language, with the words and numbers written as staff read them.

Every text of a template goes through the one catalogue (``{{ t("English message") }}``, extracted by
tests/test_i18n.py like the code's); numbers, money, dates and months through the filters below (screens.md):

    money(fen)      1,234.56 元 (two decimals; "unknown" when unknown, never 0.00)
    yuan(text)      the same for an amount written in yuan in a document ("2090.00")
    month(m)        2025年8月 in Chinese
    day(d)          YYYY-MM-DD (a moment: its day in the bureau's time)
    when(t)         YYYY-MM-DD HH:MM（北京时间）: the bureau's time, saying so (``clock.local_text``; whatever zone
                    the server's machine is set to)
    count(n)        12,345
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from jiuzhu.access import role_title
from jiuzhu.clock import local, local_text
from jiuzhu.i18n import LANGUAGES, count_text, language, month_text, t
from jiuzhu.money import format_amount, format_yuan

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGE_COOKIE = "jiuzhu_lang"  # api.language.COOKIE
LANGUAGE_DAYS = 365


def money(fen: int | None) -> str:
    return t("{amount} yuan", amount=format_yuan(fen)) if fen is not None else format_yuan(None)


def yuan(text: str | None) -> str:
    return t("{amount} yuan", amount=format_amount(text)) if text not in (None, "") else format_yuan(None)


def day(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        return local(value).date().isoformat()
    return value.isoformat() if isinstance(value, dt.date) else str(value)[:10]


def month(value: str | None) -> str:
    return month_text(value) if value else ""


def programme_label(key: str) -> str:
    from jiuzhu.registry.codes import Programme

    try:
        return Programme(key).words()
    except ValueError:
        return key


def list_name(key: str) -> str:
    """应享未享 / 享而不应 (a scan's list, by its stored name)."""
    from jiuzhu.discovery.lists import LIST_LABELS, list_label

    return list_label(key) if key in LIST_LABELS else key


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(t=t, language=language, role_title=role_title, programme_label=programme_label,
                       list_name=list_name)
    env.filters.update(money=money, yuan=yuan, day=day, when=local_text, month=month, count=count_text)
    return env


ENVIRONMENT = _environment()


def render(request: Request, template: str, *, status_code: int = 200, **context) -> HTMLResponse:
    """The page ``template`` with ``context``, and what every page shows: the signed-in person, the navigation,
    the CSRF token and the language (``request.state.page``, set by ``frame.page``)."""
    page = getattr(request.state, "page", None)
    html = ENVIRONMENT.get_template(template).render(request=request, page=page, **context)
    response = HTMLResponse(html, status_code=status_code)
    remember_language(request, response)
    return response


def remember_language(request: Request, response) -> None:
    """A language chosen with ``?lang=`` (the switch in the top bar) is kept in a cookie for the next pages (the
    API's language middleware reads it)."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, asked, max_age=LANGUAGE_DAYS * 86400, samesite="lax", httponly=True)


def partial(request: Request) -> bool:
    """Whether htmx asked for a part of a page (``HX-Request``), not a whole page."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"
