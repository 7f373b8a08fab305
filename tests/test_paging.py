"""Page counting, written once (``jiuzhu.paging``) for every paged list: the households found, the audit log, the
worklists, and the pagers of their pages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiuzhu import paging
from jiuzhu.errors import JiuzhuError


@given(total=st.integers(0, 2_000), per_page=st.integers(1, 150))
def test_the_pages_hold_every_row_once_and_the_last_one_is_not_empty(total, per_page):
    pages = paging.page_count(total, per_page)
    rows = [r for page in range(1, pages + 1)
            for r in range(paging.first_row(page, per_page), min(paging.first_row(page, per_page) + per_page, total))]
    assert rows == list(range(total))
    assert pages == 0 or paging.first_row(pages, per_page) < total  # no empty page at the end


@given(total=st.integers(1, 5_000), per_page=st.integers(1, 100), data=st.data())
def test_a_pager_shows_the_first_the_last_and_the_pages_around_the_current_one(total, per_page, data):
    last = paging.page_count(total, per_page)
    page = data.draw(st.integers(1, last))
    shown = paging.pager(page, total, per_page)
    assert shown == sorted(set(shown)) and shown[0] == 1 and shown[-1] == last and page in shown
    assert all(n in shown for n in range(max(1, page - 2), min(last, page + 2) + 1))
    assert len(shown) <= 2 + 2 * paging.AROUND + 1


def test_no_row_no_page():
    assert paging.page_count(0, 20) == 0 and paging.pager(1, 0, 20) == []


@pytest.mark.parametrize(("page", "per_page", "field"), [(0, 20, "page"), (-3, 20, "page"), (1, 0, "per_page"),
                                                         (1, 101, "per_page")])
def test_a_page_out_of_bounds_is_refused_naming_the_input(page, per_page, field):
    with pytest.raises(JiuzhuError) as caught:
        paging.check_page(page, per_page, most=100)
    assert caught.value.field == field and field in caught.value.message


def test_a_page_in_bounds_is_kept():
    assert paging.check_page(3, 100, most=100) == (3, 100)
