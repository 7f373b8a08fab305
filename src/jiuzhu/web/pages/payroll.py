"""资金发放: the payrolls of the account's area, preparing one (a month, programme and area), its lines and totals,
approval by another person (maker-checker: the preparer is told they cannot approve their own), the bank files
(报盘: numbers in full, so only with the unmask permission and a reason — the service audits it), the bank's
return file (回盘), the failed lines to correct (a new account) and their re-issue, and closing. Thin: every call
is ``payroll.service`` (it checks the permission, the area and the state again); a refused input is shown beside
its field."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from jiuzhu import paging
from jiuzhu.access import ROLE_PERMISSIONS, Permission, role_title
from jiuzhu.api.errors import status_of
from jiuzhu.clock import today
from jiuzhu.errors import ForbiddenError, JiuzhuError, NotFoundError, RecordError
from jiuzhu.files import writable_folder
from jiuzhu.i18n import t
from jiuzhu.months import month_of, previous_months
from jiuzhu.payroll import accounts, export, service
from jiuzhu.payroll.banks import load as load_banks
from jiuzhu.payroll.service import KIND_TITLES, LINE_TITLES, STATUS_TITLES
from jiuzhu.registry.codes import Programme
from jiuzhu.web import glue
from jiuzhu.web.frame import FormText, Page, csrf_checked, menu
from jiuzhu.web.render import render

router = APIRouter()
MenuPage = Annotated[Page, Depends(menu("payroll"))]  # signed in, and the role may read payments
PER_PAGE = 50
MAX_FAILED_SHOWN = 500  # the failed lines listed to correct at once (a bank rarely fails more in one file)
MAX_RETURN_BYTES = 20 * 1024 * 1024  # as the API's
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_TAGS = {"prepared": "warn", "approved": "ok", "cancelled": "plain", "closing": "info", "closed": "plain"}
LINE_TAGS = {"pending": "info", "paid": "ok", "failed": "bad", "cancelled": "plain"}


def _folder(request: Request) -> Path:
    return request.app.state.settings.home / "payroll" / "files"  # where the API writes and reads them too


def _labels() -> dict:
    return dict(status_titles=STATUS_TITLES, status_tags=STATUS_TAGS, line_titles=LINE_TITLES, line_tags=LINE_TAGS,
                kind_titles=KIND_TITLES)


@router.get("/payroll", name="payroll")
def payrolls(request: Request, page: MenuPage, session: glue.Db, month: str = "", programme: str = "", p: int = 1):
    return _list_page(request, page, session, month=month.strip()[:7], programme=programme.strip()[:30], p=p)


def _list_page(request: Request, page: Page, session, *, month: str = "", programme: str = "",
               error: JiuzhuError | None = None, values: dict | None = None, status: int = 200, p: int = 1):
    found, query_error = [], None
    try:
        found = service.list_payrolls(session, page.principal, month=month or None, programme=programme or None)
    except JiuzhuError as exc:
        query_error = exc
    this = month_of(today())
    p = max(p, 1)
    shown = found[paging.first_row(p, PER_PAGE):paging.first_row(p, PER_PAGE) + PER_PAGE]
    return render(request, "payroll/list.html", status_code=status, payrolls=shown, total=len(found), page_no=p,
                  pages=paging.pager(p, len(found), PER_PAGE), query_error=query_error,
                  year=this[:4],
                  query={"month": month, "programme": programme}, error=error,
                  values=values or {"programme": "dibao", "area": page.principal.area_code or "", "month": this},
                  programmes=[(p, Programme(p).words()) for p in service.PAID_PROGRAMMES],
                  months=[*previous_months(this, 12), this][::-1], **_labels())


@router.post("/payroll", dependencies=[Depends(csrf_checked)])
def prepare(request: Request, page: MenuPage, session: glue.Db, programme: FormText = "", area: FormText = "",
            month: FormText = ""):
    values = {"programme": programme, "area": area.strip()[:12], "month": month.strip()[:7]}
    try:
        with session.begin_nested():
            made = service.prepare(session, page.principal, programme=programme, area=values["area"],
                                   month=values["month"])
    except JiuzhuError as exc:
        if isinstance(exc, ForbiddenError) and exc.field is None:
            raise
        return _list_page(request, page, session, error=exc, values=values, status=status_of(exc))
    return RedirectResponse(f"/payroll/{made.payroll_no}", status_code=303)


@router.get("/payroll/export")
def export_payrolls(request: Request, page: MenuPage, session: glue.Db, month: str = "", programme: str = ""):
    """导出Excel of the list as filtered (``payroll.export``: audited)."""
    return _xlsx(request, page, session, "payrolls", "资金发放名册.xlsx", month=month.strip()[:7] or None,
                 programme=programme.strip()[:30] or None)


@router.get("/payroll/totals/export")
def export_totals(request: Request, page: MenuPage, session: glue.Db, area: str = "", year: str = ""):
    """导出Excel of the totals by programme, township and month of the account's area (or a part of it)."""
    area = area.strip()[:12] or page.principal.area_code or ""
    if year.strip() and not year.strip().isdigit():
        raise JiuzhuError(t("year {year}: write it with four digits, e.g. 2025", year=year.strip()[:10]), field="year")
    return _xlsx(request, page, session, "totals", f"资金发放统计-{area}.xlsx", area=area,
                 year=int(year) if year.strip() else None)


@router.get("/payroll/{payroll_no}/export")
def export_lines(request: Request, payroll_no: str, page: MenuPage, session: glue.Db, status: str = ""):
    """导出Excel of a payroll's lines (numbers masked; an export of personal data, audited)."""
    return _xlsx(request, page, session, "lines", f"{payroll_no[:60]}.xlsx", payroll_no=payroll_no[:60],
                 status=status.strip()[:20] or None)


def _xlsx(request: Request, page: Page, session, what: str, name: str, **filters) -> FileResponse:
    folder = writable_folder(request.app.state.settings.home / "tmp" / f"payroll-{secrets.token_hex(8)}")
    try:
        export.write_xlsx(session, page.principal, what, folder / name, **filters)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(folder / name, media_type=XLSX, filename=name,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


def _unmaskers() -> str:
    """The roles that may write and download bank files (numbers in full), from the role table itself: the page's
    words follow the permissions, as the CLI's do (its operator holds every permission)."""
    return "、".join(role_title(r) for r, held in ROLE_PERMISSIONS.items()
                    if Permission.UNMASK in held and Permission.PREPARE_PAYROLL in held)


@router.get("/payroll/{payroll_no}", name="payroll_show")
def show(request: Request, payroll_no: str, page: MenuPage, session: glue.Db, status: str = "", p: int = 1):
    return _show_page(request, page, session, payroll_no[:60], status=status, p=p)


def _show_page(request: Request, page: Page, session, payroll_no: str, *, status: str = "", p: int = 1,
               action: str = "", error: JiuzhuError | None = None, values: dict | None = None, code: int = 200):
    p = max(p, 1)
    status = status if status in LINE_TITLES else ""
    # One page of lines read by the database (a district's payroll has 50,000), and the failed lines to correct.
    view = service.show(session, page.principal, payroll_no, status=status or None,
                        first=paging.first_row(p, PER_PAGE), most=PER_PAGE)
    lines = view.lines
    failed = []
    if view.counts.get("failed") and status in ("", "failed"):
        failed = (lines if status == "failed" else
                  service.show(session, page.principal, payroll_no, status="failed", most=MAX_FAILED_SHOWN).lines)
    by_status = view.amounts_fen if not status else {}
    banks = load_banks()
    return render(request, "payroll/show.html", status_code=code, payroll=view, lines=lines, failed=failed,
                  by_status=by_status, line_filter=status, page_no=p, pages=paging.pager(p, view.matching, PER_PAGE),
                  own=view.prepared_by == page.principal.username, failed_action=action, error=error,
                  role=role_title(page.principal.role) if page.principal.role else "", unmaskers=_unmaskers(),
                  values=values or {}, bank_name=lambda code: banks.name_of(code) or code,
                  default_bank=banks.default_bank,
                  # the banks that disburse first (their accounts need no branch nor 联行号), then the others
                  account_banks=[(c, b.name) for c, b in banks.banks.items()] + sorted(banks.others.items()),
                  **_labels())


def _done(payroll_no: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/payroll/{payroll_no}{anchor}", status_code=303)


def _refused(request: Request, page: Page, session, payroll_no: str, action: str, exc: JiuzhuError,
             values: dict | None = None):
    if isinstance(exc, NotFoundError) or (isinstance(exc, ForbiddenError) and exc.field is None
                                          and action not in ("approve", "close")):
        raise exc
    return _show_page(request, page, session, payroll_no, action=action, error=exc, values=values,
                      code=status_of(exc))


def _call(request: Request, page: Page, session, payroll_no: str, action: str, work, anchor: str = "",
          values: dict | None = None):
    """Run one service call in a savepoint (a refusal leaves nothing half-written); show the refusal beside the
    action's form, or go back to the payroll."""
    try:
        with session.begin_nested():
            result = work()
    except JiuzhuError as exc:
        return _refused(request, page, session, payroll_no, action, exc, values)
    return result if isinstance(result, Response) else _done(payroll_no, anchor)


@router.post("/payroll/{payroll_no}/approve", dependencies=[Depends(csrf_checked)])
def approve(request: Request, payroll_no: str, page: MenuPage, session: glue.Db):
    return _call(request, page, session, payroll_no[:60], "approve",
                 lambda: service.approve(session, page.principal, payroll_no[:60]))


@router.post("/payroll/{payroll_no}/adjustments", dependencies=[Depends(csrf_checked)])
def adjust(request: Request, payroll_no: str, page: MenuPage, session: glue.Db, household_no: FormText = "",
           service_month: FormText = "", amount: FormText = "", reason: FormText = "", id_number: FormText = ""):
    """An adjustment line (an extra payment with its reason) on a prepared monthly payroll."""
    values = {"household_no": household_no.strip()[:40], "service_month": service_month.strip()[:7],
              "amount": amount.strip()[:20], "reason": reason.strip()[:200], "id_number": id_number.strip()[:18]}
    return _call(request, page, session, payroll_no[:60], "adjust", lambda: service.adjust(
        session, page.principal, payroll_no[:60], household_no=values["household_no"],
        service_month=values["service_month"], amount=values["amount"], reason=values["reason"],
        id_number=values["id_number"].upper() or None), "#lines", values)


@router.post("/payroll/{payroll_no}/cancel", dependencies=[Depends(csrf_checked)])
def cancel(request: Request, payroll_no: str, page: MenuPage, session: glue.Db, reason: FormText = ""):
    def work():
        done = service.cancel(session, page.principal, payroll_no[:60], reason.strip()[:200])
        return RedirectResponse(f"/payroll/{done.payroll_no}", status_code=303)

    return _call(request, page, session, payroll_no[:60], "cancel", work)


@router.post("/payroll/{payroll_no}/files", dependencies=[Depends(csrf_checked)])
def write_files(request: Request, payroll_no: str, page: MenuPage, session: glue.Db, reason: FormText = ""):
    return _call(request, page, session, payroll_no[:60], "files", lambda: service.write_files(
        session, page.principal, payroll_no[:60], _folder(request), reason=reason.strip()[:200]), "#files")


@router.get("/payroll/{payroll_no}/files/{bank}")
def download(request: Request, payroll_no: str, bank: str, page: MenuPage, session: glue.Db, reason: str = ""):
    """The bank file as written (numbers in full): the unmask permission and a reason, audited by the service."""
    name, data = service.read_file(session, page.principal, payroll_no[:60], bank[:20], _folder(request),
                                   reason=reason.strip()[:200])
    return Response(data, media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename=\"payroll\"; filename*=UTF-8''{quote(name)}"})


@router.post("/payroll/{payroll_no}/returns/{bank}", dependencies=[Depends(csrf_checked)])
def import_return(request: Request, payroll_no: str, bank: str, page: MenuPage, session: glue.Db,
                  file: Annotated[UploadFile | None, File()] = None):
    def work():
        if file is None or not file.filename:
            raise JiuzhuError(t("choose the bank's return file"), field="file")
        data = file.file.read(MAX_RETURN_BYTES + 1)
        if len(data) > MAX_RETURN_BYTES:
            raise JiuzhuError(t("{file} is larger than {limit} MB", file=file.filename,
                                limit=MAX_RETURN_BYTES // (1024 * 1024)), field="file")
        return service.import_return(session, page.principal, payroll_no[:60], bank[:20], data, file.filename[:200])

    return _call(request, page, session, payroll_no[:60], f"return-{bank[:20]}", work, "#reconciliation")


@router.post("/payroll/{payroll_no}/accounts", dependencies=[Depends(csrf_checked)])
def correct_account(request: Request, payroll_no: str, page: MenuPage, session: glue.Db, id_number: FormText = "",
                    holder_name: FormText = "", bank: FormText = "", account_no: FormText = "",
                    opened_on: FormText = "", branch_name: FormText = "", interbank_no: FormText = "",
                    reason: FormText = ""):
    """A failed line's new account: ``payroll.accounts.record_account`` (checked as a ledger row, its reason
    audited, the old account kept; the re-issue it leads to is approved by another person)."""
    values = {"holder_name": holder_name.strip()[:60], "bank": bank.strip()[:40], "account_no": account_no.strip()[:32],
              "opened_on": opened_on.strip()[:10], "branch_name": branch_name.strip()[:60],
              "interbank_no": interbank_no.strip()[:12], "reason": reason.strip()[:200]}

    def work():
        try:
            accounts.record_account(session, page.principal, id_number=id_number.strip()[:18], **values)
        except RecordError as exc:  # the ledger's words, beside the form's field
            raise JiuzhuError(f"{exc.field}：{exc.reason}", field=_column(exc)) from None
        return None

    return _call(request, page, session, payroll_no[:60], "account", work, "#reconciliation", values)


def _column(exc: RecordError) -> str:
    """The form's field a ledger refusal names (its column's Chinese title)."""
    return {title: key for key, title in accounts.TITLE.items()}.get(exc.field, "account_no")


@router.post("/payroll/{payroll_no}/reissue", dependencies=[Depends(csrf_checked)])
def reissue(request: Request, payroll_no: str, page: MenuPage, session: glue.Db, reason: FormText = ""):
    def work():
        made = service.reissue(session, page.principal, payroll_no[:60], reason.strip()[:200])
        return RedirectResponse(f"/payroll/{made.payroll_no}", status_code=303)

    return _call(request, page, session, payroll_no[:60], "reissue", work)


@router.post("/payroll/{payroll_no}/close", dependencies=[Depends(csrf_checked)])
def request_close(request: Request, payroll_no: str, page: MenuPage, session: glue.Db):
    return _call(request, page, session, payroll_no[:60], "close-request",
                 lambda: service.request_close(session, page.principal, payroll_no[:60]))


@router.post("/payroll/{payroll_no}/close/confirm", dependencies=[Depends(csrf_checked)])
def close(request: Request, payroll_no: str, page: MenuPage, session: glue.Db):
    return _call(request, page, session, payroll_no[:60], "close",
                 lambda: service.close(session, page.principal, payroll_no[:60]))
