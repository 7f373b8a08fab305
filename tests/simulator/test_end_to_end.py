"""The adapters against the simulator in its own process, over loopback, configured only by the sources.toml it
wrote: what they read equals the departments' records; a source down, slow or over its rate limit is a
retryable failure, never zero or empty items."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import socket
import stat
from collections import defaultdict
from urllib.parse import urlparse

import pyarrow.parquet as pq
import pytest

from jiuzhu.exchange.adapters import adapter_for
from jiuzhu.exchange.client import EndpointClient
from jiuzhu.exchange.errors import ExchangeFailure
from jiuzhu.exchange.sources import kind_of
from tests.simulator.helpers import AS_OF, KID, OURS, request


def ask(sim, endpoint: str, id_numbers: list[str], **overrides):
    config = dataclasses.replace(sim.sources.endpoints[endpoint], **overrides)

    async def run():
        client = EndpointClient(config, key=OURS, key_id=sim.sources.requester.key_id)
        try:
            return await adapter_for(endpoint).query(client, request(endpoint, id_numbers))
        finally:
            await client.aclose()
    return asyncio.run(run())


def failure(sim, endpoint: str, id_numbers: list[str], **overrides) -> ExchangeFailure:
    with pytest.raises(ExchangeFailure) as caught:
        ask(sim, endpoint, id_numbers, **overrides)
    return caught.value


def rows(sim, name: str) -> list[dict]:
    return pq.read_table(sim.data / "departments" / f"{name}.parquet").to_pylist()


def test_the_written_sources_name_every_endpoint_with_its_pinned_key(simulator):
    assert set(simulator.sources.endpoints) == set(simulator.ready["endpoints"]) and len(
        simulator.ready["endpoints"]) == 37
    assert simulator.sources.requester.key_id == KID
    assert all(e.department_keys for e in simulator.sources.endpoints.values())
    assert stat.S_IMODE((simulator.state / "admin.token").stat().st_mode) == 0o600


def test_bank_balances_equal_the_banks_records(simulator):
    records = [r for r in rows(simulator, "banks") if r["bank"] == "重庆农村商业银行"]
    people = sorted({r["id_number"] for r in records})[:20]
    answer = ask(simulator, "bank.cqrcb", people)
    for person in people:
        expected = {r["account_no"]: (r["balance_fen"], r["as_of"]) for r in records if r["id_number"] == person}
        result = answer.result(person)
        assert result.status == "found"
        assert {i.ref: (i.value, i.as_of) for i in result.items} == expected


def test_wages_equal_the_social_security_records_within_the_months_asked(simulator):
    records = rows(simulator, "social_security")
    people = sorted({r["id_number"] for r in records})[:15]
    answer = ask(simulator, "hrss.social_security", people)
    for person in people:
        expected = {(r["month"], r["employer_uscc"]): r["wage_fen"] for r in records
                    if r["id_number"] == person and "2025-03" <= r["month"] <= "2025-08"}
        got = {(i.month, i.ref): i.value for i in answer.result(person).items if i.item == "wage"}
        assert got == expected


def test_someone_a_department_knows_nothing_about_is_a_known_none(simulator):
    holders = {r["id_number"] for r in rows(simulator, "vehicles")}
    nobody = next(r["id_number"] for r in rows(simulator, "social_security") if r["id_number"] not in holders)
    holder = sorted(holders)[0]
    answer = ask(simulator, "public_security.vehicles", [nobody, holder])
    assert answer.result(nobody).status == "none" and answer.result(holder).status == "found"
    kinds = defaultdict(set)
    for r in rows(simulator, "vehicles"):
        kinds[r["id_number"]].add(r["plate"])
    assert {i.ref for i in answer.result(holder).items} == kinds[holder]


def test_a_person_the_source_has_no_record_of_answers_none(simulator):
    # (Was: a source without records answers none; every source has its records now.)
    accounts = {r["id_number"] for r in rows(simulator, "housing_fund")}
    person = next(r["id_number"] for r in rows(simulator, "banks") if r["id_number"] not in accounts)
    holder = sorted(accounts)[0]
    answer = ask(simulator, "housing_fund", [person, holder])
    assert answer.result(person).status == "none" and answer.result(holder).status == "found"


def test_a_source_down_refuses_connections_and_is_a_retryable_failure(simulator):
    person = rows(simulator, "tax")[0]["id_number"]
    simulator.configure("tax", down=True)
    try:
        port = urlparse(simulator.ready["endpoints"]["tax"]).port
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        down = failure(simulator, "tax", [person])
        assert (down.code, down.retryable, down.status) == ("unreachable", True, None)
    finally:
        simulator.configure("tax", down=False)
    assert ask(simulator, "tax", [person]).result(person).status == "found"


def test_a_slow_source_past_the_time_out_is_a_retryable_failure(simulator):
    person = rows(simulator, "pensions")[0]["id_number"]
    simulator.configure("hrss.pensions", latency_ms={"median": 1500, "p95": 1500, "min": 1500, "max": 1500})
    try:
        slow = failure(simulator, "hrss.pensions", [person], read_timeout=0.3)
        assert (slow.code, slow.retryable) == ("timeout", True)
    finally:
        simulator.configure("hrss.pensions", latency_ms={"median": 0, "p95": 0, "min": 0, "max": 0})


def test_over_the_rate_limit_is_a_retryable_failure_with_retry_after(simulator):
    person = rows(simulator, "real_estate")[0]["id_number"]
    simulator.configure("real_estate", rate_limit={"per_second": 0.2, "burst": 1})
    try:
        assert ask(simulator, "real_estate", [person]).result(person).status == "found"
        limited = failure(simulator, "real_estate", [person])
        assert (limited.code, limited.retryable, limited.status) == ("rate_limited", True, 429)
        assert limited.retry_after is not None and limited.retry_after >= 1
    finally:
        simulator.configure("real_estate", rate_limit={"per_second": 0, "burst": 0})


def test_every_decision_is_logged_with_its_reason(simulator):
    seen = simulator.decisions()
    assert seen and all({"endpoint", "request_id", "decision", "reason", "status"} <= set(r) for r in seen)
    assert any(r["reason"] == "rate_limited" and r["decision"] == "deny" for r in seen)
    assert any(r["reason"] == "answered" and r["decision"] == "permit" and r["consents"] for r in seen)
    lines = (simulator.state / "decisions.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) >= len(seen)


def test_the_admin_port_needs_its_token(simulator):
    import httpx

    assert httpx.get(simulator.ready["admin"] + "/_sim/config", timeout=5).status_code == 401
    bad = simulator.admin("POST", "/_sim/config", json={"endpoint": {"tax": {"speed": 3}}})
    assert bad.status_code == 400


def test_errors_time_outs_and_stale_answers_on_request(simulator):
    person = rows(simulator, "disability_federation")[0]["id_number"]
    name = "disability_federation"
    try:
        simulator.configure(name, error_rate=1.0)
        unavailable = failure(simulator, name, [person])
        assert (unavailable.code, unavailable.retryable, unavailable.retry_after) == ("unavailable", True, 1.0)
        simulator.configure(name, error_rate=0.0, timeout_rate=1.0, hang_seconds=1.0)
        hung = failure(simulator, name, [person], read_timeout=0.3)
        assert (hung.code, hung.retryable) == ("timeout", True)
        simulator.configure(name, timeout_rate=0.0, stale={"share": 1.0, "days": 400})
        item = ask(simulator, name, [person]).result(person).items[0]
        assert item.as_of == AS_OF - dt.timedelta(days=400)
    finally:
        simulator.configure(name, error_rate=0.0, timeout_rate=0.0, stale={"share": 0.0, "days": 0})
    assert ask(simulator, name, [person]).result(person).items[0].as_of == AS_OF


def test_each_endpoint_publishes_the_key_sources_toml_pins_and_answers_health(simulator):
    import httpx

    from jiuzhu.exchange import keys
    from jiuzhu.exchange.signing import raw_public

    for name in ("tax", "bank.cqrcb", "securities.swsc"):
        endpoint = simulator.sources.endpoints[name]
        published = keys.read_jwks(httpx.get(endpoint.url + "/.well-known/jwks.json", timeout=5).json())
        assert {k: raw_public(v) for k, v in published.items()} == {
            k: raw_public(v) for k, v in endpoint.department_keys.items()}
        health = httpx.get(endpoint.url + "/v1/health", timeout=5).json()
        assert health == {"format": "jiuzhu-exchange/1", "endpoint": name, "status": "ok"}


# What each department's records say, as items (item, ref, month, value[, as_of, attrs]): written out here, not
# taken from the adapters, so that a wrong mapping in an adapter shows.
def _iso(day):
    return day.isoformat()


def _end(month):  # a monthly item is dated on its month's last day
    import calendar

    year, number = int(month[:4]), int(month[5:])
    return dt.date(year, number, calendar.monthrange(year, number)[1])


def _attrs(**attrs):
    return tuple(sorted(attrs.items()))


EXPECTED = {
    "public_security.vehicles": ("vehicles", lambda r: [("vehicle", r["plate"], None, r["vehicle_type"])]),
    "public_security.deaths": ("deaths", lambda r: [("death_date", None, None, _iso(r["death_date"]))]),
    # The kinds whose records came last, with each item's as-of date and attributes too.
    "public_security.hukou": ("hukou", lambda r: [
        ("hukou_area", None, None, r["hukou_area_code"], AS_OF, _attrs(registered_on=_iso(r["registered_on"]))),
        ("hukou_urban", None, None, r["urban"], AS_OF, ()),
        ("hukou_chongqing", None, None, r["hukou_area_code"][:2] == "50", AS_OF, ()),
        ("hukou_status", None, None, r["status"], AS_OF, ())]),
    "hrss.unemployment": ("unemployment", lambda r: [
        ("unemployment_benefit", None, r["month"], r["benefit_fen"], _end(r["month"]), ())]),
    "hrss.work_injury": ("work_injury", lambda r: [
        ("care_paid", None, r["month"], r["care_fen"], _end(r["month"]),
         _attrs(injury_grade=r["injury_grade"], care_level=r["care_level"]))]),
    "medical_insurance": ("medical_insurance", lambda r: [
        ("out_of_pocket", None, r["month"], r["out_of_pocket_fen"], _end(r["month"]), ()),
        ("fund_paid", None, r["month"], r["fund_paid_fen"], _end(r["month"]), ())]),
    "housing_fund": ("housing_fund", lambda r: [
        ("fund_balance", r["account_no"], None, r["balance_fen"], r["as_of"],
         _attrs(employer_uscc=r["employer_uscc"], status=r["status"])),
        ("monthly_deposit", r["account_no"], None, r["monthly_deposit_fen"], r["as_of"], ())]),
    "civil_affairs.marriage": ("marriage", lambda r: [
        ("marital_status", r["spouse_id_number"], None, r["marital_status"], AS_OF,
         _attrs(registered_on=_iso(r["registered_on"])))]),
    "education": ("education", lambda r: [
        ("school_level", None, None, r["school_level"], r["as_of"], _attrs(school_name=r["school_name"])),
        ("enrolled", None, None, r["enrolled"], r["as_of"], ())]),
    "civil_affairs.funeral": ("funeral", lambda r: [
        ("cremated_on", None, None, _iso(r["cremated_on"]), AS_OF,
         _attrs(death_date=_iso(r["death_date"]), funeral_home=r["funeral_home"]))]),
    "hrss.social_security": ("social_security", lambda r: [
        ("wage", r["employer_uscc"], r["month"], r["wage_fen"]),
        ("contribution_base", r["employer_uscc"], r["month"], r["contribution_base_fen"])]),
    "hrss.pensions": ("pensions", lambda r: [("pension", r["scheme"], r["month"], r["amount_fen"])] + (
        [] if r["central_basic_fen"] is None  # an employee's pension has no central basic part: no item, not 0
        else [("central_basic", r["scheme"], r["month"], r["central_basic_fen"])])),
    "tax": ("tax", lambda r: [("taxable_income", r["withholding_agent_uscc"], r["month"], r["income_fen"]),
                              ("tax_withheld", r["withholding_agent_uscc"], r["month"], r["tax_withheld_fen"])]),
    "market_regulation": ("market_regulation", lambda r: [("business", r["uscc"], None,
                                                           r["registered_capital_fen"])]),
    "real_estate": ("real_estate", lambda r: [("property", r["certificate_no"], None, f"{r['floor_area_m2']:.2f}")]),
    "disability_federation": ("disability_federation", lambda r: [("certificate", r["certificate_no"], None,
                                                                   r["grade"])]),
    "insurer.pingan": ("insurers", lambda r: [("insurance.cash_value", r["policy_no"], None, r["cash_value_fen"])]
                       if r["insurer"] == "中国平安人寿重庆分公司" else []),
    "securities.swsc": ("securities", lambda r: [("securities.market_value", r["account_no"], None,
                                                  r["market_value_fen"])] if r["firm"] == "西南证券" else []),
}


# People sure to be asked besides the first 30 holders: a cancelled 户籍 or one outside Chongqing, a young person
# out of school.
SPECIAL = {
    "public_security.hukou": lambda r: r["status"] != "正常" or not r["hukou_area_code"].startswith("50"),
    "education": lambda r: not r["enrolled"],
}


def test_the_district_has_records_of_every_kind_and_the_special_cases(simulator):
    # So that the test below skips none of them.
    for endpoint, (records, expected_of) in EXPECTED.items():
        assert any(expected_of(r) for r in rows(simulator, records)), endpoint
    for endpoint, special in SPECIAL.items():
        assert any(special(r) for r in rows(simulator, EXPECTED[endpoint][0])), endpoint
    assert any(r["status"] == "死亡注销" for r in rows(simulator, "hukou"))


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_every_kind_with_records_answers_what_its_records_say(simulator, endpoint):
    from collections import Counter

    records, expected_of = EXPECTED[endpoint]
    who = "legal_rep_id_number" if endpoint == "market_regulation" else "id_number"
    by_person, special = defaultdict(Counter), set()
    for row in rows(simulator, records):
        for expected in expected_of(row):
            if expected[2] is None or "2025-03" <= expected[2] <= "2025-08":
                by_person[row[who]][expected] += 1
        if endpoint in SPECIAL and SPECIAL[endpoint](row):
            special.add(row[who])
    holders = sorted(p for p, items in by_person.items() if items)
    if not holders:
        pytest.skip(f"the small district has no {records} records for {endpoint}")
    asked = sorted(set(holders[:30]) | set(sorted(special)[:10]))
    # Someone of the district this department holds nothing about (or, for 户籍 which holds everyone, nobody).
    stranger = next((r["id_number"] for r in rows(simulator, "hukou") if r["id_number"] not in by_person),
                    "500111190001010000")
    answer = ask(simulator, endpoint, asked + [stranger])
    for person in asked:
        got = Counter((i.item, i.ref, i.month, i.value, i.as_of, tuple(sorted(i.attrs.items())))
                      for i in answer.result(person).items)
        width = len(next(iter(by_person[person])))
        assert Counter(k[:width] for k in got.elements()) == by_person[person], person
        assert answer.result(person).status == "found"
        # The catalogue says what each ref is (so whatever shows it masks it by its kind), and only refs it names.
        assert all((i.ref is None) == (kind_of(endpoint).item(i.item).ref is None)
                   for i in answer.result(person).items), person
    assert answer.result(stranger).status == "none" and answer.result(stranger).items == []
