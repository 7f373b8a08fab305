"""The client classifies every outcome: a trusted answer, or a failure retryable or not — never an empty answer
in place of a failure. The department here is an httpx MockTransport that signs as a department does."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jiuzhu.exchange import format as fmt
from jiuzhu.exchange.adapters import adapter_for
from jiuzhu.exchange.adapters.base import encode
from jiuzhu.exchange.client import EndpointClient, parse_retry_after
from jiuzhu.exchange.endpoints import Endpoint
from jiuzhu.exchange.errors import ExchangeFailure, is_retryable
from jiuzhu.exchange.signing import ResponseMessage, sign
from jiuzhu.i18n import use_language

OURS, THEIRS = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
ID = "500111198703124518"
ENDPOINT = Endpoint(endpoint="bank.cqrcb", kind="bank", url="http://bank.test",
                    department_keys={"bank-1": THEIRS.public_key()})
ADAPTER = adapter_for("bank.cqrcb")
REQUEST = ADAPTER.request(
    request_id="r-1", requester=fmt.Requester(id="500111-mzj", name="大足区民政局"),
    purpose=fmt.Purpose(kind="review", reference="复核", legal_basis="《社会救助暂行办法》第五十八条"),
    as_of=dt.date(2025, 8, 31), subjects=[fmt.Subject(id_number=ID, name="张伟", consent="x.y.z")])


def _answer(items=None, **over) -> bytes:
    items = [fmt.Item(item="deposit.balance", category="deposit", ref="1", value=100, unit="fen",
                      as_of=dt.date(2025, 8, 31))] if items is None else items
    result = fmt.SubjectResult(id_number=ID, status="found" if items else "none", items=items)
    response = fmt.QueryResponse(request_id="r-1", source="bank", endpoint="bank.cqrcb", department="重庆农村商业银行",
                                 answered_at=dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc),
                                 results=[result])
    return response.model_copy(update=over).model_dump_json(exclude_none=True).encode()


def _signed(status: int, body: bytes, key=THEIRS, kid="bank-1", request_id="r-1", extra=None) -> httpx.Response:
    message = ResponseMessage(status, {"Content-Type": "application/json", "X-Request-Id": request_id}
                              | (extra or {}))
    sign(message, body, key, kid)
    return httpx.Response(status, content=body, headers=message.headers)


def _ask(handler):
    async def run():
        seen = []

        def transport(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return handler(request)

        client = EndpointClient(ENDPOINT, key=OURS, key_id="ours-1",
                                http=httpx.AsyncClient(transport=httpx.MockTransport(transport)))
        try:
            return await ADAPTER.query(client, REQUEST), seen
        finally:
            await client.http.aclose()
    return asyncio.run(run())


def _failure(handler) -> ExchangeFailure:
    with pytest.raises(ExchangeFailure) as caught:
        _ask(handler)
    return caught.value


def test_a_signed_answer_is_read_and_the_request_was_signed():
    answer, seen = _ask(lambda r: _signed(200, _answer()))
    assert answer.result(ID).items[0].value == 100 and answer.kid == "bank-1"
    sent = seen[0]
    assert sent.content == encode(REQUEST) and sent.headers["x-request-id"] == "r-1"
    assert 'keyid="ours-1"' in sent.headers["signature-input"] and sent.headers["content-digest"]


@pytest.mark.parametrize("handler,why", [
    (lambda r: httpx.Response(200, content=_answer()), "unsigned"),
    (lambda r: _signed(200, _answer(), key=Ed25519PrivateKey.generate()), "signed by another key"),
    (lambda r: _signed(200, _answer(), kid="bank-2"), "an unknown department key"),
    (lambda r: _signed(200, _answer(), request_id="r-0"), "the answer to another request"),
    (lambda r: _signed(200, _answer(request_id="r-0")), "another request id in the body"),
    (lambda r: _signed(200, b'{"format": "jiuzhu-exchange/1"}'), "not an answer"),
    (lambda r: _signed(200, _answer(source="insurer")), "another kind's answer"),
    (lambda r: _signed(200, _answer(results=[])), "a subject left unanswered"),
    (lambda r: _signed(200, _answer(items=[fmt.Item(item="wage", category="income", month="2025-07", value=1,
                                                    unit="fen/month", as_of=dt.date(2025, 7, 31))])),
     "an item this source does not answer"),
])
def test_an_answer_that_cannot_be_trusted_is_a_bad_response_not_retried(handler, why):
    failure = _failure(handler)
    assert failure.code == "bad_response" and not failure.retryable, why


def test_a_tampered_body_is_a_bad_response():
    def handler(request):
        good = _signed(200, _answer())
        return httpx.Response(200, content=_answer(items=[]), headers=good.headers)
    failure = _failure(handler)
    assert failure.code == "bad_response"
    with use_language("zh"):  # the check's code in words, the department named; no raw code, no empty brackets
        words = str(_failure(handler))
    assert "重庆农村商业银行（bank.cqrcb）" in words and "_" not in words.split("：", 1)[1] and "()" not in words


@pytest.mark.parametrize("status,code,retryable,wait", [
    (429, "rate_limited", True, 2.0), (503, "unavailable", True, 1.0), (504, "upstream_timeout", True, None),
    (401, "stale_request", True, None), (401, "signature_invalid", False, None), (403, "consent_scope", False, None),
    (409, "request_id_conflict", False, None), (400, "malformed", False, None),
])
def test_a_departments_error_is_classified_by_its_code(status, code, retryable, wait):
    body = fmt.ErrorResponse(request_id="r-1", error=fmt.error_body(code)).model_dump_json().encode()
    extra = {"Retry-After": str(int(wait))} if wait else {}
    failure = _failure(lambda r: _signed(status, body, extra=extra))
    assert (failure.code, failure.retryable, failure.status, failure.retry_after) == (code, retryable, status, wait)
    assert is_retryable(failure) == retryable


def test_an_unsigned_proxy_error_is_classified_by_its_status():
    failure = _failure(lambda r: httpx.Response(502, text="<html>Bad Gateway</html>"))
    assert failure.code == "unavailable" and failure.retryable
    failure = _failure(lambda r: httpx.Response(404, text="not here"))
    assert failure.code == "malformed" and not failure.retryable


def test_a_department_that_says_a_refusal_is_retryable_is_not_believed():
    body = b'{"format": "jiuzhu-exchange/1", "error": {"code": "consent_scope", "message": "", "retryable": true}}'
    assert not _failure(lambda r: _signed(403, body)).retryable


@pytest.mark.parametrize("exc,code", [
    (httpx.ConnectError("refused"), "unreachable"), (httpx.ReadError("reset"), "unreachable"),
    (httpx.RemoteProtocolError("closed"), "unreachable"),
    (httpx.ReadTimeout("slow"), "timeout"), (httpx.ConnectTimeout("slow"), "timeout"),
])
def test_network_failures_are_retryable(exc, code):
    def handler(request):
        raise exc
    failure = _failure(handler)
    assert failure.code == code and failure.retryable and failure.status is None


def test_retry_after_in_seconds_or_as_a_date():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Mon, 05 Jan 2026 09:00:10 GMT", now=dt.datetime(
        2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc).timestamp()) == 10.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_a_failure_is_told_in_chinese(zh):
    def handler(request):
        raise httpx.ConnectError("refused")
    assert "无法连接 重庆农村商业银行（bank.cqrcb）" in str(_failure(handler))
    body = fmt.ErrorResponse(request_id="r-1", error=fmt.error_body("rate_limited")).model_dump_json().encode()
    assert "请求太多" in str(_failure(lambda r: _signed(429, body)))
