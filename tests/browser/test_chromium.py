"""The plumbing of the browser journeys, proven without the application: Debian's Chromium starts under Playwright,
loads a page from a local server, renders Chinese text and is screenshot at both widths."""

from __future__ import annotations

import http.server
import shutil
import struct
import subprocess
import threading
from functools import partial

import pytest

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>救助系统</title></head>
<body style="font-family: 'Noto Sans CJK SC', sans-serif"><h1 id="greeting">社会救助 · 政策找人</h1></body></html>"""


@pytest.fixture
def static_site(tmp_path):
    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def png_size(path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_chromium_loads_and_screenshots_a_local_page(chromium_browser, static_site, shots, viewport):
    context = chromium_browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto(static_site + "/index.html")
    assert page.title() == "救助系统"
    heading = page.locator("#greeting")
    assert heading.inner_text() == "社会救助 · 政策找人"
    path = shots.take(page, "static", full_page=False)
    assert png_size(path) == (viewport["width"], viewport["height"])
    context.close()


def test_a_chinese_font_is_installed():
    """Without one every Chinese character is drawn as a box and the screenshots prove nothing (./dev test installs
    fonts-noto-cjk)."""
    assert shutil.which("fc-list"), "fontconfig is missing (Chromium's Debian package brings it)"
    families = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=True).stdout
    assert families.strip(), "no font covers Chinese: apt-get install fonts-noto-cjk (./dev test does)"
