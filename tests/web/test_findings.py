"""Newcomer findings on the web application (issue 12): each test fails without its fix."""

from __future__ import annotations

import re

from tests.web.conftest import OTHER_TOWNSHIP

# --------------------------------------------------------------------------- an area outside the account's (9)


def test_a_worklist_filtered_by_an_area_outside_the_account_s_is_refused_as_a_search_is(signed_in, zh):
    client = signed_in("caseworker")
    worklist = client.get(f"/discovery?area={OTHER_TOWNSHIP}")
    search = client.get(f"/households?area={OTHER_TOWNSHIP}")
    refusal = re.compile(rf'role="alert"[^>]*>([^<]*{OTHER_TOWNSHIP}[^<]*)<')
    assert refusal.search(worklist.text) and 'data-testid="worklist-card"' not in worklist.text
    assert refusal.search(worklist.text).group(1) == refusal.search(search.text).group(1)
