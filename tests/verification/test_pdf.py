"""The 核对报告 PDF (issue 13 item 6): A4, Chinese set in an embedded CJK font (a subset), the household's figures
in its text, unknown written 未知 — never 0.00 — and no PDF at all, but one clear line, without a Chinese font.
Read back with pypdf (text, fonts) and pypdfium2 (page 1 as an image)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pypdf
import pypdfium2
import pytest

from jiuzhu.errors import ConfigurationError
from jiuzhu.i18n import use_language
from jiuzhu.verification import pdf
from jiuzhu.verification.pdf import chinese_fonts, render_html, render_pdf
from jiuzhu.verification.report import report_sha256
from tests.verification.test_facts import all_answered, failed
from tests.verification.test_report import report


@pytest.fixture(scope="module")
def incomplete() -> tuple[dict, bytes]:
    with use_language("zh"):
        data = report(all_answered(**{"bank.cqbank": failed("bank.cqbank"),
                                      "hrss.social_security": failed("hrss.social_security", "timeout")}))
    return data, render_pdf(data)


def text_of(document: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(document))
    return "\n".join(page.extract_text() for page in reader.pages)


def fonts_of(document: bytes) -> list[tuple[str, bool]]:
    """(base font name, embedded) of every font used on any page."""
    out = []
    for page in pypdf.PdfReader(io.BytesIO(document)).pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            leaf = descendants[0].get_object() if descendants else font
            descriptor = leaf.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            out.append((str(font["/BaseFont"]), embedded))
    return out


def test_a_chinese_font_is_found_by_fontconfig():
    assert any("CJK" in f or "WenQuanYi" in f for f in chinese_fonts())


def test_the_pdf_is_a4_with_its_chinese_font_embedded_as_a_subset(incomplete):
    _, document = incomplete
    assert document.startswith(b"%PDF-")
    page = pypdf.PdfReader(io.BytesIO(document)).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    fonts = fonts_of(document)
    assert fonts and all(embedded for _, embedded in fonts)
    cjk = [name for name, _ in fonts if "CJK" in name or "WenQuanYi" in name]
    assert cjk and all("+" in name for name in cjk)  # a subset (ABCDEF+Noto-Sans-CJK-SC…)


def test_its_text_has_the_title_the_household_and_its_figures(incomplete):
    data, document = incomplete
    text = text_of(document)
    assert "核对报告" in text
    for expected in ("500111119-000123", "2026年低保复核", "张伟", "李娜", "张小明", "42,312.50", "3,200.50",
                     "重庆农村商业银行", "重庆银行"):
        assert expected in text, expected
    assert "不作为决定" in text  # the footer: the report informs, the caseworker decides (domain §6)
    assert report_sha256(data)[:16] in text
    pages = len(pypdf.PdfReader(io.BytesIO(document)).pages)
    assert f"1 / {pages}" in text  # the page counter: the stylesheet reaches WeasyPrint unescaped


def test_unknown_is_written_in_words_never_as_zero(incomplete):
    data, document = incomplete
    assert data["assets"]["financial_fen"] is None and data["income"]["per_capita_monthly_fen"] is None
    text = text_of(document)
    assert "未知（至少 45,513.00）" in text.replace("\n", "")  # the assets: unknown, with the floor
    assert "失败（未知）" in text
    assert "无法连接" in text and "超时未答复" in text
    html = render_html(data, "zh", chinese_fonts())
    assert "人均" in html
    per_capita_row = html.split("人均", 1)[1].split("</tr>", 1)[0]
    assert "未知" in per_capita_row and "0.00" not in per_capita_row


def test_a_complete_report_says_so():
    with use_language("zh"):
        data = report(all_answered())
    text = text_of(render_pdf(data))
    assert "核对完整" in text and "1,766.67" in text  # 5,300.00 over 3 members


def test_english_too():
    with use_language("en"):
        data = report(all_answered(**{"bank.cqbank": failed("bank.cqbank")}))
    text = text_of(render_pdf(data, lang="en"))
    assert "Household economic verification report" in text and "unknown" in text and "张伟" in text


def test_no_chinese_font_is_a_clear_error_not_a_pdf_of_boxes(monkeypatch, zh):
    monkeypatch.setattr(pdf, "chinese_fonts", lambda: [])
    with pytest.raises(ConfigurationError, match="中文字体.*fonts-noto-cjk"):
        render_pdf(report(all_answered()))


def test_page_one_rendered_to_an_image_has_ink_where_the_title_is(incomplete, tmp_path):
    """Kept as report-page1.png in $JIUZHU_TEST_ARTEFACTS (else the test's temporary folder) for a person to look
    at: readable Chinese, no empty boxes."""
    _, document = incomplete
    artefacts = Path(os.environ.get("JIUZHU_TEST_ARTEFACTS") or tmp_path)
    artefacts.mkdir(parents=True, exist_ok=True)
    pages = pypdfium2.PdfDocument(document)
    try:
        image = pages[0].render(scale=1.5).to_pil().convert("L")
    finally:
        pages.close()
    image.save(artefacts / "report-page1.png")
    width, height = image.size
    title = image.crop((width // 6, 0, 5 * width // 6, height // 8))
    dark = sum(title.histogram()[:128])
    assert dark > 500  # the title's glyphs, not an empty band


def test_every_item_of_the_catalogue_has_its_words():
    """An item a department answers is named in the report in words, not its code (hukou_status was once)."""
    from jiuzhu.exchange.sources import catalogue, kind_of
    from jiuzhu.verification.pdf import ITEM_LABELS

    items = {i.name for endpoint in catalogue() for i in kind_of(endpoint).items}
    assert items - set(ITEM_LABELS) == set()


def test_nothing_answered_never_reads_as_no_difference():
    """Every source failed: the report may not say "no difference from the declaration" — nothing was compared."""
    with use_language("zh"):
        data = report([failed(e) for e in ("hrss.social_security", "tax", "bank.cqrcb", "bank.cqbank")])
        html = render_html(data, "zh", chinese_fonts())
    assert data["complete"] is False and not data["differences"]
    assert "未发现与申报不一致的情况" not in html and "无法与申报比对" in html


# ---------------------------------------------------------------- found by a newcomer (issue 13): header, codes

def test_the_header_names_the_office_and_the_handler_never_blank(monkeypatch, tmp_path):
    import dataclasses

    from jiuzhu.verification.report import build_report
    from tests.verification.test_facts import MONTH, declared
    from tests.verification.test_report import META

    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))  # no sources.toml: the district's bureau
    bare = dataclasses.replace(META, office=None, requested_by="wang")
    with use_language("zh"):
        data = build_report(bare, declared(), all_answered(), MONTH)
        assert data["office"] == "大足区民政局" and data["requested_by_name"] is None
        html = render_html(data, "zh", fonts=["Noto Sans CJK SC"])
        assert "<td>大足区民政局</td>" in html and "<td>wang</td>" in html
        # a stored report of before (no office): the PDF names the bureau all the same
        assert "<td>大足区民政局</td>" in render_html(dict(data, office=None), "zh", fonts=["Noto Sans CJK SC"])
        (tmp_path / "exchange").mkdir()
        (tmp_path / "exchange" / "sources.toml").write_text(
            '[requester]\nid = "500111-mzj"\nname = "重庆市大足区民政局"\nkey_id = "k1"\n', encoding="utf-8")
        named = build_report(dataclasses.replace(bare, requested_by_name="李娟"), declared(), all_answered(), MONTH)
        html = render_html(named, "zh", fonts=["Noto Sans CJK SC"])
        assert "<td>重庆市大足区民政局</td>" in html and "<td>李娟</td>" in html
        assert "<td></td>" not in html.split("</table>")[0]  # no blank cell in the header


def test_the_handler_is_the_account_s_display_name_else_the_command_line_s_user(sqlite_engine, zh):
    from jiuzhu.accounts import service as accounts
    from jiuzhu.db import session_scope
    from jiuzhu.verification.report import handler_name

    with session_scope(sqlite_engine) as session:
        accounts.add_user(session, username="li.juan", password="correct horse 2026", role="township_caseworker",
                          area_code="500111119", display_name="李娟", actor="test")
    with session_scope(sqlite_engine) as session:
        assert handler_name(session, "li.juan") == "李娟"
        assert handler_name(session, "wang") == "wang（命令行）"
        assert handler_name(session, "") == "未知"


def _with_codes() -> dict:
    import datetime as dt

    from jiuzhu.verification.fanout import Outcome
    from tests.verification.test_facts import CHILD, HEAD, SPOUSE, answer

    pensions = {CHILD: [], SPOUSE: [], HEAD: [{"id_number": HEAD, "name": "张伟", "month": "2025-07",
                                               "scheme": "resident", "amount_fen": 25300, "central_basic_fen": 12300}]}
    school = {HEAD: [], SPOUSE: [], CHILD: [{"id_number": CHILD, "name": "张小", "school_level": "junior_secondary",
                                             "enrolled": True, "school_name": "大足中学",
                                             "as_of": dt.date(2025, 8, 1)}]}
    marriage = {CHILD: [], SPOUSE: [], HEAD: [{"id_number": HEAD, "name": "张伟", "marital_status": "married",
                                               "spouse_id_number": SPOUSE, "spouse_name": "李",
                                               "registered_on": dt.date(1990, 1, 1)}]}
    outcomes = all_answered(**{"hrss.pensions": Outcome("hrss.pensions", answer=answer("hrss.pensions", pensions))})
    outcomes += [Outcome("education", answer=answer("education", school)),
                 Outcome("civil_affairs.marriage", answer=answer("civil_affairs.marriage", marriage))]
    return report(outcomes)


def test_every_code_the_report_prints_is_in_words():
    import html as markup
    import re

    with use_language("zh"):
        data = _with_codes()
        page = render_html(data, "zh", fonts=["Noto Sans CJK SC"])
    body = markup.unescape(re.sub(r"<[^>]+>", " ", page[page.index("<body>"):]))
    codes = set(re.findall(r"(?<![\w.])[a-z][a-z_.]{2,}(?![\w.])", body)) - {data["requested_by"]}
    assert codes == set(), codes  # resident, junior_secondary, married, car, hrss.pensions … each in words
    for words in ("城乡居民基本养老保险", "初中", "已婚"):
        assert words in body, words


def test_the_one_words_function_knows_every_vocabulary_and_leaves_the_rest():
    with use_language("zh"):
        assert pdf.words("resident") == "城乡居民基本养老保险"
        assert pdf.words("car", "vehicle_kind") == pdf.words("car")
        assert pdf.words("6222********1234") == "6222********1234"  # a masked account: not a code
        assert pdf.words("正常") == "正常" and pdf.words(None) == ""
    with use_language("en"):
        assert pdf.words("resident") == "urban and rural residents' basic pension scheme"


def test_a_member_with_nothing_found_reads_so_not_an_empty_table():
    """``m.items`` in the template was the dict's method (always true): an empty table under each such member."""
    with use_language("zh"):
        data = report(all_answered())
        page = render_html(data, "zh", fonts=["Noto Sans CJK SC"])
    quiet = [m for m in data["members"] if m["asked"] and not m["items"] and not m["unknown"]]
    assert quiet, "the fixture has a member no source holds anything about"
    assert page.count("已答复的数据来源中没有该成员的记录。") == len(quiet)


def test_an_income_no_department_informs_is_marked_declared(zh):
    from tests.verification.test_facts import all_answered

    text = text_of(render_pdf(report([failed(o.endpoint) for o in all_answered()])))
    assert "经营净收入（申报）" in text.replace(" ", "") and "财产净收入（申报）" in text.replace(" ", "")
    assert "工资性收入（申报）" not in text.replace(" ", "")
