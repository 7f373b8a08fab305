"""工作台's charts in Chromium: every label a chart draws (axes, legend) stands clear of the others — at a desk
(1280 px) and on a phone (375 px). Township and programme names are long Chinese words; drawn side by side at
their full width they ran into each other (newcomer finding). The screenshots are kept for a person to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, watched
from tests.browser.test_journeys import sign_in

pytestmark = pytest.mark.browser

# Each text an ECharts SVG chart shows, as the four corners of its box on the screen (a label turned 45° has a
# turned box; a label hidden to avoid an overlap has none).
LABEL_CORNERS = """
(chart) => Array.from(chart.querySelectorAll('svg text')).filter((el) => {
  const style = getComputedStyle(el);
  return el.textContent.trim() && style.display !== 'none' && style.visibility !== 'hidden'
         && Number(el.getAttribute('opacity') ?? 1) > 0 && Number(style.opacity) > 0;
}).map((el) => {
  const b = el.getBBox(), m = el.getScreenCTM();
  const at = (x, y) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
  return {text: el.textContent, corners: [at(b.x, b.y), at(b.x + b.width, b.y), at(b.x + b.width, b.y + b.height),
                                          at(b.x, b.y + b.height)]};
}).filter((t) => t.corners.some(([x, y]) => x !== t.corners[0][0] || y !== t.corners[0][1]))
"""
SLACK = 1.5  # px two boxes may share: a glyph's box holds some space above and below its ink


def _apart(a: list, b: list) -> bool:
    """Whether two convex boxes (corners in order) are apart by more than -SLACK along one of their edges' normals
    (the separating axis theorem)."""
    for box in (a, b):
        for i in range(4):
            (x1, y1), (x2, y2) = box[i], box[(i + 1) % 4]
            nx, ny = y1 - y2, x2 - x1
            length = (nx * nx + ny * ny) ** 0.5 or 1.0
            pa = [(x * nx + y * ny) / length for x, y in a]
            pb = [(x * nx + y * ny) / length for x, y in b]
            if min(max(pa), max(pb)) - max(min(pa), min(pb)) <= SLACK:
                return True
    return False


def _overlapping(labels: list[dict]) -> list[tuple[str, str]]:
    return [(a["text"], b["text"]) for i, a in enumerate(labels) for b in labels[i + 1:]
            if not _apart(a["corners"], b["corners"])]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_label_of_a_dashboard_chart_runs_into_another(chromium_browser, live_server, shots, viewport):
    context = chromium_browser.new_context(viewport=viewport, locale="zh-CN", base_url=live_server.url)
    page = watched(context)
    try:
        sign_in(page, live_server.account("district_officer"))
        page.goto("/")
        charts = page.locator("[data-chart]")
        expect(charts.first.locator("svg")).to_be_attached()
        count = charts.count()
        assert count == 4
        for i in range(count):
            expect(charts.nth(i).locator("svg text").first).to_be_attached()
        page.wait_for_timeout(1200)  # ECharts' entry animation: labels are placed once it ends
        shots.take(page, "dashboard")
        clashes = {}
        for i in range(count):
            chart = charts.nth(i)
            chart.screenshot(path=str(shots.folder / f"{shots.test}-chart{i + 1}-{viewport['width']}px.png"))
            labels = chart.evaluate(LABEL_CORNERS)
            assert labels, f"chart {i} shows no label"
            box = chart.bounding_box()
            cut = [t["text"] for t in labels if any(x < box["x"] - 1 or x > box["x"] + box["width"] + 1
                                                    for x, _ in t["corners"])]
            if _overlapping(labels) or cut:
                clashes[chart.get_attribute("aria-label")] = {"overlap": _overlapping(labels)[:6], "cut": cut[:6]}
        assert not clashes, clashes
        assert not page.script_errors, page.script_errors
    finally:
        context.close()
