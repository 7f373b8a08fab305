"""A month's payroll from the enrolments: who is paid, to which account, arrears, stops, adjustments; the inputs of
an approved payroll frozen; maker-checker; a household-month never paid twice, whatever the path."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from jiuzhu.db import session_scope
from jiuzhu.errors import ConflictError, ForbiddenError, JiuzhuError
from jiuzhu.payroll import service
from jiuzhu.payroll.models import PayrollLine
from tests.payroll.conftest import CASEWORKER, CHECKER, MAKER, TOWNSHIP, add_account, dibao_household, put


def prepare(engine, month: str, programme: str = "dibao", area: str = "500111", who=MAKER):
    with session_scope(engine) as session:
        return service.prepare(session, who, programme=programme, area=area, month=month)


def approve(engine, no: str, who=CHECKER):
    with session_scope(engine) as session:
        return service.approve(session, who, no)


def show(engine, no: str, **kw):
    with session_scope(engine) as session:
        return service.show(session, MAKER, no, **kw)


def test_a_month_pays_each_enrolment_once_to_the_head_or_the_person(district):
    engine, docs, heads = district
    made = prepare(engine, "2025-06")
    assert (made.line_count, made.total_fen) == (3, 61240 + 83000 + 61240)
    view = show(engine, made.payroll_no)
    assert [(li.household_no, li.kind, li.service_month, li.amount_fen) for li in view.lines] == [
        ("500111001-000103", "regular", "2025-06", 61240), ("500111119-000101", "regular", "2025-06", 61240),
        ("500111119-000102", "regular", "2025-06", 83000)]
    assert all(li.payee_name == docs[0]["members"][0]["name"] for li in view.lines)
    assert view.lines[1].account_no == "***************0101"  # masked by default
    assert view.lines[1].payee_id_number.count("*") == 8
    care = prepare(engine, "2025-06", programme="disability_care", area=TOWNSHIP)
    assert (care.line_count, care.total_fen) == (2, 20000)  # the township's two heads, 100.00 each


def test_a_township_payroll_and_its_districts_do_not_both_pay(district):
    engine, _, _ = district
    prepare(engine, "2025-06", area=TOWNSHIP)
    with pytest.raises(ConflictError, match="already pays"):
        prepare(engine, "2025-06", area="500111")


def test_arrears_pay_the_months_a_late_enrolment_missed_and_a_stop_pays_nothing_after(district):
    engine, docs, _ = district
    june = prepare(engine, "2025-06")
    approve(engine, june.payroll_no)
    # Approved late: a household enrolled from June that June's payroll did not know.
    late = dibao_household("500111119-000104", 4, amount="300.00", start="2025-06-01")
    put(engine, late)
    add_account(engine, late["members"][0]["id_number"], "6231000000000000104")
    # A stop: the first household's 低保 ends with June.
    stopped = dict(docs[0], enrolments=[dict(docs[0]["enrolments"][0], end_date="2025-06-30")])
    put(engine, stopped)
    july = show(engine, prepare(engine, "2025-07").payroll_no)
    lines = [(li.household_no, li.kind, li.service_month, li.amount_fen) for li in july.lines]
    assert ("500111119-000104", "arrear", "2025-06", 30000) in lines
    assert ("500111119-000104", "regular", "2025-07", 30000) in lines
    assert not [li for li in lines if li[0] == "500111119-000101"]
    assert len(lines) == 4  # 000102, 000103 regular; 000104 arrear and regular
    assert {li.reason for li in july.lines} == {None}


def test_an_enrolment_without_an_account_is_skipped_and_paid_as_an_arrear_once_it_has_one(district):
    engine, _, _ = district
    late = dibao_household("500111119-000105", 5, amount="200.00")
    put(engine, late)
    june = prepare(engine, "2025-06")
    assert [(s["household_no"], s["reason"]) for s in june.skipped] == [("500111119-000105", "no_account")]
    approve(engine, june.payroll_no)
    add_account(engine, late["members"][0]["id_number"], "6231000000000000105")
    july = show(engine, prepare(engine, "2025-07").payroll_no)
    # The month's lines first (in household order), then the arrears.
    assert [(li.kind, li.service_month) for li in july.lines if li.household_no == "500111119-000105"] == [
        ("regular", "2025-07"), ("arrear", "2025-06")]
    assert [li.kind for li in july.lines] == ["regular"] * 4 + ["arrear"]


def test_an_approved_payrolls_inputs_are_frozen(district):
    engine, docs, heads = district
    made = prepare(engine, "2025-06")
    approve(engine, made.payroll_no)
    before = show(engine, made.payroll_no, unmask=True, reason="test").lines
    changed = dict(docs[1], enrolments=[dict(docs[1]["enrolments"][0], monthly_amount="999.00")])
    changed["members"] = [dict(changed["members"][0], name="王改名")] + changed["members"][1:]
    put(engine, changed)
    add_account(engine, heads[1], "6231000000000009999", opened="2025-07-01")
    after = show(engine, made.payroll_no, unmask=True, reason="test").lines
    assert after == before
    assert [li.amount_fen for li in after if li.household_no == "500111119-000102"] == [83000]


def test_the_one_who_prepares_cannot_approve_and_a_payroll_is_approved_once(district):
    engine, _, _ = district
    made = prepare(engine, "2025-06")
    with pytest.raises(ForbiddenError, match="maker-checker"):
        approve(engine, made.payroll_no, who=MAKER)
    with pytest.raises(ForbiddenError):
        approve(engine, made.payroll_no, who=CASEWORKER)  # a caseworker prepares, never approves
    assert approve(engine, made.payroll_no).approved_by == "checker"
    with pytest.raises(ConflictError, match="approved"):
        approve(engine, made.payroll_no, who=CASEWORKER.__class__(
            username="third", role=CHECKER.role, area_code="500111", area_prefixes=("500111",)))


def test_the_database_refuses_a_second_payment_of_a_household_month(district):
    engine, _, _ = district
    made = prepare(engine, "2025-06")
    with session_scope(engine) as session:
        row = session.scalars(select(PayrollLine).where(PayrollLine.seq == 1)).first()
        copy = {c.name: getattr(row, c.name) for c in PayrollLine.__table__.columns if c.name != "id"}
    copy["seq"] = 99
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.execute(insert(PayrollLine), [copy])
    with pytest.raises(ConflictError):
        prepare(engine, "2025-06", area=TOWNSHIP)  # refused before the database: it says which payroll pays
    with session_scope(engine) as session:
        service.cancel(session, MAKER, made.payroll_no, reason="wrong month")
    again = prepare(engine, "2025-06")  # a cancelled payroll's months are free again
    assert again.line_count == 3


def test_adjustment_lines_carry_a_reason_and_are_paid_once(district):
    engine, _, _ = district
    made = prepare(engine, "2025-06")
    with session_scope(engine) as session:
        with pytest.raises(JiuzhuError, match="reason"):
            service.adjust(session, MAKER, made.payroll_no, household_no="500111119-000101",
                           service_month="2025-05", amount="50.00", reason=" ")
    with session_scope(engine) as session:
        line = service.adjust(session, MAKER, made.payroll_no, household_no="500111119-000101",
                              service_month="2025-06", amount="50.00", reason="5月核减有误，补足差额")
    assert (line.kind, line.amount_fen, line.seq) == ("adjustment", 5000, 4)
    with pytest.raises(ConflictError), session_scope(engine) as session:
        service.adjust(session, MAKER, made.payroll_no, household_no="500111119-000101",
                       service_month="2025-06", amount="10.00", reason="again")
    view = show(engine, made.payroll_no)
    assert view.total_fen == 61240 * 2 + 83000 + 5000


def test_refusals_are_one_line_in_chinese(district, zh):
    engine, _, _ = district
    with pytest.raises(JiuzhuError) as caught:
        prepare(engine, "2025-06", programme="margin")
    assert "margin" in caught.value.message and "按月" in caught.value.message
    made = prepare(engine, "2025-06")
    with pytest.raises(ForbiddenError) as caught:
        approve(engine, made.payroll_no, who=MAKER)
    assert "审核" in caught.value.message


def test_a_payee_who_died_and_two_enrolments_of_one_month_are_skipped_with_their_reason(district):
    engine, docs, _ = district
    died = dict(docs[1], members=[dict(docs[1]["members"][0], death_date="2025-05-20")] + docs[1]["members"][1:])
    twice = dict(docs[2], enrolments=[docs[2]["enrolments"][0], dict(docs[2]["enrolments"][0], monthly_amount="1.00")])
    put(engine, died, twice)
    made = prepare(engine, "2025-06")
    assert [(s["household_no"], s["reason"]) for s in made.skipped] == [
        ("500111001-000103", "overlapping"), ("500111119-000102", "deceased")]
    assert made.line_count == 1


@pytest.mark.parametrize(("amount", "month", "field"), [
    ("99999999999999", "2025-06", "amount"),  # the tryout's 100 trillion yuan
    ("20000.01", "2025-06", "amount"),  # one fen above the declared range
    ("50.00", "2099-07", "service_month"),  # a month after the payroll's
    ("50.00", "2023-05", "service_month"),  # before the payroll's look-back (24 months)
])
def test_an_adjustment_outside_its_declared_range_is_refused_and_nothing_is_added(district, zh, amount, month, field):
    engine, _, _ = district
    made = prepare(engine, "2025-06")
    with pytest.raises(JiuzhuError) as caught, session_scope(engine) as session:
        service.adjust(session, MAKER, made.payroll_no, household_no="500111119-000101", service_month=month,
                       amount=amount, reason="补发")
    assert caught.value.field == field and "\n" not in caught.value.message
    assert show(engine, made.payroll_no).total_fen == made.total_fen


def test_an_adjustment_at_the_top_of_its_range_is_taken(district):
    engine, _, _ = district
    made = prepare(engine, "2025-06")
    with session_scope(engine) as session:
        line = service.adjust(session, MAKER, made.payroll_no, household_no="500111119-000101",
                              service_month="2025-06", amount="20000.00", reason="经决定补足")
    assert line.amount_fen == service.ADJUSTMENT_MAX_FEN


def test_a_line_state_as_people_write_it_and_a_wrong_one_refused(zh):
    assert service.line_status("失败") == service.line_status("failed") == "failed"
    assert service.line_status(" 已到账 ") == service.line_status("Paid") == "paid"
    with pytest.raises(JiuzhuError) as caught:  # the tryout's: --status bogus answered "no line"
        service.line_status("bogus")
    assert caught.value.field == "status" and "failed（" in caught.value.message


def test_totals_of_a_year_written_short_are_refused_not_an_empty_table(district, zh):
    from jiuzhu.payroll import totals

    engine, _, _ = district
    with pytest.raises(JiuzhuError) as caught, session_scope(engine) as session:
        totals.totals(session, MAKER, area="500111", year=25)
    assert caught.value.field == "year" and "2025" in caught.value.message
