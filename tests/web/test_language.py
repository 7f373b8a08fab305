"""Chinese first; the English switch (``?lang=en``) is kept in a cookie for the next pages."""

from __future__ import annotations


def test_chinese_by_default_and_english_on_the_switch(signed_in, zh):
    client = signed_in("caseworker")
    chinese = client.get("/")
    assert "工作台" in chinese.text and 'data-testid="lang-en"' in chinese.text
    english = client.get("/?lang=en")
    assert english.status_code == 200 and 'lang="en"' in english.text
    assert "Dashboard" in english.text and "工作台" not in english.text
    assert "jiuzhu_lang=en" in english.headers.get("set-cookie", "")
    kept = client.get("/households")
    assert "Household search" in kept.text and 'data-testid="lang-zh"' in kept.text
    back = client.get("/?lang=zh")
    assert "工作台" in back.text and "jiuzhu_lang=zh" in back.headers.get("set-cookie", "")


def test_money_and_months_are_written_as_staff_read_them(signed_in, zh):
    page = signed_in("district").get("/?month=2025-08")
    assert "2025年8月" in page.text and " 元</td>" in page.text
    english = signed_in("district").get("/?month=2025-08&lang=en")
    assert "2025-08" in english.text and " yuan</td>" in english.text
