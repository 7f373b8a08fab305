"""``jiuzhu user add/list/lock/unlock/unbind`` and ``jiuzhu audit verify/list``: the web's accounts and the audit
log, for the operator who runs the server (and holds its database: the installation's whole jurisdiction).

Passwords are never options (they would stay in the shell's history and show in the process list): asked twice
with hidden input, or one line read from standard input with ``--password-stdin`` (scripts).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Iterator
from typing import Annotated

import typer

from jiuzhu.access import Principal, role_title
from jiuzhu.accounts import service as accounts
from jiuzhu.audit import service as audit
from jiuzhu.cli.context import ExitCode, actor, engine, open_registry, say_error
from jiuzhu.cli.output import add_row, print_json, print_table, say, table
from jiuzhu.db import session_scope
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import N_, t
from jiuzhu.registry import areas

AsJson = Annotated[bool, typer.Option("--json", help=N_("print JSON instead of a table"))]
Username = Annotated[str, typer.Argument(help=N_("the user name, e.g. zhang.wei"), show_default=False)]


@contextlib.contextmanager
def _arguments_named() -> Iterator[None]:
    """The user name is an argument and the password no option: their errors say so by what they name, not as an
    option (``--username``) that does not exist."""
    try:
        yield
    except JiuzhuError as exc:
        if exc.field in ("username", "password"):
            exc.field = None
        raise


def _operator() -> Principal:
    """The CLI's operator: every permission over the installation's jurisdiction."""
    return Principal.operator(actor(), tuple(areas.prefix(code) for code in areas.jurisdiction()))


# --------------------------------------------------------------------------- jiuzhu user


def user_add(
    username: Username,
    role: Annotated[str, typer.Option(help=N_(
        "community_worker, township_caseworker, township_approver, district_officer, auditor or administrator"),
        show_default=False)],
    area: Annotated[str, typer.Option(help=N_(
        "the area the account is bound to: a district, township or village code"), show_default=False)],
    name: Annotated[str, typer.Option("--name", help=N_("the person's name as shown on pages"))] = "",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help=N_(
        "read the password from the first line of standard input (for scripts)"))] = False,
    as_json: AsJson = False,
) -> None:
    # Everything that can be checked before the password is asked, so nobody types it twice for nothing.
    with _arguments_named():
        accounts.check_username(username)
        accounts.check_role(role)
        _check_area_option(area)
        password = _read_password(password_stdin)
        with session_scope(engine()) as session:
            view = accounts.add_user(session, username=username, password=password, role=role, area_code=area,
                                     display_name=name, actor=actor())
    if as_json:
        print_json(_user_doc(view))
    else:
        say(t("created user {name}: {role}, {area} {area_name}", name=view.username, role=view.role_title,
              area=view.area_code, area_name=view.area_name))


def _check_area_option(area: str) -> None:
    try:
        accounts.check_area(area)
    except JiuzhuError as exc:
        raise JiuzhuError(exc.message, field="area") from None


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise JiuzhuError(t(NO_PASSWORD_LINE), field="password_stdin")
    else:
        password = typer.prompt(t("password"), hide_input=True, confirmation_prompt=t("the password again"))
    accounts.check_password(password)
    return password


NO_PASSWORD_LINE = N_("standard input holds no password: give it as its first line")


def user_list(as_json: AsJson = False) -> None:
    with session_scope(open_registry(), write=False) as session:
        users = accounts.list_users(session, _operator())
    if as_json:
        print_json({"users": [_user_doc(u) for u in users]})
        return
    rows = table(t("users"), [(t("user name"), False), (t("name"), False), (t("role"), False), (t("area"), False),
                              (t("state"), False), (t("last sign-in"), False)])
    for u in users:
        add_row(rows, u.username, u.display_name, u.role_title, f"{u.area_code} {u.area_name}", _state(u),
                _when(u.last_sign_in) if u.last_sign_in else t("never"))
    print_table(rows, t("there is no user yet: add one with jiuzhu user add"))


def _state(u: accounts.UserView) -> str:
    if u.disabled:
        return t("locked by an administrator")
    if u.locked_until is not None:
        return t("locked until {until}", until=_when(u.locked_until))
    return t("active")


def _when(at: dt.datetime) -> str:
    return f"{at.astimezone():%Y-%m-%d %H:%M}"


def _user_doc(u: accounts.UserView) -> dict:
    return {"username": u.username, "display_name": u.display_name, "role": u.role.value,
            "role_title": role_title(u.role), "area_code": u.area_code, "area_name": u.area_name,
            "locked": u.locked, "disabled": u.disabled, "bound": u.bound,
            "locked_until": u.locked_until.isoformat(timespec="seconds") if u.locked_until else None,
            "failed_attempts": u.failed_attempts, "created_at": u.created_at.isoformat(timespec="seconds"),
            "last_sign_in": u.last_sign_in.isoformat(timespec="seconds") if u.last_sign_in else None}


def user_lock(username: Username) -> None:
    with _arguments_named(), session_scope(open_registry()) as session:
        view = accounts.lock_user(session, _operator(), username)
    say(t("locked user {name}: nobody can sign in with it until it is unlocked", name=view.username))


def user_unlock(username: Username) -> None:
    with _arguments_named(), session_scope(open_registry()) as session:
        view = accounts.unlock_user(session, _operator(), username)
    say(t("unlocked user {name}", name=view.username))


def user_unbind(username: Username) -> None:
    with _arguments_named(), session_scope(open_registry()) as session:
        view = accounts.forget_identity(session, _operator(), username)
    say(t("unbound user {name} from its identity at the identity provider: the next person the provider signs in "
          "under this name is bound to it", name=view.username))


# --------------------------------------------------------------------------- jiuzhu audit


def audit_verify(as_json: AsJson = False) -> None:
    with session_scope(open_registry(), write=False) as session:
        verdict = audit.verify(session)
    if as_json:
        print_json({"ok": verdict.ok, "checked": verdict.checked, "last_seq": verdict.last_seq,
                    "broken_seq": verdict.seq, "problem": verdict.problem, "message": verdict.message})
    elif verdict.ok:
        say(verdict.message)
    else:
        say_error(t(BROKEN, message=verdict.message))
    if not verdict.ok:
        raise typer.Exit(ExitCode.REJECTED)  # 1: the command ran, and found the log broken


BROKEN = N_("the audit log has been tampered with: {message}")


def audit_list(
    user: Annotated[str | None, typer.Option("--user", help=N_("only what this user did"))] = None,
    action: Annotated[str | None, typer.Option(help=N_("only this action: view, history, export, create, change, "
                                                       "sign_in …"))] = None,
    subject: Annotated[str | None, typer.Option(help=N_("only rows whose subject contains this"))] = None,
    since: Annotated[dt.datetime | None, typer.Option(help=N_("from this day or time (YYYY-MM-DD)"),
                                                      formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"])] = None,
    until: Annotated[dt.datetime | None, typer.Option(help=N_("up to this day or time (YYYY-MM-DD: to its end)"),
                                                      formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"])] = None,
    page: Annotated[int, typer.Option(help=N_("which page, newest first"))] = 1,
    per_page: Annotated[int, typer.Option(help=N_("rows per page"))] = 50,
    as_json: AsJson = False,
) -> None:
    with session_scope(open_registry(), write=False) as session:
        found = audit.browse(session, _operator(), actor=user, action=action, subject=subject, since=_day(since),
                             until=_day(until), page=page, per_page=per_page)
    if as_json:
        print_json({"total": found.total, "page": found.page, "per_page": found.per_page,
                    "items": [_entry_doc(e) for e in found.items]})
        return
    rows = table(t("audit log (page {page}, {total} rows in all)", page=found.page, total=found.total),
                 [(t("no."), True), (t("when"), False), (t("who"), False), (t("action"), False),
                  (t("subject"), False), (t("area"), False), (t("identifiers"), False), (t("why"), False)])
    for e in found.items:
        add_row(rows, str(e.seq), _when(e.at), e.actor, audit.action_title(e.action), e.subject, e.area_code or "-",
                t("in full") if e.unmasked else t("masked"), e.reason or "")
    print_table(rows, t("no audit-log row matches"))


def _day(value: dt.datetime | None) -> dt.datetime | dt.date | None:
    """A bare day (midnight as typed) means the whole day; a time means that instant, in the server's zone."""
    if value is None:
        return None
    if value.time() == dt.time(0):
        return value.date()
    return value.astimezone()


def _entry_doc(e: audit.EntryView) -> dict:
    return {"seq": e.seq, "at": e.at.isoformat(timespec="seconds"), "actor": e.actor, "action": e.action,
            "subject": e.subject, "area_code": e.area_code, "unmasked": e.unmasked, "reason": e.reason,
            "detail": e.detail}
