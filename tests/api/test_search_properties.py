"""Laws of the scoped search (``registry.search.find_households``, what the API's search calls):

- pages: the pages of a search, concatenated, are the whole result in order, each household once, and every
  page says the same total;
- scope: whatever the account's area and the name asked, the result is exactly the households of that area whose
  members' names contain it (computed here from the documents), never one outside.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiuzhu.access import Principal, Role
from jiuzhu.db import session_scope
from jiuzhu.registry import areas, search
from tests.api.conftest import LONGTANZI, TIESHAN, TIESHAN_VILLAGE, household

AREAS = [TIESHAN, TIESHAN_VILLAGE, LONGTANZI, "500101001"]
SCOPES = ["500111", TIESHAN, TIESHAN_VILLAGE, LONGTANZI, "500101", "500101001"]
DOCS = [household(f"{AREAS[i % 4][:9]}-2{i:05d}", AREAS[i % 4], 10 + i) for i in range(11)]
for i, doc in enumerate(DOCS):  # names that differ between households, sharing characters
    for k, member in enumerate(doc["members"]):
        member["name"] = "王李张刘陈"[i % 5] + "秀英德福明华"[(i + k) % 6] + ("军" if i % 3 == 0 else "")

FIXTURE_OK = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _principal(scope: str) -> Principal:
    return Principal(f"u{scope}", Role.DISTRICT_OFFICER if len(scope) == 6 else Role.TOWNSHIP_CASEWORKER, scope,
                     (areas.prefix(scope),))


@FIXTURE_OK
@given(scope=st.sampled_from(SCOPES), per_page=st.integers(1, 5))
def test_pages_concatenated_are_the_whole_result(api, scope, per_page):
    _fill(api)
    who = _principal(scope)
    with session_scope(api.engine) as session:
        whole = search.find_households(session, who, per_page=100)
        pages, page = [], 1
        while True:
            found = search.find_households(session, who, page=page, per_page=per_page)
            assert found.total == whole.total
            if not found.items:
                break
            assert len(found.items) <= per_page
            pages += found.items
            page += 1
    numbers = [item["household_no"] for item in pages]
    assert numbers == [item["household_no"] for item in whole.items]
    assert len(numbers) == len(set(numbers)) == whole.total
    assert page - 1 == -(-whole.total // per_page)


@FIXTURE_OK
@given(scope=st.sampled_from(SCOPES), name=st.text(alphabet="王李张刘陈秀英德福明华军", min_size=1, max_size=2))
def test_a_name_search_finds_exactly_the_matching_households_inside_the_area(api, scope, name):
    _fill(api)
    with session_scope(api.engine) as session:
        found = search.find_households(session, _principal(scope), name=name, per_page=100)
    expected = sorted(d["household_no"] for d in DOCS if d["area_code"].startswith(areas.prefix(scope))
                      and any(name in m["name"] for m in d["members"]))
    assert [item["household_no"] for item in found.items] == expected
    assert all(item["area_code"].startswith(areas.prefix(scope)) for item in found.items)


def _fill(api) -> None:
    if not getattr(api, "filled", False):
        api.put(*DOCS)
        api.filled = True
