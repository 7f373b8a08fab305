"""核对 on the pages (the browser journey runs it against the departments; here the rules of the pages): the household
page's 核对 tab (发起核对 for a role that may; missing authorizations said in words, pointing to 授权, nothing kept),
a verification's page (polled while it runs; the report and 申报 vs 核对 once ended; not found outside the area),
its PDF, and 核对管理."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, text

from jiuzhu.access import OPERATOR_PERMISSIONS, Principal
from jiuzhu.consent import service as consents
from jiuzhu.db import make_engine, session_scope
from jiuzhu.registry import schemas as s
from jiuzhu.verification import service
from jiuzhu.verification.models import Verification
from jiuzhu.verification.report import ReportMeta, build_report
from tests.web.conftest import TOWNSHIP, csrf_of

ID_NUMBER = re.compile(r"\b\d{17}[\dX]\b")


@pytest.fixture
def engine(district):
    made = make_engine(district.url)
    yield made
    made.dispose()


def _operator() -> Principal:
    return Principal(username="web-test", role=None, area_code=TOWNSHIP, area_prefixes=(TOWNSHIP,),
                     permissions=OPERATOR_PERMISSIONS)


def _free_household(engine, *, authorized: bool) -> str:
    """A household of the township with no verification and no consent record yet; its members' review
    authorizations given when ``authorized`` (a household whose minors' guardians are not certain is passed)."""
    with engine.connect() as conn:
        used = {r[0] for r in conn.execute(text(
            "SELECT household_no FROM verifications UNION SELECT h.household_no FROM consent_records c "
            "JOIN households h ON h.id = c.household_id"))}
        numbers = [r[0] for r in conn.execute(text(
            "SELECT household_no FROM households WHERE area_code LIKE :p ORDER BY household_no DESC"),
            {"p": f"{TOWNSHIP}%"}) if r[0] not in used]
    if not authorized:
        return numbers[0]
    for number in numbers:
        with session_scope(engine) as session:
            made, skipped = consents.request_required(session, _operator(), household_no=number,
                                                      purpose=consents.Purpose("review"))
            if skipped or not made:
                session.rollback()
                continue
            for record in made:
                consents.give(session, _operator(), record.record_id, evidence={"form": "页面测试"})
            return number
    raise AssertionError("no household whose members can all authorize")


def _finished(engine, number: str) -> int:
    """The household's verification, ended with a report built from no answer (the pages need only a report:
    the departments are the browser journey's)."""
    with session_scope(engine) as session:
        vid = service.start(session, _operator(), number, consents.Purpose("review")).id
        v = session.get(Verification, vid)
        meta = ReportMeta(household_no=number, area_code=v.area_code, purpose_kind="review",
                          purpose_reference="定期复核", requested_by="web-test", as_of=v.as_of, verification_id=vid)
        v.report = build_report(meta, s.Household.model_validate(v.declared), [], v.as_of.strftime("%Y-%m"))
        v.report_sha256, v.status, v.complete, v.exclusive_key = service.report_hash(v.report), "done", True, None
    return vid


def _count(engine, number: str) -> int:
    with session_scope(engine, write=False) as session:
        return session.scalar(select(func.count()).select_from(Verification)
                              .where(Verification.household_no == number))


def test_without_authorization_the_tab_says_so_and_points_to_it(signed_in, zh, engine):
    number = _free_household(engine, authorized=False)
    client = signed_in("caseworker")
    tab = client.get(f"/households/{number}?tab=verifications")
    assert tab.status_code == 200 and 'data-testid="verify-form"' in tab.text
    assert "这户家庭还没有核对过" in tab.text
    done = client.post(f"/households/{number}/verifications",
                       data={"csrf_token": csrf_of(tab.text), "purpose_kind": "review", "as_of": "2025-08-31"})
    assert done.status_code == 200
    assert "还有家庭成员没有授权核对" in done.text and f"/households/{number}?tab=consents" in done.text
    assert not ID_NUMBER.search(re.sub(r"<[^>]+>", " ", done.text)), "a full ID number on the page"
    assert _count(engine, number) == 0


def test_a_bad_date_is_said_on_the_tab(signed_in, zh, engine):
    number = _free_household(engine, authorized=True)
    client = signed_in("caseworker")
    tab = client.get(f"/households/{number}?tab=verifications")
    done = client.post(f"/households/{number}/verifications",
                       data={"csrf_token": csrf_of(tab.text), "purpose_kind": "review", "as_of": "2025-02-30"})
    assert done.status_code == 200 and "不是日期" in done.text and 'value="2025-02-30"' in done.text
    future = client.post(f"/households/{number}/verifications",
                         data={"csrf_token": csrf_of(tab.text), "purpose_kind": "review", "as_of": "2099-01-01"})
    assert future.status_code == 200 and 'data-testid="verify-error"' in future.text
    assert _count(engine, number) == 0


def test_starting_leads_to_the_page_that_polls_until_the_end(signed_in, zh, engine):
    number = _free_household(engine, authorized=True)
    client = signed_in("caseworker")
    tab = client.get(f"/households/{number}?tab=verifications")
    done = client.post(f"/households/{number}/verifications",
                       data={"csrf_token": csrf_of(tab.text), "purpose_kind": "review", "as_of": "2025-08-31"})
    assert done.status_code == 303
    vid = int(done.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/verifications/{vid}")
    assert page.status_code == 200 and "排队中" in page.text
    assert 'hx-trigger="every 1s"' in page.text and 'data-status="queued"' in page.text
    polled = client.get(f"/verifications/{vid}", headers={"HX-Request": "true"})
    assert polled.status_code == 200 and "<html" not in polled.text and 'data-testid="verification"' in polled.text
    listed = client.get(f"/households/{number}?tab=verifications")
    assert f'data-verification="{vid}"' in listed.text
    # one at a time: a second start is said on the tab
    again = client.post(f"/households/{number}/verifications",
                        data={"csrf_token": csrf_of(listed.text), "purpose_kind": "review"})
    assert again.status_code == 200 and str(vid) in again.text and 'data-testid="verify-error"' in again.text


def test_an_ended_verification_shows_the_report_the_pdf_and_both_evaluations(signed_in, zh, engine):
    number = _free_household(engine, authorized=True)
    vid = _finished(engine, number)
    client = signed_in("caseworker")
    page = client.get(f"/verifications/{vid}")
    assert page.status_code == 200
    assert 'hx-trigger' not in page.text  # ended: no more polling
    for testid in ("report-summary", "income-table", "side-by-side", "report-pdf", "sources"):
        assert f'data-testid="{testid}"' in page.text, testid
    assert "按申报" in page.text and "按核对" in page.text and "下载PDF" in page.text
    assert not ID_NUMBER.search(re.sub(r"<[^>]+>", " ", page.text)), "a full ID number on the page"
    pdf = client.get(f"/verifications/{vid}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    listed = client.get("/verifications")
    assert listed.status_code == 200 and f'data-verification="{vid}"' in listed.text
    assert f'data-verification="{vid}"' not in client.get("/verifications?status=failed").text


def test_roles_and_areas(signed_in, zh, engine, district):
    number = _free_household(engine, authorized=True)
    vid = _finished(engine, number)
    other = signed_in("other.caseworker")  # another township: as if it did not exist
    assert other.get(f"/verifications/{vid}").status_code == 404
    assert other.get(f"/verifications/{vid}/report.pdf").status_code == 404
    assert f'data-verification="{vid}"' not in other.get("/verifications").text
    auditor = signed_in("auditor")  # reads the report, runs no evaluation, starts nothing
    page = auditor.get(f"/verifications/{vid}")
    assert page.status_code == 200 and 'data-testid="report-summary"' in page.text
    assert 'data-testid="side-by-side"' not in page.text
    tab = auditor.get(f"/households/{number}?tab=verifications")
    assert tab.status_code == 200 and 'data-testid="verify-form"' not in tab.text
    worker = signed_in("worker")  # the community worker: no 核对 tab, refused anyway
    with engine.connect() as conn:
        own = conn.execute(text("SELECT household_no FROM households WHERE area_code = :a LIMIT 1"),
                           {"a": district.village}).scalar_one()
    household_page = worker.get(f"/households/{own}")
    assert household_page.status_code == 200 and 'data-testid="tab-consents"' in household_page.text
    assert 'data-testid="tab-verifications"' not in household_page.text
    assert worker.get(f"/households/{own}?tab=verifications").status_code == 403
    assert worker.get(f"/verifications/{vid}").status_code == 403
