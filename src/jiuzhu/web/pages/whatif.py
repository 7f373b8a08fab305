"""政策测算: pick parameters of the rules and new values, and the month; the what-if runs as a job over the
registry of the account's area and shows, per programme, the households eligible before and after, those newly
eligible and no longer eligible, and the monthly cost before and after (``jobs.kinds.submit_whatif``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from jiuzhu.clock import today
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import language
from jiuzhu.jobs import kinds
from jiuzhu.jobs import service as jobs
from jiuzhu.months import month_of, previous_months
from jiuzhu.registry import search
from jiuzhu.web import glue
from jiuzhu.web.frame import FormList, FormText, Page, csrf_checked, menu
from jiuzhu.web.pages.jobs import POLL_SECONDS
from jiuzhu.web.render import partial, render

router = APIRouter()
MenuPage = Annotated[Page, Depends(menu("whatif"))]  # signed in, and the role may use the page
CHANGES = 3  # rows of the form: parameter and value
RECENT = 5


@dataclass(frozen=True)
class Choice:
    name: str
    title: str
    value: str  # in force on the month's first day
    lowest: str
    highest: str


@lru_cache(maxsize=8)
def choices(month: str, lang: str) -> tuple[Choice, ...]:
    """Every parameter a what-if may change, with its value in ``month`` and the range it accepts."""
    from openfisca_core.parameters import Parameter, ParameterNode

    from jiuzhu.rules.system import rules
    from jiuzhu.rules.whatif import parameter_title, value_range

    root = rules().parameters
    at = root(f"{month}-01")
    found: list[Choice] = []

    def walk(node, prefix: str) -> None:
        for key, child in node.children.items():
            name = f"{prefix}{key}"
            if isinstance(child, ParameterNode):
                walk(child, f"{name}.")
            elif isinstance(child, Parameter):
                value = at
                for part in name.split("."):
                    value = value[part]
                lowest, highest = value_range(name, child)
                found.append(Choice(name, parameter_title(name, child), f"{value:g}" if isinstance(value, float)
                                    else str(value), f"{lowest:,}", f"{highest:,}"))

    walk(root, "")
    return tuple(sorted(found, key=lambda c: c.name))


def _month(session: Session, page: Page) -> str:
    """The month to compare first: the latest scan's of the area (the month the registry's figures speak of),
    else last month."""
    from jiuzhu.discovery.dashboard import latest_run

    run = latest_run(session, page.principal)
    return run.month if run is not None else previous_months(month_of(today()), 1)[0]


@router.get("/whatif", name="whatif")
def whatif(request: Request, page: MenuPage, session: glue.Db,
           month: str | None = None):
    return _page(request, page, session, month=month or _month(session, page))


def _page(request: Request, page: Page, session: Session, *, month: str, error: JiuzhuError | None = None,
          status_code: int = 200, sent: dict | None = None):
    from jiuzhu.months import check_month

    check_month(month)
    return render(request, "whatif/whatif.html", status_code=status_code, month=month, error=error,
                  months=[*previous_months(month_of(today()), 24), month_of(today())][::-1],
                  choices=choices(month, language()), rows=range(CHANGES), sent=sent or {},
                  areas=[a for a in search.list_areas(session, page.principal) if len(a["code"]) <= 9],
                  recent=jobs.list_jobs(session, page.principal, kind="whatif", limit=RECENT))


@router.post("/whatif", dependencies=[Depends(csrf_checked)])
def start(request: Request, page: MenuPage, session: glue.Db,
          month: FormText, area: FormText = "", parameter: FormList = None,
          value: FormList = None):
    changes = [f"{n.strip()}={v.strip()}" for n, v in zip(parameter or [], value or [], strict=False)
               if n.strip() and v.strip()]
    try:
        job = kinds.submit_whatif(session, page.principal, changes=changes, month=month.strip(),
                                  area=area.strip() or None)
    except JiuzhuError as exc:
        if partial(request):
            return render(request, "_error.html", status_code=400, message=exc.message)
        return _page(request, page, session, month=month, error=exc, status_code=400)
    if partial(request):
        return render(request, "jobs/_job.html", job=job, poll=POLL_SECONDS)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)
