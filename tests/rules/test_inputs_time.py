"""Facts that are true in time: each dated fact counts as of the month's last day, in both twins; money is 64-bit."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest

from jiuzhu import migrate
from jiuzhu.db import make_engine, session_scope
from jiuzhu.registry import service
from jiuzhu.registry.ledger import import_ledger
from jiuzhu.rules.batch import evaluate_frame
from jiuzhu.rules.inputs.documents import frame_for, present_members
from tests.conftest import FIELD_TEST_1
from tests.rules.test_inputs_supporters import household, member
from tests.rules.test_inputs_twins import store_and_compare

MONTH = "2025-08"


def persons(data: dict, month: str = MONTH) -> dict:
    return frame_for([service.parse_household(data, record="t")], month).persons


def statement(amount: str, as_of: str, account: str | None = None, institution: str | None = None) -> dict:
    return {"kind": "deposit", "institution": institution, "account": account, "amount": amount, "as_of": as_of}


def test_field_case_the_latest_statement_of_an_account_replaces_the_earlier_one(tmp_path):
    """ledger-deposit-statement-2025-06.csv then …-07.csv: 10,500 counts, 低保 eligible 630.00 in 2025-08."""
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    migrate.upgrade(engine)
    for month in ("06", "07"):
        with session_scope(engine) as session:
            import_ledger(session, FIELD_TEST_1 / f"ledger-deposit-statement-2025-{month}.csv", actor="t", reason="t")
    with session_scope(engine) as session:
        doc = service.household_doc(session, service.get_household(session, "T12-000001"))
    frame = frame_for([doc], MONTH)
    assert frame.persons["financial_assets"].tolist() == [1_050_000]
    result = evaluate_frame(frame)
    assert (result["dibao_state"][0], result["dibao_amount"][0]) == (2, 63000)
    assert frame_for([doc], "2025-06").persons["financial_assets"].tolist() == [1_000_000]  # June: June's


STATEMENTS = {
    "one account: the latest on or before the month's end": (
        [statement("10000.00", "2025-06-30"), statement("10500.00", "2025-07-31"),
         statement("99999.00", "2025-09-01")], 1_050_000),
    "two accounts of a bank add up": (
        [statement("100.00", "2025-06-30", "6222001", "银行"), statement("200.00", "2025-07-31", "6222002", "银行"),
         statement("150.00", "2025-08-31", "6222001", "银行")], 35_000),
    "two statements of one account on one day: the larger": (
        [statement("100.00", "2025-07-31", "6222001"), statement("300.00", "2025-07-31", "6222001")], 30_000),
}


@pytest.mark.parametrize("name", list(STATEMENTS))
def test_account_statements(tmp_path, name):
    rows, fen = STATEMENTS[name]
    data = household(member(40, 1, "head", financial_assets=rows))
    assert persons(data)["financial_assets"].tolist() == [fen]
    store_and_compare(tmp_path, [data], MONTH)


def car(**dates) -> dict:
    return {"kind": "car", "plate": None, "value": "50000.00", "mobility_for_disabled": False, **dates}


HELD = {
    "registered after the month": ({"registered_on": "2025-09-01"}, False),
    "registered on its last day": ({"registered_on": "2025-08-31"}, True),
    "deregistered on its last day": ({"registered_on": "2020-01-01", "deregistered_on": "2025-08-31"}, False),
    "deregistered the day after": ({"deregistered_on": "2025-09-01"}, True),
    "undated": ({}, True),
}


@pytest.mark.parametrize("name", list(HELD))
def test_vehicles_homes_and_businesses_count_when_held_on_the_months_last_day(tmp_path, name):
    dates, held = HELD[name]
    home_dates = {{"registered_on": "acquired_on", "deregistered_on": "disposed_on"}[k]: v for k, v in dates.items()}
    data = household(member(40, 1, "head", vehicles=[car(**dates)],
                            real_estate=[{"use": "residential", "floor_area_m2": "80.00", **home_dates}],
                            businesses=[{"uscc": "92500111MA5U7K2L3M", "registered_capital": "30000.00", **dates}]))
    got = persons(data)
    assert bool(got["owns_motor_vehicle"][0]) is held
    assert got["residential_properties"].tolist() == [int(held)]
    assert got["business_capital"].tolist() == [3_000_000 if held else 0]
    store_and_compare(tmp_path, [data], MONTH)


def test_a_self_care_assessment_counts_from_its_date(tmp_path):
    care = {"assessed_on": "2025-09-10", **dict.fromkeys(
        ("eating", "dressing", "transfer", "toileting", "indoor_walking", "bathing"), False)}
    data = household(member(70, 1, "head", self_care=care))
    assert persons(data, "2025-08")["self_care_assessed"].tolist() == [False]
    assert persons(data, "2025-09")["self_care_assessed"].tolist() == [True]
    assert persons(data, "2025-09")["self_care_failed_activities"].tolist() == [6]
    store_and_compare(tmp_path, [data], MONTH)


def test_a_disability_certificate_counts_in_the_months_it_is_valid(tmp_path):
    certificate = {"category": "physical", "grade": 2, "valid_from": "2025-08-31", "valid_to": "2025-10-01"}
    data = household(member(40, 1, "head", disability=certificate))
    assert [persons(data, m)["disability_grade"][0] for m in ("2025-07", "2025-08", "2025-10", "2025-11")] == \
        [0, 2, 2, 0]
    store_and_compare(tmp_path, [data], "2025-07")


def test_members_born_after_the_month_or_dead_by_its_end_are_left_out(tmp_path):
    from stdnum.cn import ric

    first17 = "50011120250915002"  # born on 15 September 2025, a girl of 大足
    baby = member(1, 2, "child", False, id_number=first17 + ric.calc_check_digit(first17 + "0"))
    data = household(member(40, 1, "head"), baby, member(70, 3, "parent", death_date="2025-08-31"))
    doc = service.parse_household(data, record="t")
    assert [m.relation.value for m in present_members(doc, "2025-08")] == ["head"]
    assert [m.relation.value for m in present_members(doc, "2025-09")] == ["head", "child"]
    assert len(persons(data)["birth_date"]) == 1
    store_and_compare(tmp_path, [data], MONTH)
    store_and_compare(tmp_path / "sep", [data], "2025-09")


def test_money_is_64_bit_and_uncapped_in_both_twins(tmp_path):
    """household-wages-2pow31-fen.json: 21,474,836.48 yuan a month is 2³¹ fen, not an overflow; assets of a
    hundred million yuan are not capped at a million."""
    wages = [{"month": f"2025-{m:02d}", "wages": "21474836.48"} for m in range(2, 8)]
    data = household(member(40, 1, "head", incomes=wages,
                            financial_assets=[statement("100000000.00", "2025-07-31")],
                            businesses=[{"uscc": "92500111MA5U7K2L3M", "registered_capital": "999999999999.99"}]))
    got = persons(data)
    assert got["income_wages"].dtype == np.int64 and got["income_wages"].tolist() == [2**31]
    assert got["financial_assets"].tolist() == [10_000_000_000]
    assert got["business_capital"].tolist() == [99_999_999_999_999]
    (tmp_path / "twin").mkdir()
    store_and_compare(tmp_path / "twin", [data], MONTH)
    snapshot = tmp_path / "twin" / "snap" / "registry" / "incomes.parquet"
    assert pq.read_schema(snapshot).field("wages").type.bit_width == 64
