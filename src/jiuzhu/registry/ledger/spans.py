"""Merged cells of household columns that cross from one household into another (docs/ledger.md, "Merged cells").

Staff merge 户编号, 家庭住址 … down a household's rows, and a merged cell reads as its top-left value. They
also merge what a village's households share (区划代码, 城乡类别, 申报日期) down the whole village: each
household reads the top-left value. A merge of a household's own column (家庭住址) that runs on into the
next household's rows would silently give that household the first one's address, so such a merge is
refused: every row it covers is rejected, naming the range and the column, and with them every household
it touches (all or nothing).

A merged 户编号 gives its rows one number, so whether it crosses into another household shows only in
the rows themselves: a row of the range typing another number, rows giving different values in another
household column, or two 户主. Then the rows whose 户编号 came from the merge keep none of their own
(they are reported under their own row number, not under the other household's number).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from jiuzhu.i18n import t
from jiuzhu.registry.codes import Relation
from jiuzhu.registry.ledger.cells import is_blank
from jiuzhu.registry.ledger.columns import BY_HEADER, HOUSEHOLD_COLUMNS
from jiuzhu.registry.ledger.rows import HH_NO, RELATION
from jiuzhu.registry.ledger.sheets import Merge, Sheet

HOUSEHOLD_HEADERS = frozenset(col.header for col in HOUSEHOLD_COLUMNS)
# What a group of households shares — a village's code, its urban or rural class, a day of declarations — staff
# merge down the whole village's rows (field test 1): each household reads the top-left value, as within one.
SHARED_HEADERS = frozenset({"区划代码", "城乡类别", "申报日期"})
# The rest is one household's own (its number, its address): merged into another household's rows, refused.
OWN_HEADERS = HOUSEHOLD_HEADERS - SHARED_HEADERS
SHOWN = 3  # households or rows named in one reason


class LineLike(Protocol):
    number: int
    cells: tuple
    household_no: str | None
    household_ok: bool
    person: bool


@dataclass
class Spans:
    """The rows at fault (row number → (column, reason)) and the rows whose 户编号 came from a faulty merge."""

    faults: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    unnumbered: set[int] = field(default_factory=set)

    def add(self, rows: Iterable[int], header: str, reason: str) -> None:
        for number in rows:
            self.faults.setdefault(number, []).append((header, reason))


def check_merges(sheet: Sheet, lines: list[LineLike]) -> Spans:
    """The merges of household columns that cross households; the rows numbered by a faulty 户编号 merge lose
    that number (``household_no`` None, so that they are grouped as rows without one)."""
    spans = Spans()
    merges = [merge for merge in sheet.merges if merge.header in OWN_HEADERS]
    if not merges:
        return spans
    by_number = {line.number: line for line in lines}
    index = {h: i for i, h in enumerate(sheet.headers)}
    for merge in (m for m in merges if m.header == HH_NO):
        covered = [by_number[n] for n in merge.rows if n in by_number]
        why = _numbers_differ(merge, covered) or _rows_differ(covered, index)
        if why:
            spans.add([line.number for line in covered], HH_NO, t(
                "the merged cell {ref} of 户编号 runs over rows of more than one household: {why}; merge 户编号 "
                "over one household's rows only and give each household its own", ref=merge.ref, why=why))
            for line in covered:
                if line.number in merge.filled:
                    line.household_no, line.household_ok = None, False
                    spans.unnumbered.add(line.number)
    for merge in (m for m in merges if m.header != HH_NO):
        covered = [by_number[n] for n in merge.rows if n in by_number]
        numbers = list(dict.fromkeys(line.household_no for line in covered if line.household_no is not None))
        if len(numbers) > 1:
            spans.add([line.number for line in covered], merge.header, t(
                "the merged cell {ref} of {column} runs over the rows of {count} households ({households}): "
                "merge it over one household's rows only, and give each household its own {column}",
                ref=merge.ref, column=merge.header, count=len(numbers), households=_some(numbers)))
    return spans


def _numbers_differ(merge: Merge, covered: list[LineLike]) -> str | None:
    """Rows of the range that keep a 户编号 of their own, other than the merged one."""
    typed = [line for line in covered if line.number not in merge.filled and line.household_no is not None]
    numbers = list(dict.fromkeys(line.household_no for line in typed))
    if len(numbers) < 2:
        return None
    return t("its rows carry the numbers {households}", households=_some(numbers))


def _rows_differ(covered: list[LineLike], index: dict[str, int]) -> str | None:
    """Rows of the range giving different values in another household column, or two heads of household."""
    for col in HOUSEHOLD_COLUMNS[1:]:
        if col.header not in index:
            continue
        seen: dict[Any, int] = {}
        for line in covered:
            value = _parsed(col.header, _cell(line, index[col.header]))
            if value is not None:
                seen.setdefault(value, line.number)
        if len(seen) > 1:
            rows = list(seen.values())
            return t("they differ in {column} (rows {rows})", column=col.header, rows=_some(rows))
    if RELATION in index:
        heads = [line.number for line in covered
                 if line.person and _parsed(RELATION, _cell(line, index[RELATION])) == Relation.head]
        if len(heads) > 1:
            return t("it covers {count} heads of household (rows {rows})", count=len(heads), rows=_some(heads))
    return None


def _cell(line: LineLike, i: int) -> Any:
    return line.cells[i] if i < len(line.cells) else None


def _parsed(header: str, raw: Any) -> Any:
    """The cell's value, or None when blank or unreadable (the row's own parse reports that)."""
    if is_blank(raw):
        return None
    try:
        return BY_HEADER[header].parse(raw)
    except ValueError:
        return None


def _some(values: list) -> str:
    shown = "、".join(str(v) for v in values[:SHOWN])
    return shown + ("…" if len(values) > SHOWN else "")
