"""The adapters' HTTP client (httpx): signs a request, posts it to one endpoint, and accepts an answer only if its
signature (the department's key pinned in sources.toml), its digest, its request id and its shape hold.

Every failure is an ``ExchangeFailure`` classified for the orchestration (errors.py): connection refused or
reset and time-outs are retryable; a department's error by its code (format.ERRORS), with its Retry-After; an
answer that cannot be trusted is ``bad_response``, not retryable. Never an empty answer in place of a failure.
Error answers need no signature (a proxy's 503 has none): they carry no items, so trusting one costs at most a
retry or an unknown. Retries, back-off, the breaker and the rate limit are the orchestration's.
"""

from __future__ import annotations

import email.utils
import functools
import ssl
import time
from dataclasses import dataclass

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from jiuzhu.exchange.endpoints import Endpoint
from jiuzhu.exchange.errors import ExchangeFailure, code_words
from jiuzhu.exchange.format import ErrorResponse, QueryResponse
from jiuzhu.exchange.signing import RequestMessage, ResponseMessage, SignatureRefused, sign, verify

QUERY_PATH = "/v1/query"
# The HTTP status of an error answer without a readable body, read as the department's code it stands for.
STATUS_CODES = {429: "rate_limited", 500: "internal", 502: "unavailable", 503: "unavailable", 504: "upstream_timeout"}


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for every endpoint's client: each context reads the system's certificate store again
    (about 20 ms: 0.75 s of a verification's 37 clients, blocking the event loop, measured)."""
    return httpx.create_ssl_context()


@dataclass(frozen=True)
class Signed:
    """A trusted answer: the response, the department's key that signed it, how long it took."""

    response: QueryResponse
    kid: str
    status: int
    latency_ms: float
    body: bytes


class EndpointClient:
    """One endpoint's client. ``http`` may be shared (the orchestration keeps one AsyncClient per endpoint)."""

    def __init__(self, endpoint: Endpoint, *, key: Ed25519PrivateKey, key_id: str,
                 http: httpx.AsyncClient | None = None) -> None:
        self.endpoint = endpoint
        self.key, self.key_id = key, key_id
        self._own = http is None
        self.http = http or httpx.AsyncClient(limits=httpx.Limits(max_connections=endpoint.max_in_flight),
                                              verify=tls_context())

    @property
    def timeout(self) -> httpx.Timeout:
        e = self.endpoint
        return httpx.Timeout(connect=e.connect_timeout, read=e.read_timeout, write=e.read_timeout,
                             pool=e.read_timeout)

    async def post(self, request_id: str, body: bytes) -> Signed:
        """Sign and post ``body`` (the same bytes on every retry: only the headers are signed anew)."""
        name, url = self.endpoint.endpoint, self.endpoint.url + QUERY_PATH
        message = RequestMessage("POST", url, {"Content-Type": "application/json", "X-Request-Id": request_id})
        sign(message, body, self.key, self.key_id)
        started = time.monotonic()
        try:
            answer = await self.http.post(url, content=body, headers=message.headers, timeout=self.timeout)
        except httpx.TimeoutException as exc:
            raise ExchangeFailure.client(name, "timeout", type(exc).__name__) from None
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise ExchangeFailure.client(name, "unreachable", type(exc).__name__) from None
        latency = (time.monotonic() - started) * 1000
        if answer.status_code != 200:
            raise _refusal(name, answer)
        return self._trusted(request_id, answer, latency)

    def _trusted(self, request_id: str, answer: httpx.Response, latency: float) -> Signed:
        name, raw = self.endpoint.endpoint, answer.content
        headers = dict(answer.headers.items())
        try:
            checked = verify(ResponseMessage(answer.status_code, headers), raw, self.endpoint.department_key)
        except SignatureRefused as exc:
            raise ExchangeFailure.client(name, "bad_response", code_words(exc.code, exc.detail)) from None
        if headers.get("x-request-id") != request_id:
            raise ExchangeFailure.client(name, "bad_response", "answer to another request")
        try:
            response = QueryResponse.model_validate_json(raw)
        except ValidationError as exc:
            raise ExchangeFailure.client(name, "bad_response", _first(exc)) from None
        if response.request_id != request_id or response.endpoint != name:
            raise ExchangeFailure.client(name, "bad_response", "request id or endpoint differ in the body")
        return Signed(response, checked.keyid, answer.status_code, latency, raw)

    async def aclose(self) -> None:
        if self._own:
            await self.http.aclose()


def _refusal(endpoint: str, answer: httpx.Response) -> ExchangeFailure:
    wait = parse_retry_after(answer.headers.get("retry-after"))
    try:
        error = ErrorResponse.model_validate_json(answer.content).error
        code, message = error.code, error.message
    except ValidationError:
        code = STATUS_CODES.get(answer.status_code, "internal" if answer.status_code >= 500 else "malformed")
        message = f"HTTP {answer.status_code}"
    return ExchangeFailure.department(endpoint, code, message, answer.status_code, wait)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait: Retry-After is delay-seconds or an HTTP date (RFC 9110 §10.2.3); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def _first(exc: ValidationError) -> str:
    err = exc.errors()[0]
    return ".".join(str(p) for p in err["loc"]) + ": " + err["msg"]
