"""Fixtures of the browser journeys: Debian's Chromium driven by Playwright, and screenshots kept as artefacts.

Chromium is Debian's (``/usr/bin/chromium``, installed by ``./dev test``; ``JIUZHU_CHROMIUM`` names another): the
Playwright wheel carries its driver but no browser, and downloading one is not possible on every machine. A missing
browser fails the tests, never skips them: CI must show that the journeys ran.

Screenshots go to ``tests/browser/artefacts/`` (git-ignored, emptied at the start of each session), one PNG per
step and width: ``<test>-<step>-desktop.png`` (1280×800) and ``…-phone.png`` (375×812).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("JIUZHU_CHROMIUM", "/usr/bin/chromium"))
# No sandbox: CI runs as root in a container, where Chromium's sandbox cannot start. The rest keeps the browser
# from calling out to the network (updates, sync, QUIC probes), which the journeys never need.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTEFACTS = Path(__file__).resolve().parent / "artefacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="session")
def artefacts() -> Path:
    shutil.rmtree(ARTEFACTS, ignore_errors=True)
    ARTEFACTS.mkdir(parents=True)
    return ARTEFACTS


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: ./dev test installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Shots:
    """Takes the screenshots of one test: ``shots.take(page, "step")`` → artefacts/<test>-<step>-<width>.png."""

    def __init__(self, folder: Path, test: str):
        self.folder, self.test, self.taken = folder, re.sub(r"[^\w.-]+", "_", test), []

    def take(self, page, step: str, *, full_page: bool = True) -> Path:
        width = "phone" if page.viewport_size["width"] < 600 else "desktop"
        path = self.folder / f"{self.test}-{step}-{width}.png"
        page.screenshot(path=str(path), full_page=full_page)
        self.taken.append(path)
        return path


@pytest.fixture
def shots(artefacts, request) -> Shots:
    return Shots(artefacts, request.node.originalname.removeprefix("test_"))
