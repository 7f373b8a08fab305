"""Fixtures of the browser journeys: Debian's Chromium driven by Playwright, and screenshots kept as artefacts.

Chromium is Debian's (``/usr/bin/chromium``, installed by ``./dev test``; ``JIUZHU_CHROMIUM`` names another): the
Playwright wheel carries its driver but no browser, and downloading one is not possible on every machine. A missing
browser fails the tests, never skips them: CI must show that the journeys ran.

Screenshots go to ``tests/browser/artefacts/`` (git-ignored, emptied at the start of each session), one PNG per
step and width: ``<test>-<step>-desktop.png`` (1280×800) and ``…-phone.png`` (375×812).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.pgserver import free_port

CHROMIUM = Path(os.environ.get("JIUZHU_CHROMIUM", "/usr/bin/chromium"))
# No sandbox: CI runs as root in a container, where Chromium's sandbox cannot start. The rest keeps the browser
# from calling out to the network (updates, sync, QUIC probes), which the journeys never need.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--lang=zh-CN"]  # the browser's own language too (date fields, messages), as township staff have it
ARTEFACTS = Path(__file__).resolve().parent / "artefacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="package")
def artefacts() -> Path:
    shutil.rmtree(ARTEFACTS, ignore_errors=True)
    ARTEFACTS.mkdir(parents=True)
    return ARTEFACTS


@pytest.fixture(scope="package")
def chromium_browser():
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: ./dev test installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Shots:
    """Takes the screenshots of one test: ``shots.take(page, "step")`` → artefacts/<test>-<step>-<width>.png.
    Each step also notes whether the page is wider than the window (at 375 px: sideways scrolling to read it);
    the test fails on it at its end, after every screenshot is taken."""

    def __init__(self, folder: Path, test: str):
        self.folder, self.test, self.taken, self.too_wide = folder, re.sub(r"[^\w.-]+", "_", test), [], []

    def take(self, page, step: str, *, full_page: bool = True) -> Path:
        width = "phone" if page.viewport_size["width"] < 600 else "desktop"
        path = self.folder / f"{self.test}-{step}-{width}.png"
        wide, window = page.evaluate("document.documentElement.scrollWidth"), page.viewport_size["width"]
        if wide > window + 1:
            self.too_wide.append(f"{path.name}: the page is {wide} px wide in a {window} px window")
        page.screenshot(path=str(path), full_page=full_page)
        self.taken.append(path)
        return path


@pytest.fixture
def shots(artefacts, request):
    taker = Shots(artefacts, request.node.originalname.removeprefix("test_"))
    yield taker
    assert not taker.too_wide, taker.too_wide


# --------------------------------------------------------------------------- the application, served for real

DEMO_HOUSEHOLDS = 300  # enough for every township of the district to hold some, and a scan with both lists
ACCOUNTS = """
import json
from jiuzhu.cli.context import open_registry
from jiuzhu.db import session_scope
from jiuzhu.accounts import service
engine = open_registry()
with session_scope(engine) as session:
    made = service.ensure_demo_accounts(session, district="500111")
print(json.dumps([{"username": a.username, "password": a.password, "role": str(a.role), "area_code": a.area_code}
                  for a in made], ensure_ascii=False))
"""


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    role: str
    area_code: str


@dataclass
class LiveServer:
    url: str
    home: Path
    accounts: dict[str, Account]  # by role
    log: Path

    def account(self, role: str) -> Account:
        return self.accounts[role]


def _run(args: list[str], env: dict, what: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        pytest.fail(f"{what} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done


def _wait_until_answering(url: str, process: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"jiuzhu serve exited with {process.returncode}:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            with urllib.request.urlopen(url + "/api/v1/session", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # 401: it answers
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"jiuzhu serve did not answer within {seconds} s:\n{log.read_text(errors='replace')[-4000:]}")


@pytest.fixture(scope="package")
def live_server(tmp_path_factory) -> LiveServer:
    """``jiuzhu serve`` in a subprocess on a free loopback port, over a home of its own: the demo district
    (``jiuzhu demo --households 300 --no-serve``: synthesised, loaded and scanned once), one demo account per role
    (``accounts.service.ensure_demo_accounts``), Chinese the language. The server runs its job worker, as in use."""
    home = tmp_path_factory.mktemp("web-home")
    env = {**os.environ, "JIUZHU_HOME": str(home), "JIUZHU_LANG": "zh", "JIUZHU_ACTOR": "browser-tests"}
    env.pop("JIUZHU_DATABASE_URL", None)
    _run(["-m", "jiuzhu.cli.main", "demo", "--households", str(DEMO_HOUSEHOLDS), "--no-serve"], env, "jiuzhu demo")
    made = json.loads(_run(["-c", ACCOUNTS], env, "the demo accounts").stdout)
    accounts = {a["role"]: Account(**a) for a in made}
    port = free_port()
    log = home / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "jiuzhu.cli.main", "serve", "--port", str(port)],
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(url, process, log)
        yield LiveServer(url=url, home=home, accounts=accounts, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if ARTEFACTS.exists():
            shutil.copy(log, ARTEFACTS / "serve.log")


def watched(context):
    """A page of ``context`` whose script errors are collected: a page that throws is broken even when the
    journey's clicks happen to pass. (Answers with an error status are the journeys' to judge: a refusal is one.)"""
    page = context.new_page()
    page.script_errors = []
    page.on("pageerror", lambda error: page.script_errors.append(str(error)))
    page.on("console", lambda message: page.script_errors.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text else None)
    return page


@pytest.fixture
def desktop(chromium_browser, live_server):
    context = chromium_browser.new_context(viewport=DESKTOP, locale="zh-CN", base_url=live_server.url)
    context.set_default_timeout(20_000)
    page = watched(context)
    yield page
    context.close()
    assert not page.script_errors, page.script_errors


@pytest.fixture
def phone(chromium_browser, live_server):
    context = chromium_browser.new_context(viewport=PHONE, locale="zh-CN", base_url=live_server.url, is_mobile=True,
                                           has_touch=True, device_scale_factor=1)
    context.set_default_timeout(20_000)
    page = watched(context)
    yield page
    context.close()
    assert not page.script_errors, page.script_errors


# --------------------------------------------------------------------------- the departments, for 核对

DEPARTMENTS_KID = "jiuzhu-500111-browser"


@dataclass
class Departments:
    """The department simulator answering from the live server's demo district; the server's home's
    ``exchange/sources.toml`` points at it (the server's runner reads it at its first verification)."""

    ready: dict
    token: str

    def configure(self, changes: dict) -> None:
        """Faults ({defaults: {...}, endpoint: {name: {...}}}), as docs/exchange.md's admin route takes them."""
        request = urllib.request.Request(self.ready["admin"] + "/_sim/config", data=json.dumps(changes).encode(),
                                         method="POST", headers={"Authorization": f"Bearer {self.token}",
                                                                 "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200


@pytest.fixture(scope="package")
def departments(live_server: LiveServer, tmp_path_factory):
    """``jiuzhu.cli.simulate`` on free loopback ports over the demo's synthetic district (its departments'
    records), trusting the server's key (made here in the server's home, as ``jiuzhu exchange keys`` would)."""
    from jiuzhu.exchange import keys

    data = next((live_server.home / "synth").glob("500111-*"), None)
    if data is None or not (data / "departments").is_dir():
        pytest.fail(f"the demo left no departments' records under {live_server.home / 'synth'}")
    ours = keys.load_or_create(DEPARTMENTS_KID, live_server.home / "exchange" / "keys")
    root = tmp_path_factory.mktemp("departments")
    jwks = root / "requester.jwks.json"
    jwks.write_text(json.dumps(keys.jwks({DEPARTMENTS_KID: ours.public_key()})), encoding="utf-8")
    state = root / "state"
    log = (root / "simulator.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jiuzhu.cli.simulate", "--data", str(data), "--requesters", str(jwks), "--state",
         str(state), "--port-base", "0", "--write-sources", str(live_server.home / "exchange" / "sources.toml"),
         "--seed", "7"], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while not (state / "ready.json").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("the simulator did not start: " + (root / "simulator.log").read_text())
        time.sleep(0.1)
    yield Departments(json.loads((state / "ready.json").read_text(encoding="utf-8")),
                      (state / "admin.token").read_text().strip())
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()
    if ARTEFACTS.exists():
        shutil.copy(root / "simulator.log", ARTEFACTS / "simulator.log")
