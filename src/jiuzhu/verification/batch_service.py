"""A batch of verifications in the database (docs/verification.md "Batch"): its households, each wave's T1 and T2.

    materialise(engine, job_id, spec)              -> households: the batch's households in order, once
    prepare_wave(engine, job_id, spec, n, exchange, check) -> Wave | None: T1 of the next households (None: none
                                                       left): consents re-checked, verifications, requests and
                                                       audit rows committed before anything is sent
    pending_waves(engine, job_id)                  -> [n]: waves prepared by an earlier run, not recorded
    load_wave(engine, job_id, spec, n, exchange, check) -> Wave: such a wave, to resend its stored bodies
    regenerate(engine, wave, query, ended, exchange, check) the query without members whose consent ended
    record_wave(engine, wave, results, check)      T2: items, reports, statuses, each household done
    summary(engine, job_id)                        -> the batch's counts

``check(session)`` is the caller's: it raises when the job's lease was lost (nothing is written then). One wave is
one transaction each side; a crash between them leaves the wave prepared and unrecorded, and the next run resends
its stored bodies (same request ids: the departments replay) and records it once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jiuzhu import clock
from jiuzhu.audit import service as audit
from jiuzhu.consent import service as consents
from jiuzhu.consent.models import ConsentRecord
from jiuzhu.consent.service import Purpose
from jiuzhu.db import session_scope
from jiuzhu.i18n import N_, t, use_language
from jiuzhu.registry import areas
from jiuzhu.registry import models as rm
from jiuzhu.registry import schemas as s
from jiuzhu.registry import service as registry
from jiuzhu.registry.privacy import mask_id
from jiuzhu.verification import plan
from jiuzhu.verification.models import (
    DONE,
    FAILED,
    INCOMPLETE,
    RUNNING,
    BatchItem,
    BatchQuery,
    Verification,
    VerificationItem,
    VerificationQuery,
)
from jiuzhu.verification.service import (
    CONSENT_REQUIRED,
    RESEND_MARGIN_SECONDS,
    RUNNING_ALREADY,
    Exchange,
    _endpoints,
    _named,
    _value,
    _window,
    now,
    report_hash,
    stored_ref,
)

Check = Callable[[Session], None]
NOBODY = N_("household {household_no} has nobody whose records may be asked about (no living member)")
REPORT_FAILED = N_("the report of household {household_no} could not be made: {error}")


@dataclass(frozen=True)
class BatchSpec:
    """What a batch verifies: the households of ``area`` (enrolled in ``programme`` on the as-of date, if given),
    at most ``limit``, for the purpose; asked by ``requested_by`` (the audit's actor) in ``language``."""

    area: str
    purpose_kind: str
    purpose_ref: str
    as_of: dt.date
    requested_by: str
    language: str = "zh"
    programme: str | None = None
    limit: int | None = None
    wave_size: int = 100
    in_flight: int = 3  # waves at once
    max_requests: int = 12  # requests posted at once, across every endpoint
    # Processes building the households' reports beside this one (0: here). On 2 cores shared with the simulator
    # a process of reports made the batch slower (27.5 against 30.5 households/s, docs/performance.md): 0.
    report_processes: int = 0
    requested_by_name: str | None = None  # 经办人 as the reports print it (``with_handler``)

    @property
    def purpose(self) -> Purpose:
        return Purpose(self.purpose_kind, self.purpose_ref)


@dataclass
class WaveHousehold:
    seq: int
    verification_id: int
    household_no: str
    area_code: str
    declared: s.Household
    consents: dict[str, dict]  # id_number → {record_id, signer, valid_until}: shown with the member in the report


@dataclass
class WaveQuery:
    """One request of the wave: the stored bytes and who is in it (``subjects``: {v, p, c} = verification, person,
    consent record)."""

    id: int
    endpoint: str
    kind: str
    chunk: int
    generation: int
    request_id: str
    body: bytes
    asked: list[dict]
    subjects: list[dict]
    request: object | None = None  # exchange.format.QueryRequest as T1 built it (None: parsed from ``body``)

    @property
    def consent_ids(self) -> tuple[str, ...]:
        return tuple(x["c"] for x in self.subjects)


@dataclass
class Wave:
    job_id: int
    number: int
    spec: BatchSpec
    households: list[WaveHousehold]
    queries: list[WaveQuery]
    people: dict[int, plan.Subject]  # person id → the subject as asked (for a regenerated body)
    blocked: int = 0
    resumed: bool = False


@dataclass
class Result:
    """What became of one request of the wave (as ``service.QueryResult``, for many households)."""

    query: WaveQuery
    answer: object | None = None  # exchange.adapters.Answer
    failure: object | None = None  # resilience.SourceFailed
    attempts: int = 0
    http_status: int | None = None
    latency_ms: float | None = None
    answered_at: dt.datetime | None = None
    request: object | None = None  # the body parsed (exchange.format.QueryRequest), for reading the answer


# ------------------------------------------------------------------------------------------------ the households

def materialise(engine: Engine, job_id: int, spec: BatchSpec, check: Check) -> int:
    """The batch's households, in household-number order, written once (a second run finds them written: the
    whole list is one transaction, and (job, household) is UNIQUE). Returns how many."""
    with session_scope(engine) as session:
        check(session)
        have = session.scalar(select(func.count()).select_from(BatchItem).where(BatchItem.job_id == job_id))
        if have:
            return have
        query = select(rm.Household.id, rm.Household.household_no).where(
            rm.Household.area_code.startswith(areas.prefix(spec.area)))
        if spec.programme:
            enrolled = select(rm.Enrolment.household_id).where(
                rm.Enrolment.programme == spec.programme, rm.Enrolment.start_date <= spec.as_of,
                (rm.Enrolment.end_date.is_(None)) | (rm.Enrolment.end_date >= spec.as_of))
            query = query.where(rm.Household.id.in_(enrolled))
        query = query.order_by(rm.Household.household_no)
        if spec.limit:
            query = query.limit(spec.limit)
        rows = session.execute(query).all()
        if rows:
            session.execute(insert(BatchItem), [
                {"job_id": job_id, "seq": n, "household_id": hid, "household_no": no, "status": "pending"}
                for n, (hid, no) in enumerate(rows, start=1)])
        return len(rows)


def count_households(session: Session, area: str, programme: str | None, as_of: dt.date) -> int:
    """How many households a batch of this area and programme would verify (the submit's check)."""
    query = select(func.count()).select_from(rm.Household).where(rm.Household.area_code.startswith(
        areas.prefix(area)))
    if programme:
        query = query.where(rm.Household.id.in_(select(rm.Enrolment.household_id).where(
            rm.Enrolment.programme == programme, rm.Enrolment.start_date <= as_of,
            (rm.Enrolment.end_date.is_(None)) | (rm.Enrolment.end_date >= as_of))))
    return session.scalar(query) or 0


# ------------------------------------------------------------------------------------------------ T1

def with_handler(engine: Engine, spec: BatchSpec) -> BatchSpec:
    """``spec`` with who asked as the reports print it: the account's display name (``report.handler_name``)."""
    from jiuzhu.verification.report import handler_name

    with session_scope(engine, write=False) as session, use_language(spec.language or "zh"):
        return dataclasses.replace(spec, requested_by_name=handler_name(session, spec.requested_by))


def prepare_wave(engine: Engine, job_id: int, spec: BatchSpec, number: int, exchange: Exchange,
                 check: Check) -> Wave | None:
    """``_prepare_wave``; again when a single verification of one of its households was queued between the
    check and the insert (PostgreSQL: the exclusive key refuses the wave's row; the next try blocks it)."""
    for attempt in range(3):
        try:
            return _prepare_wave(engine, job_id, spec, number, exchange, check)
        except IntegrityError:
            if attempt == 2:
                raise
    return None


def _prepare_wave(engine: Engine, job_id: int, spec: BatchSpec, number: int, exchange: Exchange,
                  check: Check) -> Wave | None:
    """T1 of the next ``wave_size`` households not yet asked about: each household's consents re-checked (one not
    wholly authorized, or being verified already: ``blocked`` with the reason, nothing sent); for the others a
    verification row (``job_id`` set), the requests (one per endpoint and chunk of at most ``max_subjects``
    members, whole households in a chunk, each member with their own assertion), and one audit row per household
    and kind — all committed before the first request is sent. None when every household has been asked about."""
    with session_scope(engine) as session:
        check(session)
        items = session.scalars(select(BatchItem).where(BatchItem.job_id == job_id, BatchItem.status == "pending",
                                                        BatchItem.wave.is_(None))
                                .order_by(BatchItem.seq).limit(spec.wave_size)).all()
        if not items:
            return None
        wave = Wave(job_id, number, spec, [], [], {})
        households = {h.id: h for h in session.scalars(select(rm.Household).where(
            rm.Household.id.in_([i.household_id for i in items])))}
        busy = set(session.scalars(select(Verification.household_id).where(Verification.exclusive_key.in_(
            [f"household:{i.household_id}" for i in items]))))
        today, ok = clock.today(), []
        with use_language(spec.language), session.no_autoflush:
            for item in items:
                item.wave = number
                hh = households[item.household_id]
                if hh.id in busy:
                    other = session.scalar(select(Verification.id).where(
                        Verification.exclusive_key == f"household:{hh.id}"))
                    _block(wave, item, t(RUNNING_ALREADY, household_no=hh.household_no, id=other))
                    continue
                members = consents.check_required(session, hh, spec.purpose, today)
                missing = [m for m in members if not m.valid]
                if missing:
                    _block(wave, item, t(CONSENT_REQUIRED, household_no=hh.household_no, members=_named(missing)))
                elif not members:
                    _block(wave, item, t(NOBODY, household_no=hh.household_no))
                else:
                    ok.append((item, hh, members))
        if ok:
            _plan_wave(session, wave, ok, exchange)
        return wave


def _block(wave: Wave, item: BatchItem, reason: str) -> None:
    item.status, item.reason = "blocked", reason[:500]
    wave.blocked += 1


def _subjects(session: Session, record_ids: list[str]) -> dict[str, plan.Subject]:
    """By consent record id, the subject it lets us ask about (the person's ID number and name, the signer)."""
    rows = session.execute(select(ConsentRecord.record_id, ConsentRecord.signer_role, ConsentRecord.valid_until,
                                  rm.Person.id, rm.Person.id_number, rm.Person.name)
                           .join(rm.Person, rm.Person.id == ConsentRecord.person_id)
                           .where(ConsentRecord.record_id.in_(record_ids))).all()
    return {r[0]: plan.Subject(person_id=r[3], id_number=r[4], name=r[5], consent_id=r[0], role=r[1],
                               valid_until=r[2]) for r in rows}


def _plan_wave(session: Session, wave: Wave, ok: list, exchange: Exchange) -> None:
    spec = wave.spec
    by_record = _subjects(session, [m.record_id for _, _, members in ok for m in members])
    docs = registry.households_docs(session, [hh for _, hh, _ in ok])
    window = _window(spec.as_of)
    at = now()
    rows = []
    for (item, hh, members), doc in zip(ok, docs, strict=True):
        subjects = [by_record[m.record_id] for m in members]
        v = Verification(token=secrets.token_hex(16), household_id=hh.id, household_no=hh.household_no,
                         area_code=hh.area_code, purpose_kind=spec.purpose_kind, purpose_ref=spec.purpose_ref,
                         as_of=spec.as_of, window_from=window[0], window_to=window[-1],
                         requested_by=spec.requested_by[:60], language=spec.language, job_id=wave.job_id,
                         status=RUNNING, created_at=at, started_at=at, attempts=1, lease_owner=f"job:{wave.job_id}",
                         exclusive_key=f"household:{hh.id}", declared=doc.model_dump(mode="json"))
        rows.append((item, v, subjects, doc))
    session.add_all([v for _, v, _, _ in rows])
    session.flush()
    for item, v, subjects, doc in rows:
        item.verification_id = v.id
        wave.households.append(WaveHousehold(item.seq, v.id, v.household_no, v.area_code, doc, {
            x.id_number: {"record_id": x.consent_id, "signer": x.role,
                          "valid_until": x.valid_until.isoformat() if x.valid_until else None} for x in subjects}))
        wave.people.update({x.person_id: x for x in subjects})
    groups = [(v, subjects) for _, v, subjects, _ in rows]
    ask = _ask(session, spec, exchange, [x for _, xs in groups for x in xs][:1])
    kid, signed, token, made = exchange.config.requester.key_id, {}, secrets.token_hex(16), {}
    queries, by_household = [], defaultdict(lambda: defaultdict(dict))
    for ep in _endpoints(exchange):
        for n, chunk in enumerate(_chunks(groups, ep.max_subjects)):
            rid = plan.request_id(token, ep.endpoint, n, 1)
            people = [x for _, xs in chunk for x in xs]
            body = plan.body(ask, ep.endpoint, rid, people, key=exchange.key, kid=kid, signed=signed, made=made)
            who = [{"v": v.id, "p": x.person_id, "c": x.consent_id} for v, xs in chunk for x in xs]
            queries.append({"job_id": wave.job_id, "wave": wave.number, "kind": ep.kind, "endpoint": ep.endpoint,
                            "chunk": n, "generation": 1, "request_id": rid, "request_body": body.decode("utf-8"),
                            "asked": who, "subjects": who, "status": "sent", "attempts": 0, "replayed": False})
            for v, _ in chunk:
                by_household[v.id][ep.kind][ep.endpoint] = rid
    ids = session.scalars(insert(BatchQuery).returning(BatchQuery.id, sort_by_parameter_order=True),
                          queries).all()
    wave.queries = [WaveQuery(i, q["endpoint"], q["kind"], q["chunk"], 1, q["request_id"],
                              q["request_body"].encode("utf-8"), q["asked"], q["subjects"], made[q["request_id"]])
                    for i, q in zip(ids, queries, strict=True)]
    _audit(session, wave, [(v, subjects, by_household[v.id]) for v, subjects in groups], "verification.query",
           start=True)


def _chunks(groups: list[tuple[Verification, list[plan.Subject]]], size: int) -> list[list]:
    """Whole households into requests of at most ``size`` members (a household larger than that alone)."""
    size = max(1, size)
    out, current, n = [], [], 0
    for v, subjects in groups:
        if current and n + len(subjects) > size:
            out.append(current)
            current, n = [], 0
        current.append((v, subjects))
        n += len(subjects)
    if current:
        out.append(current)
    return out


def _ask(session: Session, spec: BatchSpec, exchange: Exchange, first: list[plan.Subject]) -> plan.Ask:
    from jiuzhu.consent import notices
    from jiuzhu.exchange import format as fmt

    basis = notices.LEGAL_BASIS
    if first:
        basis = session.scalar(select(ConsentRecord.legal_basis).where(
            ConsentRecord.record_id == first[0].consent_id)) or basis
    window = _window(spec.as_of)
    r = exchange.config.requester
    return plan.Ask(requester=fmt.Requester(id=r.id, name=r.name), purpose_kind=spec.purpose_kind,
                    purpose_ref=spec.purpose_ref, legal_basis=basis, as_of=spec.as_of, window_from=window[0],
                    window_to=window[-1])


def _audit(session: Session, wave: Wave, households: list, action: str, *, start: bool = False,
           extra: dict | None = None) -> None:
    """Per household: the start (its declared document read), and one row per kind of source asked — who asked,
    for what, which endpoints with which request ids, each member (masked) with the consent relied on — as a
    single verification writes them (社会救助暂行办法 art. 58)."""
    from jiuzhu.exchange.sources import KINDS

    spec, events = wave.spec, []
    for v, subjects, by_kind in households:
        common = dict(actor=spec.requested_by, subject=v.household_no, area_code=v.area_code)
        if start:
            events.append(common | dict(action="verification.start", detail={
                "verification": v.id, "purpose": spec.purpose_kind, "purpose_ref": spec.purpose_ref,
                "as_of": spec.as_of.isoformat(), "batch_job": wave.job_id, "wave": wave.number}))
        members = [{"member": mask_id(x.id_number), "consent": x.consent_id, "signer": x.role} for x in subjects]
        for kind, endpoints in sorted(by_kind.items()):
            events.append(common | dict(action=action, detail={
                "verification": v.id, "kind": kind, "endpoints": endpoints, "members": members,
                "categories": list(KINDS[kind].categories), "purpose": spec.purpose_kind,
                "purpose_ref": spec.purpose_ref, "as_of": spec.as_of.isoformat(), "batch_job": wave.job_id,
                "wave": wave.number} | (extra or {})))
    audit.append_many(session, events)


# ------------------------------------------------------------------------------------------------ resuming

def pending_waves(engine: Engine, job_id: int) -> list[int]:
    """Waves an earlier run prepared (T1 committed) and did not record: their households still pending."""
    with session_scope(engine, write=False) as session:
        return list(session.scalars(select(BatchItem.wave).where(
            BatchItem.job_id == job_id, BatchItem.status == "pending", BatchItem.wave.is_not(None))
            .distinct().order_by(BatchItem.wave)))


def last_wave(engine: Engine, job_id: int) -> int:
    with session_scope(engine, write=False) as session:
        return session.scalar(select(func.max(BatchItem.wave)).where(BatchItem.job_id == job_id)) or 0


def load_wave(engine: Engine, job_id: int, spec: BatchSpec, number: int, exchange: Exchange,
              check: Check) -> Wave:
    """A wave an earlier run prepared: its households and stored requests, resent as they are (same request ids
    and bytes: the department replays what it answered). A body whose assertions expire before it would arrive is
    signed anew for the same members (the next generation), audited first (``verification.resume``)."""
    with session_scope(engine) as session:
        check(session)
        wave = Wave(job_id, number, spec, [], [], {}, resumed=True)
        items = session.scalars(select(BatchItem).where(BatchItem.job_id == job_id, BatchItem.wave == number,
                                                        BatchItem.status == "pending").order_by(BatchItem.seq)).all()
        vs = {v.id: v for v in session.scalars(select(Verification).where(
            Verification.id.in_([i.verification_id for i in items if i.verification_id])))}
        rows = session.scalars(select(BatchQuery).where(BatchQuery.job_id == job_id, BatchQuery.wave == number)
                               .order_by(BatchQuery.id)).all()
        by_record = _subjects(session, sorted({x["c"] for q in rows for x in q.asked}))
        wave.people = {x.person_id: x for x in by_record.values()}
        by_v = defaultdict(dict)
        for q in rows:
            for x in q.asked:
                by_v[x["v"]][x["c"]] = by_record[x["c"]]
        for i in items:
            v = vs[i.verification_id]
            v.attempts = (v.attempts or 0) + 1
            wave.households.append(WaveHousehold(i.seq, v.id, v.household_no, v.area_code,
                                                 s.Household.model_validate(v.declared), {
                x.id_number: {"record_id": x.consent_id, "signer": x.role,
                              "valid_until": x.valid_until.isoformat() if x.valid_until else None}
                for x in by_v[v.id].values()}))
        limit = now().timestamp() + RESEND_MARGIN_SECONDS
        first = next(iter(by_record.values()), None)
        ask = _ask(session, spec, exchange, [first] if first else [])
        renewed, by_household = [], defaultdict(lambda: defaultdict(dict))
        for q in rows:
            if q.status == "sent":
                expiry = plan.earliest_expiry(q.request_body)
                if expiry is None or expiry < limit:
                    _sign_anew(q, [wave.people[x["p"]] for x in q.subjects], ask, exchange)
                    renewed.append(q.request_id)
                for x in q.subjects:
                    by_household[x["v"]][q.kind][q.endpoint] = q.request_id
            wave.queries.append(_wave_query(q))
        session.flush()
        _audit(session, wave, [(vs[vid], list(by_v[vid].values()), by_kind) for vid, by_kind in
                               by_household.items() if vid in vs], "verification.resume",
               extra={"signed_anew": renewed})
        return wave


def _wave_query(q: BatchQuery) -> WaveQuery:
    return WaveQuery(q.id, q.endpoint, q.kind, q.chunk, q.generation, q.request_id, q.request_body.encode("utf-8"),
                     list(q.asked), list(q.subjects))


def _sign_anew(q: BatchQuery, people: list[plan.Subject], ask: plan.Ask, exchange: Exchange) -> None:
    q.generation += 1
    q.request_id = str(uuid.uuid5(plan.NAMESPACE, f"{q.request_id}:{q.generation}"))
    q.request_body = plan.body(ask, q.endpoint, q.request_id, people, key=exchange.key,
                               kid=exchange.config.requester.key_id).decode("utf-8")


def regenerate(engine: Engine, wave: Wave, query: WaveQuery, ended: set[str], exchange: Exchange,
               check: Check) -> WaveQuery | None:
    """The request without the members whose authorization ended after T1 (a withdrawal): the next generation, a
    new request id and body, audited for each household in it — committed before it is sent. None when nobody is
    left (it is not sent)."""
    with session_scope(engine) as session:
        check(session)
        q = session.get(BatchQuery, query.id, populate_existing=True)
        keep = [x for x in q.subjects if x["c"] not in ended]
        if not keep:
            q.subjects, q.status = [], "skipped"
            return None
        old = q.request_id
        q.subjects = keep
        ask = _ask(session, wave.spec, exchange, [wave.people[keep[0]["p"]]])
        _sign_anew(q, [wave.people[x["p"]] for x in keep], ask, exchange)
        session.flush()
        vs = {v.id: v for v in session.scalars(select(Verification).where(
            Verification.id.in_({x["v"] for x in keep})))}
        _audit(session, wave, [(vs[vid], [wave.people[x["p"]] for x in keep if x["v"] == vid],
                                {q.kind: {q.endpoint: q.request_id}}) for vid in sorted(vs)], "verification.query",
               extra={"generation": q.generation, "replaces": old, "consents_ended": sorted(ended)})
        return _wave_query(q)


def ended_consents(engine: Engine, consent_ids: set[str]) -> set[str]:
    """Of ``consent_ids``, those no longer valid today (withdrawn, expired, renewed, invalidated): read afresh, in
    one query for the whole wave, so a withdrawal committed after T1 is seen by the next attempt."""
    if not consent_ids:
        return set()
    today = clock.today()
    with session_scope(engine, write=False) as session:
        records = session.scalars(select(ConsentRecord).where(ConsentRecord.record_id.in_(sorted(consent_ids)))
                                  .execution_options(populate_existing=True)).all()
    valid = {r.record_id for r in records if consents.effective_status(r, today) == consents.Status.given}
    return {c for c in consent_ids if c not in valid}


# ------------------------------------------------------------------------------------------------ T2

Reports = Callable[[Callable, list], list]  # map(function, tasks): here, or in a process pool (batch.py)


def record_wave(engine: Engine, wave: Wave, results: list[Result], check: Check,
                reports: Reports | None = None) -> dict[str, int]:
    """T2: per household its items (what its members' results say; a failed source's or a dropped member's items
    ``unknown`` — never 0) and its report (built from the outcomes filtered to its members) with its hash — made
    first, outside the transaction, so that the write lock is held only for the writing — then in one transaction
    each request's outcome, each household's query rows, items, report, verification done or incomplete and batch
    item done; the stored bodies emptied (nothing will resend them). Returns counts by status."""
    per = defaultdict(list)  # verification id → [(result, its asked subjects, its kept subjects)]
    for r in results:
        kept = {(x["v"], x["p"]) for x in r.query.subjects} if r.answer is not None else set()
        by_v = defaultdict(list)
        for x in r.query.asked:
            by_v[x["v"]].append(x)
        for vid, asked in by_v.items():
            per[vid].append((r, asked, [x for x in asked if (vid, x["p"]) in kept]))
    query_rows, item_rows, tasks = [], [], []
    # Each answer's results by ID number, once per request (not scanned whole for each of its ~100 households).
    positions = {id(r): _positions(r.answer) for r in results if r.answer is not None}
    # What every report of the wave shares, worked out once: the income window, and the office (核对机构) per
    # district — office_of looks for sources.toml (the settings, the file's stamp) each time it is asked.
    from jiuzhu.verification.report import office_of

    window, offices = _window(wave.spec.as_of), {}
    for h in wave.households:
        outcomes = []
        for r, asked, kept in per[h.verification_id]:
            rows, outcome = _household_items(h, r, len(query_rows), asked, kept, wave.people,
                                             positions.get(id(r)))
            query_rows.append(_query_row(h, r, asked, kept))
            item_rows += rows
            outcomes.append(outcome)
        answered = all(r.answer is not None and len(kept) == len(asked) for r, asked, kept in per[h.verification_id])
        left_out = {wave.people[x["p"]].id_number for r, asked, kept in per[h.verification_id]
                    if r.answer is not None for x in asked if x not in kept and x["p"] in wave.people}
        if h.area_code[:6] not in offices:  # office_of reads only the district of the area code
            offices[h.area_code[:6]] = office_of(h.area_code)
        tasks.append((wave.spec, h, outcomes, answered, left_out,
                      {"window": (window[0], window[-1]), "office": offices[h.area_code[:6]]}))
    made = dict(zip([h.verification_id for h in wave.households],
                    (reports or _here)(build_report_of, tasks), strict=True))
    with session_scope(engine) as session:
        check(session)
        for r in results:
            _record_request(session, r)
        # Core statements on the session's connection: thousands of rows a wave, no ORM object for each.
        table = VerificationQuery.__table__
        ids = session.connection().execute(table.insert().returning(table.c.id, sort_by_parameter_order=True),
                                           query_rows).scalars().all() if query_rows else []
        for row in item_rows:  # the index of the household's query row → its id
            row["query_id"] = ids[row["query_id"]]
        if item_rows:
            session.connection().execute(VerificationItem.__table__.insert(), item_rows)
        # The verifications and batch items written by primary key in two statements, none loaded: loading them
        # read back each household's declared document (JSON) only to overwrite a few columns.
        asked_by = dict(session.execute(select(Verification.id, Verification.requested_by).where(
            Verification.id.in_([h.verification_id for h in wave.households]))).all())
        at = now()
        counts: dict[str, int] = defaultdict(int)
        events, with_report, without, items = [], [], [], []
        for h in wave.households:
            status, built, error = made[h.verification_id]
            row = {"id": h.verification_id, "status": status, "finished_at": at, "error": error, "lease_owner": None,
                   "lease_until": None, "exclusive_key": None}
            digest, complete = None, None
            if built is not None:
                digest, complete = report_hash(built), status == DONE
                with_report.append(row | {"report": built, "report_sha256": digest, "complete": complete})
            else:
                without.append(row)
            items.append({"job_id": wave.job_id, "seq": h.seq, "status": "failed" if status == FAILED else "done",
                          "reason": error, "differences": len((built or {}).get("differences") or [])})
            counts[status] += 1
            events.append(dict(actor=asked_by[h.verification_id], action="verification.report",
                               subject=h.household_no, area_code=h.area_code, detail={
                                   "verification": h.verification_id, "report_sha256": digest, "complete": complete,
                                   "batch_job": wave.job_id, "unknown": _unknown_sources(per[h.verification_id])}))
        for rows in (with_report, without):
            if rows:
                session.execute(update(Verification), rows)
        session.execute(update(BatchItem), items)
        audit.append_many(session, events)
        return dict(counts)


def _unknown_sources(per: list) -> list[str]:
    return sorted({r.query.endpoint for r, _, kept in per if not kept or r.answer is None})


def _record_request(session: Session, r: Result) -> None:
    values = {"attempts": r.attempts, "http_status": r.http_status, "latency_ms": r.latency_ms,
              "request_body": ""}
    if r.answer is not None:
        values |= {"status": "answered", "replayed": bool(r.answer.replayed)}
    elif not r.query.subjects:
        values |= {"status": "skipped", "error_code": "consent_ended"}
    else:
        values |= {"status": "failed", "error_code": getattr(r.failure, "code", "internal")[:64]}
    session.execute(update(BatchQuery).where(BatchQuery.id == r.query.id).values(**values)
                    .execution_options(synchronize_session=False))


def _query_row(h: WaveHousehold, r: Result, asked: list[dict], kept: list[dict]) -> dict:
    """The household's own query row (the single verification's view of its sources): the wave's request id; the
    body is the wave's (``verification_batch_queries``), not copied per household."""
    row = {"verification_id": h.verification_id, "kind": r.query.kind, "endpoint": r.query.endpoint,
           "request_id": r.query.request_id, "generation": r.query.generation, "chunk": 0, "request_body": "",
           "subjects": [{"person_id": x["p"], "consent_id": x["c"]} for x in (kept or asked)],
           "attempts": r.attempts, "http_status": r.http_status, "latency_ms": r.latency_ms,
           "answered_at": r.answered_at, "replayed": False, "error_code": None, "error_message": None}
    if r.answer is not None and kept:
        return row | {"status": "answered", "replayed": bool(r.answer.replayed)}
    if r.answer is not None or not r.query.subjects:
        return row | {"status": "skipped", "error_code": "consent_ended"}
    cause = getattr(r.failure, "cause", None)
    refused = getattr(cause, "status", None) and not getattr(cause, "retryable", True)
    return row | {"status": "refused" if refused else "failed",
                  "error_code": getattr(r.failure, "code", "internal")[:64],
                  "error_message": str(getattr(cause, "message", cause) or "")[:500]}


def _positions(answer) -> dict[str, list[int]]:
    """Where each ID number's results are in the answer (their order kept)."""
    out: dict[str, list[int]] = defaultdict(list)
    for i, res in enumerate(answer.results):
        out[res.id_number].append(i)
    return out


def _household_items(h: WaveHousehold, r: Result, query_id: int, asked: list[dict], kept: list[dict],
                     people: dict[int, plan.Subject], positions: dict[str, list[int]] | None = None):
    """The household's items from one request, and the request's outcome as the household's report reads it (the
    answer's results of its own members only, in the answer's order). ``positions``: ``_positions(r.answer)``."""
    from jiuzhu.verification.fanout import Outcome

    common = {"verification_id": h.verification_id, "query_id": query_id, "kind": r.query.kind,
              "endpoint": r.query.endpoint}
    unknown = dict(category="", item="", ref="", month="", status="unknown", value_fen=None, value_num=None,
                   value_text=None, unit=None, as_of=None)
    kept_p = {x["p"] for x in kept}
    rows = [common | unknown | {"person_id": x["p"], "consent_id": x["c"], "reason": "consent_ended"}
            for x in asked if x["p"] not in kept_p] if r.answer is not None else []
    if r.answer is None or not kept:
        failure = Failed(r.query.endpoint, getattr(r.failure, "code", "internal"),
                         getattr(r.failure, "attempts", r.attempts)) if r.answer is None and r.query.subjects \
            else Failed(r.query.endpoint, "consent_ended", r.attempts)
        rows = [common | unknown | {"person_id": x["p"], "consent_id": x["c"], "reason": failure.code[:64]}
                for x in asked]
        return rows, Outcome(r.query.endpoint, failure=failure)
    numbers = {people[x["p"]].id_number: x for x in kept}
    positions = _positions(r.answer) if positions is None else positions
    mine = tuple(r.answer.results[i] for i in sorted(i for n in numbers for i in positions.get(n, ())))
    seen = set()
    for res in mine:
        x = numbers[res.id_number]
        base = common | {"person_id": x["p"], "consent_id": x["c"]}
        if res.status != "found":
            rows.append(base | unknown | {"status": "none" if res.status == "none" else "unknown",
                                          "reason": res.error.code if res.error else None})
            continue
        for item in res.items:
            rows.append(base | {"category": item.category, "item": item.item, "ref": stored_ref(seen, x["p"], item),
                                "month": item.month or "", "unit": item.unit, "as_of": item.as_of, "status": "found",
                                "reason": None, "value_fen": None, "value_num": None, "value_text": None}
                        | _value(item.value, item.unit))
    return rows, Outcome(r.query.endpoint, answer=dataclasses.replace(r.answer, results=mine))


@dataclass(frozen=True)
class Failed:
    """A source's failure as a report reads it (its code and attempts): plain data, so that the reports can be
    built in another process."""

    endpoint: str
    code: str
    attempts: int


def _here(function: Callable, tasks: list) -> list:
    return [function(task) for task in tasks]


def build_report_of(task: tuple) -> tuple[str, dict | None, str | None]:
    """(status, report, error) of one household from its own outcomes (one per endpoint): done only when every
    source answered about every member asked and the report is complete. Plain data in and out: it may run in
    another process."""
    from jiuzhu.verification.report import ReportMeta, build_report

    spec, h, outcomes, all_answered, left_out, *shared = task
    shared = shared[0] if shared else {}  # the wave's window and office (record_wave), else worked out here
    window = shared.get("window") or _window(spec.as_of)
    meta = ReportMeta(household_no=h.household_no, area_code=h.area_code, purpose_kind=spec.purpose_kind,
                      purpose_reference=spec.purpose_ref or plan.PURPOSE_TITLES[spec.purpose_kind],
                      requested_by=spec.requested_by[:60], as_of=spec.as_of, verification_id=h.verification_id,
                      window_from=window[0], window_to=window[-1], created_at=now(),
                      requested_by_name=spec.requested_by_name, office=shared.get("office"))
    with use_language(spec.language or "zh"):
        try:
            built = build_report(meta, h.declared, outcomes, spec.as_of.strftime("%Y-%m"), consents=h.consents,
                                 left_out=left_out)
        except Exception as exc:  # noqa: BLE001 - one household's report never stops the wave: failed, said why
            return FAILED, None, t(REPORT_FAILED, household_no=h.household_no, error=type(exc).__name__)
    return (DONE if built.get("complete") and all_answered else INCOMPLETE), built, None


def _end(v: Verification, status: str, error: str | None = None) -> None:
    v.status, v.finished_at, v.error = status, now(), error
    v.lease_owner = v.lease_until = v.exclusive_key = None


def fail_pending(session: Session, job_id: int, reason: str) -> int:
    """The batch gives up (its job failed for good): every household still pending is failed with ``reason``, and
    the verifications of a wave in flight with it (their exclusive keys freed) — in the caller's transaction."""
    items = session.scalars(select(BatchItem).where(BatchItem.job_id == job_id,
                                                    BatchItem.status == "pending")).all()
    for v in session.scalars(select(Verification).where(Verification.job_id == job_id,
                                                        Verification.status == RUNNING)):
        _end(v, FAILED, reason[:2000])
    for i in items:
        i.status, i.reason = "failed", reason[:500]
    return len(items)


# ------------------------------------------------------------------------------------------------ the result

def summary(engine: Engine, job_id: int) -> dict:
    """{households, done, incomplete, blocked, failed, pending, differences}: done = complete verifications,
    incomplete = some source's items unknown; differences = households whose report lists a difference from what
    they declared."""
    with session_scope(engine, write=False) as session:
        rows = session.execute(select(BatchItem.status, Verification.status, BatchItem.differences)
                               .outerjoin(Verification, Verification.id == BatchItem.verification_id)
                               .where(BatchItem.job_id == job_id)).all()
    out = {"households": len(rows), "done": 0, "incomplete": 0, "blocked": 0, "failed": 0, "pending": 0,
           "differences": 0}
    for item, verification, differences in rows:
        if item == "done":
            out["done" if verification == DONE else "incomplete"] += 1
        else:
            out[item] += 1
        out["differences"] += 1 if differences else 0
    return out


def per_source(engine: Engine, job_id: int) -> dict[str, dict]:
    """Per endpoint, from the stored requests: answered, failed (unknown), retried (more than one attempt)."""
    with session_scope(engine, write=False) as session:
        rows = session.execute(select(BatchQuery.endpoint, BatchQuery.status, BatchQuery.attempts)
                               .where(BatchQuery.job_id == job_id)).all()
    out: dict[str, dict] = {}
    for endpoint, status, attempts in rows:
        e = out.setdefault(endpoint, {"requests": 0, "answered": 0, "failed": 0, "retried": 0})
        e["requests"] += 1
        e["answered"] += status == "answered"
        e["failed"] += status in ("failed", "skipped")
        e["retried"] += (attempts or 0) > 1
    return dict(sorted(out.items()))
