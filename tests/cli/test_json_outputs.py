"""Every ``--json`` output is one clean JSON document on stdout that validates against its committed schema
(docs/schema/cli/), and the committed schemas are those of the models (jiuzhu.cli.documents)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from jiuzhu.cli.documents import DOCUMENTS, json_schema
from jiuzhu.cli.main import app
from tests.conftest import EXAMPLE, ROOT

SCHEMAS = ROOT / "docs" / "schema" / "cli"
REGENERATE = ("python -c 'from pathlib import Path; from jiuzhu.cli.documents import write_schemas; "
              "write_schemas(Path(\"docs/schema/cli\"))'")


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_the_committed_schema_is_the_models(name):
    committed = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    assert committed == json_schema(name), f"docs/schema/cli/{name}.schema.json is stale; run {REGENERATE}"
    Draft202012Validator.check_schema(committed)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    folder = tmp_path_factory.mktemp("json-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JIUZHU_HOME", str(folder))
        mp.delenv("JIUZHU_DATABASE_URL", raising=False)
        assert CliRunner().invoke(app, ["import", str(EXAMPLE)]).exit_code == 0
        assert CliRunner().invoke(app, ["synth", "--district", "500151", "--households", "10", "--out",
                                              str(folder / "snap")]).exit_code == 0
    return folder


def _json(home: Path, monkeypatch, *args: str, code: int = 0) -> dict:
    monkeypatch.setenv("JIUZHU_HOME", str(home))
    monkeypatch.setenv("JIUZHU_LANG", "zh")
    monkeypatch.delenv("JIUZHU_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)  # stdout holds the document and nothing else


def _valid(name: str, document: dict) -> dict:
    errors = list(Draft202012Validator(json_schema(name)).iter_errors(document))
    assert not errors, [e.message for e in errors]
    return document


def test_info(home, monkeypatch):
    doc = _valid("info", _json(home, monkeypatch, "info", "--json"))
    assert doc["home"] == str(home) and doc["database_revision"] == doc["head_revision"]
    assert doc["counts"]["households"] == 1 and doc["language"] == "zh" and "***" not in doc["database_url"]
    assert doc["oidc_issuer"] is None and doc["oidc_error"] is None  # password only: no provider set


def test_summary(home, monkeypatch):
    doc = _valid("summary", _json(home, monkeypatch, "summary", "--json"))
    assert doc["households"] == 1 and doc["persons"] == 4
    assert {p["label"] for p in doc["programmes"]} >= {"重度残疾人护理补贴"}


def test_history_masks_identifiers_unless_unmasked(home, monkeypatch):
    doc = _valid("history", _json(home, monkeypatch, "household", "history", "500111119-000001", "--json"))
    assert doc["changes"][0]["path"] == "(created)" and doc["unmasked"] is False


def test_scan_and_whatif(home, monkeypatch):
    doc = _valid("scan", _json(home, monkeypatch, "scan", "--month", "2025-08", "--json"))
    assert doc["households"] == 1 and doc["persons"] == 4
    assert any(t["list_label"] == "应享未享" and t["programme"] == "dibao" for t in doc["totals"])
    doc = _valid("whatif", _json(home, monkeypatch, "whatif", "--set", "dibao.line.rural=700", "--json"))
    dibao = next(p for p in doc["programmes"] if p["programme"] == "dibao")
    assert dibao["monthly_cost_before"] == "2820.00" and dibao["monthly_cost_difference"] == "280.00"


def test_import_with_a_rejection_exits_1_and_reports_it(home, monkeypatch, tmp_path):
    bad = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    bad["household_no"], bad["members"][0]["name"] = "500111119-000777", " "
    (tmp_path / "bad.json").write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    doc = _valid("import", _json(home, monkeypatch, "import", str(tmp_path / "bad.json"), "--json", code=1))
    assert doc["stored_households"] == 0 and doc["rejected_households"] == 1 and doc["exit_code"] == 1
    assert "members[0].name" in doc["rejections"][0]["field"] and Path(doc["report"]).is_file()
    assert Path(doc["report"]).parent == home / "reports"


def test_load(home, monkeypatch):
    doc = _valid("load", _json(home, monkeypatch, "load", str(home / "snap"), "--json"))
    assert doc["households"] == 10 and doc["rows"]["households"] == 10
