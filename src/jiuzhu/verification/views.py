"""What the faces show of verifications, beyond ``service``: one row per department's endpoint with its state
while it runs and after, and the recent verifications of the user's area (核对管理).

    endpoint_rows(view)                     -> [EndpointRow], one per endpoint: 待查询 / 查询中 / 已返回 /
                                               失败（未知）/ 拒绝提供（未知）/ 熔断中（未知）/ 未查询（授权已失效）
    recent(session, principal, limit, ...)  -> [VerificationView], newest first, inside the principal's area
    for_household(session, principal, no)   -> [VerificationView]; "not in the registry" outside the area
    report_pdf(session, principal, id, lang) -> (PDF bytes, file name), kept once rendered

While a verification runs, its queries are stored as "sent" until T2 writes every answer at once; what has come
back meanwhile is on the runner's board in memory (``flows.progress``: no database write per answer). A server
that does not run it (the CLI took it) shows 查询中 until the end. Once ended, the stored query rows say it all.
No personal data: endpoints, departments, states, attempts, latency.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.access import Permission, Principal
from jiuzhu.i18n import N_, t
from jiuzhu.verification import flows, service
from jiuzhu.verification.models import Verification
from jiuzhu.verification.schemas import VerificationView

STATE_TITLES = {
    "waiting": N_("waiting to be asked"), "asking": service.QUERY_TITLES["sent"],
    "answered": service.QUERY_TITLES["answered"], "stale": N_("answered, too old (unknown)"),
    "failed": service.QUERY_TITLES["failed"], "refused": service.QUERY_TITLES["refused"],
    "breaker_open": N_("breaker open (unknown)"), "skipped": service.QUERY_TITLES["skipped"],
}
# the colour of each state's tag (its words always beside it)
STATE_TAGS = {"waiting": "plain", "asking": "info", "answered": "ok", "stale": "warn", "failed": "bad",
              "refused": "bad", "breaker_open": "bad", "skipped": "warn"}
# when one endpoint was asked in several chunks, the worst state is its state
_WORST = ["answered", "asking", "waiting", "stale", "skipped", "refused", "breaker_open", "failed"]


@dataclass(frozen=True)
class EndpointRow:
    endpoint: str
    department: str
    state: str
    label: str
    tag: str
    attempts: int
    latency_ms: float | None
    reason: str | None

    def as_dict(self) -> dict:
        return {"endpoint": self.endpoint, "department": self.department, "state": self.state,
                "label": self.label, "attempts": self.attempts, "latency_ms": self.latency_ms,
                "reason": self.reason}


@functools.cache
def _catalogue() -> dict:
    from jiuzhu.exchange.sources import catalogue

    return catalogue()


def _department(endpoint: str) -> str:
    from jiuzhu.exchange.sources import kind_of

    spec = _catalogue().get(endpoint)
    if spec is not None:
        return spec.department
    try:
        return kind_of(endpoint).department
    except (KeyError, ValueError):
        return endpoint


def _row(endpoint: str, state: str, attempts: int = 0, latency_ms: float | None = None,
         reason: str | None = None) -> EndpointRow:
    return EndpointRow(endpoint, _department(endpoint), state, t(STATE_TITLES[state]), STATE_TAGS[state], attempts,
                       latency_ms, reason)


def _live_state(code: str | None) -> str:
    """A state from the runner's board: "answered", or the failure's code."""
    from jiuzhu.exchange.format import ERRORS

    if code is None:
        return "asking"
    if code == "answered":
        return "answered"
    if code == "breaker_open":
        return "breaker_open"
    if code == "consent_ended":
        return "skipped"
    spec = ERRORS.get(code)
    return "refused" if spec is not None and not spec.retryable else "failed"


def _stored_state(status: str, error_code: str | None, stale: bool) -> str:
    if status == "answered":
        return "stale" if stale else "answered"
    if status == "sent":
        return "asking"
    if status == "failed" and error_code == "breaker_open":
        return "breaker_open"
    return status  # failed, refused, skipped


def endpoint_rows(view: VerificationView) -> list[EndpointRow]:
    """One row per endpoint of the verification, in the endpoints' order."""
    if not view.sources:
        return [_row(name, "waiting") for name in _configured()] if view.status in ("queued", "running") else []
    live = flows.progress(view.id) if view.status == "running" else None
    by_endpoint: dict[str, list[EndpointRow]] = {}
    for s in view.sources:
        if view.status == "running":
            state = _live_state((live or {}).get(s.endpoint))
        else:
            state = _stored_state(s.status, s.error_code, s.endpoint in view.unknown_sources)
        reason = s.error_message if state in ("failed", "refused", "breaker_open", "skipped") else None
        by_endpoint.setdefault(s.endpoint, []).append(_row(s.endpoint, state, s.attempts, s.latency_ms, reason))
    return [max(rows, key=lambda r: _WORST.index(r.state)) for rows in by_endpoint.values()]


def _configured() -> list[str]:
    """The endpoints a queued verification will ask (``<home>/exchange/sources.toml``); none if it cannot be read
    (the runner then fails the verification in one line, which the page shows)."""
    from jiuzhu.errors import JiuzhuError
    from jiuzhu.exchange import endpoints

    try:
        return sorted(endpoints.load().endpoints)
    except (JiuzhuError, OSError):
        return []


def recent(session: Session, principal: Principal, *, limit: int = 50, status: str | None = None,
           household_no: str | None = None) -> list[VerificationView]:
    """The latest verifications inside the principal's area (核对管理), newest first."""
    principal.require(Permission.READ_VERIFICATION)
    query = select(Verification).where(principal.area_clause(Verification.area_code))
    if status:
        query = query.where(Verification.status == status)
    if household_no:
        query = query.where(Verification.household_no == household_no)
    rows = session.scalars(query.order_by(Verification.id.desc()).limit(limit)).all()
    return [service.view(session, v) for v in rows]


NO_REPORT = N_("verification {id} has no report yet ({status})")


def report_pdf(session: Session, principal: Principal, verification_id: int, lang: str) -> tuple[bytes, str]:
    """The report as a PDF and a file name for it (核对报告-<household>-<id>.pdf). The read is logged (the
    service's ``report``); the PDF is rendered once per report and language (~1 s) and kept at
    ``<home>/reports/verifications/<id>-<sha8>-<lang>.pdf`` (written complete or not at all)."""
    from jiuzhu.config import get_settings
    from jiuzhu.errors import ConflictError
    from jiuzhu.files import atomic_output
    from jiuzhu.verification.pdf import render_pdf

    view = service.get(session, principal, verification_id)
    report = service.report(session, principal, verification_id)
    if report is None:
        raise ConflictError(t(NO_REPORT, id=verification_id, status=view.status_label))
    name = f"核对报告-{view.household_no}-{view.id}.pdf"
    path = get_settings().home / "reports" / "verifications" / f"{view.id}-{(view.report_sha256 or '')[:8]}-{lang}.pdf"
    if path.is_file():
        return path.read_bytes(), name
    data = render_pdf(report, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)
    return data, name


def for_household(session: Session, principal: Principal, household_no: str) -> list[VerificationView]:
    """The household's verifications, newest first; a household outside the area (or none) is "not in the
    registry", as everywhere (not an empty list, which would say that it exists)."""
    from jiuzhu.errors import NotFoundError
    from jiuzhu.registry import models as rm
    from jiuzhu.registry.search import NOT_IN_REGISTRY

    principal.require(Permission.READ_VERIFICATION)
    area = session.scalar(select(rm.Household.area_code).where(rm.Household.household_no == household_no))
    if area is None or not principal.covers(area):
        raise NotFoundError(t(NOT_IN_REGISTRY, household_no=household_no))
    return service.for_household(session, principal, household_no)


def sources(principal: Principal) -> dict:
    """The departments' endpoints this installation asks (``<home>/exchange/sources.toml``) and how each is
    guarded — time-outs, retries, rate limit, breaker — with no personal data and no address. Unreadable or
    missing: ``configured`` false and the reason in words (what the runner would fail a verification with)."""
    from jiuzhu.errors import JiuzhuError
    from jiuzhu.exchange import endpoints

    principal.require(Permission.READ_VERIFICATION)
    try:
        config = endpoints.load()
    except JiuzhuError as exc:
        return {"configured": False, "reason": exc.message, "requester": None, "endpoints": []}
    return {"configured": True, "reason": None,
            "requester": {"id": config.requester.id, "name": config.requester.name},
            "endpoints": [{"endpoint": ep.endpoint, "kind": ep.kind, "department": _department(ep.endpoint),
                           "attempts": ep.attempts, "deadline_seconds": ep.deadline_seconds,
                           "read_timeout_seconds": ep.read_timeout, "rate_per_second": ep.rate_per_second,
                           "max_in_flight": ep.max_in_flight, "max_subjects": ep.max_subjects,
                           "breaker": {"failures": ep.breaker_failures, "window_seconds": ep.breaker_window_seconds,
                                       "open_seconds": ep.breaker_open_seconds}}
                          for ep in sorted(config.endpoints.values(), key=lambda e: e.endpoint)]}
