"""The caseworkers' journeys through the pages, in Chinese, in Debian's Chromium, against ``jiuzhu serve``.

Each journey signs in through the login form as the demo account of the role that does the work (one per role,
``accounts.service.ensure_demo_accounts``) and keeps a screenshot of each step (tests/browser/artefacts/). Elements
are found by their ``data-testid`` (the web's templates); texts asserted are the Chinese ones users read.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, Account, LiveServer, watched
from tests.conftest import FIELD_TEST_1

pytestmark = pytest.mark.browser

CHINESE = re.compile(r"[\u4e00-\u9fff]")
JOB_TIMEOUT_MS = 240_000  # a scan or a what-if of the demo district takes seconds; the machine may be busy


def sign_in(page: Page, account: Account) -> None:
    page.goto("/login")
    page.get_by_test_id("login-username").fill(account.username)
    page.get_by_test_id("login-password").fill(account.password)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("sign-out")).to_be_attached()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def households(server: LiveServer) -> list[tuple[str, str]]:
    """(household number, area code) of every household the server holds, read from its database."""
    with sqlite3.connect(server.home / "jiuzhu.db") as db:
        return db.execute("SELECT household_no, area_code FROM households ORDER BY household_no").fetchall()


def wait_for_job(page: Page, container: str) -> None:
    """Until the job shown in ``container`` (polled by htmx) has finished, then it must have succeeded."""
    job = page.get_by_test_id(container).get_by_test_id("job")
    expect(job).to_have_attribute("data-status", re.compile("done|failed"), timeout=JOB_TIMEOUT_MS)
    if job.get_attribute("data-status") == "failed":
        pytest.fail(f"the job failed: {job.get_by_test_id('job-error').inner_text()}")


# --------------------------------------------------------------------------- sign in


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_sign_in(chromium_browser, live_server, shots, viewport):
    context = chromium_browser.new_context(viewport=viewport, locale="zh-CN", base_url=live_server.url)
    page = watched(context)
    page.goto("/")  # nobody signed in: to 登录
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_test_id("login-form")).to_be_visible()
    shots.take(page, "form")
    officer = live_server.account("district_officer")
    page.get_by_test_id("login-username").fill(officer.username)
    page.get_by_test_id("login-password").fill("not the password")
    page.get_by_test_id("login-submit").click()
    error = page.get_by_test_id("login-error")
    expect(error).to_be_visible()
    assert CHINESE.search(error.inner_text()), error.inner_text()
    shots.take(page, "refused")
    sign_in(page, officer)
    expect(page.get_by_test_id("dashboard-stats")).to_be_visible()
    assert "工作台" in page.title()
    charts = page.locator("[data-chart]")
    assert charts.count() >= 3  # enrolment and money by programme, by month, by township; the scan's findings
    for i in range(charts.count()):  # each drawn (ECharts, served by the application), with room to be read
        expect(charts.nth(i).locator("svg")).to_be_attached()
        box = charts.nth(i).bounding_box()
        assert box and box["width"] >= 200 and box["height"] >= 150, (i, box)
    shots.take(page, "dashboard")
    context.close()
    assert not page.script_errors, page.script_errors


# --------------------------------------------------------------------------- 对象查询 and the explanation


def test_search_open_a_household_and_read_its_explanation(desktop, live_server, shots):
    caseworker = live_server.account("township_caseworker")
    sign_in(desktop, caseworker)
    desktop.get_by_test_id("nav-households").click()
    expect(desktop.get_by_test_id("search-form")).to_be_visible()
    mine = [no for no, area in households(live_server) if area.startswith(caseworker.area_code)]
    assert mine, f"the demo district has no household in {caseworker.area_code}"
    desktop.get_by_test_id("search-household-no").fill(mine[0])
    desktop.get_by_test_id("search-submit").click()
    rows = desktop.get_by_test_id("result-row")
    expect(rows).to_have_count(1)
    expect(desktop.get_by_test_id("result-count")).to_contain_text("1")
    shots.take(desktop, "found")

    # by area: every household found lies in the caseworker's township
    desktop.get_by_test_id("search-household-no").fill("")
    desktop.get_by_test_id("search-submit").click()
    expect(rows.first).to_be_visible()
    shown = rows.evaluate_all("rows => rows.map(r => r.dataset.household)")
    assert shown and set(shown) <= set(mine)
    shots.take(desktop, "township")

    rows.first.get_by_test_id("result-open").click()
    expect(desktop.get_by_test_id("household-tabs")).to_be_visible()
    members = desktop.get_by_test_id("member-row")
    expect(members.first).to_be_visible()
    id_numbers = desktop.get_by_test_id("member-id-number").all_inner_texts()
    assert id_numbers and all("*" in n for n in id_numbers), id_numbers  # masked
    shots.take(desktop, "household")

    desktop.get_by_test_id("tab-evaluation").click()
    explanation = desktop.get_by_test_id("explanation")
    expect(explanation).to_be_visible()
    programmes = explanation.get_by_test_id("programme")
    assert programmes.count() >= 5  # every programme, each with its verdict
    text = explanation.inner_text()
    assert "最低生活保障" in text and "特困" in text
    conditions = explanation.locator("[data-testid=conditions] li")
    assert conditions.count() >= 5
    laws = explanation.locator(".law").all_inner_texts()
    assert laws and any(re.search(r"第.+条", law) for law in laws), laws  # each condition cites its article
    shots.take(desktop, "explanation")

    desktop.get_by_test_id("tab-history").click()
    expect(desktop.get_by_test_id("tab-history")).to_have_attribute("aria-selected", "true")
    expect(desktop.get_by_test_id("tab-panel")).to_contain_text(re.compile("变更|没有"))
    shots.take(desktop, "history")


# --------------------------------------------------------------------------- 台账导入


def ledger_with_bad_rows(township: str, folder: Path) -> tuple[Path, dict[int, str]]:
    """Field test 1's clean ledger moved into ``township``, with two rows broken as township staff break them: an
    ID number mistyped and a negative deposit. Returns the file and the broken rows with their column."""
    book = openpyxl.load_workbook(FIELD_TEST_1 / "ledger-clean-same-households.xlsx")
    sheet = book.active
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) + 1 for name in header}
    for row in range(2, sheet.max_row + 1):
        for name in ("户编号", "区划代码", "户籍地区划代码", "家庭住址"):
            cell = sheet.cell(row, col[name])
            if isinstance(cell.value, str):
                cell.value = cell.value.replace("500111119", township)
    sheet.cell(3, col["身份证号"]).value = "51233019910218002"  # one digit short
    sheet.cell(5, col["存款"]).value = -2986.14
    path = folder / "乡镇台账（有错行）.xlsx"
    book.save(path)
    return path, {3: "身份证号", 5: "存款"}


def test_import_a_ledger_with_bad_rows_and_read_the_report(desktop, live_server, shots, tmp_path):
    caseworker = live_server.account("township_caseworker")
    ledger, broken = ledger_with_bad_rows(caseworker.area_code, tmp_path)
    sign_in(desktop, caseworker)
    desktop.get_by_test_id("nav-imports").click()
    expect(desktop.get_by_test_id("upload-form")).to_be_visible()
    desktop.get_by_test_id("upload-input").set_input_files(str(ledger))
    shots.take(desktop, "chosen")
    desktop.get_by_test_id("upload-submit").click()
    wait_for_job(desktop, "upload-job")
    counts = desktop.get_by_test_id("import-counts")
    expect(counts).to_be_visible()
    report = desktop.get_by_test_id("import-report")
    expect(report).to_be_visible()
    rows = report.get_by_test_id("report-row")
    reported = {}
    for text in rows.all_inner_texts():
        cells = [c.strip() for c in text.split("\t")]
        reported.setdefault(cells[0], []).append(text)
    for row, column in broken.items():
        assert str(row) in reported, (row, rows.all_inner_texts())
        assert any(column in line for line in reported[str(row)]), (row, column, reported[str(row)])
    assert all(CHINESE.search(t) for t in rows.all_inner_texts())
    # the good households were stored: 10 in the ledger, the 2 with a broken row kept out whole
    assert re.search(r"\b8\b", counts.inner_text()), counts.inner_text()
    download = desktop.get_by_test_id("download-rejects")
    expect(download).to_be_visible()
    shots.take(desktop, "report")
    rejects = desktop.request.get(download.get_attribute("href"))  # the signed-in browser's own cookie
    assert rejects.ok, rejects.status
    text = rejects.body().decode("utf-8-sig")
    for row, column in broken.items():
        assert re.search(rf"^{row},[^\n]*{column}", text, re.M), (row, column, text)


# --------------------------------------------------------------------------- 政策找人 on a phone


def test_run_a_scan_and_record_an_outreach_outcome_on_a_phone(phone, live_server, shots):
    caseworker = live_server.account("township_caseworker")
    sign_in(phone, caseworker)
    phone.goto("/discovery")
    expect(phone.get_by_test_id("scan-form")).to_be_visible()
    shots.take(phone, "outreach")
    phone.get_by_test_id("scan-submit").click()
    wait_for_job(phone, "scan-job")
    expect(phone.get_by_test_id("scan-totals")).to_be_visible()
    shots.take(phone, "scanned")
    run = phone.get_by_test_id("open-worklists").get_attribute("href").rsplit("=", 1)[1]
    phone.get_by_test_id("open-worklists").click()
    expect(phone).to_have_url(re.compile(rf"run={run}"))
    cards = phone.get_by_test_id("worklist-card")
    expect(cards.first).to_be_visible()
    workbook = phone.get_by_test_id("workbook-link").first
    assert f"/workbooks/{run}/" in workbook.get_attribute("href")
    answer = phone.request.get(workbook.get_attribute("href"))  # the township's outreach workbook
    assert answer.ok and answer.body()[:2] == b"PK", (answer.status, answer.headers)
    card = cards.first
    box = card.bounding_box()
    assert box["width"] <= PHONE["width"], box  # a card fits the phone's width: no sideways scrolling to read it
    shots.take(phone, "worklist")
    card.get_by_test_id("record-outcome").locator("summary").click()
    card.get_by_test_id("outcome-select").select_option("visited")
    card.get_by_test_id("outcome-note").fill("已入户走访，户主在家，已告知申请低保的材料。")
    shots.take(phone, "outcome-form")
    card.get_by_test_id("outcome-submit").click()
    recorded = card.get_by_test_id("outcome-recorded")
    expect(recorded).to_be_visible()
    expect(recorded).to_contain_text(caseworker.username)
    expect(recorded).to_contain_text("已入户走访")
    shots.take(phone, "recorded")
    phone.reload()  # stored, not only shown
    expect(phone.get_by_test_id("worklist-card").first.get_by_test_id("entry-outcome")).to_contain_text("已入户走访")


# --------------------------------------------------------------------------- 政策测算


def test_run_a_what_if(desktop, live_server, shots):
    """The district officer raises the urban 低保 line for the demo's month: households become eligible and the
    monthly cost rises (a higher line never makes anybody ineligible), per programme."""
    sign_in(desktop, live_server.account("district_officer"))
    desktop.get_by_test_id("nav-whatif").click()
    expect(desktop.get_by_test_id("whatif-form")).to_be_visible()
    desktop.get_by_test_id("whatif-month").select_option("2025-08")  # the month the demo's incomes are for
    choice = desktop.get_by_test_id("whatif-parameter-0")
    options = choice.locator("option").evaluate_all("os => os.map(o => o.value)")
    assert "dibao.line.urban" in options, options
    choice.select_option("dibao.line.urban")
    desktop.get_by_test_id("whatif-value-0").fill("1500")
    shots.take(desktop, "form")
    desktop.get_by_test_id("whatif-submit").click()
    wait_for_job(desktop, "whatif-job")
    result = desktop.get_by_test_id("whatif-result")
    expect(result).to_be_visible()
    rows = {cells[0]: cells for cells in (
        [c.strip() for c in row.split("\t")] for row in result.get_by_test_id("whatif-row").all_inner_texts())}
    assert "最低生活保障" in rows, rows
    dibao = rows["最低生活保障"]
    before, after, newly = (int(dibao[i].replace(",", "")) for i in (1, 2, 3))
    assert after > before and newly > 0, dibao
    shots.take(desktop, "result")


# --------------------------------------------------------------------------- refused outside the area


def test_a_township_user_is_refused_another_townships_household(desktop, live_server, shots):
    caseworker = live_server.account("township_caseworker")
    elsewhere = [no for no, area in households(live_server) if not area.startswith(caseworker.area_code)]
    assert elsewhere
    sign_in(desktop, caseworker)
    answer = desktop.goto(f"/households/{elsewhere[0]}")
    assert answer.status in (403, 404), answer.status
    message = desktop.get_by_test_id("error-message")
    expect(message).to_be_visible()
    assert CHINESE.search(message.inner_text())
    body = desktop.locator("body").inner_text()
    assert elsewhere[0] not in body.replace(message.inner_text(), "")  # nothing of it is shown beyond its number
    assert desktop.get_by_test_id("member-row").count() == 0
    shots.take(desktop, "refused")
    # searching for it by number finds nothing either
    desktop.goto("/households")
    desktop.get_by_test_id("search-household-no").fill(elsewhere[0])
    desktop.get_by_test_id("search-submit").click()
    expect(desktop.get_by_test_id("result-count")).to_contain_text("0")
    assert desktop.get_by_test_id("result-row").count() == 0
    shots.take(desktop, "search-refused")


# --------------------------------------------------------------------------- every screen, both widths


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_screen_of_every_role_in_chinese(chromium_browser, live_server, shots, viewport):
    """Each role signs in and opens every screen its menu offers (only those: the menu follows the permissions),
    in Chinese, at both widths: a screenshot of each, no script error, nothing wider than the window."""
    expected = {
        "community_worker": {"dashboard", "households", "discovery", "applications", "cases"},
        "township_caseworker": {"dashboard", "households", "imports", "verifications", "discovery", "applications",
                                "cases", "payroll"},
        "district_officer": {"dashboard", "households", "verifications", "discovery", "whatif", "cases", "payroll"},
        "auditor": {"dashboard", "households", "verifications", "audit", "cases", "payroll"},
        "administrator": {"dashboard", "users"},
    }
    errors = []
    for role, screens in expected.items():
        context = chromium_browser.new_context(viewport=viewport, locale="zh-CN", base_url=live_server.url)
        context.set_default_timeout(20_000)
        page = watched(context)
        sign_in(page, live_server.account(role))
        offered = set(page.get_by_test_id("nav").locator("a").evaluate_all(
            "links => links.map(a => a.dataset.testid.replace('nav-', ''))"))
        assert offered == screens, (role, offered)
        for screen in sorted(screens):
            page.get_by_test_id(f"nav-{screen}").click()
            expect(page.get_by_test_id(f"nav-{screen}")).to_have_attribute("aria-current", "page")
            page.wait_for_load_state("networkidle")
            heading = page.locator("main h1").first.inner_text()
            assert CHINESE.search(heading), (role, screen, heading)
            shots.take(page, f"{role}-{screen}")
        context.close()
        errors += [f"{role}: {e}" for e in page.script_errors]
    assert not errors, errors
