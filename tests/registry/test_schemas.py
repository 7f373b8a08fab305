"""The household interchange format: validation messages name the field; the committed schema is current."""

import json
from pathlib import Path

import jsonschema
import pytest

from jiuzhu.errors import RecordErrors
from jiuzhu.money import fen_to_yuan, yuan_to_fen
from jiuzhu.registry import schemas, service

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "schema" / "household.schema.json"


def test_committed_json_schema_is_generated_from_the_models():
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == schemas.json_schema(), "run: jiuzhu schema -o docs/schema/household.schema.json"


def test_example_household_is_valid_against_the_json_schema(example_data):
    jsonschema.validate(example_data, json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    doc = service.parse_household(example_data, record="example")
    assert doc.members[0].sex == schemas.Sex.male


def _errors(data) -> dict[str, str]:
    with pytest.raises(RecordErrors) as info:
        service.parse_household(data, record="household X")
    assert all(e.record == "household X" for e in info.value.errors)
    return {e.field: e.reason for e in info.value.errors}


def test_every_problem_is_reported_with_its_field(example_data):
    example_data["members"][0]["sex"] = "F"
    example_data["members"][1]["incomes"][0]["wages"] = 450.5
    example_data["members"][2]["id_number"] = example_data["members"][2]["id_number"][:-1] + "0"
    example_data["area_code"] = "500111999"
    errors = _errors(example_data)
    assert "disagrees with the ID number" in errors["members[0]"]
    wages_error = errors["members[1].incomes[0].wages"]
    assert "not a float" in wages_error or "string of yuan" in wages_error
    assert "check digit" in errors["members[2].id_number"]
    assert "not in the official division table" in errors["area_code"]


def test_birth_date_must_agree_with_the_id_number(example_data):
    example_data["members"][1]["birth_date"] = "1960-09-19"
    assert "disagrees with the ID number (1960-09-18)" in _errors(example_data)["members[1]"]


def test_a_household_has_exactly_one_head(example_data):
    example_data["members"][1]["relation"] = "head"
    assert "exactly one head" in _errors(example_data)["(document)"]


def test_an_excluded_member_needs_a_reason(example_data):
    example_data["members"][1]["counted"] = False
    assert "exclusion_reason is required" in _errors(example_data)["members[1]"]


def test_unknown_fields_are_refused(example_data):
    example_data["members"][0]["salary"] = "100"
    assert "members[0].salary" in _errors(example_data)


@pytest.mark.parametrize("amount", ["12.345", "abc", "1e3", "NaN"])
def test_money_with_sub_fen_precision_or_not_a_number_is_refused(example_data, amount):
    example_data["members"][0]["financial_assets"][0]["amount"] = amount
    assert "members[0].financial_assets[0].amount" in _errors(example_data)


def test_money_is_exact():
    assert yuan_to_fen("612.40") == 61240 and yuan_to_fen("0.1") == 10 and yuan_to_fen(7) == 700
    assert str(fen_to_yuan(61240)) == "612.40"
    with pytest.raises(ValueError):
        yuan_to_fen(0.1)
    with pytest.raises(ValueError):
        yuan_to_fen("0.001")


def test_an_id_number_born_in_the_future_has_that_one_reason_not_its_area_code_then(zh):
    """512126 is no county code "in 2030" only because 2030 is to come: the date is the reason (one per field)."""
    from stdnum.cn import ric

    born_2030 = "51212620300101001" + ric.calc_check_digit("51212620300101001" + "0")
    data = {"household_no": "X-1", "area_code": "500111119", "urban": True,
            "members": [{"relation": "head", "name": "王", "id_number": born_2030, "birth_date": "2030-01-01"}]}
    with pytest.raises(RecordErrors) as err:
        service.parse_household(data, record="r")
    reasons = {e.field.split("（")[0]: e.reason for e in err.value.errors}
    assert set(reasons) == {"家庭成员第1项·身份证号", "家庭成员第1项·出生日期"}
    assert "2030-01-01 是将来的日期" in reasons["家庭成员第1项·身份证号"] and "地区码" not in str(err.value)
