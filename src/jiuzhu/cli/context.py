"""What every command needs: settings, the engine, the console, and the error edge."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine

from jiuzhu.config import get_settings
from jiuzhu.db import make_engine
from jiuzhu.errors import JiuzhuError, RecordErrors

console = Console()
err_console = Console(stderr=True)


def engine() -> Engine:
    return make_engine(get_settings().database_url)


def actor() -> str:
    return get_settings().actor


def reports_errors(func: Callable) -> Callable:
    """Translate Jiuzhu's errors into a readable message and exit code 2 (the one edge)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except RecordErrors as exc:
            for error in exc.errors:
                err_console.print(f"[red]error[/red] {error}")
            raise typer.Exit(2) from None
        except JiuzhuError as exc:
            err_console.print(f"[red]error[/red] {exc.message}")
            raise typer.Exit(2) from None

    return wrapper


@contextmanager
def progress_bar(description: str, total: int | None):
    """A Rich progress bar; yields a callback taking the number of items done so far."""
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=err_console, transient=False) as progress:
        task = progress.add_task(description, total=total)
        yield lambda done: progress.update(task, completed=done)
