"""What a caller of ``/api/v1/…/verifications`` can send that once came back wrong: a number for a date ("含有时
间"), null for a choice (Python's None, English "or"), a day no law covers, an evaluation month after the
verification's — each one line in the caller's language naming its field."""

from __future__ import annotations

import pytest

from jiuzhu.verification import flows
from tests.verification.conftest import AS_OF, district, load_world, simulator  # noqa: F401 - fixtures

PREFIX = "/api/v1"


@pytest.mark.parametrize(("body", "field", "said", "never"), [
    ({"purpose_kind": "review", "as_of": 20250831}, "as_of", "20250831 是数字而不是日期", "含有时间"),
    ({"purpose_kind": None}, "purpose_kind", "“空值（null）”不在可选值中：application、review 或 spot_check",
     "None"),
    ({"purpose_kind": True}, "purpose_kind", "“true”", "True"),
    ({"purpose_kind": "review", "as_of": "1990-01-01"}, "as_of", "1990-01-01 早于现行政策施行", "dibao."),
])
def test_bad_input_is_said_as_the_caller_wrote_it(api, district, zh, body, field, said, never):  # noqa: F811
    world = load_world(api.engine, district)
    client = api.user("zhang", "township_caseworker", world.area_code)
    answer = client.post(f"{PREFIX}/households/{world.household_no}/verifications", json=body)
    assert answer.status_code in (400, 422), answer.text
    got = answer.json()
    assert got["field"] == field and said in got["message"] and never not in got["message"], got
    assert " or " not in got["message"]


def test_the_choices_in_english_keep_english_words(api, district):  # noqa: F811
    world = load_world(api.engine, district)
    client = api.user("zhang", "township_caseworker", world.area_code)
    answer = client.post(f"{PREFIX}/households/{world.household_no}/verifications", json={"purpose_kind": None})
    assert "application, review or spot_check" in answer.json()["message"], answer.text
    assert "None" not in answer.json()["message"]


def test_evaluation_months_outside_the_law_or_after_the_verification_are_refused(api, district, simulator,  # noqa: F811
                                                                                zh):
    world = load_world(api.engine, district)
    client = api.user("zhang", "township_caseworker", world.area_code)
    vid = client.post(f"{PREFIX}/households/{world.household_no}/verifications",
                      json={"purpose_kind": "review", "as_of": AS_OF.isoformat()}).json()["id"]
    assert flows.run_here(api.engine, vid, exchange=simulator.exchange()) == "done"
    for month, said in [("2031-01", "晚于本次核对的月份 2025-08"), ("2025-09", "晚于本次核对的月份 2025-08"),
                        ("1990-01", "早于")]:
        answer = client.get(f"{PREFIX}/verifications/{vid}/evaluation", params={"month": month})
        assert answer.status_code == 400, answer.text
        assert answer.json()["field"] == "month" and said in answer.json()["message"], answer.json()
        assert "dibao." not in answer.json()["message"]
    assert client.get(f"{PREFIX}/verifications/{vid}/evaluation", params={"month": "2025-07"}).status_code == 200
