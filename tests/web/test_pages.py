"""Each page renders, in Chinese, for a role that may use it; the menu shows only what the role may use; a role
that may not is refused (403) — the page, not only the link."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import TOWNSHIP

# page → (an account that may use it, Chinese text it shows, a stable element D's journeys use)
PAGES = {
    "/": ("caseworker", "分项目在保人次和月发放金额", 'data-testid="table-programmes"'),
    "/households": ("caseworker", "共 ", 'data-testid="search-form"'),
    "/imports": ("caseworker", "台账导入", 'data-testid="upload-input"'),
    "/discovery": ("district", "应享未享", 'data-testid="worklist-card"'),
    "/whatif": ("district", "政策测算", 'data-testid="whatif-form"'),
    "/audit": ("auditor", "审计", 'data-testid="audit-row"'),
    "/verifications": ("caseworker", "核对管理", 'data-testid="verifications-form"'),
    "/users": ("admin", "用户管理", 'data-testid="user-row"'),
    "/applications/new": ("worker", "申请", 'data-testid="application-form"'),
    "/cases": ("caseworker", "审核审批", 'data-testid="cases-form"'),
    "/publicity": ("caseworker", "公示", 'data-testid="publicity-table"'),
    "/payroll": ("caseworker", "资金发放", 'data-testid="payroll-query"'),
}
NAV = {  # account → the menu it sees
    "worker": {"dashboard", "households", "discovery", "applications", "cases"},
    "caseworker": {"dashboard", "households", "imports", "verifications", "discovery", "applications", "cases",
                   "payroll"},
    "approver": {"dashboard", "households", "imports", "verifications", "discovery", "applications", "cases",
                 "payroll"},
    "district": {"dashboard", "households", "verifications", "discovery", "whatif", "cases", "payroll"},
    "auditor": {"dashboard", "households", "verifications", "audit", "cases", "payroll"},
    "admin": {"dashboard", "users"},
}
REFUSED = [("caseworker", "/whatif"), ("caseworker", "/audit"), ("caseworker", "/users"), ("admin", "/households"),
           ("admin", "/discovery"), ("auditor", "/imports"), ("worker", "/imports"), ("district", "/imports"),
           ("auditor", "/discovery"), ("worker", "/whatif"), ("worker", "/verifications"), ("admin", "/verifications")]


@pytest.mark.parametrize("path", list(PAGES))
def test_each_page_renders_in_chinese_for_a_role_that_may_use_it(signed_in, zh, path):
    username, chinese, element = PAGES[path]
    page = signed_in(username).get(path)
    assert page.status_code == 200, page.text
    assert chinese in page.text and element in page.text
    assert 'lang="zh-CN"' in page.text and "退出" in page.text
    assert "<" not in re.search(r"<title>([\s\S]*?)</title>", page.text)[1]  # a title of words, no markup


@pytest.mark.parametrize("username", list(NAV))
def test_the_menu_shows_only_what_the_role_may_use(signed_in, zh, username):
    page = signed_in(username).get("/")
    shown = set(re.findall(r'data-testid="nav-([a-z]+)"', page.text))
    assert shown == NAV[username]


@pytest.mark.parametrize(("username", "path"), REFUSED)
def test_a_page_the_role_may_not_use_is_refused_not_only_hidden(signed_in, zh, username, path):
    page = signed_in(username).get(path)
    assert page.status_code == 403
    assert "角色" in page.text and 'data-testid="error-message"' in page.text


def test_nobody_signed_in_is_sent_to_the_sign_in_page_and_back(client):
    page = client.get("/households?name=王")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/households%3Fname%3D%E7%8E%8B"
    htmx = client.get("/households", headers={"HX-Request": "true"})
    assert htmx.headers.get("HX-Redirect", "").startswith("/login")


def test_the_search_finds_only_households_inside_the_account_s_area(signed_in, zh):
    page = signed_in("caseworker").get("/households")
    numbers = re.findall(r'data-household="([^"]+)"', page.text)
    assert numbers and all(no.startswith(TOWNSHIP) for no in numbers)
    total = int(re.search(r"共 ([\d,]+) 条", page.text).group(1).replace(",", ""))
    assert total >= len(numbers)


def test_a_search_htmx_asks_for_gives_only_the_results(signed_in, zh):
    client = signed_in("caseworker")
    part = client.get("/households?programme=dibao", headers={"HX-Request": "true", "HX-Target": "results"})
    assert part.status_code == 200 and "<html" not in part.text and 'data-testid="result-count"' in part.text
    refused = client.get("/households?id_number=5001", headers={"HX-Request": "true", "HX-Target": "results"})
    assert 'data-testid="search-error"' in refused.text and "身份证号" in refused.text


def _first_household(client) -> str:
    return re.search(r'data-household="([^"]+)"', client.get("/households?programme=dibao").text).group(1)


@pytest.mark.parametrize("tab", ["members", "facts", "history", "evaluation"])
def test_the_household_page_shows_each_tab(signed_in, zh, tab):
    client = signed_in("caseworker")
    number = _first_household(client)
    page = client.get(f"/households/{number}?tab={tab}")
    assert page.status_code == 200
    assert f'data-testid="tab-{tab}" class="active"' in page.text
    assert "家庭成员" in page.text and "救助测算" in page.text
    assert not re.search(r"\b\d{17}[\dX]\b", page.text), "an identifier shown in full without asking"
    if tab == "evaluation":
        assert 'data-testid="explanation"' in page.text and "最低生活保障" in page.text
        assert "《社会救助暂行办法》" in page.text  # the explanation cites the law
        assert re.search(r'class="tag (ok|bad|warn)">(符合|不符合|未知)', page.text)
    if tab == "members":
        assert re.search(r"\d{6}\*{8}\d{3}[\dX]", page.text)  # masked as 500111********1234


def test_the_evaluation_of_another_month_comes_as_a_part_of_the_page(signed_in, zh):
    client = signed_in("caseworker")
    number = _first_household(client)
    part = client.get(f"/households/{number}?tab=evaluation&month=2025-07",
                      headers={"HX-Request": "true", "HX-Target": "tab-panel"})
    assert part.status_code == 200 and "<html" not in part.text and "2025年7月" in part.text


def test_the_dashboard_shows_each_chart_with_its_numbers_in_a_table(signed_in, zh):
    page = signed_in("district").get("/?month=2025-08")
    assert page.text.count("data-chart=") == 4
    for table in ("table-programmes", "table-months", "table-townships", "table-findings"):
        assert f'data-testid="{table}"' in page.text
    assert re.search(r'<td class="num">[\d,]+\.\d\d 元</td>', page.text)  # money: two decimals, right-aligned
    assert "2025年8月" in page.text and 'data-testid="last-scan"' in page.text
    assert '/static/vendor/echarts/echarts.min.js' in page.text


def test_an_auditor_reads_the_household_but_is_offered_no_evaluation(signed_in, zh):
    client = signed_in("auditor")
    number = _first_household(client)
    page = client.get(f"/households/{number}")
    assert page.status_code == 200 and 'data-testid="tab-members"' in page.text
    assert 'data-testid="tab-evaluation"' not in page.text
    assert client.get(f"/households/{number}?tab=evaluation").status_code == 403
