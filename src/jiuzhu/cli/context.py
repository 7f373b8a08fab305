"""What every command needs: settings, the registry database, the consoles, progress, and the error edge.

The one edge (``reports_errors_here``) turns whatever a command raises into one line a user can act on and an exit
code (docs/operations.md, "Exit codes"); a traceback is never printed: an unexpected error is written whole to
the log file under ``JIUZHU_HOME/logs`` and the screen names that file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from enum import IntEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy import Engine

from jiuzhu.config import Settings, get_settings
from jiuzhu.errors import ConfigurationError, JiuzhuError, RecordError, RecordErrors
from jiuzhu.i18n import N_, t


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """Rich exits 1 when the reader closes the pipe; a reader that stops reading is no failure (`| head`)."""
        reader_went_away()
        raise typer.Exit(ExitCode.OK)


console = _Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


class ExitCode(IntEnum):
    """The exit codes of every command (docs/operations.md)."""

    OK = 0  # done; every record stored
    REJECTED = 1  # done, but some records were rejected (listed in the report file)
    REFUSED = 2  # refused: bad input, option or state; nothing was changed
    CONFIGURATION = 3  # the home folder, the database or the disk: fix the setting, then run again
    INTERNAL = 70  # a bug: details in the log file (EX_SOFTWARE)
    INTERRUPTED = 130  # stopped with Ctrl-C (128 + SIGINT)


def settings() -> Settings:
    return get_settings()


def actor() -> str:
    return get_settings().actor


@contextlib.contextmanager
def options_named(names: dict[str, str | None]):
    """A service's names of inputs as this command's options (``names``: field → option without its dashes, or
    None for an argument), so that the one-line refusal names what the user typed."""
    try:
        yield
    except JiuzhuError as exc:
        if exc.field in names:
            exc.field = names[exc.field]
        raise


def acting_account(session, deed: str):
    """The account ``JIUZHU_ACTOR`` names, with its own role and area, for a deed that is a person's own —
    approving a payroll, closing its reconciliation, deciding a case. The operator's every permission would make
    maker-checker a matter of typing another name: such a deed needs the account of the person who does it.
    One line (exit 2) when the name is no account, or a locked one."""
    from jiuzhu.accounts.service import principal_of
    from jiuzhu.errors import AuthenticationError

    name = actor()
    try:
        return principal_of(session, name)
    except AuthenticationError:
        raise JiuzhuError(t("{deed} is a person's own deed: JIUZHU_ACTOR='{name}' must name that person's account "
                            "(jiuzhu user list; jiuzhu user add), not locked, whose role may do it", deed=deed,
                            name=name)) from None


def engine() -> Engine:
    """The registry database, schema brought up to date; created when missing (commands that store)."""
    return open_registry(create=True)


def open_registry(*, create: bool = False, looking_for: str | None = None) -> Engine:
    """The registry database with its schema up to date. ``create=False``: a missing SQLite file is refused
    with what to do (a command that only reads must not leave an empty database behind); ``looking_for`` (e.g.
    "household X is not in the registry") opens that refusal, so it names what the command was asked for."""
    from jiuzhu import migrate
    from jiuzhu.db import make_engine
    from jiuzhu.files import writable_folder

    s = get_settings()
    if s.sqlite_file is not None:
        if not create and not s.sqlite_file.exists():
            reason = t("the registry holds no household (there is no registry database at {path} yet): import "
                       "households (jiuzhu import), load a district (jiuzhu load) or run ./dev demo first; "
                       "JIUZHU_HOME chooses the folder", path=s.sqlite_file)
            raise ConfigurationError(f"{looking_for}: {reason}" if looking_for else reason)
        writable_folder(s.sqlite_file.parent)  # SQLite writes its journal beside the file, even to read
    try:
        eng = make_engine(s.database_url)
    except ImportError as exc:  # a URL whose driver is not installed (mysql://…)
        raise ConfigurationError(t(
            "JIUZHU_DATABASE_URL: the database driver for {url} is not installed ({module}); Jiuzhu uses SQLite or "
            "PostgreSQL (postgresql+psycopg://…)", url=s.database_url_shown, module=exc.name or exc)) from None
    migrate.upgrade(eng)
    return eng


def write_log(exc: BaseException) -> Path:
    """Append the traceback of ``exc`` to the log file; returns the file (a temporary folder's when the home
    cannot be written)."""
    text = (f"--- {dt.datetime.now().astimezone():%Y-%m-%d %H:%M:%S %z}  jiuzhu {_version()}  "
            f"{' '.join(sys.argv)}\n" + "".join(traceback.format_exception(exc)))
    for folder in (get_settings(strict=False).log_dir, Path(tempfile.gettempdir())):
        path = folder / ("errors.log" if folder != Path(tempfile.gettempdir()) else f"jiuzhu-errors-{os.getuid()}.log")
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as out:
                out.write(text)
            return path
    return Path(os.devnull)


def _version() -> str:
    from jiuzhu import __version__

    return __version__


def say_error(message: str) -> None:
    """One line on stderr, prefixed by "error" in the user's language."""
    err_console.print(t("error: {message}", message=message), style="red", markup=False, highlight=False,
                      soft_wrap=True)


@contextlib.contextmanager
def reports_errors_here() -> Iterator[None]:
    """Translate anything raised inside into one line on stderr and ``typer.Exit(code)`` (the one edge)."""
    from jiuzhu.cli.usage import click_errors, usage_error_text

    try:
        yield
    except typer.Exit:
        raise
    except click_errors.ClickException as exc:
        say_error(usage_error_text(exc))
        raise typer.Exit(ExitCode.REFUSED) from None
    except (KeyboardInterrupt, typer.Abort):
        err_console.print(t("interrupted (Ctrl-C)"), markup=False)
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    except JiuzhuError as exc:
        for line in refusal_lines(exc):
            say_error(line)
        raise typer.Exit(exit_code(exc)) from None
    except Exception as exc:  # noqa: BLE001 - the edge: known kinds first, then one line and the log
        code, message = _known(exc)
        if code is None:
            log = write_log(exc)
            message = t("internal error ({kind}): details in {log}; please send that file to the maintainers",
                        kind=type(exc).__name__, log=log)
            code = ExitCode.INTERNAL
        if message:
            say_error(message)
        raise typer.Exit(code) from None


REF_CHARS = 100  # the purpose reference, as the consent service and the API's purpose_ref keep it
ONE_LINE = N_("holds a line break or another control character: write it on one line")


def check_ref(value: str | None) -> str | None:
    """``--ref`` of ``consent …`` and ``verify …`` (a Typer callback): the reference the members authorized, with
    the API's limits — at most 100 characters (the consent service's words), on one line — before anything runs."""
    from jiuzhu.consent.service import TOO_LONG

    if value is not None and len(value) > REF_CHARS:
        raise typer.BadParameter(t(TOO_LONG, what="purpose_ref", chars=REF_CHARS))
    if value is not None and any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise typer.BadParameter(t(ONE_LINE))
    return value


def household_number(value: str | None) -> str:
    """A household-number argument (a Typer callback): the spaces around it trimmed (copied from a spreadsheet
    cell), an empty one said empty — never "household  is not in the registry"."""
    text = (value or "").strip()
    if not text:
        raise JiuzhuError(t("the household number is empty: give it, e.g. 500111119-000001"))
    return text


def exit_code(exc: JiuzhuError) -> ExitCode:
    """The exit code of a refusal: the setting or the machine (storage errors too: the disk, the home folder, the
    database settings) is 3; anything else Jiuzhu refuses is 2."""
    return ExitCode.CONFIGURATION if isinstance(exc, ConfigurationError) else ExitCode.REFUSED


def refusal_lines(exc: JiuzhuError) -> list[str]:
    """The lines of a refusal: each problem of a record as it names itself (the record, then its field: never an
    option); else the message, after the command's option at fault when the service names one (``field``)."""
    if isinstance(exc, RecordErrors):
        return [str(error) for error in exc.errors]
    if isinstance(exc, RecordError | ConfigurationError) or not exc.field:
        return [exc.message]
    return [f"--{exc.field.replace('_', '-')}: {exc.message}"]


def _known(exc: Exception) -> tuple[ExitCode | None, str]:
    """Errors of well-known kinds that are the user's setting or machine, not a bug: (exit code, message)."""
    from sqlalchemy import exc as sa

    from jiuzhu.db import sqlite_error
    from jiuzhu.files import storage_error

    shown = get_settings(strict=False).database_url_shown
    if isinstance(exc, OSError) and exc.errno == errno.EPIPE:  # `jiuzhu … | head`: the reader went away
        reader_went_away()
        return ExitCode.OK, ""
    if isinstance(exc, OSError) and exc.errno is not None:
        return ExitCode.CONFIGURATION, storage_error(exc, exc.filename or "?").message
    if isinstance(exc, sa.ArgumentError | sa.NoSuchModuleError):
        return ExitCode.CONFIGURATION, t(
            "JIUZHU_DATABASE_URL is not a database URL Jiuzhu can use ({url}): write sqlite:///PATH or "
            "postgresql+psycopg://USER@HOST/DATABASE", url=shown)
    if isinstance(exc, sa.OperationalError | sa.InterfaceError) or type(exc) is sa.DatabaseError:
        cause = str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0] if str(exc).strip() else ""
        sqlite = get_settings(strict=False).sqlite_file
        known = sqlite_error(cause, sqlite) if sqlite is not None else None  # busy, disk full …: as the database says
        if known is not None:
            return exit_code(known), known.message
        return ExitCode.CONFIGURATION, t(
            "the database {url} cannot be used: {cause}; check JIUZHU_DATABASE_URL and that the server runs",
            url=shown, cause=cause)
    return None, ""


def reader_went_away() -> None:
    """stdout's reader closed the pipe (``jiuzhu summary | head -1``): it has what it asked for, so the command
    ends quietly, like any Unix tool whose reader stops. What is still buffered can never be written: stdout is
    pointed at /dev/null so that Python's own flush at exit does not complain about the closed pipe."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def flush_stdout() -> None:
    """Write out what is still buffered before the exit code is decided: a closed pipe is found here, not in
    Python's flush at exit (which would print a warning and exit 120)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        reader_went_away()


@contextlib.contextmanager
def progress_bar(description: str, total: int | None, *, in_bytes: bool = False) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr (stdout stays clean for --json); yields a callback taking the items done so far
    (and the total, when the work learns it), or the bytes read (``in_bytes``: shown as 1.2/5.0 MB). Without a
    total it is a spinner with the elapsed time. A completed run shows the bar full."""
    done = DownloadColumn() if in_bytes else MofNCompleteColumn()
    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), done, TimeElapsedColumn()]
    # On a terminal only: in a pipe or a log file a bar is noise (the summary line at the end says it all).
    with Progress(*columns, console=err_console, transient=False, disable=not err_console.is_terminal) as progress:
        task = progress.add_task(description, total=total)

        def advance(done: int, total: int | None = None) -> None:
            progress.update(task, completed=done, **({"total": total} if total else {}))

        yield advance
        final = progress.tasks[0].total
        if final:
            progress.update(task, completed=final)
