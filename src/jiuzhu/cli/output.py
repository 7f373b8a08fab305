"""How commands print: tables with headers in the user's language (numbers and money right-aligned), and
``--json`` documents (docs/schema/cli/) on stdout, nothing else on it. Counts and months as people write them
are ``jiuzhu.i18n``'s (count_text, month_text), shared with the flows."""

from __future__ import annotations

from collections.abc import Sequence

import typer
from pydantic import BaseModel
from rich.markup import escape
from rich.table import Table

from jiuzhu.cli.context import console
from jiuzhu.i18n import t

NO_LIMIT = 100_000  # columns: how wide a table may grow when it goes to a pipe

def table(title: str, columns: Sequence[tuple[str, bool]]) -> Table:
    """A table titled ``title``; ``columns``: (header, right-aligned) — numbers and money are right-aligned."""
    out = Table(title=escape(title))
    for header, right in columns:
        out.add_column(escape(header), justify="right" if right else "left", overflow="fold")
    return out


def add_row(tbl: Table, *cells: str) -> None:
    """A row of plain text (names and addresses may hold ``[`` that Rich would read as markup)."""
    tbl.add_row(*(escape(str(c)) for c in cells))


def print_table(tbl: Table, empty: str) -> None:
    """The table, or the sentence ``empty`` when it has no row (an empty frame says nothing). Into a pipe or a
    file (not a terminal) the table is as wide as its rows: each row one line, never folded at 80 columns, so
    that a line can be found (grep), cut, or copied whole — the demo's passwords were cut in two."""
    if not tbl.row_count:
        say(empty)
        return
    if console.is_terminal:
        console.print(tbl)
        return
    natural = console.measure(tbl, options=console.options.update_width(NO_LIMIT)).maximum
    width = console.width
    console.width = max(width, natural)
    try:
        console.print(tbl)
    finally:
        console.width = width


def say(text: str) -> None:
    """A line of plain text on stdout (never read as markup)."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def say_written(path: object, rows: int, empty: str = "") -> None:
    """The line that confirms a list written to a file (导出Excel of every list); an empty list also says what the
    table would have said (``empty``: "no approved payroll …"), so that a file of headers alone is not a surprise."""
    say(t("{rows} rows written to {path}", rows=f"{rows:,}", path=str(path)))
    if rows == 0 and empty:
        say(empty)


def print_json(document: BaseModel | dict | list) -> None:
    """The ``--json`` output: one JSON document on stdout."""
    import json

    if isinstance(document, BaseModel):
        text = document.model_dump_json(indent=2)  # UTF-8 as it is: Chinese stays readable
    else:
        text = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    typer.echo(text)
