"""The 核对报告 JSON (issue 13 item 6): per member and per source each item with its as-of date, income by category
and per capita, assets, holdings, differences, completeness per source — unknown as null with known: false, never
0 — identifiers masked unless unmasked, and always valid against docs/schema/verification-report.schema.json."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings

from jiuzhu.exchange.adapters import adapter_for
from jiuzhu.exchange.sources import INSTITUTIONS, catalogue
from jiuzhu.i18n import use_language
from jiuzhu.registry.privacy import mask_account, mask_id
from jiuzhu.verification.fanout import Outcome
from jiuzhu.verification.report import REPORT_FORMAT, SCHEMA_PATH, ReportMeta, build_report, report_schema
from tests.verification.test_facts import (
    ACCOUNT,
    AS_OF,
    CHILD,
    HEAD,
    HIDDEN,
    MONTH,
    PLATE,
    SPOUSE,
    all_answered,
    answer,
    declared,
    failed,
    outcome_plans,
    outcomes_of,
    records,
)

META = ReportMeta(household_no="500111119-000123", area_code="500111119", purpose_kind="review",
                  purpose_reference="2026年低保复核", requested_by="wang", as_of=AS_OF, verification_id=812,
                  created_at=dt.datetime(2025, 9, 1, 9, 12, 5, tzinfo=dt.timezone.utc), office="大足区民政局")


def report(outcomes, **kw) -> dict:
    return build_report(META, declared(), outcomes, MONTH, **kw)


def validate(data: dict) -> None:
    jsonschema.Draft202012Validator(report_schema()).validate(json.loads(json.dumps(data)))


def test_the_committed_schema_is_the_models():
    assert json.loads(SCHEMA_PATH.read_text(encoding="utf-8")) == report_schema()


def test_every_source_answered_the_report_is_complete_with_every_figure():
    data = report(all_answered())
    validate(data)
    assert data["format"] == REPORT_FORMAT and data["complete"] is True
    assert data["completeness"] == {"endpoints": 10, "answered": 10, "failed": 0, "refused": 0, "stale": 0,
                                    "complete": True}
    assert data["window"] == {"from": "2025-02", "to": "2025-07"}
    income = data["income"]
    # Wages: 4,500.00 (the head's record) + 800.00 (the spouse's declared informal work); 3 counted members.
    assert income["by_category"]["wages"] == {"monthly_fen": 530000, "known": True, "at_least_fen": 530000,
                                              "basis": "verified"}
    assert income["total_monthly_fen"] == 530000 and income["known"] is True
    assert (income["counted_members"], income["per_capita_monthly_fen"]) == (3, 176667)  # 5300/3, half up
    assert data["assets"]["financial_fen"] == 320050 + 4231250 and data["assets"]["known"] is True
    head = next(m for m in data["members"] if m["name"] == "张伟")
    wage = next(i for i in head["items"] if i["item"] == "wage" and i["month"] == "2025-07")
    assert (wage["value_fen"], wage["as_of"], wage["endpoint"]) == (450000, "2025-07-31", "hrss.social_security")
    assert all(i["as_of"] for m in data["members"] for i in m["items"])
    assert [v["sources"] for v in data["vehicles"]] == [["public_security.vehicles"]]


def test_a_failed_bank_the_report_is_incomplete_and_assets_unknown_not_zero():
    data = report(all_answered(**{"bank.cqbank": failed("bank.cqbank")}))
    validate(data)
    assert data["complete"] is False
    assert data["completeness"]["failed"] == 1
    source = next(x for x in data["sources"] if x["endpoint"] == "bank.cqbank")
    assert source["status"] == "failed" and source["code"] == "unreachable" and source["attempts"] == 3
    assert source["reason"]
    assets = data["assets"]
    assert assets["financial_fen"] is None and assets["known"] is False
    assert assets["at_least_fen"] == 320050 + 4231250  # what is known to exist: a floor, not the total
    for m in data["members"]:
        assert m["unknown_categories"] == ["assets"]
        assert [(u["endpoint"], u["status"], u["categories"]) for u in m["unknown"]] == \
            [("bank.cqbank", "failed", ["deposit"])]


def test_a_failed_income_source_makes_the_income_totals_null_with_a_floor():
    data = report(all_answered(**{"hrss.social_security": failed("hrss.social_security", "timeout")}))
    income = data["income"]
    assert income["by_category"]["wages"]["monthly_fen"] is None
    assert income["by_category"]["wages"]["known"] is False
    assert income["total_monthly_fen"] is None and income["per_capita_monthly_fen"] is None
    assert income["at_least_fen"] > 0
    assert income["by_category"]["pension"] == {"monthly_fen": 0, "known": True, "at_least_fen": 0,
                                                "basis": "verified"}


def test_every_source_failed_no_income_figure_reads_as_a_department_s_answer():
    """What no department answered is unknown; what no department informs (business, property income) is the
    declaration's, and marked so — a 0.00 there must never read as a verified zero."""
    data = report([failed(o.endpoint) for o in all_answered()])
    assert data["complete"] is False and all(x["status"] == "failed" for x in data["sources"])
    for name, category in data["income"]["by_category"].items():
        assert category["basis"] == "declared" or category["known"] is False, name
    declared_only = {n for n, c in data["income"]["by_category"].items() if c["basis"] == "declared"}
    assert {"business_net", "property_net"} <= declared_only and "wages" not in declared_only
    validate(data)


def test_a_refused_member_is_listed_with_the_refusal_and_the_source_is_not_complete():
    refused = Outcome("bank.cqrcb", answer=answer("bank.cqrcb", refused={SPOUSE: "consent_scope"}))
    with use_language("zh"):
        data = report(all_answered(**{"bank.cqrcb": refused}))
    validate(data)
    source = next(x for x in data["sources"] if x["endpoint"] == "bank.cqrcb")
    assert (source["status"], source["refused"], source["found"]) == ("refused", 1, 1)
    spouse = next(m for m in data["members"] if m["name"] == "李娜")
    assert spouse["unknown"][0]["status"] == "refused" and "授权" in spouse["unknown"][0]["reason"]
    assert data["completeness"]["refused"] == 1 and data["complete"] is False


def test_a_stale_answer_is_flagged_with_its_date():
    old = Outcome("bank.cqrcb", answer=answer("bank.cqrcb", back_days=45))
    data = report(all_answered(**{"bank.cqrcb": old}))
    source = next(x for x in data["sources"] if x["endpoint"] == "bank.cqrcb")
    assert (source["status"], source["stale_items"], source["as_of"]) == ("stale", 2, "2025-07-17")
    head = next(m for m in data["members"] if m["name"] == "张伟")
    assert all(i["stale"] for i in head["items"] if i["endpoint"] == "bank.cqrcb")
    assert data["assets"]["known"] is False


def test_differences_are_listed_masked():
    data = report(all_answered())
    kinds = {d["kind"] for d in data["differences"]}
    assert {"wages_underdeclared", "undeclared_account", "account_balance", "undeclared_vehicle"} <= kinds
    account = next(d for d in data["differences"] if d["kind"] == "undeclared_account")
    assert account["ref"] == mask_account(HIDDEN) and account["member"] == mask_id(HEAD)
    assert account["verified_fen"] == 4231250
    vehicle = next(d for d in data["differences"] if d["kind"] == "undeclared_vehicle")
    assert vehicle["ref"] == mask_account(PLATE)


def test_identifiers_are_masked_by_default_and_shown_when_unmasked():
    masked = json.dumps(report(all_answered()), ensure_ascii=False)
    for secret in (HEAD, SPOUSE, CHILD, ACCOUNT, HIDDEN, PLATE):
        assert secret not in masked
    plain = json.dumps(report(all_answered(), unmask=True), ensure_ascii=False)
    for secret in (HEAD, SPOUSE, CHILD, ACCOUNT, HIDDEN, PLATE):
        assert secret in plain


def test_the_consent_each_member_s_queries_relied_on_is_shown():
    consents = {HEAD: {"record_id": "CR-1", "signer": "self", "valid_until": dt.date(2028, 8, 31)},
                CHILD: {"record_id": "CR-3", "signer": "guardian"}}
    data = report(all_answered(), consents=consents)
    validate(data)
    assert [m["consent"] for m in data["members"]] == [
        {"record_id": "CR-1", "signer": "self", "valid_until": "2028-08-31"}, None,
        {"record_id": "CR-3", "signer": "guardian", "valid_until": None}]


def test_the_notice_says_the_report_informs_and_does_not_decide():
    with use_language("zh"):
        data = report(all_answered())
    assert "不作为" in data["notice"] or "决定" in data["notice"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(outcome_plans())
def test_law_the_report_validates_and_is_complete_exactly_when_every_source_answered(plan):
    data = report(outcomes_of(plan))
    validate(data)
    # Complete exactly when every query was answered for every member, fresh (a stale answer of a source holding
    # nothing of the household has no old item).
    def answered(endpoint, status, refused):
        holds = any(records().get(endpoint, {}).values())
        return status == "answered" or (status == "refused" and not refused) or (status == "stale" and not holds)

    assert data["complete"] == all(answered(e, *plan[e]) for e in plan)
    assert data["completeness"]["complete"] == data["complete"]
    assert data["completeness"]["failed"] == sum(status == "failed" for status, _ in plan.values())
    # Never a zero for what is unknown.
    if not data["assets"]["known"]:
        assert data["assets"]["financial_fen"] is None
    if not data["income"]["known"]:
        assert data["income"]["total_monthly_fen"] is None and data["income"]["per_capita_monthly_fen"] is None
    for category in data["income"]["by_category"].values():
        assert category["known"] == (category["monthly_fen"] is not None)


# ------------------------------------------------------------------------ a synthetic district's planted differences

PLANTED_KIND = {"wages": "wages_underdeclared", "deposit": "undeclared_account", "vehicle": "undeclared_vehicle",
                "business": "undeclared_business", "death": "death",
                "unemployment_benefit": "unemployment_benefit_underdeclared",
                "medical_costs": "medical_costs_overdeclared"}


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    """A synthetic district (its registry loaded, its departments' records read), as the simulator serves it."""
    import pyarrow.parquet as pq
    from sqlalchemy import select

    from jiuzhu import migrate
    from jiuzhu.db import make_engine, session_scope
    from jiuzhu.registry import models as m
    from jiuzhu.registry import service
    from jiuzhu.registry.bulk import load_snapshot
    from jiuzhu.synth import generate

    out = tmp_path_factory.mktemp("district")
    generate(district="500111", households=200, seed=3, out_dir=out / "synth", month="2025-08", months=6)
    engine = make_engine(f"sqlite:///{out / 'registry.db'}")
    migrate.upgrade(engine)
    load_snapshot(engine, out / "synth")
    with session_scope(engine, write=False) as session:
        docs = {d.household_no: d for d in service.households_docs(session, list(session.scalars(
            select(m.Household))))}
    held: dict[str, dict[str, list[dict]]] = {}
    for endpoint, spec in catalogue().items():
        adapter = adapter_for(endpoint)
        if spec.kind.records is None:
            held[endpoint] = {}
            continue
        rows = pq.read_table(out / "synth" / "departments" / f"{spec.kind.records}.parquet").to_pylist()
        if spec.institution:
            column = INSTITUTIONS[spec.kind.kind][0]
            rows = [r for r in rows if r[column] == spec.institution]
        by_id: dict[str, list[dict]] = {}
        for row in rows:
            by_id.setdefault(row[adapter.key], []).append(row)
        held[endpoint] = by_id
    planted = pq.read_table(out / "synth" / "truth" / "differences.parquet").to_pylist()
    return docs, held, planted


def test_every_planted_difference_of_a_synthetic_district_is_in_its_household_s_report(district):
    """The synthetic district plants differences between what households declared and what the departments hold
    (docs/synthetic-data.md: under-declared wages, a hidden deposit, an undeclared car or business, a death the
    registry missed); everything else agrees. Each planted one appears in its household's report, of its kind and
    for its member, and no household shows a difference of those kinds that was not planted."""
    docs, held, planted = district
    as_of, month = dt.date(2025, 8, 31), "2025-09"
    expected: dict[str, set] = {}
    for row in planted:
        expected.setdefault(row["household_no"], set()).add((PLANTED_KIND[row["item"]], row["id_number"]))
    kinds = {kind for pairs in expected.values() for kind, _ in pairs}
    assert kinds >= {"wages_underdeclared", "undeclared_account", "undeclared_vehicle"}, kinds
    chosen = sorted(expected) + sorted(set(docs) - set(expected))[:30]
    for household_no in chosen:
        doc = docs[household_no]
        ids = [mm.id_number for mm in doc.members if mm.counted and not (mm.death_date and mm.death_date <= as_of)]
        outcomes = [Outcome(e, answer=answer(e, held[e], ids=ids, as_of=as_of)) for e in catalogue()]
        meta = ReportMeta(household_no=household_no, area_code=doc.area_code, purpose_kind="review",
                          purpose_reference="复核", requested_by="t", as_of=as_of)
        data = build_report(meta, doc, outcomes, month, unmask=True)
        validate(data)
        found = {(d["kind"], d["member"]) for d in data["differences"] if d["kind"] in PLANTED_KIND.values()}
        assert found == expected.get(household_no, set()), household_no
        assert data["complete"] is True, household_no


def test_a_spouse_s_id_number_in_a_marriage_record_is_masked_unless_unmasked():
    """The marriage register answers the spouse's ID number as its ref (exchange.sources declares it id_number): the
    report masks it like every identifier (it was shown in full once, read from a table of its own)."""
    held = {HEAD: [{"id_number": HEAD, "name": "张伟", "marital_status": "married", "spouse_id_number": SPOUSE,
                    "spouse_name": "李娜", "registered_on": dt.date(2014, 5, 1)}]}
    outcomes = [Outcome("civil_affairs.marriage", answer=answer("civil_affairs.marriage", held))]
    text = json.dumps(report(outcomes), ensure_ascii=False)
    assert SPOUSE not in text and mask_id(SPOUSE) in text
    assert SPOUSE in json.dumps(report(outcomes, unmask=True), ensure_ascii=False)


def test_every_personal_ref_the_catalogue_declares_has_a_mask():
    from jiuzhu.exchange.sources import REF_KINDS
    from jiuzhu.verification.report import MASKERS

    assert set(REF_KINDS) - set(MASKERS) == {"uscc", "scheme"}  # a company's code and a pension scheme: not personal
