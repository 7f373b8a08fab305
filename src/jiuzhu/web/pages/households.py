"""对象查询 and 一户一档: the query form on top, the households found below (共 N 条, pages), and one household's
page with its tabs — members, facts (masked), history (newest first), and the evaluation of every programme,
condition by condition, citing the law. 查看完整 (identifiers in full) asks for a reason and is offered only to
roles that may (``Permission.UNMASK``); the service checks it again and records it in the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from jiuzhu import paging
from jiuzhu.access import Permission
from jiuzhu.clock import today
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import N_, language
from jiuzhu.months import month_of, previous_months
from jiuzhu.registry import search
from jiuzhu.registry.codes import Programme
from jiuzhu.web import glue, household_view
from jiuzhu.web.frame import FormText, Page, csrf_checked, menu
from jiuzhu.web.pages import consent as consent_page
from jiuzhu.web.pages import verifications as verifications_page
from jiuzhu.web.render import partial, render

router = APIRouter()
MenuPage = Annotated[Page, Depends(menu("households"))]  # signed in, and the role may use the page
PER_PAGE = 20
TABS = [("members", N_("Members")), ("facts", N_("Facts")), ("history", N_("History")),
        ("evaluation", N_("Evaluation")), ("consents", N_("Authorization")), ("verifications", N_("Verification"))]
TAB_PERMISSIONS = {"evaluation": Permission.EVALUATE, "verifications": Permission.READ_VERIFICATION}
SEARCH_FIELDS = ("name", "household_no", "id_number", "area", "programme")


@router.get("/households", name="households")
def households(request: Request, page: MenuPage, session: glue.Db,
               name: str | None = None, household_no: str | None = None, id_number: str | None = None,
               area: str | None = None, programme: str | None = None, p: int = 1):
    query = {k: v.strip() for k, v in {"name": name, "household_no": household_no, "id_number": id_number,
                                       "area": area, "programme": programme}.items() if v and v.strip()}
    error, found = None, None
    try:
        found = search.find_households(session, page.principal, **query, page=max(p, 1), per_page=PER_PAGE)
    except JiuzhuError as exc:  # a query the service refuses is shown beside the form, not as an error page
        error = exc
    context = dict(query=query, found=found, error=error, areas=_areas(session, page),
                   programmes=[(x.value, x.words()) for x in Programme], pages=_pages(found),
                   programme_words={x.value: x.words() for x in Programme})
    if partial(request) and request.headers.get("HX-Target") == "results":
        return render(request, "households/_results.html", **context)
    return render(request, "households/search.html", **context)


def _areas(session: Session, page: Page) -> list[dict]:
    """The areas to choose from: the account's own and the townships and villages inside it."""
    return [a for a in search.list_areas(session, page.principal) if a["households"]]


def _pages(found) -> list[int]:
    return paging.pager(found.page, found.total, found.per_page) if found is not None else []


@router.get("/households/{household_no}", name="household")
def household(request: Request, household_no: str, page: MenuPage,
              session: glue.Db, tab: str = "members", month: str | None = None):
    return _household(request, page, session, household_no, tab=tab, month=month)


@router.post("/households/{household_no}/unmask", name="household_unmask", dependencies=[Depends(csrf_checked)])
def household_unmask(request: Request, household_no: str, page: MenuPage,
                     session: glue.Db, reason: FormText = "", tab: FormText = "members"):
    """查看完整: the same page with the identifiers in full, for a role that may, with the reason recorded."""
    return _household(request, page, session, household_no, tab=tab, unmask=True, reason=reason)


def _household(request: Request, page: Page, session: Session, household_no: str, *, tab: str,
               month: str | None = None, unmask: bool = False, reason: str | None = None,
               extra: dict | None = None):
    tab = tab if tab in dict(TABS) else "members"
    unmask_error = None
    try:
        doc = search.read_household_for(session, page.principal, household_no, unmask=unmask, reason=reason)
    except JiuzhuError as exc:
        if not unmask or exc.field != "reason":
            raise
        unmask, unmask_error = False, exc  # no reason given: the masked page, the message beside the form
        doc = search.read_household_for(session, page.principal, household_no)
    tabs = [(key, label) for key, label in TABS if key not in TAB_PERMISSIONS or page.can(TAB_PERMISSIONS[key])]
    context = dict(doc=doc, household_no=household_no, tab=tab, tabs=tabs, unmasked=unmask,
                   unmask_error=unmask_error, can_unmask=page.can(Permission.UNMASK))
    if tab == "members" or tab == "facts":
        context.update(household_facts=household_view.household_rows(doc),
                       member_lines=household_view.member_lines(doc),
                       household_sections=household_view.household_sections(doc),
                       members=household_view.member_rows(doc))
    elif tab == "history":
        context.update(changes=household_view.change_rows(
            search.read_history_for(session, page.principal, household_no, unmask=unmask, reason=reason)))
    elif tab == "evaluation":
        month = month or default_month(session, page, doc)
        context.update(month=month, months=[*previous_months(month, 11), month][::-1],
                       evaluation=evaluate(session, page, household_no, month))
    elif tab == "consents":  # 授权: who must sign, the records, what the role may do (web.pages.consent)
        context.update(consent_page.tab_context(session, page, household_no), **(extra or {}))
    elif tab == "verifications":  # 核对: the household's verifications and 发起核对 (web.pages.verifications)
        context.update(verifications_page.tab_context(session, page, household_no), **(extra or {}))
    if partial(request) and request.headers.get("HX-Target") == "tab-panel":
        return render(request, f"households/_{tab}.html", **context)
    return render(request, "households/show.html", **context)


show = _household  # the page of a tab after a form of its own (web.pages.consent: the 授权 tab's actions)


def default_month(session: Session, page: Page, doc: dict) -> str:
    """The month to evaluate first: the latest month whose incomes the registry holds for the household (a
    later month's incomes would be unknown), else the month of the latest scan of the area (the month the lists
    speak of), else last month."""
    from jiuzhu.discovery.dashboard import latest_run

    months = [i["month"] for member in doc.get("members", []) for i in member.get("incomes") or []]
    if months:
        return max(months)
    run = latest_run(session, page.principal)
    return run.month if run is not None else previous_months(month_of(today()), 1)[0]


def evaluate(session: Session, page: Page, household_no: str, month: str) -> dict:
    """Every programme's result for ``month``, condition by condition (``rules.explain``, the CLI's evaluate)."""
    from jiuzhu.months import check_month
    from jiuzhu.rules.explain import evaluate as explain

    check_month(month)
    page.principal.require(Permission.EVALUATE)
    doc = search.household_for(session, page.principal, household_no, purpose="evaluate")
    return explain([doc], month, lang=language())[0]  # masked: the read is logged masked
