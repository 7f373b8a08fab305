"""What every page shares: the signed-in person, the navigation the role may use, the CSRF token, the language.

    signed_in       (a dependency) the page's ``Page``: the principal (B1's session), its navigation, the token;
                    AuthenticationError when nobody is signed in (the error edge sends the browser to 登录)
    csrf_checked    (a dependency of every form's handler) the form field ``csrf_token`` or the header
                    ``X-CSRF-Token`` (htmx sends it from ``hx-headers`` on <body>) equals the session's token
    NAV             the menu: each item shown only when the role has its permission (the services refuse anyway)
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Form, Request

from jiuzhu.access import Permission, Principal
from jiuzhu.errors import ForbiddenError
from jiuzhu.i18n import N_, language, t
from jiuzhu.web import glue

CSRF_FIELD = "csrf_token"
FormText = Annotated[str, Form()]  # a text field of a posted form
FormList = Annotated[list[str] | None, Form()]  # a field a form repeats (none: None)
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class NavItem:
    key: str
    path: str
    label: str
    permission: Permission


NAV = [
    NavItem("dashboard", "/", N_("Dashboard"), Permission.DASHBOARD),
    NavItem("households", "/households", N_("Household search"), Permission.READ_REGISTRY),
    NavItem("applications", "/applications/new", N_("Applications"), Permission.APPLY),
    NavItem("cases", "/cases", N_("Review and approval"), Permission.READ_CASES),
    NavItem("payroll", "/payroll", N_("Payments"), Permission.READ_PAYMENTS),
    NavItem("imports", "/imports", N_("Ledger import"), Permission.WRITE_REGISTRY),
    NavItem("verifications", "/verifications", N_("Verification management"), Permission.READ_VERIFICATION),
    NavItem("discovery", "/discovery", N_("Outreach"), Permission.READ_WORKLISTS),
    NavItem("whatif", "/whatif", N_("Policy what-if"), Permission.WHATIF),
    NavItem("audit", "/audit", N_("Audit log"), Permission.READ_AUDIT),
    NavItem("users", "/users", N_("Users"), Permission.MANAGE_USERS),
]


@dataclass
class Page:
    principal: Principal | None
    display_name: str
    area_name: str
    csrf: str
    lang: str
    nav: list[NavItem] = field(default_factory=list)
    active: str = ""

    def can(self, permission: Permission) -> bool:
        return self.principal is not None and self.principal.can(permission)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (a signed-out visitor's sign-in form carries one too)."""
    token = glue.csrf_of(request)
    if not token:
        token = secrets.token_urlsafe(32)
        glue.keep_csrf(request, token)
    return token


def anonymous_page(request: Request) -> Page:
    page = Page(principal=None, display_name="", area_name="", csrf=csrf_token(request),
                lang=language())
    request.state.page = page
    return page


def signed_in(request: Request, session: glue.Db) -> Page:
    """The page of the signed-in person (``AuthenticationError`` when none: the edge sends the browser to 登录)."""
    principal = glue.principal(request, session)
    display_name, area = glue.describe(session, principal)
    page = Page(principal=principal, display_name=display_name, area_name=area, csrf=csrf_token(request),
                lang=language(),
                nav=[item for item in NAV if principal.can(item.permission)])
    request.state.page = page
    return page


def menu(key: str):
    """A dependency: the signed-in page with ``key``'s menu item marked, refused (403) when the role may not
    use it."""
    item = next(i for i in NAV if i.key == key)

    def dependency(page: Annotated[Page, Depends(signed_in)]) -> Page:
        page.active = key
        page.principal.require(item.permission)
        return page

    return dependency


async def csrf_checked(request: Request) -> None:
    """Refuse a form whose token is not the session's (a page of another site cannot post in the user's name)."""
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = (await request.form()).get(CSRF_FIELD)
    expected = glue.csrf_of(request)
    if not expected or not isinstance(sent, str) or not secrets.compare_digest(sent, expected):
        raise ForbiddenError(t("the form has expired or did not come from this site: reload the page and try again"),
                             field=CSRF_FIELD)
