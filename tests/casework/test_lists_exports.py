"""导出Excel of the casework lists (read back with openpyxl and compared with the lists), the 公示 list's amount per
programme, the applications list, reviews due by area, and messages that name fields by their Chinese titles."""

from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from jiuzhu import spreadsheet
from jiuzhu.access import Role
from jiuzhu.audit.models import AuditEntry as Event
from jiuzhu.casework import actions, applications, exports, reviews, views
from jiuzhu.db import session_scope
from jiuzhu.errors import ForbiddenError, JiuzhuError
from tests.casework.test_journey import file_one, investigate
from tests.consent.conftest import HH, principal


def _sheet(path):
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    return rows[0], rows[1:]


@pytest.fixture
def posted(world, worker, today):
    """One case under public notice (低保 and 残疾人生活补贴 proposed), one more only filed."""
    app_no, case_no = file_one(world, worker)
    investigate(world, worker, today, app_no, case_no)
    return case_no


def test_each_list_exported_is_the_list_masked_and_audited(world, worker, posted, tmp_path, zh):
    with session_scope(world) as session:
        shown = views.worklist(session, worker, include_closed=True).items
        written = exports.export(session, worker, "cases", tmp_path / "cases.xlsx", include_closed=True)
        notice = views.publicity(session, worker)
        exports.export(session, worker, "publicity", tmp_path / "publicity.xlsx")
        apps = views.applications_list(session, worker).items
        exports.export(session, worker, "applications", tmp_path / "applications.xlsx")
    header, rows = _sheet(tmp_path / "cases.xlsx")
    assert written == len(shown) == len(rows) == 1
    assert header[0] == "案件编号" and "时限状态" in header
    assert [r[0] for r in rows] == [s.case_no for s in shown]
    assert rows[0][7] == shown[0].time_status_title and rows[0][6].date() == shown[0].received_on
    header, rows = _sheet(tmp_path / "publicity.xlsx")
    assert [r[0] for r in rows] == [p.case_no for p in notice] and rows[0][2] == "王**"
    assert rows[0][5] == notice[0].amounts_text and "低保" in rows[0][5]
    assert rows[0][6] == pytest.approx(2910.00)  # 2,820.00 + 90.00 as a number, two decimals
    book = load_workbook(tmp_path / "publicity.xlsx")
    assert book.active.cell(2, 7).number_format == spreadsheet.MONEY_FORMAT
    assert book.active.cell(2, 3).data_type == "s"
    header, rows = _sheet(tmp_path / "applications.xlsx")
    assert [r[0] for r in rows] == [a.application_no for a in apps] and rows[0][1] == posted
    with session_scope(world) as session:
        logged = session.scalars(select(Event).where(Event.action == "export")).all()
    assert len(logged) == 3 and all("遮蔽" in e.subject for e in logged)


def test_an_export_needs_the_export_permission_and_an_xlsx_name(world, worker, tmp_path, zh):
    community = principal(Role.COMMUNITY_WORKER, "500111119")
    with session_scope(world) as session:
        with pytest.raises(ForbiddenError):
            exports.export(session, community, "cases", tmp_path / "c.xlsx")
        with pytest.raises(JiuzhuError, match=r"\.xlsx") as bad:
            exports.export(session, worker, "cases", tmp_path / "c.csv")
    assert bad.value.field == "output" and not (tmp_path / "c.csv").exists()


def test_the_publicity_list_names_each_programmes_amount(world, worker, posted, zh):
    with session_scope(world) as session:
        entry = views.publicity(session, worker)[0]
    assert [(a.programme, a.monthly_amount) for a in entry.amounts] == [("dibao", "2,820.00"),
                                                                        ("disability_living", "90.00")]
    assert entry.amounts_text.startswith("低保2,820.00元") and "90.00元" in entry.amounts_text
    assert entry.monthly_amount == "2,910.00"
    unknown = views.amounts_text([views.AmountView(programme="dibao", name="最低生活保障", status="eligible",
                                                   monthly_amount="未知", monthly_fen=None)])
    assert unknown == "低保 金额未知"  # never 0


def test_reviews_due_refuse_an_area_outside_the_principals_and_export(world, worker, tmp_path, zh):
    with session_scope(world) as session:
        with pytest.raises(ForbiddenError) as outside:
            reviews.due(session, worker, area="500111120")
        due = reviews.due(session, worker, area="500111119")
        exports.export(session, worker, "reviews", tmp_path / "reviews.xlsx", area="500111119")
    assert "500111120" in outside.value.message and [r.household_no for r in due] == [HH]
    header, rows = _sheet(tmp_path / "reviews.xlsx")
    assert header[0] == "户编号" and [r[0] for r in rows] == [HH]
    assert rows[0][3] == pytest.approx(due[0].monthly_fen / 100) and rows[0][7] == "是"


def test_the_applications_list_masks_the_resident_filed_for(world, worker, today):
    with session_scope(world) as session:
        app, _ = applications.file(session, worker, household_no=HH, month="2025-08", programmes=["dibao"],
                                   channel="proxy", filed_for=_member_id(session))
        stored = app.filed_for
        found = views.applications_list(session, worker)
    assert found.total == 1 and found.items[0].filed_for == views.mask_filed_for(stored) != stored
    assert "*" in found.items[0].filed_for
    assert views.mask_filed_for("512126195804120037") == "512126********0037"


def _member_id(session) -> str:
    from jiuzhu.registry import models as rm

    return session.execute(select(rm.Person.id_number).join(rm.Member, rm.Member.person_id == rm.Person.id)
                           .join(rm.Household).where(rm.Household.household_no == HH)).scalars().first()


def test_messages_name_fields_by_their_chinese_titles(world, worker, posted, zh):
    with session_scope(world) as session:
        with pytest.raises(JiuzhuError) as no_reasons:
            actions.act(session, principal(Role.TOWNSHIP_APPROVER), posted, "reject")
        with pytest.raises(JiuzhuError) as proxy:
            applications.file(session, worker, household_no=HH, month="2025-08", programmes=["dibao"],
                              channel="proxy")
        with pytest.raises(JiuzhuError) as not_taken:
            actions.act(session, worker, posted, "publish", note="x")
        with pytest.raises(JiuzhuError) as too_long:
            actions.act(session, worker, posted, "object", objection="异" * 2001)
    assert "书面理由" in no_reasons.value.message and "reasons" not in no_reasons.value.message
    assert no_reasons.value.field == "reasons"
    assert "帮代办对象" in proxy.value.message and "filed_for" not in proxy.value.message
    assert "调查情况" in not_taken.value.message and "note" not in not_taken.value.message
    assert "异议内容" in too_long.value.message and too_long.value.field == "objection"


def test_money_in_a_file_is_a_number_with_two_decimals_or_unknown(zh):
    assert exports.money(106795) == Decimal("1067.95") and exports.money(None) == "未知"
