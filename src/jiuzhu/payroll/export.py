"""导出Excel of the payroll's lists: a payroll's lines, the payrolls, the totals by programme, township and month.

One function, ``write_xlsx(session, who, what, path, …)``, for every face (the pages' and the API's downloads, the
CLI's ``--output``). Titles in Chinese (the sheet is for the township's and the bureau's files, whatever the reader's
language, as the bank files' titles are); account and ID numbers masked (a full number leaves Jiuzhu only in a
bank file, with the unmask permission and a reason); every text cell typed as text (``spreadsheet.xlsx_text``: a
name beginning with "=" is never a formula). Money: a number cell with two decimals (format ``#,##0.00``) written
from the exact ``Decimal`` of the fen, so that the sheet sums; the sum row is the database's sum in fen, exact.
The export is audited as an export of personal data (``payroll.export``: what, filters, rows).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu import spreadsheet
from jiuzhu.access import Permission, Principal
from jiuzhu.audit import service as audit
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import t, translate
from jiuzhu.money import fen_to_yuan
from jiuzhu.payroll import service, totals
from jiuzhu.payroll.banks import failure_title
from jiuzhu.payroll.models import PayrollLine
from jiuzhu.registry.codes import Programme

WHAT = ("lines", "payrolls", "totals")


def _zh(message: str) -> str:
    return translate(message, "zh")


def write_xlsx(session: Session, who: Principal, what: str, path: Path, *, payroll_no: str | None = None,
               status: str | None = None, month: str | None = None, programme: str | None = None,
               area: str | None = None, year: int | None = None) -> int:
    """Write the list ``what`` (lines of ``payroll_no``, the payrolls, or the totals of ``area``) to ``path``
    (complete or absent); returns the number of data rows."""
    who.require(Permission.READ_PAYMENTS)
    path = spreadsheet.xlsx_path(path)
    if what not in WHAT:
        raise JiuzhuError(t("unknown list '{what}': one of {known}", what=what, known=", ".join(WHAT)), field="what")
    if what == "lines":
        who.require(Permission.EXPORT)  # names and (masked) numbers of people: an export of personal data
        title, header, rows, money, subject, area_code = _lines(session, who, payroll_no or "", status)
    elif what == "payrolls":
        title, header, rows, money = _payrolls(session, who, month, programme)
        subject, area_code = "payrolls", who.area_code
    else:
        title, header, rows, money = _totals(session, who, area or who.area_code or "", year, month, programme)
        subject, area_code = f"totals {area or who.area_code or ''}", area or who.area_code
    if len(rows) > spreadsheet.MAX_ROWS:
        raise JiuzhuError(t("{n} rows: more than an Excel sheet holds; narrow the list", n=len(rows)))
    _write(path, title, header, rows, money)
    audit.append(session, actor=who.username, action="payroll.export", subject=f"{subject} {path.name}"[:400],
                 area_code=area_code, detail={"what": what, "rows": len(rows), "payroll": payroll_no,
                                              "month": month, "programme": programme, "year": year,
                                              "status": status})
    return len(rows)


def _lines(session, who, payroll_no, status):
    payroll = service._get(session, who, payroll_no)
    query = select(PayrollLine).where(PayrollLine.payroll_id == payroll.id).order_by(PayrollLine.seq)
    if status:
        query = query.where(PayrollLine.status == service.line_status(status))
    header = ["序号", "户编号", "收款人", "身份证号", "开户银行", "账号", "所属月份", "类别", "金额（元）", "状态",
              "失败原因", "备注"]
    rows = []
    for line in session.scalars(query):
        view = service._line_view(line, {}, unmask=False)
        fail = view.fail_text or (failure_title(view.fail_code) if view.fail_code else "")
        rows.append([view.seq, view.household_no, view.payee_name, view.payee_id_number, view.bank_name,
                     view.account_no, view.service_month, _zh(service.KIND_TITLES.get(view.kind, view.kind)),
                     view.amount_fen, _zh(service.LINE_TITLES.get(view.status, view.status)), fail,
                     view.reason or ""])
    title = f"发放名册 {payroll.payroll_no}（{Programme(payroll.programme).label}，{payroll.month}）"
    return title, header, rows, {8}, payroll.payroll_no, payroll.area_code


def _payrolls(session, who, month, programme):
    header = ["发放名册", "月份", "项目", "类别", "笔数", "金额（元）", "状态", "编制人", "审核人"]
    rows = [[s.payroll_no, s.month, Programme(s.programme).label, _zh(service.KIND_TITLES.get(s.kind, s.kind)),
             s.line_count, s.total_fen, _zh(service.STATUS_TITLES.get(s.status, s.status)), s.prepared_by,
             s.approved_by or ""]
            for s in service.list_payrolls(session, who, month=month, programme=programme)]
    return "资金发放名册", header, rows, {5}


def _totals(session, who, area, year, month, programme):
    header = ["项目", "乡镇（街道）", "乡镇代码", "月份", "笔数", "发放金额（元）", "银行已确认支付（元）", "失败笔数"]
    rows = [[Programme(r.programme).label, r.township_name, r.township, r.month, r.lines, r.amount_fen, r.paid_fen,
             r.failed]
            for r in totals.totals(session, who, area=area, year=year, month=month, programme=programme)]
    return f"资金发放统计（{area}{'，' + str(year) + '年' if year else ''}）", header, rows, {5, 6}


def _write(path: Path, title: str, header: list[str], rows: list[list], money: set[int]) -> None:
    """The sheet with its 合计 row: money columns (fen) as exact yuan, their sum in fen; the count of lines."""
    count_col = header.index("笔数") if "笔数" in header else None
    total: list = ["合计"] + [""] * (len(header) - 1)
    for i in money:
        total[i] = fen_to_yuan(sum(r[i] for r in rows))  # exact, summed in fen
    if count_col is not None:
        total[count_col] = sum(r[count_col] for r in rows)
    elif rows and 1 not in money:
        total[1] = f"{len(rows)} 笔"
    yuan = [[fen_to_yuan(v) if i in money and isinstance(v, int) else v for i, v in enumerate(r)] for r in rows]
    spreadsheet.write_xlsx(path, header, yuan, sheet="资金发放", heading=title, total=total)
