"""Pages of a long list, written once for every list that has them (households found, audit rows, worklist entries,
the pages' pagers):

    check_page(page, per_page, most=...)  -> (page, per_page), or one line naming the input out of bounds
    first_row(page, per_page)             -> how many rows come before the page (the query's OFFSET)
    page_count(total, per_page)           -> how many pages ``total`` rows fill (0 for none)
    pager(page, total, per_page)          -> the page numbers a pager shows: the first, the last, and two each
                                             side of the current one

Core: imports no capability (.importlinter), so that registry, audit, discovery and the faces can share it.
"""

from __future__ import annotations

from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import N_, t

BAD_PAGE = N_("must be a whole number from 1")
BAD_PER_PAGE = N_("must be a whole number from 1 to {max}")
AROUND = 2  # page numbers a pager shows each side of the current one


def check_page(page: int, per_page: int, *, most: int) -> tuple[int, int]:
    """``(page, per_page)`` when page is 1 or more and per_page from 1 to ``most``; else the input at fault is
    refused (field ``page`` or ``per_page``)."""
    if page < 1:
        raise JiuzhuError(f"page: {t(BAD_PAGE)}", field="page")
    if not 1 <= per_page <= most:
        raise JiuzhuError(f"per_page: {t(BAD_PER_PAGE, max=most)}", field="per_page")
    return page, per_page


def first_row(page: int, per_page: int) -> int:
    """The rows before ``page`` (from 1): where the page starts."""
    return (page - 1) * per_page


def page_count(total: int, per_page: int) -> int:
    """The pages ``total`` rows fill at ``per_page`` a page (the last one may be short); none for no row."""
    return -(-max(total, 0) // per_page)


def pager(page: int, total: int, per_page: int, *, around: int = AROUND) -> list[int]:
    """The page numbers a pager shows, ascending: the first, the last, and ``around`` each side of ``page``
    (``[1]`` when every row fits on one page, ``[]`` when there is none)."""
    last = page_count(total, per_page)
    return [n for n in range(1, last + 1) if n in (1, last) or abs(n - page) <= around]
