"""One endpoint's web application, as a department would run it: ``POST /v1/query``, ``GET /v1/health``,
``GET /.well-known/jwks.json``. Every answer, error or not, is signed with the department's key; every decision
is logged. Only 200 answers are kept for idempotency (24 h): an error is answered anew on a retry."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import time
from collections import Counter
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from jiuzhu.exchange import keys
from jiuzhu.exchange.adapters import adapter_for
from jiuzhu.exchange.format import ERRORS, ErrorResponse, QueryRequest, QueryResponse, SubjectResult, error_body
from jiuzhu.exchange.signing import ResponseMessage, sign
from jiuzhu.exchange.sources import EndpointSpec
from jiuzhu.simulator import checks, faults
from jiuzhu.simulator.decisions import DecisionLog

IDEMPOTENCY_SECONDS = 24 * 3600
CHINA = dt.timezone(dt.timedelta(hours=8))


class Department:
    def __init__(self, spec: EndpointSpec, records: dict[str, list[dict]], *, key: Ed25519PrivateKey, kid: str,
                 requesters: dict[str, checks.RequesterKey], log: DecisionLog,
                 settings: Callable[[], faults.Faults], seed: int) -> None:
        self.spec, self.records, self.key, self.kid = spec, records, key, kid
        self.stopped = False  # the simulator stops: held requests are answered at once (``release``)
        self._held: set[asyncio.Future] = set()
        self.requesters, self.log, self.settings, self.seed = requesters, log, settings, seed
        self.adapter = adapter_for(spec.endpoint)
        self.kept: dict[str, tuple[str, QueryResponse, float]] = {}
        self.arrivals: Counter[str] = Counter()
        self._bucket: tuple[tuple, faults.TokenBucket] | None = None
        self.app = Starlette(routes=[
            Route("/v1/query", self.query, methods=["POST"]),
            Route("/v1/health", self.health, methods=["GET"]),
            Route("/.well-known/jwks.json", self.jwks, methods=["GET"]),
        ])

    @property
    def name(self) -> str:
        return self.spec.endpoint

    async def health(self, request: Request) -> Response:
        return JSONResponse({"format": "jiuzhu-exchange/1", "endpoint": self.name, "status": "ok"})

    async def jwks(self, request: Request) -> Response:
        return JSONResponse(keys.jwks({self.kid: self.key.public_key()}))

    # -- the query ----------------------------------------------------------------------------------------------
    async def query(self, request: Request) -> Response:
        started = time.monotonic()
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        request_id = headers.get("x-request-id", "")
        settings = self.settings()
        self.arrivals[request_id] += 1
        rng = faults.draw(self.seed, self.name, request_id, self.arrivals[request_id])
        row = {"endpoint": self.name, "request_id": request_id, "arrival": self.arrivals[request_id]}
        wait = self._rate_limited(settings)
        if wait:
            return self._error("rate_limited", request_id, row, started, retry_after=wait)
        if await self._pause(faults.latency_seconds(settings, rng)):
            return self._error("unavailable", request_id, row, started, retry_after=1)
        if rng.random() < settings.timeout_rate:
            if await self._pause(settings.hang_seconds):
                return self._error("unavailable", request_id, row, started, retry_after=1)
            return self._error("upstream_timeout", request_id, row, started)
        if rng.random() < settings.error_rate:
            return self._error("unavailable", request_id, row, started, retry_after=1)
        try:
            data = checks.read_body(body, self.requesters)
            verified = checks.check_signature(str(request.url), headers, body, data, self.requesters)
            row |= {"kid": verified.keyid, "created": verified.created}
            digest = hashlib.sha256(body).hexdigest()
            replay = self._kept(data.get("request_id"), digest)
            if replay is not None:
                return self._answer(replay, row | {"subjects": len(replay.results)}, started, replayed=True)
            parsed = checks.validate(data, settings.max_subjects)
        except checks.Refused as exc:
            return self._error(exc.code, request_id, row | {"detail": exc.detail}, started)
        try:
            response, consents, refused = self._respond(parsed, settings, rng)
        except Exception as exc:  # noqa: BLE001 - a department's fault is answered in the format and logged
            return self._error("internal", request_id, row | {"detail": f"{type(exc).__name__}: {exc}"}, started)
        self._keep(parsed.request_id, digest, response)
        return self._answer(response, row | {"subjects": len(parsed.subjects), "consents": consents,
                                             "refused": dict(refused)}, started)

    async def _pause(self, seconds: float) -> bool:
        """Wait ``seconds`` — less if the simulator stops meanwhile (``release``): True then, and the request is
        answered (unavailable, as a department shutting down answers) instead of cancelled mid-wait, which printed a
        traceback for every held request on Ctrl-C. As cheap as ``asyncio.sleep`` (a timer and a future)."""
        if seconds <= 0 or self.stopped:
            return self.stopped
        loop = asyncio.get_running_loop()
        held = loop.create_future()
        timer = loop.call_later(seconds, _settle, held, False)
        self._held.add(held)
        try:
            return await held
        finally:
            timer.cancel()
            self._held.discard(held)

    def release(self) -> None:
        """The simulator stops: every request held in a wait goes on at once, and none waits after this."""
        self.stopped = True
        for held in list(self._held):
            _settle(held, True)

    def _rate_limited(self, settings: faults.Faults) -> float:
        per_second = float(settings.rate_limit.get("per_second", 0))
        if per_second <= 0:
            return 0.0
        shape = (per_second, float(settings.rate_limit.get("burst", 0)))
        if self._bucket is None or self._bucket[0] != shape:
            self._bucket = (shape, faults.TokenBucket(*shape))
        return self._bucket[1].take()

    def _kept(self, request_id: str, digest: str) -> QueryResponse | None:
        """The stored answer to this request id and body; Refused(request_id_conflict) for another body."""
        kept = self.kept.get(request_id)
        if kept is None or time.time() - kept[2] > IDEMPOTENCY_SECONDS:
            return None
        if kept[0] != digest:
            raise checks.Refused("request_id_conflict", "same request id, another body")
        return kept[1]

    def _keep(self, request_id: str, digest: str, response: QueryResponse) -> None:
        now = time.time()
        self.kept[request_id] = (digest, response, now)
        if len(self.kept) % 1000 == 0:  # now and then, forget what is past the idempotency window
            self.kept = {k: v for k, v in self.kept.items() if now - v[2] <= IDEMPOTENCY_SECONDS}

    def _respond(self, request: QueryRequest, settings: faults.Faults, rng) -> tuple[QueryResponse, list, Counter]:
        categories = [c for c in request.categories if c in self.spec.kind.categories]
        stale = rng.random() < float(settings.stale.get("share", 0))
        back = dt.timedelta(days=int(settings.stale.get("days", 0)) if stale else 0)
        results, consents, refused = [], [], Counter()
        for subject in request.subjects:
            try:
                claims = checks.check_consent(subject, request, audience=self.spec.kind.kind, categories=categories,
                                              requesters=self.requesters, allowed_purposes=settings.allowed_purposes)
            except checks.Refused as exc:
                refused[exc.code] += 1
                results.append(SubjectResult(id_number=subject.id_number, status="refused",
                                             error=error_body(exc.code)))
                continue
            consents.append(claims["cid"])
            items = self.adapter.items(self.records.get(subject.id_number, ()), as_of=request.as_of,
                                       months=request.months, categories=categories)
            items = [i.model_copy(update={"as_of": i.as_of - back}) for i in items] if back else items
            results.append(SubjectResult(id_number=subject.id_number, status="found" if items else "none",
                                         items=items))
        response = QueryResponse(request_id=request.request_id, source=self.spec.kind.kind, endpoint=self.name,
                                 department=self.spec.department, answered_at=dt.datetime.now(CHINA).replace(
                                     microsecond=0), replayed=False, results=results)
        return response, consents, refused

    # -- answers ------------------------------------------------------------------------------------------------
    def _answer(self, response: QueryResponse, row: dict, started: float, replayed: bool = False) -> Response:
        if replayed:
            response = response.model_copy(update={"replayed": True})
        body = response.model_dump_json(by_alias=True, exclude_none=True).encode("utf-8")
        self.log.write(**row, decision="permit", reason="replay" if replayed else "answered", status=200,
                       replayed=replayed, latency_ms=round((time.monotonic() - started) * 1000, 1))
        return self._signed(200, body, response.request_id)

    def _error(self, code: str, request_id: str, row: dict, started: float,
               retry_after: float | None = None) -> Response:
        spec = ERRORS[code]
        body = ErrorResponse(request_id=request_id or None, error=error_body(code)).model_dump_json(
            exclude_none=True).encode("utf-8")
        self.log.write(**row, decision="deny", reason=code, status=spec.http, replayed=False,
                       latency_ms=round((time.monotonic() - started) * 1000, 1))
        extra = {"Retry-After": str(max(1, int(retry_after + 0.999)))} if retry_after else {}
        return self._signed(spec.http, body, request_id, extra)

    def _signed(self, status: int, body: bytes, request_id: str, extra: dict | None = None) -> Response:
        message = ResponseMessage(status, {"Content-Type": "application/json", "X-Request-Id": request_id}
                                  | (extra or {}))
        sign(message, body, self.key, self.kid)
        return Response(body, status_code=status, headers=message.headers)


def _settle(held: asyncio.Future, stopped: bool) -> None:
    if not held.done():
        held.set_result(stopped)
