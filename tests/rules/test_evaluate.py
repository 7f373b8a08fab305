"""Evaluating one household: statuses, exact amounts, explanations in both languages, the documented format."""

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from jiuzhu.registry import service
from jiuzhu.rules.explain import evaluate
from jiuzhu.rules.schemas import json_schema
from tests.factories import id_number

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "schema" / "evaluation.schema.json"


def _doc(data):
    return service.parse_household(data, record="test")


def _single(birth="1980-05-05", wages=None, urban=True, declared="2025-08-05", **member):
    import datetime as dt

    born = dt.date.fromisoformat(birth)
    months = [f"2024-{m:02d}" for m in range(8, 13)] + [f"2025-{m:02d}" for m in range(1, 8)]
    return {
        "household_no": "500111119-000009", "area_code": "500111119", "urban": urban, "declared_on": declared,
        "members": [{"id_number": id_number(born, 1, True), "name": "张三", "relation": "head",
                     "hukou": {"chongqing": True, "urban": urban},
                     "incomes": [{"month": m, "wages": wages} for m in months] if wages else [], **member}],
    }


def _programme(result, key):
    return next(p for p in result["programmes"] if p["programme"] == key)


def test_the_committed_schema_is_current():
    assert json.loads(SCHEMA.read_text()) == json_schema()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_example_household_validates_against_the_schema(example_data, lang):
    result = evaluate([_doc(example_data)], "2025-08", lang=lang)[0]
    jsonschema.validate(result, json.loads(SCHEMA.read_text()))


def test_one_fen_below_the_line_is_eligible_for_one_fen():
    result = evaluate([_doc(_single(wages="769.99"))], "2025-08")[0]
    dibao = _programme(result, "dibao")
    assert dibao["status"] == "eligible" and dibao["monthly_amount"] == "0.01"
    income = next(c for c in dibao["conditions"] if c["condition"] == "dibao_income_test")
    assert income["text"] == "家庭人均月收入 769.99 元 < 低保标准 770.00 元"
    assert income["reference"].startswith("《社会救助暂行办法》第九条")


def test_on_the_line_is_not_eligible_and_says_why_in_english():
    result = evaluate([_doc(_single(wages="770.00"))], "2025-08", lang="en")[0]
    dibao = _programme(result, "dibao")
    assert dibao["status"] == "not_eligible" and dibao["monthly_amount"] == "0.00"
    income = next(c for c in dibao["conditions"] if c["condition"] == "dibao_income_test")
    assert income["result"] == "failed"
    assert income["text"] == "household income per person 770.00 yuan ≥ the minimum-living line 770.00 yuan"


def test_the_line_of_the_month_applies():
    june = evaluate([_doc(_single(wages="760.00", declared="2025-07-05"))], "2025-07")[0]
    assert _programme(june, "dibao")["monthly_amount"] == "10.00"  # 770 from 2025-07-01
    earlier = evaluate([_doc(_single(wages="760.00", declared="2025-06-05"))], "2025-06")[0]
    assert _programme(earlier, "dibao")["status"] == "not_eligible"  # 750 until then


def test_income_without_a_declaration_is_unknown_not_zero():
    result = evaluate([_doc(_single(declared=None))], "2025-08")[0]
    dibao = _programme(result, "dibao")
    assert dibao["status"] == "needs_information" and dibao["monthly_amount"] is None
    assert next(c for c in dibao["conditions"] if c["condition"] == "dibao_income_test")["result"] == "unknown"


def test_a_definite_failure_wins_over_missing_information():
    data = _single(declared=None, vehicles=[{"kind": "car", "value": "80000.00"}])
    dibao = _programme(evaluate([_doc(data)], "2025-08")[0], "dibao")
    assert dibao["status"] == "not_eligible"


def test_addons_and_breakdown_per_person(example_data):
    result = evaluate([_doc(example_data)], "2025-08")[0]
    dibao = _programme(result, "dibao")
    assert [(b["name"], b["base"], b["addon"], b["amount"]) for b in dibao["breakdown"]] == [
        ("王德福", "630.00", "100.00", "730.00"), ("李秀英", "630.00", "0.00", "630.00"),
        ("王浩", "630.00", "100.00", "730.00"), ("王小雨", "630.00", "100.00", "730.00")]
    # 李秀英, 64, able and not herself on 低保, supports her husband (民法典 art. 1059): 王德福 is no 特困 person
    assert dibao["monthly_amount"] == "2820.00"


def test_ids_are_masked_unless_asked(example_data):
    masked = json.dumps(evaluate([_doc(example_data)], "2025-08")[0], ensure_ascii=False)
    plain = json.dumps(evaluate([_doc(example_data)], "2025-08", unmask=True)[0], ensure_ascii=False)
    head = example_data["members"][0]["id_number"]
    assert head not in masked and head in plain


def test_a_household_whose_members_all_died_gets_nothing(example_data):
    data = copy.deepcopy(example_data)
    for member in data["members"]:
        member["death_date"] = "2025-03-01"
    result = evaluate([_doc(data)], "2025-08")[0]
    assert result["total_monthly_amount"] == "0.00"
    assert {p["status"] for p in result["programmes"]} == {"not_eligible"}


@pytest.mark.parametrize("need, paid", [("2000.00", "2000.00"), ("9000.00", "4620.00")])
def test_an_emergency_this_month_opens_temporary_aid_up_to_six_times_the_line(need, paid):
    data = _single(wages="3000.00")
    data["emergencies"] = [{"date": "2025-08-12", "kind": "fire", "need": need, "note": "厨房失火"}]
    temporary = _programme(evaluate([_doc(data)], "2025-08")[0], "temporary")
    assert temporary["status"] == "eligible" and temporary["monthly_amount"] == paid  # cap: 6 × 770.00
    emergency = next(c for c in temporary["conditions"] if c["condition"] == "temporary_emergency_test")
    assert emergency["result"] == "passed" and emergency["text"] == "本月发生急难情形（先行救助）"


def test_an_emergency_of_another_month_does_not_count_for_this_one():
    data = _single(wages="3000.00")
    data["emergencies"] = [{"date": "2025-07-31", "kind": "sudden_illness", "need": "5000.00"}]
    temporary = _programme(evaluate([_doc(data)], "2025-08")[0], "temporary")
    assert temporary["status"] == "not_eligible" and temporary["monthly_amount"] == "0.00"


def _orphan(**child):
    import datetime as dt

    data = _single(birth="1950-03-03", wages="1000.00")
    data["members"].append({
        "id_number": id_number(dt.date(2015, 6, 1), 2, False), "name": "张小花", "relation": "grandchild",
        "hukou": {"chongqing": True, "urban": True}, "school_level": "primary",
        "supporters": [{"name": "张父", "relation": "parent", "status": "deceased"},
                       {"name": "张母", "relation": "parent", "status": "deceased"}], **child})
    return data


@pytest.mark.parametrize("in_institution, paid", [(True, "1851.00"), (None, "1651.00"), (False, "1651.00")])
def test_an_orphan_living_in_an_institution_gets_the_institution_standard(in_institution, paid):
    orphan = _programme(evaluate([_doc(_orphan(in_institution=in_institution))], "2025-08")[0], "orphan")
    assert orphan["status"] == "eligible" and orphan["monthly_amount"] == paid  # 渝民规〔2025〕6号


def test_work_injury_care_pay_excludes_the_severe_disability_care_subsidy():
    disabled = {"disability": {"category": "physical", "grade": 1, "valid_from": "2020-01-01"}}
    alone = _programme(evaluate([_doc(_single(wages="3000.00", **disabled))], "2025-08")[0], "disability_care")
    injured = _programme(evaluate([_doc(_single(wages="3000.00", work_injury_care=True, **disabled))], "2025-08")[0],
                         "disability_care")
    assert alone["status"] == "eligible" and injured["status"] == "not_eligible"


@pytest.mark.parametrize("taper_from, status",
                         [("2025-03", "eligible"), ("2025-02", "not_eligible"), (None, "not_eligible")])
def test_the_taper_keeps_the_current_amount_for_six_months_from_its_first_month(taper_from, status):
    data = _single(wages="2000.00")  # income now above the line through work
    data["enrolments"] = [{"programme": "dibao", "monthly_amount": "520.00", "start_date": "2023-01-01",
                           "taper_from": taper_from}]
    dibao = _programme(evaluate([_doc(data)], "2025-08")[0], "dibao")
    assert dibao["status"] == status  # 2025-03 … 2025-08 is the sixth month; from 2025-02 it is the seventh
    if status == "eligible":
        assert dibao["monthly_amount"] == "520.00"


def _field_case(name: str):
    from tests.conftest import FIELD_TEST_1

    data = json.loads((FIELD_TEST_1 / name).read_text(encoding="utf-8"))
    return _doc(data)


def test_a_60_year_old_with_an_able_spouse_is_not_tekun_and_the_household_gets_dibao_940():
    """Field test 1: the head (60) lives with his able 58-year-old spouse, his legal supporter: not 特困; the two
    are a 低保 household: 2 × 770.00 − 600.00 of property income = 940.00 (优抚 1000.00 is not counted)."""
    result = evaluate([_field_case("household-tekun-spouse-able.json")], "2025-08")[0]
    tekun, dibao = _programme(result, "tekun"), _programme(result, "dibao")
    assert tekun["status"] == "not_eligible" and tekun["monthly_amount"] == "0.00"
    assert dibao["status"] == "eligible" and dibao["monthly_amount"] == "940.00"
    assert result["total_monthly_amount"] == "940.00"
