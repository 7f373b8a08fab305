"""Evaluations through the API equal ``jiuzhu evaluate``'s: the same service, the same result, the same words."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from jiuzhu.access import Role
from jiuzhu.cli.main import app as cli
from tests.api.conftest import TIESHAN, household
from tests.audit import access_rows


def _cli(doc: dict, tmp_path, *args: str) -> dict:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(cli, ["evaluate", str(path), "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_posted_household_is_evaluated_as_the_cli_evaluates_it(api, example_data, tmp_path, lang):
    client = api.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    response = client.post(f"/api/v1/evaluate?month=2025-08&lang={lang}", json=example_data)
    assert response.status_code == 200, response.text
    assert response.json() == _cli(example_data, tmp_path, "--month", "2025-08", "--lang", lang)
    result = response.json()
    conditions = [c for p in result["programmes"] for c in p.get("conditions", [])]
    assert conditions and any(c.get("reference") for c in conditions)  # the law cited
    assert example_data["members"][0]["id_number"] not in response.text  # masked, as the CLI's


def test_a_stored_household_is_evaluated_as_the_cli_evaluates_its_document(registry, tmp_path):
    client = registry.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    response = client.get("/api/v1/households/500111119-000001/evaluation?month=2025-07")
    assert response.status_code == 200, response.text
    expected = _cli(household("500111119-000001", TIESHAN, 1), tmp_path, "--month", "2025-07")
    assert response.json() == expected
    from jiuzhu.db import session_scope

    with session_scope(registry.engine, write=False) as session:
        rows = [(r.action, r.subject, r.area_code) for r in access_rows(session)]
    assert ("evaluate", "500111119-000001", TIESHAN) in rows


def test_a_bad_posted_household_names_each_field_in_chinese(api, example_data, zh):
    client = api.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    example_data["members"][0]["name"] = ""
    example_data["members"][1]["birth_date"] = "2999-01-01"
    response = client.post("/api/v1/evaluate", json=example_data)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "invalid_record" and len(body["errors"]) >= 2
    assert "姓名" in body["field"] and "members[0].name" in body["field"]
    assert all(e["record"].startswith("提交的家庭") for e in body["errors"])


def test_a_month_is_checked_as_the_cli_checks_it(api, example_data, tmp_path):
    client = api.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    response = client.post("/api/v1/evaluate?month=2025-13", json=example_data)
    assert response.status_code == 400 and response.json()["field"] == "month"
    path = tmp_path / "one.json"
    path.write_text(json.dumps(example_data), encoding="utf-8")
    cli_run = CliRunner().invoke(cli, ["evaluate", str(path), "--month", "2025-13"])
    assert response.json()["message"] in cli_run.output


def test_not_an_object_is_refused(api):
    client = api.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    response = client.post("/api/v1/evaluate", json=[1, 2])
    assert response.status_code == 422 and response.json()["code"] == "invalid"


def test_roles_without_evaluate_are_refused(api, example_data):
    client = api.user("shen.ji", Role.AUDITOR, TIESHAN)
    assert client.post("/api/v1/evaluate", json=example_data).status_code == 403
