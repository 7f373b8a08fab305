"""The audit log: append an event, verify the chain, browse it.

Who saw, exported or changed whose personal data, when and why (个人信息保护法 arts. 51 and 55: measures and a
record of processing; 社会救助暂行办法 art. 64: staff who misuse applicants' information are answerable), and
every sign-in. Each row is a link of a keyed hash chain (``audit.chain``); ``verify`` walks it and names the first
row that was edited, deleted, reordered or cut off.

Appending is serialised by the one-row head: on PostgreSQL ``SELECT … FOR UPDATE``, on SQLite the write lock every
writing transaction takes first (``db.writer``). An event is written when its transaction commits (the session's
``before_commit``), not when ``append`` is called: the head is locked only for the instant of the commit, not for
a whole request or import batch, so readers of households do not queue behind each other; an event of a
transaction (or savepoint) that is rolled back is never written, like the change it records.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, insert, or_, select, update
from sqlalchemy.orm import Session, SessionTransaction

from jiuzhu import keys, paging
from jiuzhu.access import Permission, Principal
from jiuzhu.audit import chain
from jiuzhu.audit.models import AuditEntry, AuditHead
from jiuzhu.batching import Combiner
from jiuzhu.db import plan_with_values
from jiuzhu.errors import ConfigurationError
from jiuzhu.i18n import N_, t

PENDING = "jiuzhu_audit_pending"  # session.info key: events appended, not yet written
HEAD_ID = 1
KEY_PURPOSE = "audit"
# Actions that record no access to personal data (what the old access log did not hold).
CHANGE_ACTIONS = frozenset({"create", "change"})
ACCOUNT_ACTIONS = frozenset({"sign_in", "sign_in_failed", "sign_in_refused", "locked_out", "sign_out",
                             "user_add", "user_lock", "user_unlock", "password_set", "user_unbind"})


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    actor: str
    action: str
    subject: str
    area_code: str | None
    unmasked: bool
    reason: str | None
    detail: str | None


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def append(session: Session, *, actor: str, action: str, subject: str, area_code: str | None = None,
           unmasked: bool = False, reason: str | None = None, detail: dict[str, Any] | None = None) -> None:
    """Record one event; it becomes a row of the chain when the session's transaction commits (never if it
    rolls back). ``detail``: anything else worth keeping, as JSON."""
    append_many(session, [dict(actor=actor, action=action, subject=subject, area_code=area_code, unmasked=unmasked,
                               reason=reason, detail=detail)])


def append_many(session: Session, events: Iterable[dict[str, Any]]) -> None:
    """``append`` for several events at once (an import batch's households)."""
    at = now()
    owner = session.get_nested_transaction() or session.get_transaction() or session.begin()
    pending = session.info.setdefault(PENDING, [])
    for e in events:
        detail = e.get("detail")
        pending.append((owner, Event(
            at=e.get("at") or at, actor=str(e["actor"])[:60], action=str(e["action"])[:30],
            subject=str(e["subject"])[:400], area_code=e.get("area_code") or None, unmasked=bool(e.get("unmasked")),
            reason=None if e.get("reason") is None else str(e["reason"])[:200],
            detail=None if detail is None else json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str))))


def write_pending(session: Session) -> int:
    """Write the events appended in this session now (``before_commit`` does it; tests and readers of the log
    within the same transaction may call it). Returns how many were written."""
    pending = session.info.pop(PENDING, [])
    if not pending:
        return 0
    _write(session, [e for _, e in pending])
    return len(pending)


def take_pending(session: Session) -> list[Event]:
    """The events appended in this session and not yet written, taken out of it: the caller writes them with
    ``write_events`` (a read that ends its transaction first, so its connection is back in the pool while its
    events wait their turn to be written)."""
    return [e for _, e in session.info.pop(PENDING, [])]


def write_events(engine, events: list[Event]) -> None:
    """Write ``events`` now, in a transaction of their own on ``engine``, group-committed with those of other
    reads ending at the same time (``_group_writer``); returns once they are committed."""
    if events:
        _group_writer(engine)(events)


# Group commit of the events of reads (``take_pending`` then ``write_events``, as ``api.deps.db`` does): the reads
# that end while another's events are being written queue theirs, and the next of them to find the writing free
# writes every queued read's events in one transaction — the head locked once, one INSERT (``batching.Combiner``).
# Each read returns only once its own events are committed, so no read is answered without its row; a batch that
# fails is written again one read at a time, so one read's fault is not another's. Alone, a read writes its own
# at once, as before.
MAX_BATCH_EVENTS = 500  # events in one transaction: a bounded wait for the last read queued
_GROUP_WRITERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_GROUP_WRITERS_LOCK = threading.Lock()


def _group_writer(engine) -> Combiner:
    with _GROUP_WRITERS_LOCK:
        found = _GROUP_WRITERS.get(engine)
        if found is None:
            found = _GROUP_WRITERS[engine] = Combiner(_writer_of(weakref.ref(engine)), max_items=MAX_BATCH_EVENTS,
                                                      size=len)
        return found


def _writer_of(engine_ref):
    def write_together(event_lists: list[list[Event]]) -> list[None]:
        from jiuzhu.db import session_scope

        with session_scope(engine_ref()) as writer:
            _write(writer, [e for events in event_lists for e in events])
        return [None] * len(event_lists)

    return write_together


def _write(session: Session, events: list[Event]) -> None:
    key = keys.secret(KEY_PURPOSE)
    seq, prev = _locked_head(session, key)
    rows = []
    for e in events:
        seq += 1
        fields = dict(seq=seq, at=e.at, actor=e.actor, action=e.action, subject=e.subject, area_code=e.area_code,
                      unmasked=e.unmasked, reason=e.reason, detail=e.detail, prev_hash=prev)
        prev = chain.row_hash(key, **fields)
        rows.append({**fields, "hash": prev})
    session.execute(insert(AuditEntry), rows)
    session.execute(update(AuditHead).where(AuditHead.id == HEAD_ID)
                    .values(seq=seq, hash=prev, mac=chain.head_mac(key, seq, prev)))


def _locked_head(session: Session, key: bytes) -> tuple[int, str]:
    """The head's seq and hash, its row locked until the transaction ends. A new chain gets its head first
    (create-if-absent: two first appends at once both go on, the second after the first). A chain with rows and
    no head was tampered with: appending refuses (it would hide the damage) until an operator looks."""
    query = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID).with_for_update()
    head = session.execute(query).one_or_none()
    if head is None:
        values = dict(id=HEAD_ID, seq=0, hash=chain.GENESIS, mac=chain.head_mac(key, 0, chain.GENESIS))
        # Insert first: a concurrent first append's head, not yet committed, makes this wait for it and then do
        # nothing. Counting the rows before it raced: they could commit in between, head and rows together.
        created = session.execute(_insert_ignoring(session)(AuditHead).values(**values).on_conflict_do_nothing()
                                  .returning(AuditHead.id)).first() is not None
        if created and session.scalar(select(func.count()).select_from(AuditEntry)):
            raise ConfigurationError(t(HEAD_MISSING_REFUSED))  # rows and no head: this head would hide the damage
        head = session.execute(query).one()
    return head.seq, head.hash


def _insert_ignoring(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert


HEAD_MISSING_REFUSED = N_("the audit log's head record is missing, so nothing more can be logged; run "
                          "'jiuzhu audit verify' and restore the database from a backup")


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.info.get(PENDING) and session.get_nested_transaction() is None:  # the outermost commit only
        write_pending(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    """Forget the events of the transaction or savepoint rolled back (and of those inside it)."""
    pending = session.info.get(PENDING)
    if not pending:
        return
    session.info[PENDING] = [(owner, e) for owner, e in pending if not _inside(owner, previous)]


def _inside(owner: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while owner is not None:
        if owner is ended:
            return True
        owner = owner.parent
    return False


# --------------------------------------------------------------------------- verify


@dataclass(frozen=True)
class Verdict:
    """What ``verify`` found: ``ok``; ``checked`` rows read; the first broken row's ``seq`` (None if the fault is
    not one row's: a missing head) and ``problem`` (edited, deleted, reordered, truncated, head_missing,
    head_edited); ``message`` says it in the user's language."""

    ok: bool
    checked: int
    last_seq: int
    seq: int | None = None
    problem: str | None = None
    message: str = ""


PROBLEMS = {
    "edited": N_("row {seq} was changed after it was written (its contents do not match its hash)"),
    "deleted": N_("rows {first} to {last} are missing (deleted): the row after them is {seq}"),
    "reordered": N_("row {seq} is out of place: it was written as row {written}"),
    "relinked": N_("row {seq} does not follow the row before it (rows were removed or put in another order)"),
    "truncated": N_("the log ends at row {last}, but its head says it reached row {seq}: the rows after {last} "
                    "were deleted"),
    "head_missing": N_("the log has {rows} rows but its head record is missing (deleted)"),
    "head_edited": N_("the log's head record was changed (it does not match its signature or the last row)"),
    "ahead": N_("row {seq} lies beyond the head (row {head}): it was added without the log's key"),
}
VERIFIED = N_("the audit log is intact: {rows} rows checked, the chain is unbroken up to row {last}")
REORDER_WINDOW = 1000  # how far from its place a moved row is looked for


def verify(session: Session, *, batch: int = 5000) -> Verdict:
    """Walk the chain in ``seq`` order and name the first broken row (``Verdict``)."""
    key = keys.secret(KEY_PURPOSE)
    expected, prev, checked = 1, chain.GENESIS, 0
    query = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch)
    for row in session.scalars(query):
        broken = _check_row(key, row, expected, prev)
        if broken is not None:
            return _verdict(checked, expected - 1, *broken)
        checked, expected, prev = checked + 1, row.seq + 1, row.hash
        session.expunge(row)
    return _check_head(session, key, checked, expected - 1, prev)


def _check_row(key: bytes, row: AuditEntry, expected: int, prev: str) -> tuple | None:
    if row.seq > expected:
        return row.seq, "deleted", dict(first=expected, last=row.seq - 1)
    fields = _fields(row)
    if not chain.same(chain.row_hash(key, **fields), row.hash):
        written = _written_as(key, fields, row.hash)
        if written is not None:
            return row.seq, "reordered", dict(written=written)
        return row.seq, "edited", {}
    if not chain.same(row.prev_hash, prev):
        return row.seq, "relinked", {}
    return None


def _fields(row: AuditEntry) -> dict[str, Any]:
    return dict(seq=row.seq, at=row.at, actor=row.actor, action=row.action, subject=row.subject,
                area_code=row.area_code, unmasked=row.unmasked, reason=row.reason, detail=row.detail,
                prev_hash=row.prev_hash)


def _written_as(key: bytes, fields: dict[str, Any], stored: str) -> int | None:
    """The seq a row's hash was made with, if another one near its place (its contents unchanged, its seq
    swapped or shifted)."""
    seq = fields["seq"]
    for other in range(max(1, seq - REORDER_WINDOW), seq + REORDER_WINDOW + 1):
        if other != seq and chain.same(chain.row_hash(key, **{**fields, "seq": other}), stored):
            return other
    return None


def _check_head(session: Session, key: bytes, checked: int, last: int, last_hash: str) -> Verdict:
    head = session.get(AuditHead, HEAD_ID)
    if head is None:
        if checked == 0:
            return _verdict(0, 0)
        return _verdict(checked, last, None, "head_missing", dict(rows=checked))
    if not chain.same(chain.head_mac(key, head.seq, head.hash), head.mac):
        return _verdict(checked, last, None, "head_edited", {})
    if head.seq > last:
        return _verdict(checked, last, head.seq, "truncated", dict(last=last))
    if head.seq < last:
        return _verdict(checked, last, head.seq + 1, "ahead", dict(head=head.seq))
    if not chain.same(head.hash, last_hash):
        return _verdict(checked, last, None, "head_edited", {})
    return _verdict(checked, last)


def _verdict(checked: int, last: int, seq: int | None = None, problem: str | None = None,
             fields: dict | None = None) -> Verdict:
    if problem is None:
        return Verdict(ok=True, checked=checked, last_seq=last, message=t(VERIFIED, rows=checked, last=last))
    message = t(PROBLEMS[problem], seq=seq, **(fields or {}))
    return Verdict(ok=False, checked=checked, last_seq=last, seq=seq, problem=problem, message=message)


# --------------------------------------------------------------------------- browse


@dataclass(frozen=True)
class EntryView:
    seq: int
    at: dt.datetime
    actor: str
    action: str
    subject: str
    area_code: str | None
    unmasked: bool
    reason: str | None
    detail: dict | None


@dataclass(frozen=True)
class Page:
    items: list[EntryView]
    total: int
    page: int
    per_page: int


MAX_PER_PAGE = 500


def browse(session: Session, principal: Principal, *, actor: str | None = None, action: str | None = None,
           subject: str | None = None, since: dt.datetime | dt.date | None = None,
           until: dt.datetime | dt.date | None = None, page: int = 1, per_page: int = 50,
           masked: bool = True) -> Page:
    """The log's rows the principal may read (READ_AUDIT; inside its area: rows without an area are visible to
    no area-scoped role, only to the operator), newest first. ``subject``: rows whose subject contains it;
    ``since``/``until``: times (a date: from its start / to its end, UTC). ``masked``: identifiers that a
    subject, reason or detail quotes (an ID number searched for) are shown masked, as everywhere else
    (``mask_text``)."""
    principal.require(Permission.READ_AUDIT)
    paging.check_page(page, per_page, most=MAX_PER_PAGE)
    area = principal.area_clause(AuditEntry.area_code)
    plan_with_values(session)  # an area prefix and a subject's part: the plan turns on them
    # The operator (no role: the CLI's, who holds the database) reads the rows of no area too: sign-ins under
    # unknown names, exports of the whole registry.
    conditions = [or_(area, AuditEntry.area_code.is_(None)) if principal.role is None else area]
    if actor:
        conditions.append(AuditEntry.actor == actor)
    if action:
        conditions.append(AuditEntry.action == action)
    if subject:
        conditions.append(AuditEntry.subject.contains(subject, autoescape=True))
    if since is not None:
        conditions.append(AuditEntry.at >= _moment(since, end=False))
    if until is not None:  # a date: up to its end (the next day's start, excluded); a time: up to it
        conditions.append(AuditEntry.at <= _moment(until, end=True) if isinstance(until, dt.datetime)
                          else AuditEntry.at < _moment(until, end=True))
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
    rows = session.scalars(select(AuditEntry).where(*conditions).order_by(AuditEntry.seq.desc())
                           .offset(paging.first_row(page, per_page)).limit(per_page))
    return Page(items=[_view(r, masked) for r in rows], total=total, page=page, per_page=per_page)



def _moment(value: dt.datetime | dt.date, *, end: bool) -> dt.datetime:
    if isinstance(value, dt.datetime):  # a time without its zone is UTC, as stored
        return value.astimezone(dt.timezone.utc) if value.tzinfo is not None else value.replace(
            tzinfo=dt.timezone.utc)
    day = value + dt.timedelta(days=1) if end else value
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


def _view(row: AuditEntry, masked: bool) -> EntryView:
    at = row.at if row.at.tzinfo is not None else row.at.replace(tzinfo=dt.timezone.utc)
    shown = mask_text if masked else str
    detail = None if row.detail is None else json.loads(row.detail)
    if masked and detail is not None:
        detail = _masked(detail)
    return EntryView(seq=row.seq, at=at, actor=row.actor, action=row.action, subject=shown(row.subject),
                     area_code=row.area_code, unmasked=row.unmasked,
                     reason=None if row.reason is None else shown(row.reason), detail=detail)


# A resident ID number (18 characters, GB 11643; 15 for old ones), a bank card or account (16–19 digits), a mobile
# phone (11 digits beginning with 1), wherever a text quotes one: shown as the registry's outputs show them
# (registry.privacy: first 6 and last 4 of an ID, last 4 of an account, 3 and 4 of a phone).
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{5,9})([\dXx]{4})(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)(1\d{2})(\d{4})(\d{4})(?!\d)")


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def mask_text(text: str) -> str:
    """``text`` with the identifiers it quotes masked: ID numbers (and other long digit runs) keep their first 6
    and last 4 characters, mobile phones their first 3 and last 4 digits."""
    text = _ID_LIKE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
    return _PHONE.sub(lambda m: m.group(1) + "****" + m.group(3), text)


ACTION_TITLES = {
    "view": N_("viewed"), "history": N_("viewed the history"), "export": N_("exported"), "create": N_("created"),
    "change": N_("changed"), "sign_in": N_("signed in"), "sign_in_failed": N_("failed to sign in"),
    "sign_in_refused": N_("sign-in refused (locked)"), "locked_out": N_("locked out after wrong passwords"),
    "sign_out": N_("signed out"), "user_add": N_("added an account"), "user_lock": N_("locked an account"),
    "user_unlock": N_("unlocked an account"), "password_set": N_("set a password"),
    "user_unbind": N_("unbound an account from its identity at the identity provider"),
    "export_unmasked": N_("exported with identifiers in full"), "search": N_("searched"),
    "job.submit": N_("started a background job"), "outreach.record": N_("recorded a visit's outcome"),
    "workbook.download": N_("downloaded a workbook"), "worklist.read": N_("read a worklist"),
    "evaluate": N_("viewed the evaluation"),
    "consent.view": N_("viewed authorizations"), "consent.request": N_("requested an authorization"),
    "consent.give": N_("recorded an authorization as given"), "consent.refuse": N_("recorded a refusal to authorize"),
    "consent.withdraw": N_("recorded a withdrawal of an authorization"),
    "consent.expire": N_("marked an authorization expired"), "consent.renew": N_("ended an authorization by renewal"),
    "consent.invalidate": N_("invalidated an authorization"), "consent.link": N_("sent an authorization link"),
    "consent.link_open": N_("opened an authorization link"),
    "consent.link_failed": N_("failed an authorization link's identity check"),
    "consent.link_locked": N_("locked an authorization link after failed identity checks"),
    "consent.receipt_failed": N_("failed a receipt page's identity check"),
    "verification_start": N_("read a household to verify it"),
    "verification.start": N_("started a verification (核对)"),
    "verification.query": N_("asked a department about household members (核对), under their consent"),
    "verification.resume": N_("resent a verification's queries after an interruption"),
    "verification.report": N_("wrote a verification report"),
    "verification.read": N_("read a verification report"),
    "payroll.accounts_import": N_("imported payee accounts"),
    "payroll.accounts_synth": N_("made synthetic payee accounts"),
    "payroll.accounts_read": N_("read a person's payee accounts"),
    "payroll.prepare": N_("prepared a payroll"), "payroll.adjust": N_("added an adjustment line to a payroll"),
    "payroll.approve": N_("approved a payroll"), "payroll.cancel": N_("cancelled a payroll"),
    "payroll.file": N_("wrote a bank disbursement file (account and ID numbers in full)"),
    "payroll.batch_no": N_("recorded a bank's batch number"), "payroll.return": N_("imported a bank return file"),
    "payroll.reissue": N_("prepared a re-issue of failed payments"),
    "payroll.close_request": N_("asked to close a payroll's reconciliation"),
    "payroll.close": N_("closed a payroll's reconciliation"), "payroll.read": N_("read a payroll's lines"),
    "application": N_("read a household to file its application"),
    "case_propose": N_("read a household to propose a case's decision"),
    "case.view": N_("viewed a case"),
    "case.file": N_("filed an application (case opened)"),
    "case.open": N_("opened a review case"),
    "case.accept": N_("accepted a case's file as complete"),
    "case.ask_missing": N_("sent a case's notice of missing papers"),
    "case.resubmit": N_("recorded missing papers handed in"),
    "case.authorize": N_("checked a case's authorizations"),
    "case.verify": N_("linked a verification to a case"),
    "case.start_verification": N_("asked the departments about a case's household"),
    "case.visit": N_("recorded a case's home visit"),
    "case.propose": N_("proposed a case's decision"),
    "case.publish": N_("posted a case for public notice (公示)"),
    "case.object": N_("recorded an objection to a case"),
    "case.approve": N_("approved a case"),
    "case.reject": N_("rejected a case"),
    "case.enrol": N_("enrolled a case's household"),
    "case.notify": N_("sent a case's notice to the resident"),
    "case.special": N_("marked a case special (45 working days)"),
    "case.keep": N_("decided a review: continue"),
    "case.adjust": N_("decided a review: adjust"),
    "case.stop": N_("decided a review: stop"),
    "case.enact": N_("changed enrolments after a review"),
    "application_link": N_("read a household to send an application link"),
    "casework.apply_link": N_("sent an application link (申请救助 on the resident's phone)"),
    "casework.apply_link_open": N_("opened an application link"),
    "casework.apply_link_failed": N_("failed an application link's identity check"),
    "casework.apply_link_locked": N_("locked an application link after failed identity checks"),
    "casework.apply_link_used": N_("filed an application through a link (居民自助)"),
    "casework.apply_contact_read": N_("read the contact a resident gave with an application"),
    "payroll.account_set": N_("corrected a payee's account (with its reason)"),
    "payroll.export": N_("exported payroll lists to Excel"),
}


def action_title(action: str) -> str:
    """An action in the reader's words (an action of another capability, not listed here: as it is written)."""
    return t(ACTION_TITLES[action]) if action in ACTION_TITLES else action


def access_count(session: Session) -> int:
    """How many rows record an access to personal data (a view, a history, an export …: neither a change of the
    registry nor an account's event)."""
    query = select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action.not_in(sorted(CHANGE_ACTIONS | ACCOUNT_ACTIONS)))
    return session.scalar(query) or 0


def recent(session: Session, *, subject: str, actions: Iterable[str], since: dt.datetime) -> list[tuple[dt.datetime,
                                                                                                          str]]:
    """(time, action) of the rows about ``subject`` with one of ``actions`` at or after ``since``, oldest first: what
    the sign-in of a name no account has reads to refuse it exactly as it would refuse an account's."""
    rows = session.execute(select(AuditEntry.at, AuditEntry.action).where(
        AuditEntry.subject == subject, AuditEntry.action.in_(sorted(actions)), AuditEntry.at >= since)
        .order_by(AuditEntry.seq))
    return [(at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc), action) for at, action in rows]
