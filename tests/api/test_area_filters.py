"""An area given as a filter or a scope outside the account's area is refused the same way on every route that
takes one (``registry.areas.check_within``): 403, the one error body naming the area and the input — never an
empty answer that would pass for "nothing there" (newcomer finding: the worklists answered 200 and no entry
where the search answered 403)."""

from __future__ import annotations

from tests.api.test_jobs_api import district_db  # noqa: F401  (the shared district fixture)
from tests.api.test_worklists_api import scanned  # noqa: F401  (the scanned district, a fixture)
from tests.jobs.district import DISTRICT, MONTH

ELSEWHERE = "500101001"  # a township of 万州区: served by the installation, outside 大足区




def _routes(other: str) -> list[tuple[str, str, dict, str]]:
    """(method, path, query or body, the input named) of every route taking an area."""
    return [
        ("GET", "/api/v1/households", {"area": other}, "area"),
        ("GET", "/api/v1/worklists/unclaimed", {"area": other}, "area"),
        ("GET", "/api/v1/worklists/ineligible", {"area": other}, "area"),
        ("GET", "/api/v1/exports/ledger", {"area": other, "month": MONTH, "format": "csv"}, "area"),
        ("GET", "/api/v1/areas", {"parent": other}, "parent"),
        ("POST", "/api/v1/scans", {"month": MONTH, "area": other}, "area"),
    ]


def _ask(client, method: str, path: str, values: dict):
    return client.get(path, params=values) if method == "GET" else client.post(path, json=values)


def test_every_area_filter_outside_the_account_s_area_is_refused_alike(scanned, zh):  # noqa: F811
    township, other = scanned.townships
    caseworker = scanned.user("wang", "township_caseworker", township)
    for method, path, values, field in _routes(other):
        refused = _ask(caseworker, method, path, values)
        body = refused.json()
        assert (refused.status_code, body["code"], body["field"]) == (403, "forbidden", field), (path, body)
        assert other in body["message"] and "wang" in body["message"], (path, body)
    for method, path, values, _ in _routes(township):  # its own area: answered
        if method == "GET":
            assert _ask(caseworker, method, path, values).status_code == 200, path


def test_a_what_if_of_another_district_is_refused_like_a_search_of_it(scanned, zh):  # noqa: F811
    officer = scanned.user("zhou", "district_officer", DISTRICT)
    whatif = officer.post("/api/v1/whatif", json={"changes": ["dibao.line.urban=1200"], "month": MONTH,
                                                  "area": ELSEWHERE})
    search = officer.get("/api/v1/households", params={"area": ELSEWHERE})
    assert whatif.status_code == search.status_code == 403
    assert whatif.json()["field"] == search.json()["field"] == "area"
    assert whatif.json()["message"] == search.json()["message"]


def test_a_village_worker_filtering_its_own_village_is_answered_and_its_neighbour_refused(scanned, zh):  # noqa: F811
    everything = scanned.user("zhou", "district_officer", DISTRICT).get(
        "/api/v1/worklists/unclaimed", params={"per_page": 200}).json()["items"]
    villages = sorted({e["area_code"] for e in everything if len(e["area_code"]) > 9})
    assert len(villages) >= 2, "the synthetic district lists entries in fewer than two villages"
    phone = scanned.user("li.na", "community_worker", villages[0])
    mine = phone.get("/api/v1/worklists/unclaimed", params={"area": villages[0]})
    assert mine.status_code == 200 and mine.json()["total"] > 0
    assert phone.get("/api/v1/worklists/unclaimed", params={"area": villages[1]}).status_code == 403
