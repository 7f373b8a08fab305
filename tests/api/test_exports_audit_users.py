"""Exports (scoped, masked unless unmasked with a reason, logged), the audit log for auditors, accounts for
administrators — each inside the account's area."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook

from jiuzhu.access import Role
from jiuzhu.db import session_scope
from tests.api.conftest import LONGTANZI, PASSWORD, TIESHAN, TIESHAN_VILLAGE
from tests.audit import access_rows


def test_a_township_exports_its_ledger_masked(registry):
    client = registry.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    response = client.get("/api/v1/exports/ledger?month=2025-08")
    assert response.status_code == 200, response.text
    assert "ledger-500111119-2025-08.xlsx" in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    numbers = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    text = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)
    assert "500111001-000001" not in text and "********" in text
    assert numbers
    with session_scope(registry.engine, write=False) as session:
        rows = [r for r in access_rows(session) if r.action == "export"]
    assert len(rows) == 1 and rows[0].actor == "tie.shan" and rows[0].area_code == TIESHAN
    assert not list((registry.app.state.settings.home / "tmp").glob("export-*/*"))  # removed once sent


def test_json_lines_of_a_village(registry):
    client = registry.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    response = client.get(f"/api/v1/exports/ledger?format=jsonl&area={TIESHAN_VILLAGE}")
    assert response.status_code == 200
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [d["household_no"] for d in lines] == ["500111119-000002"]


def test_an_export_outside_the_area_or_unmasked_without_the_permission_is_refused(registry):
    client = registry.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    assert client.get(f"/api/v1/exports/ledger?area={LONGTANZI}").status_code == 403
    assert client.get("/api/v1/exports/ledger?unmask=true&reason=x").status_code == 403
    future = client.get("/api/v1/exports/ledger?month=2999-01")
    assert future.status_code == 400 and future.json()["field"] == "month"
    worker = registry.user("cun.gan", Role.COMMUNITY_WORKER, TIESHAN_VILLAGE)
    assert worker.get("/api/v1/exports/ledger").status_code == 403


def test_an_unmasked_export_keeps_its_reason(registry):
    client = registry.user("shen.he", Role.TOWNSHIP_APPROVER, TIESHAN)
    assert client.get("/api/v1/exports/ledger?format=csv&unmask=true").status_code == 400
    response = client.get("/api/v1/exports/ledger?format=csv&unmask=true&reason=报送民政局")
    assert response.status_code == 200 and "********" not in response.text
    with session_scope(registry.engine, write=False) as session:
        rows = [r for r in access_rows(session) if r.unmasked]
    assert [r.reason for r in rows if r.reason] == ["报送民政局"]


def test_an_auditor_reads_the_audit_log_of_its_area_only(registry):
    tieshan = registry.user("tie.shan", Role.TOWNSHIP_CASEWORKER, TIESHAN)
    tieshan.get("/api/v1/households/500111119-000001")
    longtanzi = registry.user("long.tan", Role.TOWNSHIP_CASEWORKER, LONGTANZI)
    longtanzi.get("/api/v1/households/500111001-000001")
    auditor = registry.user("shen.ji", Role.AUDITOR, TIESHAN)
    response = auditor.get("/api/v1/audit?action=view")
    assert response.status_code == 200, response.text
    assert [(e["actor"], e["subject"]) for e in response.json()["items"]] == [("tie.shan", "500111119-000001")]
    assert tieshan.get("/api/v1/audit").status_code == 403


def test_an_administrator_manages_accounts_inside_its_area(registry, zh):
    admin = registry.user("admin.one", Role.ADMINISTRATOR, TIESHAN)
    created = admin.post("/api/v1/users", json={"username": "new.one", "password": PASSWORD, "role":
                                                "community_worker", "area_code": TIESHAN_VILLAGE,
                                                "display_name": "新人"})
    assert created.status_code == 201, created.text
    assert created.json()["area_code"] == TIESHAN_VILLAGE and created.json()["locked"] is False
    elsewhere = admin.post("/api/v1/users", json={"username": "far.one", "password": PASSWORD, "role":
                                                  "community_worker", "area_code": LONGTANZI, "display_name": "x"})
    assert elsewhere.status_code == 403 and LONGTANZI in elsewhere.json()["message"]
    twice = admin.post("/api/v1/users", json={"username": "new.one", "password": PASSWORD, "role":
                                              "community_worker", "area_code": TIESHAN, "display_name": "x"})
    assert twice.status_code == 409
    assert {u["username"] for u in admin.get("/api/v1/users").json()} == {"admin.one", "new.one"}
    assert admin.post("/api/v1/users/new.one/lock").json()["locked"] is True
    assert registry.client().post("/api/v1/session", json={"username": "new.one", "password": PASSWORD}
                                  ).status_code == 401
    assert admin.post("/api/v1/users/new.one/unlock").json()["locked"] is False
    registry.sign_in("new.one")
    bad_role = admin.post("/api/v1/users", json={"username": "x.y", "password": PASSWORD, "role": "king",
                                                 "area_code": TIESHAN, "display_name": "x"})
    assert bad_role.status_code == 422 and bad_role.json()["field"] == "role"
