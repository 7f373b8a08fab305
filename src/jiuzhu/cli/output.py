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
    """The table, or the sentence ``empty`` when it has no row (an empty frame says nothing)."""
    if tbl.row_count:
        console.print(tbl)
    else:
        say(empty)


def say(text: str) -> None:
    """A line of plain text on stdout (never read as markup)."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def print_json(document: BaseModel | dict | list) -> None:
    """The ``--json`` output: one JSON document on stdout."""
    import json

    if isinstance(document, BaseModel):
        text = document.model_dump_json(indent=2)  # UTF-8 as it is: Chinese stays readable
    else:
        text = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    typer.echo(text)
