"""``jiuzhu payroll …``: payee accounts, a month's payroll, bank files (报盘), returns (回盘), re-issues, closing and
totals, for batch runs (docs/payroll.md). Thin: each command parses, calls one service of ``jiuzhu.payroll`` in one
transaction, and prints; the CLI's operator acts on the installation's jurisdiction under their name
(``JIUZHU_ACTOR``): maker-checker holds between operators — the one who prepared cannot approve.

Registered in ``cli/main.py`` as ``app.add_typer(payroll_cli.app, name="payroll")``.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from jiuzhu.access import Principal
from jiuzhu.cli.context import ExitCode, acting_account, actor, engine, open_registry, options_named, say_error
from jiuzhu.cli.output import add_row, print_json, print_table, say, say_written, table
from jiuzhu.cli.usage import JiuzhuCommand, JiuzhuGroup
from jiuzhu.db import session_scope
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import N_, t
from jiuzhu.money import format_yuan
from jiuzhu.payroll import accounts, banks, export, service, totals
from jiuzhu.payroll.schemas import PayrollSummary
from jiuzhu.payroll.service import KIND_TITLES, LINE_TITLES, STATUS_TITLES
from jiuzhu.registry import areas
from jiuzhu.registry.codes import Programme

app = typer.Typer(cls=JiuzhuGroup, no_args_is_help=True, rich_markup_mode="rich", add_completion=False,
                  pretty_exceptions_enable=False, help=N_(
                      "Payroll (代发): payee accounts, a month's payroll per programme and area, bank files, "
                      "returns, re-issues, totals."))
AsJson = Annotated[bool, typer.Option("--json", help=N_("print JSON instead of a table"))]
PayrollNo = Annotated[str, typer.Argument(help=N_("the payroll, e.g. dibao-500111-2025-08 (jiuzhu payroll list)"),
                                          show_default=False)]
Reason = Annotated[str, typer.Option(help=N_("why (written to the audit log)"))]
Output = Annotated[Path | None, typer.Option(help=N_("write the list to this Excel file (.xlsx; numbers masked, "
                                                     "audited) instead of printing it"))]


def command(name: str, help_text: str):
    return app.command(name, cls=JiuzhuCommand, help=help_text)


def _operator() -> Principal:
    return Principal.operator(actor(), tuple(areas.prefix(code) for code in areas.jurisdiction()))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise JiuzhuError(t("{path} does not exist: check the name and the folder", path=path)) from None
    except IsADirectoryError:
        raise JiuzhuError(t("{path} is a folder: give the file", path=path)) from None
    except OSError as exc:
        raise JiuzhuError(t("cannot read {file}: {cause}", file=path, cause=exc.strerror or exc)) from None


NO_TOTALS = N_("no approved payroll in this area and period")
NO_PAYROLL = N_("no payroll yet: jiuzhu payroll prepare")
NO_LINE = N_("no line")


def _excel(output: Path, what: str, empty: str, **filters) -> None:
    """The list written to ``output`` (``payroll.export.write_xlsx``: complete or absent, audited)."""
    with session_scope(open_registry()) as session:  # writes the audit row of the export
        n = export.write_xlsx(session, _operator(), what, output, **filters)
    say_written(output, n, empty)


def _summary(s: PayrollSummary) -> None:
    say(t("payroll {no}: {programme}, {area}, {month}; {status}; {count} lines, {total} yuan", no=s.payroll_no,
          programme=Programme(s.programme).words(), area=s.area_code, month=s.month,
          status=t(STATUS_TITLES[s.status]), count=s.line_count, total=format_yuan(s.total_fen)))
    for skip in s.skipped:
        say(t("  not paid: household {no}, {month}: {reason}", no=skip["household_no"], month=skip["service_month"],
              reason=skip["reason_text"]))


@command("accounts-import", N_(
    "Import payee accounts from a township's ledger (CSV or Excel): good rows are stored, bad ones reported by row "
    "and field (exit code 1). Columns (first row): 身份证号 (required, 18 characters), 户名 or 姓名 (required, the "
    "registry's name), 账户类型 (一卡通 or 银行账户; empty: 一卡通), 开户银行 (required, a name or code of "
    "banks.toml), 账号 or 卡号 (required, 8 to 32 digits), 开户网点 and 联行号 (12 digits; both required for a bank "
    "without a file layout), 开户日期 (required, YYYY-MM-DD, not in the future), 销户日期 (YYYY-MM-DD, closes the "
    "account)."))
def accounts_import(file: Annotated[Path, typer.Argument(help=N_("the ledger (.csv or .xlsx)"), show_default=False)],
                    as_json: AsJson = False) -> None:
    _read(file)
    with session_scope(engine()) as session:
        done = accounts.import_ledger(session, _operator(), file)
    if as_json:
        print_json({"stored": done.stored, "unchanged": done.unchanged,
                    "rejected": [{"row": e.record, "field": e.field, "reason": e.reason} for e in done.errors]})
    else:
        say(t("{stored} accounts stored, {unchanged} unchanged, {rejected} rejected", stored=done.stored,
              unchanged=done.unchanged, rejected=len(done.errors)))
        for error in done.errors:
            say_error(str(error))
    if done.errors:
        raise typer.Exit(ExitCode.REJECTED)


@command("accounts-set", N_("Record one payee's corrected account (after a failed line: the account closed, the "
                            "name not the holder's), checked as a ledger row; the reason is audited, the old account "
                            "kept; then re-issue (another person approves it)."))
def accounts_set(id_number: Annotated[str, typer.Argument(help=N_("the payee's ID number"), show_default=False)],
                 name: Annotated[str, typer.Option(help=N_("the account holder: the payee's name in the registry"))],
                 bank: Annotated[str, typer.Option(help=N_("the bank: its name (中国银行) or code (banks.toml)"))],
                 account: Annotated[str, typer.Option(help=N_("the account or card number, 8 to 32 digits"))],
                 opened: Annotated[str, typer.Option(help=N_("the opening date, YYYY-MM-DD"))],
                 reason: Reason,
                 kind: Annotated[str, typer.Option(help=N_("一卡通 (the default) or 银行账户"))] = "",
                 branch: Annotated[str, typer.Option(help=N_("the branch (开户网点), another bank's account "
                                                             "only"))] = "",
                 interbank_no: Annotated[str, typer.Option(help=N_("the 12-digit 联行号, another bank's account "
                                                                    "only"))] = "",
                 as_json: AsJson = False) -> None:
    with options_named({"holder_name": "name", "account_no": "account", "opened_on": "opened",
                        "branch_name": "branch"}), session_scope(engine()) as session:
        done = accounts.record_account(session, _operator(), id_number=id_number, holder_name=name, bank=bank,
                                       account_no=account, reason=reason, opened_on=opened, kind=kind,
                                       branch_name=branch, interbank_no=interbank_no)
    if as_json:
        print_json(asdict(done))
        return
    say(t("account recorded for {id}: {bank} {account}; the next payroll and the re-issue pay it", id=done.id_number,
          bank=done.bank_name, account=done.account_no))


@command("accounts-synth", N_("Give every payee of the synthetic district without an account a synthetic one "
                              "(for trying the payroll end to end; never on real data)."))
def accounts_synth(area: Annotated[str, typer.Option(help=N_("the district or township"))] = "500111") -> None:
    with session_scope(engine()) as session:
        n = accounts.synthesize(session, _operator(), area)
    say(t("{n} synthetic accounts made", n=n))


@command("prepare", N_("Prepare a month's payroll of a programme in a district or township, arrears included."))
def prepare(programme: Annotated[str, typer.Option(help=N_("dibao, tekun, disability_living, disability_care, "
                                                           "orphan or unsupported_child"))],
            month: Annotated[str, typer.Option(help=N_("the month, YYYY-MM"))],
            area: Annotated[str, typer.Option(help=N_("the district or township"))] = "500111",
            as_json: AsJson = False) -> None:
    with session_scope(engine()) as session:
        made = service.prepare(session, _operator(), programme=programme, area=area, month=month)
    print_json(made) if as_json else _summary(made)


@command("adjust", N_("Add an adjustment line (an extra payment with its reason) to a prepared payroll."))
def adjust(payroll: PayrollNo,
           household: Annotated[str, typer.Option(help=N_("the household number"))],
           month: Annotated[str, typer.Option(help=N_("the month the payment is for, YYYY-MM"))],
           amount: Annotated[str, typer.Option(help=N_("yuan, e.g. 50.00"))],
           reason: Reason,
           member: Annotated[str | None, typer.Option(help=N_("the person's ID number, for a per-person "
                                                               "programme"))] = None) -> None:
    with options_named({"household_no": "household", "service_month": "month", "id_number": "member",
                        "payroll": None}), session_scope(engine()) as session:
        line = service.adjust(session, _operator(), payroll, household_no=household, service_month=month,
                              amount=amount, reason=reason, id_number=member)
    say(t("line {seq} added: {amount} yuan", seq=line.seq, amount=line.amount_yuan))


@command("approve", N_("Approve a prepared payroll (never one's own: maker-checker)."))
def approve(payroll: PayrollNo) -> None:
    with session_scope(engine()) as session:
        _summary(service.approve(session, acting_account(session, t("approving a payroll")), payroll))


@command("cancel", N_("Cancel a payroll not yet approved; its months are free to prepare again."))
def cancel(payroll: PayrollNo, reason: Reason) -> None:
    with session_scope(engine()) as session:
        _summary(service.cancel(session, _operator(), payroll, reason))


@command("file", N_("Write an approved payroll's disbursement file for each bank (account and ID numbers in full: "
                    "audited); or record the batch number a bank gave (--bank, --batch-no)."))
def file(payroll: PayrollNo,
         out: Annotated[Path | None, typer.Option(help=N_("the folder to write the files into"))] = None,
         reason: Annotated[str, typer.Option(help=N_("why (written to the audit log)"))] = "",
         bank: Annotated[str | None, typer.Option(help=N_("the bank, with --batch-no"))] = None,
         batch_no: Annotated[str | None, typer.Option(help=N_("the bank's batch number of the uploaded file"))] = None,
         ) -> None:
    if batch_no is not None or bank is not None:
        if not (batch_no and bank):
            raise JiuzhuError(t("give both --bank and --batch-no"), field="batch_no")
        with session_scope(engine()) as session:
            done = service.record_batch_no(session, _operator(), payroll, bank, batch_no)
        say(t("batch number {batch} recorded for {file}", batch=done.batch_no, file=done.file_name))
        return
    if out is None:
        raise JiuzhuError(t("give the folder to write into: --out"), field="out")
    with session_scope(engine()) as session:
        written = service.write_files(session, _operator(), payroll, out, reason=reason)
    for w in written:
        say(t("{path}: {count} lines, {total} yuan", path=w.path, count=w.line_count, total=w.total_yuan))


@command("returns", N_("Import a bank's return file and reconcile it line by line; a bad file is refused whole."))
def returns(payroll: PayrollNo,
            file: Annotated[Path, typer.Argument(help=N_("the return file"), show_default=False)],
            bank: Annotated[str, typer.Option(help=N_("the bank that returned it"))],
            as_json: AsJson = False) -> None:
    data = _read(file)
    with session_scope(engine()) as session:
        back = service.import_return(session, _operator(), payroll, bank, data, file.name)
    if as_json:
        print_json(back)
        return
    say(t("{paid} paid, {failed} failed, {unmatched} unmatched", paid=back.paid, failed=back.failed,
          unmatched=len(back.unmatched)))
    from jiuzhu.payroll.returns import UNMATCHED

    for u in back.unmatched:
        say(t("  line {row} (sequence {seq}): {what}", row=u["row"], seq=u["seq"], what=t(UNMATCHED[u["code"]])))


@command("reissue", N_("Prepare a re-issue of the failed lines whose account was corrected (to approve and file)."))
def reissue(payroll: PayrollNo, reason: Reason) -> None:
    with session_scope(engine()) as session:
        _summary(service.reissue(session, _operator(), payroll, reason))


@command("close", N_("Ask to close a payroll's reconciliation (every line returned); --confirm: close it (another "
                     "person: maker-checker)."))
def close(payroll: PayrollNo, confirm: Annotated[bool, typer.Option("--confirm", help=N_(
        "close what another person asked to close"))] = False) -> None:
    with session_scope(engine()) as session:
        who = acting_account(session, t("closing a reconciliation")) if confirm else _operator()
        done = (service.close if confirm else service.request_close)(session, who, payroll)
    _summary(done)


@command("totals", N_("Totals by programme, township and month: lines, amount, paid, failed (yuan)."))
def show_totals(area: Annotated[str, typer.Option(help=N_("the district or township"))] = "500111",
                year: Annotated[int | None, typer.Option(help=N_("the year, e.g. 2025"))] = None,
                month: Annotated[str | None, typer.Option(help=N_("one month, YYYY-MM"))] = None,
                programme: Annotated[str | None, typer.Option(help=N_("one programme"))] = None,
                as_json: AsJson = False, output: Output = None) -> None:
    if output is not None:
        return _excel(output, "totals", t(NO_TOTALS), area=area, year=year, month=month, programme=programme)
    with session_scope(open_registry(), write=False) as session:
        rows = totals.totals(session, _operator(), area=area, year=year, month=month, programme=programme)
    if as_json:
        print_json([r.model_dump() for r in rows])
        return
    out = table(t("payments by programme, township and month"),
                [(t("programme"), False), (t("township"), False), (t("month"), False), (t("lines"), True),
                 (t("amount (yuan)"), True), (t("paid (yuan)"), True), (t("failed"), True)])
    for r in rows:
        add_row(out, Programme(r.programme).words(), r.township_name, r.month, str(r.lines), format_yuan(r.amount_fen),
                format_yuan(r.paid_fen), str(r.failed))
    print_table(out, t(NO_TOTALS))


@command("list", N_("The payrolls, newest month first."))
def list_(month: Annotated[str | None, typer.Option(help=N_("one month, YYYY-MM"))] = None,
          as_json: AsJson = False, output: Output = None) -> None:
    if output is not None:
        return _excel(output, "payrolls", t(NO_PAYROLL), month=month)
    with session_scope(open_registry(), write=False) as session:
        found = service.list_payrolls(session, _operator(), month=month)
    if as_json:
        print_json([s.model_dump() for s in found])
        return
    out = table(t("payrolls"), [(t("payroll"), False), (t("status"), False), (t("lines"), True),
                                (t("amount (yuan)"), True), (t("prepared by"), False), (t("approved by"), False)])
    for s in found:
        add_row(out, s.payroll_no, t(STATUS_TITLES[s.status]), str(s.line_count), format_yuan(s.total_fen),
                s.prepared_by, s.approved_by or "-")
    print_table(out, t(NO_PAYROLL))


@command("show", N_("One payroll: its lines (numbers masked unless --unmask), files and returns."))
def show(payroll: PayrollNo,
         status: Annotated[str | None, typer.Option(help=N_("only lines of this status: pending, paid, failed, "
                                                            "cancelled"))] = None,
         unmask: Annotated[bool, typer.Option("--unmask", help=N_("show account and ID numbers in full "
                                                                  "(audited; needs --reason)"))] = False,
         reason: Annotated[str | None, typer.Option(help=N_("why unmasking"))] = None,
         as_json: AsJson = False, output: Output = None) -> None:
    if output is not None:
        if unmask:  # a sheet of full numbers would leave the audited bank file's way
            raise JiuzhuError(t("an Excel list is always masked: --unmask is for the screen"), field="unmask")
        return _excel(output, "lines", t(NO_LINE), payroll_no=payroll, status=status)
    with session_scope(open_registry()) as session:  # writes the audit row of the read
        view = service.show(session, _operator(), payroll, unmask=unmask, reason=reason, status=status)
    if as_json:
        print_json(view)
        return
    _summary(view)
    out = table(t("lines"), [("#", True), (t("household"), False), (t("month"), False), (t("kind"), False),
                             (t("payee"), False), (t("account"), False), (t("bank"), False),
                             (t("amount (yuan)"), True), (t("status"), False)])
    for li in view.lines:
        state = t(LINE_TITLES[li.status])
        if li.fail_code:
            state = f"{state}: {banks.failure_title(li.fail_code)}"
        add_row(out, str(li.seq), li.household_no, li.service_month, t(KIND_TITLES.get(li.kind, li.kind)),
                li.payee_name, li.account_no, li.bank_name, format_yuan(li.amount_fen), state)
    print_table(out, t(NO_LINE))
    for f in view.files:
        say(t("file {name}: {count} lines, {total} yuan, batch {batch}", name=f.file_name, count=f.line_count,
              total=f.total_yuan, batch=f.batch_no or "-"))
