"""The exchange format's models, their committed JSON schemas, and the examples of docs/exchange.md."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from jiuzhu.exchange import format as fmt

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "exchange.md"
EXAMPLE = re.compile(r"<!-- example: (\w+) -->\n```json\n(.*?)\n```", re.S)
MODELS = {"request": fmt.QueryRequest, "response": fmt.QueryResponse, "error": fmt.ErrorResponse}


@pytest.mark.parametrize("name", sorted(fmt.SCHEMAS))
def test_committed_schemas_are_the_models(name):
    committed = (fmt.SCHEMA_DIR / name).read_text(encoding="utf-8")
    assert committed == fmt.schema_text(fmt.SCHEMAS[name]), "run: python -m jiuzhu.exchange.format"


def _examples() -> list[tuple[str, str]]:
    return EXAMPLE.findall(DOC.read_text(encoding="utf-8"))


def test_the_doc_has_an_example_of_each_body():
    assert {kind for kind, _ in _examples()} == set(MODELS)


@pytest.mark.parametrize("kind,text", _examples())
def test_every_example_in_the_doc_is_valid(kind, text):
    data = json.loads(text)
    schema = json.loads((fmt.SCHEMA_DIR / f"{kind}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    MODELS[kind].model_validate(data)


def test_the_doc_lists_every_error_code_with_its_status_and_retryable():
    text = DOC.read_text(encoding="utf-8")
    for code, spec in fmt.ERRORS.items():
        row = re.search(rf"^\| {spec.http} \| `{code}` \| (yes|no)", text, re.M)
        assert row, f"docs/exchange.md has no row | {spec.http} | `{code}` |"
        assert (row.group(1) == "yes") == spec.retryable, code


def _item(**over):
    return {"item": "deposit.balance", "category": "deposit", "value": 100, "unit": "fen",
            "as_of": "2025-08-31"} | over


@pytest.mark.parametrize("over", [
    {"value": -1}, {"value": True}, {"value": "100"},                     # fen: a non-negative integer
    {"unit": "m2", "value": "89.5.0"}, {"unit": "m2", "value": 89},       # m2: a decimal string
    {"unit": "date", "value": "2025-02-30"}, {"unit": "bool", "value": 1},
    {"unit": "yuan"}, {"month": "2025-13"}, {"surprise": 1},
])
def test_an_item_whose_value_does_not_fit_is_refused(over):
    with pytest.raises(ValidationError):
        fmt.Item.model_validate(_item(**over))


def test_a_found_needs_items_a_none_has_none_and_only_refused_carries_an_error():
    idn = "500111198703124518"
    with pytest.raises(ValidationError):
        fmt.SubjectResult(id_number=idn, status="found")
    with pytest.raises(ValidationError):
        fmt.SubjectResult(id_number=idn, status="none", items=[fmt.Item.model_validate(_item())])
    with pytest.raises(ValidationError):
        fmt.SubjectResult(id_number=idn, status="refused")
    assert fmt.SubjectResult(id_number=idn, status="refused", error=fmt.error_body("consent_scope")).error.code


def test_another_format_version_is_refused():
    with pytest.raises(ValidationError):
        fmt.ErrorResponse.model_validate({"format": "jiuzhu-exchange/2", "error": fmt.error_body("internal")})


# -- round trip: what is written is what is read -----------------------------------------------------------
_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)
_day = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31))
_values = {
    "fen": st.integers(0, 10**15), "fen/month": st.integers(0, 10**12), "count": st.integers(0, 9),
    "m2": st.decimals(0, 99999, places=2).map(lambda d: f"{d:.2f}"), "date": _day.map(lambda d: d.isoformat()),
    "bool": st.booleans(), "code": _text,
}
_items = st.sampled_from(fmt.UNITS).flatmap(lambda unit: st.builds(
    fmt.Item, item=_text, category=_text, unit=st.just(unit), value=_values[unit], as_of=_day,
    ref=st.none() | _text, month=st.none() | st.sampled_from(["2025-01", "2025-12"]),
    attrs=st.dictionaries(_text, st.none() | st.booleans() | st.integers(-5, 5) | _text, max_size=3)))
_moments = st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1), timezones=st.just(dt.timezone.utc))
_ids = st.from_regex(fmt.ID_NUMBER, fullmatch=True)
_results = st.one_of(
    st.builds(fmt.SubjectResult, id_number=_ids, status=st.just("found"), items=st.lists(_items, min_size=1,
                                                                                         max_size=3)),
    st.builds(fmt.SubjectResult, id_number=_ids, status=st.just("none")),
    st.builds(fmt.SubjectResult, id_number=_ids, status=st.just("refused"),
              error=st.sampled_from(sorted(fmt.ERRORS)).map(lambda c: fmt.error_body(c, "x"))))


@settings(max_examples=60, deadline=None)
@given(st.builds(fmt.QueryResponse, request_id=_text, source=_text, endpoint=_text, department=_text,
                 answered_at=_moments, replayed=st.booleans(),
                 results=st.lists(_results, max_size=3)))
def test_a_response_reads_back_equal(response):
    text = response.model_dump_json(by_alias=True, exclude_none=True)
    assert fmt.QueryResponse.model_validate_json(text) == response
    schema = json.loads((fmt.SCHEMA_DIR / "response.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(json.loads(text))
