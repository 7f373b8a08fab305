"""授权核对: the resident's phone pages (no sign-in) and the caseworker's actions of the household page's 授权 tab.

The resident (docs/consent.md "Faces"), on a link the office sent (``/c/<token>``, often as a QR code):
    GET  /c/{token}         who asks, for what, the notice (its version), what is looked up and where, validity;
                            the identity check (last 6 characters of the ID number) and 同意授权 / 不同意
    POST /c/{token}         the decision (``links.decide_by_link``): a wrong check is said beside the field, with the
                            attempts left; a decision goes to the receipt page
    GET  /c/r/{token}       the receipt (回执编号, the terms), and 撤回授权 while the authorization holds
    POST /c/r/{token}       the withdrawal, after the identity check again (``receipts.withdraw_by_receipt``)
A link that cannot be used (tampered, expired, used, replaced, locked, no longer waiting) is one clear page saying
what to do, never an error trace. The pages work at 375 px first; the forms carry the anonymous session's CSRF token.

The caseworker (``consent.manage``; the service checks it and the area again), from the household page's 授权 tab:
    POST /households/{no}/consents/request            ask every member who must authorize (发起授权)
    POST /households/{no}/consents/{record}/give      现场签署: given in person, the signed form's reference
    POST /households/{no}/consents/{record}/link      生成二维码: the tab again, showing the QR code and the link
    POST /households/{no}/consents/{record}/withdraw  撤回, with the reason
A refused action is said on the tab (nothing of it kept), not as an error page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from jiuzhu.access import Permission
from jiuzhu.consent import links, receipts, service, states
from jiuzhu.consent.links import LinkError
from jiuzhu.db import DatabaseBusy, session_scope
from jiuzhu.errors import AuthenticationError, ForbiddenError, JiuzhuError, NotFoundError
from jiuzhu.i18n import N_, language, t
from jiuzhu.web import glue
from jiuzhu.web.frame import FormText, Page, anonymous_page, csrf_checked, menu
from jiuzhu.web.render import render

router = APIRouter()
MenuPage = Annotated[Page, Depends(menu("households"))]


def write_db(request: Request) -> Iterator[Session]:
    """A writing transaction even for a GET: opening a link records that it was opened (and its audit row)."""
    with session_scope(request.app.state.engine) as session:
        yield session


WriteDb = Annotated[Session, Depends(write_db, scope="function")]

# What is looked up and who is asked, in the words of the notice (consent.notices: the codes the records keep)
CATEGORY_WORDS = {
    "identity_hukou": N_("household registration and identity"), "income": N_("wages and other income"),
    "social_insurance": N_("social insurance"), "pensions_benefits": N_("pensions and benefits"),
    "tax": N_("tax paid"), "financial_assets": N_("savings and other financial assets"),
    "insurance": N_("commercial insurance"), "securities": N_("stocks and funds"),
    "real_estate": N_("houses and land"), "vehicles": N_("vehicles"), "businesses": N_("registered businesses"),
    "provident_fund": N_("housing provident fund"), "disability": N_("disability certificate"),
    "medical_costs": N_("medical costs"), "marriage": N_("marriage"), "education": N_("schooling"),
    "death_funeral": N_("deaths and funerals"),
}
SOURCE_WORDS = {
    "public_security": N_("public security (police)"),
    "human_resources_social_security": N_("human resources and social security"),
    "medical_insurance": N_("medical insurance bureau"), "tax": N_("tax bureau"),
    "market_regulation": N_("market regulation"), "real_estate": N_("real estate registration"),
    "housing_provident_fund": N_("housing provident fund centre"),
    "disabled_persons_federation": N_("disabled persons' federation"), "civil_affairs": N_("civil affairs"),
    "education": N_("education bureau"), "banks": N_("banks"), "insurers": N_("insurance companies"),
    "securities_firms": N_("securities firms"),
}
PURPOSE_WORDS = {"application": N_("an application for social assistance"),
                 "review": N_("the periodic review of social assistance"),
                 "spot_check": N_("a spot check of social assistance")}
METHOD_WORDS = {"in_person": N_("signed in person"), "paper": N_("paper form"),
                "remote_link": N_("on the phone, by link")}
ROLE_WORDS = {"self": N_("the member personally"), "guardian": N_("guardian"), "proxy": N_("written proxy")}
ENTER_ID_CHECK = N_("enter the last {chars} characters of the ID number")
CHOOSE = N_("press one of the two buttons: I agree to authorize, or I do not agree")
CLOSED_TITLE = N_("This link cannot be used")
NO_RECEIPT_TITLE = N_("Receipt not found")


def words(table: dict[str, str], code: str) -> str:
    return t(table[code]) if code in table else code


def phone_globals() -> dict:
    return {"category_words": lambda c: words(CATEGORY_WORDS, c), "source_words": lambda c: words(SOURCE_WORDS, c),
            "purpose_words": lambda c: words(PURPOSE_WORDS, c), "purpose_title": states.purpose_title,
            "role_words": lambda c: words(ROLE_WORDS, c),
            "method_words": lambda c: words(METHOD_WORDS, c),
            "id_chars": links.ID_CHECK_CHARS}


def closed(request: Request, message: str, *, status_code: int, title: str = CLOSED_TITLE, done: bool = False,
           receipt_url: str | None = None):
    """The one page of a link or receipt that cannot be used; ``done``: the decision was made (said calmly, not as
    an error), with the way to its receipt when there is one."""
    anonymous_page(request)
    return render(request, "consent/closed.html", status_code=status_code, title=t(title), message=message,
                  done=done, receipt_url=receipt_url)


def _closed(request: Request, exc: LinkError):
    receipt = f"/c/r/{receipts.receipt_token(exc.receipt_no)}" if exc.receipt_no else None
    return closed(request, exc.message, status_code=404 if exc.code == "tampered" else 410,
                  done=exc.code in ("used", "decided"), receipt_url=receipt)


def _evidence(request: Request) -> dict:
    return {"ip": request.client.host if request.client else None,
            "user_agent": request.headers.get("user-agent", "")[:200]}


# --------------------------------------------------------------------------------------------- the resident


@router.get("/c/{token}", name="consent_link")
def link_page(request: Request, token: str, session: WriteDb):
    try:
        shown = links.open_link(session, token, language=language())
    except LinkError as exc:
        return _closed(request, exc)
    return _link_form(request, shown)


def _link_form(request: Request, shown, *, error: str | None = None, status_code: int = 200):
    anonymous_page(request)
    return render(request, "consent/link.html", status_code=status_code, shown=shown, token_path=request.url.path,
                  error=error, **phone_globals())


@router.post("/c/{token}", dependencies=[Depends(csrf_checked)])
def link_decide(request: Request, token: str, session: WriteDb, id_check: FormText = "",
                decision: FormText = ""):
    try:
        if not id_check.strip() or decision not in ("accept", "refuse"):  # not a wrong check: asked again
            message = CHOOSE if id_check.strip() else ENTER_ID_CHECK
            return _link_form(request, links.open_link(session, token, language=language()), status_code=400,
                              error=t(message, chars=links.ID_CHECK_CHARS))
        done = links.decide_by_link(session, token, accept=decision == "accept", identity_check=id_check,
                                    evidence=_evidence(request))
        if not done.decided:  # the count is kept (this transaction commits); locked at the limit
            if done.attempts_left <= 0:
                return closed(request, done.message, status_code=410)
            return _link_form(request, links.open_link(session, token, language=language()), error=done.message,
                              status_code=400)
    except LinkError as exc:
        return _closed(request, exc)
    return RedirectResponse(f"/c/r/{receipts.receipt_token(done.receipt_no)}?done=1", status_code=303)


@router.get("/c/r/{token}", name="consent_receipt")
def receipt_page(request: Request, token: str, session: glue.Db, done: int = 0):
    try:
        shown = receipts.receipt(session, token)
    except NotFoundError as exc:
        return closed(request, exc.message, status_code=404, title=NO_RECEIPT_TITLE)
    return _receipt(request, shown, done=bool(done))


def _receipt(request: Request, shown: dict, *, done: bool = False, error: str | None = None,
             status_code: int = 200):
    anonymous_page(request)
    stamp = shown["receipt"]["consent_timestamp"]
    return render(request, "consent/receipt.html", status_code=status_code, shown=shown, r=shown["receipt"],
                  status_title=states.status_title(shown["status"]), done=done, error=error,
                  decided_at=dt.datetime.fromisoformat(stamp) if stamp else None, **phone_globals())


@router.post("/c/r/{token}", dependencies=[Depends(csrf_checked)])
def receipt_withdraw(request: Request, token: str, session: glue.Db, id_check: FormText = "",
                     reason: FormText = ""):
    try:
        if not id_check.strip():
            return _receipt(request, receipts.receipt(session, token), status_code=400,
                            error=t(ENTER_ID_CHECK, chars=links.ID_CHECK_CHARS))
        done = receipts.withdraw_by_receipt(session, token, identity_check=id_check, reason=reason[:200],
                                            evidence=_evidence(request))
    except NotFoundError as exc:
        return closed(request, exc.message, status_code=404, title=NO_RECEIPT_TITLE)
    except JiuzhuError as exc:  # too many wrong checks today; or no longer given (already withdrawn, expired)
        session.rollback()
        return _receipt(request, receipts.receipt(session, token), status_code=409, error=exc.message)
    if not done.decided:
        return _receipt(request, receipts.receipt(session, token), status_code=400, error=done.message)
    return RedirectResponse(f"/c/r/{token}", status_code=303)


# --------------------------------------------------------------------------------------------- the caseworker


def tab_context(session: Session, page: Page, household_no: str) -> dict:
    """What the 授权 tab shows: who must sign for the purpose being worked on (the newest record's, else the
    application) and their state — 已撤回, 已拒绝, 已过期 stay said while a new request waits, with 待签署 beside
    them; 待签署 alone when nothing was decided yet —, every record with its purpose, what the role may do."""
    found = service.household_consents(session, page.principal, household_no, purpose=None)
    rows = [{"member": m, "waiting": m.waiting_record_id is not None and not m.valid,
             "undecided": m.state in ("missing", "guardian_missing")} for m in found.members]
    receipts_of = {r.record_id: f"/c/r/{receipts.receipt_token(r.receipt_no)}" for r in found.records if r.receipt_no}
    return {"consents": found, "member_rows": rows, "names": {r.record_id: r.person_name for r in found.records},
            "receipt_paths": receipts_of, "shown_purpose": states.purpose_title(found.purpose_kind, found.purpose_ref),
            "can_manage": page.can(Permission.CONSENT_MANAGE), "state_tags": STATE_TAGS,
            "to_request": any(not row["waiting"] and not row["member"].valid for row in rows), **phone_globals()}


# the colour of each state's tag (words always beside it: 未授权, 已授权 …)
STATE_TAGS = {"valid": "ok", "missing": "warn", "guardian_missing": "warn", "refused": "bad", "withdrawn": "bad",
              "expired": "plain"}


def _tab(request: Request, page: Page, session: Session, household_no: str, **extra):
    from jiuzhu.web.pages import households

    return households.show(request, page, session, household_no, tab="consents", extra=extra)


def _on_tab_or_raise(session: Session, exc: JiuzhuError) -> None:
    """A refusal about the record (its state, a missing reason …) is said on the tab, nothing of the action kept;
    not allowed, not found, not signed in or busy go on to the error edge (403, 404, 登录, 409 pages)."""
    if isinstance(exc, ForbiddenError | NotFoundError | AuthenticationError | DatabaseBusy):
        raise exc
    session.rollback()


def _act(request: Request, page: Page, session: Session, household_no: str, action) -> object:
    """Do ``action``; then the tab (after a redirect, so a reload does not repeat it), or the tab saying why not."""
    try:
        action()
    except JiuzhuError as exc:
        _on_tab_or_raise(session, exc)
        return _tab(request, page, session, household_no, consent_error=exc.message)
    return RedirectResponse(f"/households/{household_no}?tab=consents", status_code=303)


@router.post("/households/{household_no}/consents/request", dependencies=[Depends(csrf_checked)])
def request_all(request: Request, household_no: str, page: MenuPage, session: glue.Db,
                purpose_kind: FormText = "application", purpose_ref: FormText = ""):
    """发起授权: every member who must authorize the purpose the tab shows and has not; those it could not ask are
    said on the tab (the requests made are kept)."""
    try:
        _, skipped = service.request_required(session, page.principal, household_no=household_no,
                                              purpose=service.Purpose(purpose_kind, purpose_ref[:100]))
    except JiuzhuError as exc:
        _on_tab_or_raise(session, exc)
        return _tab(request, page, session, household_no, consent_error=exc.message)
    if skipped:
        return _tab(request, page, session, household_no, consent_error=t(NOT_ASKED, members="；".join(skipped)))
    return RedirectResponse(f"/households/{household_no}?tab=consents", status_code=303)


@router.post("/households/{household_no}/consents/{record_id}/give", dependencies=[Depends(csrf_checked)])
def give_in_person(request: Request, household_no: str, record_id: str, page: MenuPage, session: glue.Db,
                   form: FormText = "", witness: FormText = ""):
    evidence = {k: v.strip()[:200] for k, v in (("form", form), ("witness", witness)) if v.strip()}
    if "form" not in evidence:
        return _tab(request, page, session, household_no, consent_error=t(FORM_NEEDED), error_record=record_id)
    return _act(request, page, session, household_no,
                lambda: service.give(session, page.principal, record_id, method="in_person", evidence=evidence))


NOT_ASKED = N_("the others were asked; not asked: {members}")
FORM_NEEDED = N_("enter the reference of the signed form (its number or the scan's file name)")


@router.post("/households/{household_no}/consents/{record_id}/withdraw", dependencies=[Depends(csrf_checked)])
def withdraw(request: Request, household_no: str, record_id: str, page: MenuPage, session: glue.Db,
             reason: FormText = ""):
    return _act(request, page, session, household_no,
                lambda: service.withdraw(session, page.principal, record_id, reason=reason[:200]))


@router.post("/households/{household_no}/consents/{record_id}/link", dependencies=[Depends(csrf_checked)])
def make_link(request: Request, household_no: str, record_id: str, page: MenuPage, session: glue.Db):

    try:
        issued = links.issue_link(session, page.principal, record_id, base_url=str(request.base_url))
    except JiuzhuError as exc:
        _on_tab_or_raise(session, exc)
        return _tab(request, page, session, household_no, consent_error=exc.message)
    return _tab(request, page, session, household_no, issued=issued, qr=links.qr_svg(issued.url))
