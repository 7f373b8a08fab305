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


# --------------------------------------------------------------------------- 政策测算 by township: totals (1)


def _run_jobs(district) -> None:
    from jiuzhu.db import make_engine
    from jiuzhu.jobs.worker import Worker

    engine = make_engine(district.url)
    try:
        while Worker(engine, district.settings()).run_once() is not None:
            pass
    finally:
        engine.dispose()


def _figures(html: str, testid: str) -> dict[str, list[str]]:
    """programme → the row's cells after the programme's name, of the rows marked ``testid``."""
    out = {}
    for programme, row in re.findall(rf'<tr data-testid="{testid}" data-programme="(\w+)">(.*?)</tr>', html, re.S):
        cells = re.findall(r'<td[^>]*data-label="([^"]+)"[^>]*>([^<]*)</td>', row)
        out[programme] = [value.strip() for label, value in cells if label not in ("乡镇（街道）", "救助项目")]
    return out


def test_the_what_if_by_township_adds_up_to_the_programme_totals_above_it(signed_in, district, zh):
    from tests.web.conftest import csrf_of

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
