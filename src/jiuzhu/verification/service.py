"""One verification of a household in the database: started by a person, claimed and recorded by the runner.

The faces' side (each takes the session and the ``access.Principal``):

    start(session, principal, household_no, purpose, as_of)   -> VerificationView (queued; 409 without consents)
    get(session, principal, verification_id)                 -> VerificationView (not found outside the area)
    report(session, principal, verification_id)              -> the 核对报告 JSON as frozen at the end (a read: logged)
    for_household(session, principal, household_no)          -> [VerificationView], newest first

The runner's side (each in a short transaction of its own, docs/verification.md):

    claim(engine, owner, lease_seconds)          -> id | None: a queued verification, or a running one whose
                                                    lease ran out (its runner died), by one atomic UPDATE … WHERE
    renew(engine, id, owner, lease_seconds)      the lease, while it runs (False: lost to another runner)
    prepare(engine, id, owner, exchange)         T1: consents re-checked, the queries and their audit rows
                                                    committed before anything is sent (a resumed run: the stored
                                                    bodies, same request ids)
    consents_valid(engine, id, consent_ids)      before every attempt: are these records still valid?
    record(engine, prepared, results, owner)     T2: items, query statuses, the report and its hash, done or
                                                    incomplete
    fail(engine, id, owner, message)             failed, with one line for the user
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Engine, and_, event, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jiuzhu import clock
from jiuzhu.access import Permission, Principal
from jiuzhu.audit import service as audit
from jiuzhu.consent import service as consents
from jiuzhu.consent.models import ConsentRecord
from jiuzhu.consent.service import Purpose
from jiuzhu.db import session_scope
from jiuzhu.errors import ConflictError, JiuzhuError, NotFoundError
from jiuzhu.i18n import N_, language, t, use_language
from jiuzhu.registry import models as rm
from jiuzhu.registry import schemas as s
from jiuzhu.registry import search
from jiuzhu.registry.privacy import mask_id
from jiuzhu.verification import plan, wakeup
from jiuzhu.verification.models import (
    FAILED,
    QUEUED,
    RUNNING,
    Verification,
    VerificationItem,
    VerificationQuery,
)
from jiuzhu.verification.schemas import SourceView, VerificationView

MAX_ATTEMPTS = 3  # a verification whose runner died this many times is failed, not taken a fourth time
RESEND_MARGIN_SECONDS = 60  # a stored body whose assertions expire sooner is signed anew (generation + 1)

STATUS_TITLES = {"queued": N_("queued"), "running": N_("verifying"), "done": N_("done"),
                 "incomplete": N_("incomplete"), "failed": N_("failed")}
QUERY_TITLES = {"sent": N_("asking"), "answered": N_("answered"), "failed": N_("failed (unknown)"),
                "refused": N_("refused (unknown)"), "skipped": N_("not asked (consent ended)")}
NOT_FOUND = N_("verification {id} not found")
RUNNING_ALREADY = N_("household {household_no} is being verified already (verification {id}): wait for it to end")
CONSENT_REQUIRED = N_("household {household_no} cannot be verified: not every member has authorized it: {members}")
OTHER_PURPOSES = N_("; they have authorized only for {purposes}: verify for that purpose and reference")
CONSENT_ENDED = N_("the verification stopped before asking anyone: an authorization is no longer valid: {members}")
AS_OF_FUTURE = N_("the as-of date {date} is in the future: departments answer for a day that has passed")
BAD_PURPOSE = N_("unknown purpose '{purpose}': use application, review or spot_check")
GAVE_UP = N_("the verification was interrupted {attempts} times (the server stopped while it ran); start it again")


class ConsentRequiredError(ConflictError):
    """Some member has no valid authorization for the purpose (409): nothing is asked of anyone."""

    code = "consent_required"


class LeaseLost(Exception):
    """This runner no longer holds the verification: another took it (its lease ran out)."""


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.timezone.utc)


# ------------------------------------------------------------------------------------------------ starting

def start(session: Session, principal: Principal, household_no: str, purpose: Purpose | str,
          as_of: dt.date | None = None) -> VerificationView:
    """Queue a verification of the household (the runner asks the departments). Refused unless the principal may
    verify, the household lies in its area, and every member who must authorize has a valid authorization for the
    purpose; one queued or running per household. The household's document is kept as it is now."""
    principal.require(Permission.VERIFY)
    purpose = purpose if isinstance(purpose, Purpose) else Purpose(purpose)
    if purpose.kind not in plan.PURPOSE_TITLES:
        raise JiuzhuError(t(BAD_PURPOSE, purpose=purpose.kind), field="purpose")
    today = clock.today()
    as_of = as_of or today
    if as_of > today:
        raise JiuzhuError(t(AS_OF_FUTURE, date=as_of.isoformat()), field="as_of")
    declared = search.household_for(session, principal, household_no, purpose="verification_start")
    hh = session.scalars(select(rm.Household).where(rm.Household.household_no == household_no)).one()
    require_consents(session, hh, purpose, today)
    window = _window(as_of)
    v = Verification(token=secrets.token_hex(16), household_id=hh.id, household_no=household_no,
                     area_code=hh.area_code, purpose_kind=purpose.kind, purpose_ref=purpose.ref, as_of=as_of,
                     window_from=window[0], window_to=window[-1], requested_by=principal.username[:60],
                     language=language(), status=QUEUED, created_at=now(), attempts=0,
                     exclusive_key=f"household:{hh.id}", declared=declared.model_dump(mode="json"))
    try:
        with session.begin_nested():
            session.add(v)
            session.flush()
    except IntegrityError:
        other = session.scalar(select(Verification.id).where(Verification.exclusive_key == f"household:{hh.id}"))
        raise ConflictError(t(RUNNING_ALREADY, household_no=household_no, id=other)) from None
    audit.append(session, actor=principal.username, action="verification.start", subject=household_no,
                 area_code=hh.area_code, detail={"verification": v.id, "purpose": purpose.kind,
                                                 "purpose_ref": purpose.ref, "as_of": as_of.isoformat()})
    event.listen(session, "after_commit", lambda _s: wakeup.wake(), once=True)
    return view(session, v)


def require_consents(session: Session, hh: rm.Household, purpose: Purpose, on: dt.date) -> list:
    """Every member who must authorize, valid; else ``ConsentRequiredError`` naming each (masked) and why."""
    members = consents.check_required(session, hh, purpose, on)
    missing = [m for m in members if not m.valid]
    if missing:
        message = t(CONSENT_REQUIRED, household_no=hh.household_no, members=_named(missing))
        others = [p for p in consents.given_purposes(session, [m.person_id for m in missing], on) if p != purpose]
        if others:  # authorized, but for another purpose: say which, so the verification can name it
            message += t(OTHER_PURPOSES, purposes=t(", ").join(
                t('{kind} "{ref}"', kind=p.kind, ref=p.ref) if p.ref else p.kind for p in others))
        raise ConsentRequiredError(message)
    return members


def _named(members) -> str:
    return t("; ").join(t("{name} ({id_number}): {reason}", name=m.name, id_number=m.id_number, reason=m.reason)
                        for m in members)


def _window(as_of: dt.date) -> list[str]:
    """The income months asked: the rules' look-back window before the as-of date's month (facts read the same)."""
    from jiuzhu.rules.inputs.facts import InputParameters

    return InputParameters.of(as_of.strftime("%Y-%m")).window


# ------------------------------------------------------------------------------------------------ reading

def _visible(session: Session, principal: Principal, verification_id: int) -> Verification:
    principal.require(Permission.READ_VERIFICATION)
    v = session.get(Verification, verification_id, populate_existing=True)
    if v is None or not principal.covers(v.area_code):
        raise NotFoundError(t(NOT_FOUND, id=verification_id))
    return v


def get(session: Session, principal: Principal, verification_id: int) -> VerificationView:
    return view(session, _visible(session, principal, verification_id))


def report(session: Session, principal: Principal, verification_id: int) -> dict | None:
    """The report as frozen when the verification ended (identifiers masked), None before; each read is logged."""
    v = _visible(session, principal, verification_id)
    audit.append(session, actor=principal.username, action="verification.read", subject=v.household_no,
                 area_code=v.area_code, detail={"verification": v.id, "report_sha256": v.report_sha256})
    return v.report


def for_household(session: Session, principal: Principal, household_no: str) -> list[VerificationView]:
    principal.require(Permission.READ_VERIFICATION)
    rows = session.scalars(select(Verification).where(Verification.household_no == household_no,
                                                      principal.area_clause(Verification.area_code))
                           .order_by(Verification.id.desc())).all()
    return [view(session, v) for v in rows]


def unfinished(session: Session, principal: Principal, household_no: str) -> VerificationView | None:
    """The household's verification queued or running (not a batch's), if any: what ``jiuzhu verify`` takes up
    again after it was interrupted, instead of refusing to start a second one."""
    principal.require(Permission.VERIFY)
    v = session.scalar(select(Verification).where(
        Verification.household_no == household_no, Verification.exclusive_key.is_not(None),
        Verification.job_id.is_(None), principal.area_clause(Verification.area_code)))
    return view(session, v) if v is not None else None


def view(session: Session, v: Verification) -> VerificationView:
    queries = session.scalars(select(VerificationQuery).where(VerificationQuery.verification_id == v.id)
                              .order_by(VerificationQuery.endpoint, VerificationQuery.chunk)
                              .execution_options(populate_existing=True)).all()
    sources = [SourceView(endpoint=q.endpoint, kind=q.kind, chunk=q.chunk, request_id=q.request_id, status=q.status,
                          status_label=t(QUERY_TITLES[q.status]), attempts=q.attempts or 0,
                          http_status=q.http_status, error_code=q.error_code, error_message=q.error_message,
                          latency_ms=q.latency_ms, replayed=bool(q.replayed)) for q in queries]
    # Unknown: a query that got no answer, and a source the report could not use (answered too old: stale).
    reported = {s["endpoint"] for s in (v.report or {}).get("sources", []) if s.get("status") != "answered"}
    unknown = sorted({q.endpoint for q in queries if q.status in ("failed", "refused", "skipped")} | reported)
    return VerificationView(
        id=v.id, household_no=v.household_no, area_code=v.area_code, purpose_kind=v.purpose_kind,
        purpose_ref=v.purpose_ref, as_of=v.as_of, window_from=v.window_from, window_to=v.window_to,
        requested_by=v.requested_by, status=v.status, status_label=t(STATUS_TITLES[v.status]), complete=v.complete,
        created_at=_utc(v.created_at), started_at=_utc(v.started_at), finished_at=_utc(v.finished_at),
        attempts=v.attempts or 0, report_sha256=v.report_sha256, error=v.error, sources=sources,
        unknown_sources=unknown)


# ------------------------------------------------------------------------------------------------ the runner's

def _claimable(at: dt.datetime):
    # A batch's verifications are the batch job's (its lease is the job's): the runner never takes them.
    return and_(Verification.job_id.is_(None), or_(
        Verification.status == QUEUED, and_(Verification.status == RUNNING, Verification.lease_until < at)))


def claim(engine: Engine, owner: str, lease_seconds: float, only: int | None = None) -> int | None:
    """Take the oldest verification nobody holds (``only``: that one, if nobody holds it), as jobs.service.claim:
    the UPDATE repeats the condition, so of two runners racing for one exactly one changes its row."""
    while True:
        at = now()
        with session_scope(engine) as session:
            query = select(Verification.id).where(_claimable(at)).order_by(Verification.id).limit(1)
            if only is not None:
                query = query.where(Verification.id == only)
            vid = session.scalar(query)
            if vid is None:
                return None
            v = session.get(Verification, vid)
            if v.status == RUNNING and (v.attempts or 0) >= MAX_ATTEMPTS:
                _end(session, v, FAILED, error=_in_language(v, GAVE_UP, attempts=v.attempts))
                continue
            taken = session.execute(
                update(Verification).where(Verification.id == vid, _claimable(at)).values(
                    status=RUNNING, lease_owner=owner, lease_until=at + dt.timedelta(seconds=lease_seconds),
                    attempts=Verification.attempts + 1, started_at=v.started_at or at)
                .execution_options(synchronize_session=False)).rowcount
            if taken == 1:
                return vid


def renew(engine: Engine, verification_id: int, owner: str, lease_seconds: float) -> bool:
    with session_scope(engine) as session:
        return session.execute(update(Verification).where(
            Verification.id == verification_id, Verification.status == RUNNING,
            Verification.lease_owner == owner).values(
            lease_until=now() + dt.timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)).rowcount == 1


def release(engine: Engine, verification_id: int, owner: str) -> None:
    """Give the lease up at once (an interrupted ``jiuzhu verify``): the next claim takes the verification without
    waiting for the lease to run out, and resends what was stored."""
    with session_scope(engine) as session:
        session.execute(update(Verification).where(
            Verification.id == verification_id, Verification.status == RUNNING,
            Verification.lease_owner == owner).values(lease_until=now() - dt.timedelta(seconds=1))
            .execution_options(synchronize_session=False))


def _held(session: Session, verification_id: int, owner: str) -> Verification:
    v = session.get(Verification, verification_id, populate_existing=True, with_for_update=True)
    if v is None or v.status != RUNNING or v.lease_owner != owner:
        raise LeaseLost(verification_id)
    return v


def _end(session: Session, v: Verification, status: str, *, error: str | None = None) -> None:
    v.status, v.finished_at, v.error = status, now(), error
    v.lease_owner = v.lease_until = v.exclusive_key = None


def _in_language(v: Verification, message: str, **fields) -> str:
    with use_language(v.language or "zh"):
        return t(message, **fields)


def fail(engine: Engine, verification_id: int, owner: str, message: str) -> None:
    with session_scope(engine) as session:
        try:
            v = _held(session, verification_id, owner)
        except LeaseLost:
            return
        _end(session, v, FAILED, error=message[:2000])


@dataclass(frozen=True)
class Exchange:
    """What the runner asks with: the sources configuration and our signing key."""

    config: object  # exchange.endpoints.SourcesConfig
    key: object  # Ed25519PrivateKey
    endpoints: tuple[str, ...] = ()  # default: every endpoint of the configuration


@dataclass
class PlannedQuery:
    query_id: int
    endpoint: str
    kind: str
    chunk: int
    request_id: str
    body: bytes
    consent_ids: tuple[str, ...]
    subjects: list[dict]  # [{person_id, consent_id, id_number}]


@dataclass
class Prepared:
    verification_id: int
    household_no: str
    area_code: str
    purpose_kind: str
    purpose_ref: str
    requested_by: str
    language: str
    as_of: dt.date
    window_from: str
    window_to: str
    declared: s.Household
    queries: list[PlannedQuery]
    resumed: bool
    consents: dict[str, dict] = field(default_factory=dict)  # id_number → {record_id, signer, valid_until}
    stopped: str | None = None  # T1 found an authorization ended: nothing is sent, the verification failed
    requested_by_name: str | None = None  # who asked, as the report says it (read in T1, for T2's report)
    latencies: dict[str, float] = field(default_factory=dict)  # endpoint → ms in the last verification that asked


def prepare(engine: Engine, verification_id: int, owner: str, exchange: Exchange) -> Prepared:
    """T1, one transaction: consents re-checked; on a first run one query row per endpoint and chunk (request id,
    body with fresh assertions) and one audit row per source kind; on a resumed run the stored rows (bodies whose
    assertions would expire are signed anew: generation + 1, audited). Committed before anything is sent."""
    with session_scope(engine) as session:
        v = _held(session, verification_id, owner)
        hh = session.get(rm.Household, v.household_id)
        _lock_consents(session, hh)
        members = consents.check_required(session, hh, Purpose(v.purpose_kind, v.purpose_ref), clock.today())
        subjects = _subjects(session, members)
        prepared = Prepared(v.id, v.household_no, v.area_code, v.purpose_kind, v.purpose_ref, v.requested_by,
                            v.language, v.as_of, v.window_from, v.window_to, s.Household.model_validate(v.declared),
                            [], resumed=False, consents={x.id_number: {
                                "record_id": x.consent_id, "signer": x.role,
                                "valid_until": x.valid_until.isoformat() if x.valid_until else None}
                                for x in subjects})
        from jiuzhu.verification.report import handler_name

        with use_language(v.language or "zh"):
            prepared.requested_by_name = handler_name(session, v.requested_by)
        prepared.latencies = _last_latencies(session, v.id)
        invalid = [m for m in members if not m.valid]
        if invalid:
            prepared.stopped = _in_language(v, CONSENT_ENDED, members=_named(invalid))
            _end(session, v, FAILED, error=prepared.stopped)
            return prepared
        rows = session.scalars(select(VerificationQuery).where(VerificationQuery.verification_id == v.id)
                               .order_by(VerificationQuery.id)).all()
        if rows:
            prepared.resumed = True
            _resume(session, v, rows, subjects, exchange)
        else:
            rows = _plan(session, v, subjects, exchange)
        by_person = {x.person_id: x for x in subjects}
        prepared.queries = [PlannedQuery(
            q.id, q.endpoint, q.kind, q.chunk, q.request_id, q.request_body.encode("utf-8"),
            tuple(x["consent_id"] for x in q.subjects),
            [x | {"id_number": by_person[x["person_id"]].id_number} for x in q.subjects if x["person_id"] in by_person])
            for q in rows]
        return prepared


def _last_latencies(session: Session, before: int) -> dict[str, float]:
    """Each endpoint's latency in the latest verification before this one that heard from it (the order of
    sending: the slowest first; a new process has no memory of its own)."""
    last = session.scalar(select(VerificationQuery.verification_id).where(
        VerificationQuery.verification_id < before, VerificationQuery.latency_ms.is_not(None))
        .order_by(VerificationQuery.verification_id.desc()).limit(1))
    if last is None:
        return {}
    return {e: ms for e, ms in session.execute(select(VerificationQuery.endpoint, VerificationQuery.latency_ms).where(
        VerificationQuery.verification_id == last, VerificationQuery.latency_ms.is_not(None)))}


def _lock_consents(session: Session, hh: rm.Household) -> None:
    """PostgreSQL: the household's consent records read FOR SHARE, so that a withdrawal waits for T1's commit and
    is then seen by every later attempt (SQLite's single writer orders them already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(ConsentRecord.id).where(ConsentRecord.household_id == hh.id)
                        .with_for_update(read=True))


def _subjects(session: Session, members) -> list[plan.Subject]:
    out = []
    for m in members:
        if not m.valid:
            continue
        person = session.get(rm.Person, m.person_id)
        rec = session.scalars(select(ConsentRecord).where(ConsentRecord.record_id == m.record_id)).one()
        out.append(plan.Subject(person_id=person.id, id_number=person.id_number, name=person.name,
                                consent_id=rec.record_id, role=rec.signer_role, valid_until=rec.valid_until))
    return out


def _ask(v: Verification, exchange: Exchange, legal_basis: str) -> plan.Ask:
    r = exchange.config.requester
    from jiuzhu.exchange import format as fmt

    return plan.Ask(requester=fmt.Requester(id=r.id, name=r.name), purpose_kind=v.purpose_kind,
                    purpose_ref=v.purpose_ref, legal_basis=legal_basis, as_of=v.as_of, window_from=v.window_from,
                    window_to=v.window_to)


def _legal_basis(session: Session, subjects: list[plan.Subject]) -> str:
    from jiuzhu.consent import notices

    if not subjects:
        return notices.LEGAL_BASIS
    return session.scalar(select(ConsentRecord.legal_basis).where(
        ConsentRecord.record_id == subjects[0].consent_id)) or notices.LEGAL_BASIS


def _endpoints(exchange: Exchange) -> list:
    names = exchange.endpoints or tuple(exchange.config.endpoints)
    return [exchange.config.endpoints[n] for n in sorted(names)]


def _plan(session: Session, v: Verification, subjects: list[plan.Subject], exchange: Exchange) -> list[_Planned]:
    ask = _ask(v, exchange, _legal_basis(session, subjects))
    kid = exchange.config.requester.key_id
    rows, by_kind = [], defaultdict(dict)
    signed: dict = {}  # a member's assertion per kind, shared by the endpoints of the kind (the 12 banks), as a wave's
    for ep in _endpoints(exchange):
        for n, chunk in enumerate(plan.chunks(subjects, ep.max_subjects)):
            rid = plan.request_id(v.token, ep.endpoint, n, 1)
            body = plan.body(ask, ep.endpoint, rid, chunk, key=exchange.key, kid=kid, signed=signed)
            rows.append(dict(verification_id=v.id, kind=ep.kind, endpoint=ep.endpoint, request_id=rid, generation=1,
                             chunk=n, request_body=body.decode("utf-8"), status="sent", attempts=0, replayed=False,
                             subjects=[{"person_id": x.person_id, "consent_id": x.consent_id} for x in chunk]))
            by_kind[ep.kind][f"{ep.endpoint}#{n}" if n else ep.endpoint] = rid
    # One statement for the rows (no ORM object, no flush of each): T1 stands between the start and the first send.
    ids = session.scalars(insert(VerificationQuery).returning(VerificationQuery.id, sort_by_parameter_order=True),
                          rows).all() if rows else []
    _audit_queries(session, v, by_kind, subjects, "verification.query")
    return [_Planned(i, r["endpoint"], r["kind"], r["chunk"], r["request_id"], r["request_body"], r["subjects"])
            for i, r in zip(ids, rows, strict=True)]


@dataclass(frozen=True)
class _Planned:
    """A query row as T1 wrote it (what ``prepare`` reads of a ``VerificationQuery``)."""

    id: int
    endpoint: str
    kind: str
    chunk: int
    request_id: str
    request_body: str
    subjects: list[dict]


def _audit_queries(session: Session, v: Verification, by_kind: dict, subjects: list[plan.Subject], action: str,
                   extra: dict | None = None) -> None:
    """One row per source kind: who asked, for what, which endpoints with which request ids, each member (masked)
    with the consent record relied on (社会救助暂行办法 art. 58; 个人信息保护法 art. 14: the authorization's scope)."""
    from jiuzhu.exchange.sources import KINDS

    members = [{"member": mask_id(x.id_number), "consent": x.consent_id, "signer": x.role} for x in subjects]
    audit.append_many(session, [dict(
        actor=v.requested_by, action=action, subject=v.household_no, area_code=v.area_code,
        detail={"verification": v.id, "kind": kind, "endpoints": endpoints, "members": members,
                "categories": list(KINDS[kind].categories), "purpose": v.purpose_kind,
                "purpose_ref": v.purpose_ref, "as_of": v.as_of.isoformat(), "batch_job": v.job_id} | (extra or {}))
        for kind, endpoints in sorted(by_kind.items())])


def _resume(session: Session, v: Verification, rows: list[VerificationQuery], subjects: list[plan.Subject],
            exchange: Exchange) -> None:
    """A run after an interruption: the stored bodies are resent as they are (same request ids: the department
    replays what it answered); a body whose assertions would expire before it arrives is signed anew for the same
    members, as the next generation. Each kind resent is audited once more (``verification.resume``)."""
    limit = now().timestamp() + RESEND_MARGIN_SECONDS
    by_person = {x.person_id: x for x in subjects}
    ask = _ask(v, exchange, _legal_basis(session, subjects))
    kid = exchange.config.requester.key_id
    by_kind, renewed = defaultdict(dict), []
    for q in rows:
        if q.status != "sent":
            continue
        expiry = plan.earliest_expiry(q.request_body)
        if expiry is None or expiry < limit:
            chunk = [by_person[x["person_id"]] for x in q.subjects if x["person_id"] in by_person]
            q.generation += 1
            q.request_id = plan.request_id(v.token, q.endpoint, q.chunk, q.generation)
            q.request_body = plan.body(ask, q.endpoint, q.request_id, chunk, key=exchange.key, kid=kid).decode()
            q.subjects = [{"person_id": x.person_id, "consent_id": x.consent_id} for x in chunk]
            renewed.append(q.request_id)
        by_kind[q.kind][f"{q.endpoint}#{q.chunk}" if q.chunk else q.endpoint] = q.request_id
    session.flush()
    _audit_queries(session, v, by_kind, subjects, "verification.resume",
                   {"run": v.attempts, "signed_anew": renewed})


def regenerate(engine: Engine, verification_id: int, owner: str, q: PlannedQuery, ended: set[str],
               exchange: Exchange) -> PlannedQuery | None:
    """A query some of whose subjects' authorizations ended after T1: the same query without them, as the next
    generation (a new request id and body), with its audit row — committed before it is sent. None when nobody is
    left (the query is not sent at all)."""
    with session_scope(engine) as session:
        v = _held(session, verification_id, owner)
        row = session.get(VerificationQuery, q.query_id, populate_existing=True)
        keep = {x["person_id"] for x in row.subjects if x["consent_id"] not in ended}
        if not keep:
            return None
        hh = session.get(rm.Household, v.household_id)
        members = consents.check_required(session, hh, Purpose(v.purpose_kind, v.purpose_ref), clock.today())
        chunk = [x for x in _subjects(session, members) if x.person_id in keep]
        if not chunk:
            return None
        old = row.request_id
        row.generation += 1
        row.request_id = plan.request_id(v.token, row.endpoint, row.chunk, row.generation)
        row.request_body = plan.body(_ask(v, exchange, _legal_basis(session, chunk)), row.endpoint, row.request_id,
                                     chunk, key=exchange.key, kid=exchange.config.requester.key_id).decode("utf-8")
        row.subjects = [{"person_id": x.person_id, "consent_id": x.consent_id} for x in chunk]
        session.flush()
        endpoint = f"{row.endpoint}#{row.chunk}" if row.chunk else row.endpoint
        _audit_queries(session, v, {row.kind: {endpoint: row.request_id}}, chunk, "verification.query",
                       {"generation": row.generation, "replaces": old, "consents_ended": sorted(ended)})
        ids = {x.person_id: x.id_number for x in chunk}
        return PlannedQuery(row.id, row.endpoint, row.kind, row.chunk, row.request_id,
                            row.request_body.encode("utf-8"), tuple(x.consent_id for x in chunk),
                            [x | {"id_number": ids[x["person_id"]]} for x in row.subjects])


def consents_valid(engine: Engine, household_no: str, purpose: tuple[str, str],
                   consent_ids: set[str]) -> set[str]:
    """Of ``consent_ids``, those no longer relied on: the member's valid record is now another or none (withdrawn,
    expired, invalidated). Read afresh (the consent service's populate_existing): a withdrawal committed after T1
    is seen here."""
    with session_scope(engine, write=False) as session:
        members = consents.check_required(session, household_no, Purpose(*purpose), clock.today())
    valid = {m.record_id for m in members if m.valid}
    return {c for c in consent_ids if c not in valid}


# ------------------------------------------------------------------------------------------------ T2

@dataclass
class QueryResult:
    """What became of one planned query: the answer (an ``exchange.adapters.Answer``) or the failure."""

    query: PlannedQuery
    asked: list[dict] = field(default_factory=list)  # the subjects first planned (some may have been dropped)
    answer: object | None = None
    failure: object | None = None  # verification.resilience.SourceFailed
    attempts: int = 0
    http_status: int | None = None
    response_sha256: str | None = None
    kid: str | None = None
    latency_ms: float | None = None
    sent_at: dt.datetime | None = None
    answered_at: dt.datetime | None = None


def record(engine: Engine, prepared: Prepared, results: list[QueryResult], outcomes: list, owner: str) -> str:
    """T2, one transaction: the items, each query's status, the report and its hash; done when every source
    answered and the report is complete, else incomplete. Nothing is written if the lease was lost. The report is
    built first, outside the transaction (SQLite's write lock held for the writes only, as a batch's wave does);
    the query rows are read in one statement and the items inserted in one (no ORM object and no flush per
    query: 37 queries made 37 autoflushes)."""
    from jiuzhu.verification.report import ReportMeta, build_report

    meta = ReportMeta(household_no=prepared.household_no, area_code=prepared.area_code,
                      purpose_kind=prepared.purpose_kind,
                      purpose_reference=prepared.purpose_ref or plan.PURPOSE_TITLES[prepared.purpose_kind],
                      requested_by=prepared.requested_by, as_of=prepared.as_of,
                      verification_id=prepared.verification_id, window_from=prepared.window_from,
                      window_to=prepared.window_to, created_at=now(), requested_by_name=prepared.requested_by_name)
    with use_language(prepared.language or "zh"):
        built = build_report(meta, prepared.declared, outcomes, prepared.as_of.strftime("%Y-%m"),
                             consents=prepared.consents, left_out=_left_out(results))
    digest = report_hash(built)
    # Done only when every source answered about every member asked (a member left out for an ended consent
    # leaves their items unknown, whatever the report makes of it).
    all_answered = all(r.answer is not None and len(r.query.subjects) == len(r.asked or r.query.subjects)
                       for r in results)
    with session_scope(engine) as session:
        v = _held(session, prepared.verification_id, owner)
        rows = {q.id: q for q in session.scalars(select(VerificationQuery).where(
            VerificationQuery.verification_id == v.id))}
        item_rows: list[dict] = []
        with session.no_autoflush:
            for r in results:
                item_rows += _record_query(v, rows[r.query.query_id], r)
        session.flush()
        if item_rows:
            session.connection().execute(VerificationItem.__table__.insert(), item_rows)
        v.report, v.report_sha256 = built, digest
        v.complete = bool(built.get("complete")) and all_answered
        _end(session, v, "done" if v.complete else "incomplete")
        audit.append(session, actor=v.requested_by, action="verification.report", subject=v.household_no,
                     area_code=v.area_code, detail={"verification": v.id, "report_sha256": v.report_sha256,
                                                    "complete": v.complete, "unknown": sorted(
                                                        {r.query.endpoint for r in results if r.answer is None})})
        return v.status


def _left_out(results: list[QueryResult]) -> set[str]:
    """The ID numbers of members a query planned but no longer sent (their authorization ended mid-way)."""
    out = set()
    for r in results:
        kept = {x["person_id"] for x in r.query.subjects} if r.answer is not None else set()
        out |= {x["id_number"] for x in r.asked if x["person_id"] not in kept and "id_number" in x}
    return out


def report_hash(report: dict) -> str:
    """SHA-256 of the report's canonical JSON (keys sorted, no spaces): what the PDF's footer prints."""
    text = json.dumps(report, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _record_query(v: Verification, q: VerificationQuery, r: QueryResult) -> list[dict]:
    """The query row's outcome set on ``q``; its items as rows for one bulk insert."""
    q.attempts, q.http_status, q.latency_ms = r.attempts, r.http_status, r.latency_ms
    q.sent_at, q.answered_at, q.response_sha256, q.response_kid = r.sent_at, r.answered_at, r.response_sha256, r.kid
    if r.answer is not None:
        q.status, q.replayed = "answered", bool(r.answer.replayed)
        kept = {x["person_id"] for x in r.query.subjects}
        return _items(v, q, r) + _unknown(v, q, [x for x in r.asked if x["person_id"] not in kept], "consent_ended")
    code = getattr(r.failure, "code", "internal")
    cause = getattr(r.failure, "cause", None)
    q.status = "skipped" if code == "consent_ended" else (
        "refused" if getattr(cause, "status", None) and not getattr(cause, "retryable", True) else "failed")
    q.error_code, q.error_message = code[:64], str(getattr(cause, "message", cause) or code)[:500]
    return _unknown(v, q, r.asked or r.query.subjects, code)


_NO_VALUE = {"category": "", "item": "", "ref": "", "month": "", "unit": None, "as_of": None, "value_fen": None,
             "value_num": None, "value_text": None}


def _unknown(v: Verification, q: VerificationQuery, subjects: list[dict], reason: str) -> list[dict]:
    return [{"verification_id": v.id, "query_id": q.id, "person_id": x["person_id"], "consent_id": x["consent_id"],
             "kind": q.kind, "endpoint": q.endpoint, **_NO_VALUE, "status": "unknown", "reason": reason[:64]}
            for x in subjects]


def _items(v: Verification, q: VerificationQuery, r: QueryResult) -> list[dict]:
    by_id = {x["id_number"]: x for x in r.query.subjects}
    out, seen = [], set()
    for result in r.answer.results:
        x = by_id.get(result.id_number)
        if x is None:
            continue
        common = dict(verification_id=v.id, query_id=q.id, person_id=x["person_id"], consent_id=x["consent_id"],
                      kind=q.kind, endpoint=q.endpoint)
        if result.status != "found":
            out.append(common | _NO_VALUE | {"status": "none" if result.status == "none" else "unknown",
                                             "reason": result.error.code if result.error else None})
            continue
        for item in result.items:
            out.append(common | _NO_VALUE | {
                "category": item.category, "item": item.item, "ref": stored_ref(seen, x["person_id"], item),
                "month": item.month or "", "unit": item.unit, "as_of": item.as_of, "status": "found",
                "reason": None} | _value(item.value, item.unit))
    return out


def stored_ref(seen: set, person_id: int, item) -> str:
    """The item's ref as stored: the same item twice in one answer keeps both, the second's ref numbered (#2 …),
    so that the items table's unique key (verification, endpoint, person, item, ref, month) holds both."""
    key = (person_id, item.item, item.ref or "", item.month or "")
    n = 1
    while key in seen:
        n += 1
        key = (person_id, item.item, f"{item.ref or ''}#{n}", item.month or "")
    seen.add(key)
    return key[2]


def _value(value, unit: str) -> dict:
    if unit in ("fen", "fen/month"):
        return {"value_fen": int(value)}
    if unit in ("count", "m2"):
        return {"value_num": Decimal(str(value))}
    if isinstance(value, bool):
        return {"value_text": "true" if value else "false"}
    return {"value_text": str(value)[:100]}


def items(session: Session, principal: Principal, verification_id: int) -> list[VerificationItem]:
    """The items of a verification (tests, the batch; faces show the report)."""
    v = _visible(session, principal, verification_id)
    return list(session.scalars(select(VerificationItem).where(VerificationItem.verification_id == v.id)
                                .order_by(VerificationItem.id)))
