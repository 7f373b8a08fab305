"""The adapter of one kind of source: the department's side (records → items) and ours (request → answer)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from jiuzhu.exchange.client import EndpointClient
from jiuzhu.exchange.errors import ExchangeFailure
from jiuzhu.exchange.format import Item, Months, Purpose, QueryRequest, Requester, Subject, SubjectResult
from jiuzhu.exchange.sources import Kind

ToItems = Callable[[dict, dt.date], list[Item]]


def iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def month_end(month: str) -> dt.date:
    year, number = int(month[:4]), int(month[5:7])
    return dt.date(year, number, calendar.monthrange(year, number)[1])


def fact(**fields) -> list[Item]:
    """The item, or none when the department's record has no value for it (a null column: e.g. no central basic
    pension in an employee's pension) — never a 0 in its place."""
    return [] if fields.get("value") is None else [Item(**fields)]


@dataclass(frozen=True)
class Answer:
    """A kind's trusted answer, in our vocabulary: one result per subject asked (found / none / refused)."""

    endpoint: str
    source: str
    department: str
    request_id: str
    answered_at: dt.datetime
    replayed: bool
    kid: str
    latency_ms: float
    results: tuple[SubjectResult, ...]

    def result(self, id_number: str) -> SubjectResult:
        return next(r for r in self.results if r.id_number == id_number)


@dataclass(frozen=True)
class Adapter:
    kind: Kind
    to_items: ToItems | None = None  # None: no records of this kind to answer from (every subject: none)
    key: str = "id_number"  # the records' column naming the subject

    # -- the department's side ------------------------------------------------------------------------------
    def items(self, rows: Iterable[dict], *, as_of: dt.date, months: Months | None,
              categories: Iterable[str]) -> list[Item]:
        """The items a department holding ``rows`` (one subject's records) answers for a request: the asked
        categories only, monthly items only within the asked months."""
        if self.to_items is None:
            return []
        wanted = set(categories)
        out = []
        for row in rows:
            for item in self.to_items(row, as_of):
                if item.category in wanted and (item.month is None or months is None or months.contains(item.month)):
                    out.append(item)
        return out

    # -- ours -------------------------------------------------------------------------------------------------
    def request(self, *, request_id: str, requester: Requester, purpose: Purpose, as_of: dt.date,
                subjects: list[Subject], months: Months | None = None,
                categories: Iterable[str] | None = None) -> QueryRequest:
        return QueryRequest(request_id=request_id, requester=requester, purpose=purpose, as_of=as_of,
                            months=months, categories=list(categories or self.kind.categories), subjects=subjects)

    async def query(self, client: EndpointClient, request: QueryRequest, body: bytes | None = None) -> Answer:
        """Post ``request`` (or its stored ``body``, byte-identical on a retry) and read the answer."""
        body = body if body is not None else encode(request)
        signed = await client.post(request.request_id, body)
        return self.read(client.endpoint.endpoint, request, signed.response, kid=signed.kid,
                         latency_ms=signed.latency_ms)

    def read(self, endpoint: str, request: QueryRequest, response, *, kid: str = "", latency_ms: float = 0.0) -> Answer:
        """Check the answer is this kind's, answers each subject asked once, and holds only this kind's items in
        their units and the asked categories; else ``bad_response`` (its items unknown, never dropped quietly)."""
        asked = [s.id_number for s in request.subjects]
        answered = [r.id_number for r in response.results]
        problem = None
        if response.source != self.kind.kind:
            problem = f"source {response.source}, not {self.kind.kind}"
        elif sorted(asked) != sorted(answered):
            problem = "the subjects answered are not the subjects asked"
        else:
            problem = next((p for r in response.results for i in r.items
                            if (p := self._item_problem(i, request.categories))), None)
        if problem:
            raise ExchangeFailure.client(endpoint, "bad_response", problem)
        return Answer(endpoint, response.source, response.department, response.request_id, response.answered_at,
                      response.replayed, kid, latency_ms, tuple(response.results))

    def _item_problem(self, item: Item, categories: list[str]) -> str | None:
        spec = self.kind.item(item.item)
        if spec is None or spec.category != item.category or item.category not in categories:
            return f"item {item.item} ({item.category}) is not one this source answers here"
        if spec.unit != item.unit:
            return f"item {item.item} in {item.unit}, not {spec.unit}"
        if spec.monthly != (item.month is not None):
            return f"item {item.item}: month expected" if spec.monthly else f"item {item.item}: no month expected"
        return None


def encode(request: QueryRequest) -> bytes:
    """The request's body: the bytes that are signed, stored and resent unchanged on a retry."""
    return request.model_dump_json(by_alias=True, exclude_none=True).encode("utf-8")
