"""Each kind's records → items, on records written out by hand in the departments' format (exchange.records):
the items expected are written out here, not computed by the adapters, so a wrong mapping shows."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.exchange import format as fmt
from jiuzhu.exchange.adapters import ADAPTERS, adapter_for
from jiuzhu.exchange.records import DEPARTMENT_SCHEMAS, RANGES
from jiuzhu.exchange.sources import KINDS

AS_OF = dt.date(2025, 8, 31)
ALL_MONTHS = fmt.Months.model_validate({"from": "2025-01", "to": "2025-12"})
ID, SPOUSE = "500111198703124518", "500111198905061527"
D = dt.date


def items(kind: str, row: dict, months: fmt.Months | None = ALL_MONTHS, categories=None) -> list[tuple]:
    got = adapter_for(kind).items([row], as_of=AS_OF, months=months,
                                  categories=categories or KINDS[kind].categories)
    return [(i.item, i.category, i.ref, i.month, i.value, i.unit, i.as_of, i.attrs) for i in got]


def test_hukou_answers_area_urban_chongqing_and_status():
    row = {"id_number": ID, "name": "张伟", "hukou_area_code": "500111113", "urban": True,
           "registered_on": D(1987, 4, 1), "status": "正常"}
    assert items("public_security.hukou", row) == [
        ("hukou_area", "identity", None, None, "500111113", "code", AS_OF, {"registered_on": "1987-04-01"}),
        ("hukou_urban", "identity", None, None, True, "bool", AS_OF, {}),
        ("hukou_chongqing", "identity", None, None, True, "bool", AS_OF, {}),
        ("hukou_status", "identity", None, None, "正常", "code", AS_OF, {})]


def test_a_hukou_outside_chongqing_and_a_cancelled_one():
    row = {"id_number": ID, "name": "张伟", "hukou_area_code": "512126", "urban": False,
           "registered_on": D(1987, 4, 1), "status": "死亡注销"}
    got = {i[0]: i[4] for i in items("public_security.hukou", row)}
    assert got == {"hukou_area": "512126", "hukou_urban": False, "hukou_chongqing": False,
                   "hukou_status": "死亡注销"}


def test_unemployment_benefit_by_month():
    row = {"id_number": ID, "name": "张伟", "month": "2025-06", "benefit_fen": 185000}
    assert items("hrss.unemployment", row) == [
        ("unemployment_benefit", "income", None, "2025-06", 185000, "fen/month", D(2025, 6, 30), {})]


def test_work_injury_care_paid_in_a_month_with_grade_and_care_level():
    row = {"id_number": ID, "name": "张伟", "month": "2025-02", "injury_grade": 2, "care_level": "大部分不能自理",
           "care_fen": 304000}
    assert items("hrss.work_injury", row) == [
        ("care_paid", "income", None, "2025-02", 304000, "fen/month", D(2025, 2, 28),
         {"injury_grade": 2, "care_level": "大部分不能自理"})]


def test_medical_insurance_out_of_pocket_and_the_funds_part_even_zero():
    row = {"id_number": ID, "name": "张伟", "month": "2025-07", "out_of_pocket_fen": 226032, "fund_paid_fen": 0}
    assert items("medical_insurance", row) == [
        ("out_of_pocket", "spending", None, "2025-07", 226032, "fen/month", D(2025, 7, 31), {}),
        ("fund_paid", "spending", None, "2025-07", 0, "fen/month", D(2025, 7, 31), {})]


def test_housing_fund_balance_and_deposit_on_the_accounts_own_date_whatever_months_are_asked():
    row = {"id_number": ID, "name": "张伟", "account_no": "259369281023", "employer_uscc": "91500111109020339T",
           "balance_fen": 48787465, "monthly_deposit_fen": 238064, "status": "正常", "as_of": D(2025, 8, 20)}
    expected = [
        ("fund_balance", "asset", "259369281023", None, 48787465, "fen", D(2025, 8, 20),
         {"employer_uscc": "91500111109020339T", "status": "正常"}),
        ("monthly_deposit", "asset", "259369281023", None, 238064, "fen/month", D(2025, 8, 20), {})]
    assert items("housing_fund", row) == expected
    assert items("housing_fund", row, months=fmt.Months.model_validate({"from": "2024-01", "to": "2024-02"})) \
        == expected


def test_marriage_status_with_the_spouses_id_number_as_reference():
    row = {"id_number": ID, "name": "张伟", "marital_status": "married", "spouse_id_number": SPOUSE,
           "spouse_name": "李娜", "registered_on": D(2012, 10, 1)}
    assert items("civil_affairs.marriage", row) == [
        ("marital_status", "family", SPOUSE, None, "married", "code", AS_OF, {"registered_on": "2012-10-01"})]


def test_education_level_and_enrolment():
    row = {"id_number": ID, "name": "张小伟", "school_level": "junior_secondary", "enrolled": False,
           "school_name": "三驱镇中学(合成)", "as_of": AS_OF}
    assert items("education", row) == [
        ("school_level", "family", None, None, "junior_secondary", "code", AS_OF,
         {"school_name": "三驱镇中学(合成)"}),
        ("enrolled", "family", None, None, False, "bool", AS_OF, {})]


def test_funeral_cremation_date():
    row = {"id_number": ID, "name": "张伟", "death_date": D(2025, 4, 9), "cremated_on": D(2025, 4, 14),
           "funeral_home": "重庆市大足区殡仪馆(合成)"}
    assert items("civil_affairs.funeral", row) == [
        ("cremated_on", "death", None, None, "2025-04-14", "date", AS_OF,
         {"death_date": "2025-04-09", "funeral_home": "重庆市大足区殡仪馆(合成)"})]


def test_monthly_items_outside_the_months_asked_and_categories_not_asked_are_not_sent():
    row = {"id_number": ID, "name": "张伟", "month": "2025-01", "benefit_fen": 185000}
    assert items("hrss.unemployment", row, months=fmt.Months.model_validate({"from": "2025-02", "to": "2025-07"})) \
        == []
    assert items("hrss.unemployment", row, categories=["spending"]) == []


def test_a_null_value_gives_no_item_never_a_zero():
    row = {"id_number": ID, "name": "张伟", "hukou_area_code": None, "urban": None, "registered_on": None,
           "status": "正常"}
    assert [i[0] for i in items("public_security.hukou", row)] == ["hukou_status"]


def _sample_row(records: str, data) -> dict:
    """A record of ``records`` within its declared ranges (codes from their lists, amounts in range)."""
    row = {}
    for name in DEPARTMENT_SCHEMAS[records].names:
        spec = RANGES[records][name]
        if spec.values:
            row[name] = data.draw(st.sampled_from(spec.values))
        elif spec.unit in ("fen", "count"):
            row[name] = data.draw(st.integers(spec.low or 0, min(spec.high or 10**12, 10**12)))
        elif spec.unit == "bool":
            row[name] = data.draw(st.booleans())
        elif spec.unit == "date":
            row[name] = data.draw(st.dates(D(1950, 1, 1), AS_OF))
        elif spec.unit == "month":
            row[name] = data.draw(st.sampled_from(["2025-02", "2025-07"]))
        else:
            row[name] = ID if "id_number" in name else data.draw(st.sampled_from(["500111113", "512126", "某"]))
    return row


NEW_KINDS = ("public_security.hukou", "hrss.unemployment", "hrss.work_injury", "medical_insurance", "housing_fund",
             "civil_affairs.marriage", "education", "civil_affairs.funeral")


@pytest.mark.parametrize("kind", NEW_KINDS)
@given(data=st.data())
def test_every_item_of_a_record_is_one_the_client_accepts(kind, data):
    # The law the client checks (Adapter._item_problem): each item is in the catalogue, in its unit, with a
    # month exactly when monthly. Any record within the declared ranges gives such items only, and some.
    adapter = ADAPTERS[kind]
    got = adapter.items([_sample_row(KINDS[kind].records, data)], as_of=AS_OF, months=None,
                        categories=KINDS[kind].categories)
    assert got
    assert all(adapter._item_problem(i, list(KINDS[kind].categories)) is None for i in got)
    assert all((i.ref is None) == (KINDS[kind].item(i.item).ref is None) for i in got)
