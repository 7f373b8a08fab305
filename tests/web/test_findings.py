"""Newcomer findings on the web application (issue 12): each test fails without its fix."""

from __future__ import annotations

import re

from tests.web.conftest import OTHER_TOWNSHIP, csrf_of
from tests.web.test_work import _run_jobs

# --------------------------------------------------------------------------- an area outside the account's (9)


def test_a_worklist_filtered_by_an_area_outside_the_account_s_is_refused_as_a_search_is(signed_in, zh):
    client = signed_in("caseworker")
    worklist = client.get(f"/discovery?area={OTHER_TOWNSHIP}")
    search = client.get(f"/households?area={OTHER_TOWNSHIP}")
    refusal = re.compile(rf'role="alert"[^>]*>([^<]*{OTHER_TOWNSHIP}[^<]*)<')
    assert refusal.search(worklist.text) and 'data-testid="worklist-card"' not in worklist.text
    assert refusal.search(worklist.text).group(1) == refusal.search(search.text).group(1)


# --------------------------------------------------------------------------- 政策测算 by township: totals (1)


def _figures(html: str, testid: str) -> dict[str, list[str]]:
    """programme → the row's cells after the programme's name, of the rows marked ``testid``."""
    out = {}
    for programme, row in re.findall(rf'<tr data-testid="{testid}" data-programme="(\w+)">(.*?)</tr>', html, re.S):
        cells = re.findall(r'<td[^>]*data-label="([^"]+)"[^>]*>([^<]*)</td>', row)
        out[programme] = [value.strip() for label, value in cells if label not in ("乡镇（街道）", "救助项目")]
    return out


def test_the_what_if_by_township_adds_up_to_the_programme_totals_above_it(signed_in, district, zh):
    client = signed_in("district")
    page = client.get("/whatif?month=2025-08")
    started = client.post("/whatif", data={"csrf_token": csrf_of(page.text), "month": "2025-08",
                                           "parameter": ["dibao.line.urban", "dibao.line.rural"],
                                           "value": ["1200", "900"]})
    job = started.headers["location"].rsplit("/", 1)[-1]
    _run_jobs(district)
    done = client.get(f"/jobs/{job}").text
    assert 'data-status="done"' in done
    programmes, totals = _figures(done, "whatif-row"), _figures(done, "whatif-township-total")
    moved = {p: cells for p, cells in programmes.items() if any(c not in ("0", "0.00 元") for c in cells)}
    assert moved and totals == moved  # cost before and after, households eligible, newly and no longer eligible
    assert len(_figures(done, "whatif-township-row")) >= 1 and "合计" in done.split('data-testid="whatif-townships"')[1]


# --------------------------------------------------------------------------- worklist numbers (2)


def test_a_district_worklist_is_numbered_on_from_township_to_township_and_page_to_page(signed_in, zh):
    client = signed_in("district")
    first, second = client.get("/discovery?p=1").text, client.get("/discovery?p=2").text
    numbers = [int(n) for n in re.findall(r'data-testid="entry-position">(\d+)<', first + second)]
    total = int(re.search(r'data-testid="worklist-count">共 ([\d,]+) 条', first).group(1).replace(",", ""))
    assert numbers == list(range(1, min(total, 40) + 1))
    ranks = re.findall(r'data-testid="entry-rank">(\S+?)工作簿第 (\d+) 名<', first + second)
    townships = [name for name, _ in ranks]
    assert len(set(townships)) > 1, "the district's list should span townships"
    for town in set(townships):  # the workbook's 排名 starts again at 1 in each township, and says so
        assert next(int(r) for name, r in ranks if name == town) == 1


# --------------------------------------------------------------------------- times say their zone (5)

MINUTE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d(?!（北京时间）)")  # a time not followed by its zone
SHOWN = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d（北京时间）")


def test_every_time_on_the_pages_is_in_beijing_time_and_says_so(signed_in, district, zh):
    caseworker = signed_in("caseworker")
    page = caseworker.get("/discovery")
    entry = re.search(r'data-testid="worklist-card" data-entry="(\d+)"', page.text).group(1)
    recorded = caseworker.post(f"/discovery/entries/{entry}/outcome",
                               data={"csrf_token": csrf_of(page.text), "outcome": "visited"},
                               headers={"HX-Request": "true", "HX-Target": f"outcome-{entry}"})
    pages = {"outcome": recorded.text, "worklist": caseworker.get("/discovery").text,
             "history": _history([{"at": "2026-11-30T04:05:00+00:00", "actor": "wang", "reason": "导入",
                                   "field": "地址", "old_text": "甲", "new_text": "乙"}])}
    pages["dashboard"] = signed_in("district").get("/").text
    pages["audit"] = signed_in("auditor").get("/audit").text
    pages["users"] = signed_in("admin").get("/users").text
    for name, html in pages.items():
        assert SHOWN.search(html), f"{name}: no time shown"
        assert not MINUTE.search(html), f"{name}: {MINUTE.search(html).group(0)} says no zone"


def _history(changes: list[dict]) -> str:
    """一户一档's 变更记录 tab for ``changes`` (the registry gives each change's time as ISO 8601 text in UTC)."""
    from jiuzhu.web.render import ENVIRONMENT

    return ENVIRONMENT.get_template("households/_history.html").render(changes=changes)


def test_a_change_is_shown_at_its_beijing_time(zh):
    assert "2026-11-30 12:05（北京时间）" in _history([{"at": "2026-11-30T04:05:00+00:00", "actor": "wang",
                                                      "field": "地址", "old_text": "甲", "new_text": "乙"}])


def test_the_audit_page_s_dates_are_the_bureau_s_days(signed_in, zh):
    """A row shown at 2026-11-30 07:00（北京时间） is on the 30th for whoever filters by date on the page (in UTC it
    was still the 29th)."""
    client = signed_in("auditor")
    rows = re.findall(r"(\d{4}-\d\d-\d\d) \d\d:\d\d（北京时间）", client.get("/audit").text)
    day = rows[0]
    that_day = client.get(f"/audit?since={day}&until={day}").text
    shown = re.findall(r"(\d{4}-\d\d-\d\d) \d\d:\d\d（北京时间）", that_day)
    assert shown and set(shown) == {day}


ISO_MOMENT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?$")


def _moments(document) -> list[str]:
    if isinstance(document, dict):
        return [m for v in document.values() for m in _moments(v)]
    if isinstance(document, list):
        return [m for v in document for m in _moments(v)]
    return [document] if isinstance(document, str) and ISO_MOMENT.match(document) else []


def test_every_time_the_api_gives_is_iso_8601_with_its_offset(signed_in, zh):
    caseworker = signed_in("caseworker")
    page = caseworker.get("/discovery")
    entry = re.search(r'data-testid="worklist-card" data-entry="(\d+)"', page.text).group(1)
    caseworker.post(f"/discovery/entries/{entry}/outcome", data={"csrf_token": csrf_of(page.text),
                                                                 "outcome": "applied"})
    given = _moments(caseworker.get("/api/v1/worklists/unclaimed", params={"per_page": 200}).json())
    given += _moments(caseworker.get(f"/api/v1/worklists/entries/{entry}/outcomes").json())
    given += _moments(caseworker.get("/api/v1/jobs").json())
    given += _moments(signed_in("district").get("/api/v1/scans").json())
    given += _moments(signed_in("auditor").get("/api/v1/audit").json())
    given += _moments(signed_in("admin").get("/api/v1/users").json())
    assert len(given) > 10
    assert all(ISO_MOMENT.match(m).group(3) for m in given), [m for m in given if not ISO_MOMENT.match(m).group(3)]


# --------------------------------------------------------------------------- the site's icon (6)


def test_the_icon_is_served_from_our_own_files_and_linked_from_every_page(client, signed_in):
    from jiuzhu.web.app import STATIC

    icon = client.get("/favicon.ico")  # nobody signed in: a browser asks before anyone signs in
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content == (STATIC / "favicon.ico").read_bytes() and icon.content[:4] == b"\x00\x00\x01\x00"
    for html in (client.get("/login").text, signed_in("district").get("/").text):
        links = re.findall(r'<link rel="icon" href="([^"]+)"', html)
        assert links and all(href.startswith("/") for href in links)
        assert all(client.get(href).status_code == 200 for href in links)
    assert client.head("/favicon.ico").status_code == 200


# --------------------------------------------------------------------------- a failed job says so (7)


def test_a_failed_import_says_it_failed_and_why_on_its_page_and_in_the_api(signed_in, district, zh):
    import json

    from tests.conftest import EXAMPLE

    client = signed_in("caseworker")
    page = client.get("/imports")
    outside = {**json.loads(EXAMPLE.read_text(encoding="utf-8")), "household_no": f"{OTHER_TOWNSHIP}-X-1",
               "area_code": OTHER_TOWNSHIP}
    started = client.post("/imports", data={"csrf_token": csrf_of(page.text), "reason": "测试"},
                          files={"file": ("outside.jsonl", json.dumps(outside, ensure_ascii=False).encode(),
                                          "application/jsonl")})
    job = started.headers["location"].rsplit("/", 1)[-1]
    _run_jobs(district)
    shown = client.get(f"/jobs/{job}", headers={"HX-Request": "true"}).text
    api = client.get(f"/api/v1/jobs/{job}").json()
    assert api["status"] == "failed" and api["stage"] == f"失败：{api['error']}" and "以外" in api["stage"]
    assert "读取" not in api["stage"] and "\n" not in api["stage"]
    error = re.search(r'data-testid="job-error">([^<]*)<', shown).group(1)
    assert error == api["stage"]
