"""One error body everywhere (code, message, field), in the caller's language; never a traceback."""

from __future__ import annotations

import re

import pytest

from jiuzhu.access import Role
from tests.api.conftest import TIESHAN

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _body(response) -> dict:
    body = response.json()
    assert set(body) >= {"code", "message", "field"}, body
    assert "Traceback" not in response.text
    return body


def test_not_signed_in_is_401_in_chinese_by_default(api, monkeypatch):
    monkeypatch.delenv("JIUZHU_LANG")
    response = api.client().get("/api/v1/households")
    assert response.status_code == 401 and response.headers["content-language"] == "zh"
    body = _body(response)
    assert body["code"] == "unauthenticated" and CHINESE.search(body["message"])


def test_english_on_request_and_by_the_cookie(api, monkeypatch):
    monkeypatch.delenv("JIUZHU_LANG")
    client = api.client()
    assert not CHINESE.search(_body(client.get("/api/v1/areas?lang=en"))["message"])
    client.cookies.set("jiuzhu_lang", "en")
    response = client.get("/api/v1/areas")
    assert response.headers["content-language"] == "en" and not CHINESE.search(_body(response)["message"])


def test_an_unknown_language_is_refused_naming_it(api):
    client = api.user("zhang.wei", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    body = _body(client.get("/api/v1/areas?lang=fr"))
    assert body["field"] == "lang" and "fr" in body["message"]


def test_no_such_route_and_wrong_method(api, zh):
    client = api.client()
    missing = client.get("/api/v1/nowhere")
    assert missing.status_code == 404 and _body(missing)["code"] == "not_found"
    assert CHINESE.search(missing.json()["message"])
    wrong = client.put("/api/v1/areas")
    assert wrong.status_code == 405 and _body(wrong)["code"] == "method_not_allowed"


def test_a_query_parameter_of_the_wrong_type_names_itself_in_chinese(registry, zh):
    client = registry.user("zhang.wei", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    response = client.get("/api/v1/households?page=x")
    assert response.status_code == 422
    body = _body(response)
    assert body["field"] == "page" and body["code"] == "invalid" and "整数" in body["message"], body
    too_many = _body(client.get("/api/v1/households?per_page=1000"))
    assert too_many["field"] == "per_page" and "100" in too_many["message"]


def test_an_internal_error_is_one_line_with_a_reference_and_the_log_has_it(api, monkeypatch, zh):
    from jiuzhu.registry import search

    client = api.user("zhang.wei", Role.TOWNSHIP_CASEWORKER, TIESHAN)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug, with a secret detail")

    monkeypatch.setattr(search, "list_areas", broken)
    response = client.get("/api/v1/areas")
    assert response.status_code == 500
    body = _body(response)
    assert body["code"] == "internal" and "secret detail" not in response.text and CHINESE.search(body["message"])
    assert body["reference"] in body["message"]
    log = (api.app.state.settings.home / "logs" / "errors.log").read_text(encoding="utf-8")
    assert body["reference"] in log and "a bug, with a secret detail" in log


@pytest.mark.parametrize("path", ["/api/v1/households", "/api/v1/audit", "/api/v1/users", "/api/v1/areas"])
def test_every_route_refuses_nobody(api, path):
    response = api.client().get(path)
    assert response.status_code == 401 and _body(response)["code"] == "unauthenticated"


def test_the_openapi_document_is_served_and_names_every_route(api):
    document = api.client().get("/openapi.json").json()
    paths = document["paths"]
    for path in ("/api/v1/session", "/api/v1/areas", "/api/v1/households", "/api/v1/households/{household_no}",
                 "/api/v1/households/{household_no}/history", "/api/v1/households/{household_no}/evaluation",
                 "/api/v1/evaluate", "/api/v1/exports/ledger", "/api/v1/audit", "/api/v1/users",
                 "/api/v1/users/{username}/lock", "/api/v1/users/{username}/unlock"):
        assert path in paths, path
    assert "ErrorBody" in document["components"]["schemas"]
    assert paths["/api/v1/households"]["get"]["responses"]["403"]["content"]["application/json"]["schema"] == \
        {"$ref": "#/components/schemas/ErrorBody"}


def test_every_route_but_the_sign_in_declares_its_permission(api):
    """What the authorization matrix reads: each route's ``require`` dependency and its ``permission``."""
    from fastapi.routing import APIRoute

    def permissions(dependant) -> list:
        found = [getattr(d.call, "permission", "none") for d in dependant.dependencies
                 if hasattr(d.call, "permission")]
        for d in dependant.dependencies:
            found += permissions(d)
        return found

    for route in api.app.routes:
        if not isinstance(route, APIRoute) or not route.path.startswith("/api/v1"):
            continue
        if route.path == "/api/v1/session" and "POST" in route.methods:
            assert permissions(route.dependant) == []
            continue
        assert permissions(route.dependant), f"{route.methods} {route.path} has no require() dependency"


def test_a_control_character_is_refused_naming_the_parameter(registry):
    client = registry.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    for path, field in (("/api/v1/households?name=%00", "name"), ("/api/v1/households/500111119%00", "household_no"),
                        ("/api/v1/areas?parent=5001%01", "parent")):
        response = client.get(path)
        assert response.status_code == 400 and _body(response)["field"] == field, response.text


def test_audit_days_out_of_range_are_refused_not_an_internal_error(registry):
    auditor = registry.user("shen.ji", Role.AUDITOR, TIESHAN)
    for query in ("until=9999-12-31", "since=0001-01-01"):
        response = auditor.get(f"/api/v1/audit?{query}")
        assert response.status_code == 400 and _body(response)["field"] == query.split("=")[0]


def test_a_body_that_is_not_json_is_the_bodys_fault_not_a_character_offset(api, monkeypatch):
    """The newcomer posted broken JSON and read "[17]：不是有效的 JSON", field "[17]": a position, not an input."""
    monkeypatch.setenv("JIUZHU_LANG", "zh")
    client = api.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    answer = client.post("/api/v1/evaluate", content=b'{"household_no": "x", oops}',
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 422
    got = _body(answer)
    assert got["field"] == "body" and got["message"].startswith("body") and "[" not in got["message"]
