"""A department's checks, driven in process (the endpoint's ASGI application through httpx): each refusal with
its reason in the answer and in the decision log; replay and conflict; per-subject consent; faults."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiuzhu.exchange import format as fmt
from jiuzhu.exchange.adapters.base import encode
from jiuzhu.exchange.signing import RequestMessage, sign
from jiuzhu.exchange.sources import catalogue
from jiuzhu.simulator import checks, faults
from jiuzhu.simulator.decisions import DecisionLog
from jiuzhu.simulator.department import Department
from tests.simulator.helpers import KID, OURS, assertion, request

RICH, POOR, OTHER = "500111198703124518", "500111201205300021", "500111196501010013"
ROW = {"id_number": RICH, "name": "张伟", "bank": "重庆农村商业银行", "account_no": "9955001", "account_type": "活期",
       "balance_fen": 4231250, "as_of": dt.date(2025, 8, 31)}
BASE = "http://bank.test"


@pytest.fixture
def dept(tmp_path):
    current = {"now": faults.Faults()}
    department = Department(catalogue()["bank.cqrcb"], {RICH: [ROW]}, key=Ed25519PrivateKey.generate(),
                            kid="bank.cqrcb-2026a", requesters={KID: checks.RequesterKey(None, OURS.public_key())},
                            log=DecisionLog(tmp_path / "decisions.jsonl"), settings=lambda: current["now"], seed=7)
    department.set = lambda **changes: current.update(now=current["now"].merged(changes))
    yield department
    department.log.close()


def post(dept, body: bytes, request_id: str, *, key=OURS, kid=KID, now=None, tamper=None) -> httpx.Response:
    message = RequestMessage("POST", BASE + "/v1/query", {"Content-Type": "application/json",
                                                          "X-Request-Id": request_id})
    sign(message, body, key, kid, now=now)
    if tamper:
        body = tamper(message.headers, body)

    async def run():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=dept.app), base_url=BASE) as client:
            return await client.post("/v1/query", content=body, headers=message.headers)
    return asyncio.run(run())


def ask(dept, req: fmt.QueryRequest, **kw) -> httpx.Response:
    return post(dept, encode(req), req.request_id, **kw)


def last(dept) -> dict:
    return dept.log.since()[-1]


def test_a_signed_request_is_answered_found_and_none_and_logged(dept):
    answer = ask(dept, request("bank.cqrcb", [RICH, POOR]))
    assert answer.status_code == 200, answer.text
    body = fmt.QueryResponse.model_validate_json(answer.content)
    found, none = body.results
    assert (found.status, found.items[0].ref, found.items[0].value) == ("found", "9955001", 4231250)
    assert (none.status, none.items) == ("none", [])
    assert body.source == "bank" and body.endpoint == "bank.cqrcb" and body.department == "重庆农村商业银行"
    row = last(dept)
    assert (row["decision"], row["reason"], row["subjects"], row["consents"]) == ("permit", "answered", 2,
                                                                                   ["CR-1", "CR-1"])


def _deny(dept, response: httpx.Response, code: str) -> None:
    assert response.status_code == fmt.ERRORS[code].http, response.text
    assert fmt.ErrorResponse.model_validate_json(response.content).error.code == code
    row = last(dept)
    assert (row["decision"], row["reason"], row["status"]) == ("deny", code, fmt.ERRORS[code].http)


def test_each_refusal_has_its_reason_in_the_answer_and_the_log(dept):
    req = request("bank.cqrcb", [RICH])
    _deny(dept, post(dept, b"{not json", "r-1"), "malformed")
    other = json.loads(encode(req)) | {"format": "jiuzhu-exchange/2"}
    _deny(dept, post(dept, json.dumps(other).encode(), req.request_id), "unsupported_format")
    _deny(dept, ask(dept, req, key=Ed25519PrivateKey.generate(), kid="stranger-1"), "unknown_key")
    _deny(dept, ask(dept, req, key=Ed25519PrivateKey.generate()), "signature_invalid")

    def header(headers, body):
        headers["X-Request-Id"] = "someone-else"
        return body
    _deny(dept, ask(dept, req, tamper=header), "signature_invalid")
    _deny(dept, ask(dept, req, tamper=lambda h, b: b.replace(b"2026", b"2027")), "digest_mismatch")
    _deny(dept, ask(dept, req, now=time.time() - 400), "stale_request")
    _deny(dept, ask(dept, req, now=time.time() + 400), "stale_request")
    assert not dept.kept, "no refused request is kept for idempotency"


def test_an_unknown_requester_is_refused(dept):
    dept.requesters[KID] = checks.RequesterKey("500112-mzj", OURS.public_key())
    _deny(dept, ask(dept, request("bank.cqrcb", [RICH])), "unknown_requester")


def test_the_same_request_again_is_replayed_and_another_body_under_its_id_conflicts(dept):
    req = request("bank.cqrcb", [RICH])
    first = fmt.QueryResponse.model_validate_json(ask(dept, req).content)
    again = ask(dept, req)  # re-signed, the same bytes: a retry
    replay = fmt.QueryResponse.model_validate_json(again.content)
    assert again.status_code == 200 and replay.replayed and not first.replayed
    assert replay.results == first.results and last(dept)["reason"] == "replay"
    other = request("bank.cqrcb", [POOR], request_id=req.request_id)
    _deny(dept, ask(dept, other), "request_id_conflict")


def test_each_subjects_consent_is_checked_and_the_others_still_answered(dept):
    now = time.time()
    consents = {RICH: assertion(RICH, "insurer.pingan"),                                  # another source
                POOR: assertion(POOR, "bank.cqrcb", now=now - 3600),                       # expired
                OTHER: assertion(RICH, "bank.cqrcb")}                                     # someone else's
    answer = ask(dept, request("bank.cqrcb", [RICH, POOR, OTHER], consents=consents))
    results = {r.id_number: r for r in fmt.QueryResponse.model_validate_json(answer.content).results}
    assert {k: (r.status, r.error.code) for k, r in results.items()} == {
        RICH: ("refused", "consent_scope"), POOR: ("refused", "consent_expired"), OTHER: ("refused",
                                                                                         "subject_mismatch")}
    assert last(dept)["refused"] == {"consent_scope": 1, "consent_expired": 1, "subject_mismatch": 1}
    narrow = {RICH: assertion(RICH, "bank.cqrcb", categories=["insurance"])}
    result = fmt.QueryResponse.model_validate_json(ask(dept, request("bank.cqrcb", [RICH], consents=narrow)).content)
    assert result.results[0].error.code == "consent_scope"
    dept.set(allowed_purposes=["application"])
    result = fmt.QueryResponse.model_validate_json(ask(dept, request("bank.cqrcb", [RICH])).content)
    assert result.results[0].error.code == "purpose_not_allowed"


def test_too_many_subjects(dept):
    dept.set(max_subjects=1)
    _deny(dept, ask(dept, request("bank.cqrcb", [RICH, POOR])), "too_many_subjects")


def test_rate_limit_answers_429_with_retry_after(dept):
    dept.set(rate_limit={"per_second": 0.5, "burst": 1})
    assert ask(dept, request("bank.cqrcb", [RICH])).status_code == 200
    limited = ask(dept, request("bank.cqrcb", [RICH]))
    _deny(dept, limited, "rate_limited")
    assert int(limited.headers["retry-after"]) >= 1


def test_errors_and_stale_answers_on_request(dept):
    dept.set(error_rate=1.0)
    unavailable = ask(dept, request("bank.cqrcb", [RICH]))
    _deny(dept, unavailable, "unavailable")
    assert unavailable.headers["retry-after"] == "1"
    dept.set(error_rate=0.0, stale={"share": 1.0, "days": 40})
    item = fmt.QueryResponse.model_validate_json(ask(dept, request("bank.cqrcb", [RICH])).content).results[0].items[0]
    assert item.as_of == dt.date(2025, 8, 31) - dt.timedelta(days=40) and item.value == 4231250


def test_draws_repeat_for_the_same_arrival_and_differ_for_a_retry():
    first = faults.draw(7, "tax", "r-1", 1).random()
    assert first == faults.draw(7, "tax", "r-1", 1).random() != faults.draw(7, "tax", "r-1", 2).random()


def test_latency_stays_within_its_bounds():
    setting = faults.Faults(latency_ms={"median": 120, "p95": 250, "min": 50, "max": 300})
    draws = [faults.latency_seconds(setting, faults.draw(1, "tax", str(i), 1)) for i in range(500)]
    assert 0.05 <= min(draws) and max(draws) <= 0.3
    assert 0.09 < sorted(draws)[250] < 0.15  # the median near 120 ms


def test_a_token_bucket_refills_at_its_rate():
    now = [0.0]
    bucket = faults.TokenBucket(2.0, 2.0, clock=lambda: now[0])
    assert bucket.take() == 0 and bucket.take() == 0 and bucket.take() == pytest.approx(0.5)
    now[0] = 0.5
    assert bucket.take() == 0


@pytest.mark.parametrize("changes", [{"error_rate": "often"}, {"down": 1}, {"latency_ms": {"median": "x"}},
                                     {"rate_limit": {"per_minute": 3}}, {"allowed_purposes": "review"},
                                     {"timeout_rate": -1}])
def test_a_wrong_fault_setting_is_refused_when_given(changes):
    from jiuzhu.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match=next(iter(changes))):
        faults.Faults().merged(changes)


def test_a_fault_of_the_department_itself_is_an_internal_error_in_the_format_and_logged(dept):
    dept.records[RICH] = [ROW | {"balance_fen": -5}]  # a record the format cannot carry
    _deny(dept, ask(dept, request("bank.cqrcb", [RICH])), "internal")
    assert "ValidationError" in last(dept)["detail"]


DEFECTS = {
    "ok": (lambda idn: assertion(idn, "bank.cqrcb"), None),
    "other_source": (lambda idn: assertion(idn, "tax"), "consent_scope"),
    "narrow": (lambda idn: assertion(idn, "bank.cqrcb", categories=["insurance"]), "consent_scope"),
    "expired": (lambda idn: assertion(idn, "bank.cqrcb", now=time.time() - 7200), "consent_expired"),
    "someone_else": (lambda idn: assertion(OTHER if idn != OTHER else RICH, "bank.cqrcb"), "subject_mismatch"),
    "forged": (lambda idn: assertion(idn, "bank.cqrcb", key=Ed25519PrivateKey.generate()), "consent_invalid"),
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from([RICH, POOR, OTHER]), st.sampled_from(sorted(DEFECTS))), min_size=1,
                max_size=3, unique_by=lambda pair: pair[0]))
def test_each_subject_is_answered_by_its_own_consent_alone(dept, subjects):
    consents = {idn: DEFECTS[defect][0](idn) for idn, defect in subjects}
    answer = ask(dept, request("bank.cqrcb", [idn for idn, _ in subjects], consents=consents))
    results = {r.id_number: r for r in fmt.QueryResponse.model_validate_json(answer.content).results}
    for idn, defect in subjects:
        refusal = DEFECTS[defect][1]
        if refusal:
            assert (results[idn].status, results[idn].error.code, results[idn].items) == ("refused", refusal, [])
        else:
            assert results[idn].status == ("found" if idn == RICH else "none")
            assert [i.value for i in results[idn].items] == ([4231250] if idn == RICH else [])
