"""Worklists on screen: a scan's 应享未享 / 享而不应 entries for a signed-in person, and the outcome of each visit.

    list_entries(session, principal, kind="unclaimed"|"ineligible", run_id=None, area=None, programme=None,
                 outcome=None, page=1, per_page=20)                   -> Page of entries, ranked as the workbooks
    record_outcome(session, principal, entry_id, outcome=..., note=None)   -> Outcome (an audit row too)
    summary_by_township(session, principal, run_id=None)                -> [TownshipSummary]

Scope (access.py): only entries whose household lies inside the principal's area (``area_clause``), in the
queries themselves; an entry outside it is "not found". Identifiers are masked (``registry.privacy``) as in the
workbooks. The run is the latest whose area covers the principal's (else the latest that overlaps it), or the
one asked for. Entries keep the workbooks' order: township, then the rank the scan gave (programme, then the
amount, highest first).

Two numbers, for two readers: ``position`` numbers the list as it is asked for (filtered, across pages) 1, 2, 3 …
without a gap — a district's list runs on from one township to the next, so "up to 35" means one entry; ``rank`` is
the entry's 排名 in its township's workbook (per township and list: it starts again at 1 in each township, as
the paper the visitors carry does), shown beside it so that the screen and the workbook can be matched.

An outcome is kept for the entry's key (list, programme, household, person), not only for the one scan's row:
next month's scan, listing the same household again, shows what the last visit found (who, when, the note).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from jiuzhu import paging
from jiuzhu.access import Permission, Principal
from jiuzhu.audit import service as audit
from jiuzhu.discovery.lists import ENTITLED, FINDINGS, NOT_ENTITLED, list_label
from jiuzhu.discovery.models import Finding, OutreachOutcome, ScanRun
from jiuzhu.errors import JiuzhuError, NotFoundError
from jiuzhu.i18n import N_, t
from jiuzhu.registry import models as rm
from jiuzhu.registry.areas import area_name, check_code, check_within, prefix
from jiuzhu.registry.codes import Programme, Relation, parse_programme
from jiuzhu.registry.privacy import mask_id, mask_phone

KINDS = {"unclaimed": ENTITLED, "ineligible": NOT_ENTITLED}  # the API's words for the two lists
OUTCOMES = {
    "visited": N_("visited"),
    "applied": N_("applied"),
    "not_entitled_after_visit": N_("not entitled after the visit"),
    "declined": N_("declined"),
    "not_found": N_("not found at home"),
}
NOT_VISITED = "none"  # the outcome filter for entries nobody has recorded a visit of
NOTE_LENGTH = 500
MAX_PER_PAGE = 200


def outcome_label(outcome: str) -> str:
    return t(OUTCOMES[outcome])


@dataclass(frozen=True)
class Outcome:
    outcome: str
    label: str
    note: str | None
    actor: str
    at: dt.datetime
    entry_id: int | None


@dataclass(frozen=True)
class Entry:
    id: int
    run_id: int
    list: str
    list_label: str
    programme: str
    programme_label: str
    position: int  # its number in the list as asked for (filtered, ranked, across pages): 1, 2, 3 … without a gap
    rank: int  # its rank in its township's workbook (排名: per township and list, so it starts again at 1)
    township: str
    township_name: str
    area_code: str
    area_name: str
    household_no: str
    name: str | None  # the person of a person's programme; else the household's contact
    id_number: str | None  # masked
    amount_fen: int
    reason: str
    since: str
    last_review: dt.date | None
    change: str
    contact_name: str | None
    contact_relation: str | None
    contact_phone: str | None  # masked
    address: str | None
    note: str | None
    outcome: Outcome | None


@dataclass(frozen=True)
class Page:
    items: list[Entry]
    total: int
    page: int
    per_page: int
    run_id: int | None
    month: str | None


@dataclass(frozen=True)
class TownshipSummary:
    township: str
    name: str
    unclaimed: int
    unclaimed_fen: int
    ineligible: int
    ineligible_fen: int
    recorded: int  # entries with an outcome recorded


def entry_key(list_: str, programme: str, household_id: int, person_id: int | None) -> str:
    """An entry's name across scans: the same household (and person) on the same list of the same programme."""
    return f"{list_}:{programme}:{household_id}:{person_id if person_id is not None else '-'}"


def _key_sql():
    return (Finding.list + ":" + Finding.programme + ":" + cast(Finding.household_id, String) + ":"
            + func.coalesce(cast(Finding.person_id, String), "-"))


# --------------------------------------------------------------------------- which run


def _covers_run(principal: Principal, run: ScanRun) -> bool:
    """The run's area holds the principal's whole area (a run of every area holds any)."""
    if run.area_code is None:
        return True
    return any(p.startswith(prefix(run.area_code)) for p in principal.area_prefixes)


def _overlaps(principal: Principal, run: ScanRun) -> bool:
    if run.area_code is None:
        return True
    scope = prefix(run.area_code)
    return any(p.startswith(scope) or scope.startswith(p) for p in principal.area_prefixes)


def choose_run(session: Session, principal: Principal, run_id: int | None = None) -> ScanRun | None:
    """The run asked for (not found when it lies wholly outside the principal's area), or the latest that covers
    the principal's area, else the latest that overlaps it; None when no scan has been run there."""
    if run_id is not None:
        run = session.get(ScanRun, run_id)
        if run is None or not _overlaps(principal, run):
            raise NotFoundError(t("scan run {run} not found", run=run_id))
        return run
    runs = list(session.scalars(select(ScanRun).order_by(ScanRun.id.desc()).limit(200)))
    return next((r for r in runs if _covers_run(principal, r)), None) or \
        next((r for r in runs if _overlaps(principal, r)), None)


@dataclass(frozen=True)
class RunView:
    """A scan run as the principal sees it: its entries inside the principal's area only."""

    id: int
    month: str
    area_code: str | None
    area_name: str | None
    started_at: dt.datetime
    seconds: float
    actor: str
    households: int
    unclaimed: int
    ineligible: int
    workbooks: list[str]  # the townships (or communities) inside the principal's area with a workbook


def list_runs(session: Session, principal: Principal, *, limit: int = 20) -> list[RunView]:
    """The latest scan runs that overlap the principal's area, newest first, with their entries inside it."""
    principal.require(Permission.READ_WORKLISTS)
    runs = [r for r in session.scalars(select(ScanRun).order_by(ScanRun.id.desc()).limit(500))
            if _overlaps(principal, r)][:max(1, min(limit, 100))]
    if not runs:
        return []
    counts: dict[tuple[int, str], int] = {
        (run_id, kind): n for run_id, kind, n in session.execute(
            select(Finding.run_id, Finding.list, func.count(Finding.id))
            .where(Finding.run_id.in_([r.id for r in runs]), Finding.change != "resolved",
                   principal.area_clause(Finding.area_code))
            .group_by(Finding.run_id, Finding.list)).all()}
    out = []
    for r in runs:
        folder = Path(r.folder) / "workbooks"
        codes = sorted(p.name.split("-", 1)[0] for p in folder.glob("*.xlsx")) if folder.is_dir() else []
        started = r.started_at if r.started_at.tzinfo is not None else r.started_at.replace(tzinfo=dt.timezone.utc)
        out.append(RunView(id=r.id, month=r.month, area_code=r.area_code,
                           area_name=area_name(r.area_code) if r.area_code else None, started_at=started,
                           seconds=r.seconds, actor=r.actor, households=r.households,
                           unclaimed=counts.get((r.id, ENTITLED), 0), ineligible=counts.get((r.id, NOT_ENTITLED), 0),
                           workbooks=[c for c in codes if principal.covers(c)]))
    return out


# --------------------------------------------------------------------------- the lists


def list_entries(session: Session, principal: Principal, *, kind: str, run_id: int | None = None,
                 area: str | None = None, programme: str | None = None, outcome: str | None = None,
                 page: int = 1, per_page: int = 20) -> Page:
    """A page of one worklist of a run, inside the principal's area, filtered and ranked (see the module)."""
    principal.require(Permission.READ_WORKLISTS)
    list_name = _list_of(kind)
    page, per_page = paging.check_page(page, per_page, most=MAX_PER_PAGE)
    area = check_within(principal, area) if area else None  # outside the principal's area: refused, as a search
    run = choose_run(session, principal, run_id)
    if run is None:
        return Page([], 0, page, per_page, None, None)
    latest = _latest_outcomes()
    query = (select(Finding, latest.c.id).outerjoin(latest, latest.c.entry_key == _key_sql())
             .where(Finding.run_id == run.id, Finding.list == list_name, Finding.change != "resolved",
                    principal.area_clause(Finding.area_code)))
    if area:
        query = query.where(Finding.area_code.startswith(prefix(area), autoescape=True))
    if programme:
        query = query.where(Finding.programme == _programme(programme))
    if outcome:
        query = query.where(latest.c.id.is_(None) if outcome == NOT_VISITED else
                            latest.c.id.in_(select(OutreachOutcome.id).where(
                                OutreachOutcome.outcome == _outcome(outcome, field="outcome"))))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(Finding.township, Finding.rank, Finding.id)
                           .offset(paging.first_row(page, per_page)).limit(per_page)).all()
    items = _entries(session, run, [(f, oid) for f, oid in rows], first=paging.first_row(page, per_page))
    _audit(session, actor=principal.username, action="worklist.read",
           subject=f"scan_run:{run.id}:{kind}", area_code=principal.area_code,
           detail={"entries": len(items), "page": page, "area": area, "programme": programme})
    return Page(items, total, page, per_page, run.id, run.month)


def _latest_outcomes():
    """Each entry key's latest outcome (its id)."""
    return (select(OutreachOutcome.entry_key, func.max(OutreachOutcome.id).label("id"))
            .group_by(OutreachOutcome.entry_key).subquery())


def _list_of(kind: str) -> str:
    if kind in KINDS:
        return KINDS[kind]
    if kind in KINDS.values():
        return kind
    raise NotFoundError(t("no worklist '{kind}': use unclaimed (应享未享) or ineligible (享而不应)", kind=kind))


def _programme(programme: str) -> str:
    return parse_programme(programme).value


def _outcome(outcome: str, *, field: str) -> str:
    if outcome not in OUTCOMES:
        raise JiuzhuError(t("unknown outcome '{outcome}': use {outcomes}", outcome=outcome,
                            outcomes=", ".join(OUTCOMES)), field=field)
    return outcome


def _entries(session: Session, run: ScanRun, rows: list[tuple[Finding, int | None]], *, first: int) -> list[Entry]:
    """The entries of ``rows`` (a page of a list, after ``first`` entries), each with who to see and its outcome."""
    if not rows:
        return []
    findings = [f for f, _ in rows]
    people = dict(session.execute(select(rm.Person.id, rm.Person).where(
        rm.Person.id.in_({f.person_id for f in findings if f.person_id is not None}))).all())
    homes = dict(session.execute(select(rm.Household.id, rm.Household).where(
        rm.Household.id.in_({f.household_id for f in findings}))).all())
    codes = {f.township for f in findings} | {f.area_code for f in findings}
    names = dict(session.execute(select(rm.Area.code, rm.Area.name).where(rm.Area.code.in_(codes))).all())
    outcomes = {o.id: o for o in session.scalars(select(OutreachOutcome).where(
        OutreachOutcome.id.in_({oid for _, oid in rows if oid is not None})))}
    contacts = _contacts(run, {f.household_id for f in findings})
    out = []
    for position, (f, oid) in enumerate(rows, start=first + 1):
        person = people.get(f.person_id)
        home = homes.get(f.household_id)
        contact = contacts.get((f.list, f.programme, f.household_id, f.person_id), {})
        name = person.name if person is not None else contact.get("contact_name")
        out.append(Entry(
            id=f.id, run_id=f.run_id, list=f.list, list_label=list_label(f.list), programme=f.programme,
            programme_label=Programme(f.programme).words(), position=position, rank=f.rank, township=f.township,
            township_name=area_name(f.township, names), area_code=f.area_code,
            area_name=area_name(f.area_code, names), household_no=home.household_no if home else "",
            name=name, id_number=mask_id(person.id_number) if person is not None and person.id_number else None,
            amount_fen=f.amount_fen, reason=f.reason, since=f.since, last_review=f.last_review, change=f.change,
            contact_name=contact.get("contact_name"), contact_relation=_relation(contact.get("contact_relation")),
            contact_phone=mask_phone(contact["contact_phone"]) if contact.get("contact_phone") else None,
            address=(home.address if home else None) or contact.get("address"), note=contact.get("note"),
            outcome=_outcome_view(outcomes.get(oid)) if oid is not None else None))
    return out


def _contacts(run: ScanRun, households: set[int]) -> dict[tuple, dict]:
    """Who to see, from the scan's own lists (its folder): the contact, the phone, the note (户主已故 …)."""
    path = Path(run.folder) / FINDINGS
    if not path.is_file():
        return {}
    columns = ["list", "programme", "household_id", "person_id", "contact_name", "contact_relation",
               "contact_phone", "address", "note"]
    try:
        table = pq.read_table(path, columns=columns, filters=[("household_id", "in", sorted(households))])
    except (OSError, ValueError, KeyError):  # a scan of before the contacts were listed: none to show
        return {}
    return {(r["list"], r["programme"], r["household_id"], r["person_id"]): r for r in table.to_pylist()}


def _relation(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return Relation(code).words()
    except ValueError:
        return code


def _outcome_view(o: OutreachOutcome | None) -> Outcome | None:
    if o is None:
        return None
    at = o.at if o.at.tzinfo is not None else o.at.replace(tzinfo=dt.timezone.utc)
    return Outcome(outcome=o.outcome, label=outcome_label(o.outcome), note=o.note, actor=o.actor, at=at,
                   entry_id=o.finding_id)


# --------------------------------------------------------------------------- outcomes


def record_outcome(session: Session, principal: Principal, entry_id: int, *, outcome: str,
                   note: str | None = None) -> Outcome:
    """Record what a visit to the entry found, by the principal, now; the entry must lie inside the principal's
    area (else "not found"). Every outcome is kept, and is an audit row."""
    principal.require(Permission.RECORD_OUTREACH)
    _outcome(outcome, field="outcome")
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_LENGTH:
        raise JiuzhuError(t("the note is {length} characters long: at most {limit}", length=len(note),
                            limit=NOTE_LENGTH), field="note")
    finding = session.get(Finding, entry_id)
    if finding is None or finding.change == "resolved" or not principal.covers(finding.area_code):
        raise NotFoundError(t("worklist entry {entry} not found", entry=entry_id))
    row = OutreachOutcome(finding_id=finding.id, outcome=outcome, note=note, actor=principal.username,
                          at=dt.datetime.now(dt.timezone.utc), area_code=finding.area_code,
                          entry_key=entry_key(finding.list, finding.programme, finding.household_id,
                                              finding.person_id))
    session.add(row)
    session.flush()
    household_no = session.scalar(select(rm.Household.household_no).where(rm.Household.id == finding.household_id))
    _audit(session, actor=principal.username, action="outreach.record", subject=household_no or f"entry:{entry_id}",
           area_code=finding.area_code, detail={"entry": entry_id, "list": finding.list,
                                                "programme": finding.programme, "outcome": outcome})
    return _outcome_view(row)


def outcomes_of(session: Session, principal: Principal, entry_id: int) -> list[Outcome]:
    """Every outcome recorded for the entry's key, newest first (not found outside the area)."""
    principal.require(Permission.READ_WORKLISTS)
    finding = session.get(Finding, entry_id)
    if finding is None or not principal.covers(finding.area_code):
        raise NotFoundError(t("worklist entry {entry} not found", entry=entry_id))
    key = entry_key(finding.list, finding.programme, finding.household_id, finding.person_id)
    return [_outcome_view(o) for o in session.scalars(
        select(OutreachOutcome).where(OutreachOutcome.entry_key == key).order_by(OutreachOutcome.id.desc()))]


# --------------------------------------------------------------------------- per township


def summary_by_township(session: Session, principal: Principal, run_id: int | None = None) -> list[TownshipSummary]:
    """Per township inside the principal's area: the entries of each list, their monthly amounts, and how many
    have an outcome recorded."""
    principal.require(Permission.READ_WORKLISTS)
    run = choose_run(session, principal, run_id)
    if run is None:
        return []
    latest = _latest_outcomes()
    rows = session.execute(
        select(Finding.township, Finding.list, func.count(Finding.id), func.sum(Finding.amount_fen),
               func.count(latest.c.id))
        .outerjoin(latest, latest.c.entry_key == _key_sql())
        .where(Finding.run_id == run.id, Finding.change != "resolved", principal.area_clause(Finding.area_code))
        .group_by(Finding.township, Finding.list)).all()
    names = dict(session.execute(select(rm.Area.code, rm.Area.name).where(
        rm.Area.code.in_({r[0] for r in rows}))).all())
    out: dict[str, dict] = {}
    for township, list_name, count, fen, recorded in rows:
        entry = out.setdefault(township, {"unclaimed": 0, "unclaimed_fen": 0, "ineligible": 0, "ineligible_fen": 0,
                                          "recorded": 0})
        kind = "unclaimed" if list_name == ENTITLED else "ineligible"
        entry[kind] += int(count)
        entry[f"{kind}_fen"] += int(fen or 0)
        entry["recorded"] += int(recorded)
    return [TownshipSummary(township=code, name=area_name(code, names), **v) for code, v in sorted(out.items())]


def workbook_townships(session: Session, principal: Principal, run_id: int | None) -> set[str]:
    """The townships inside the principal's area whose outreach workbook run ``run_id`` wrote (a scan run from the
    command line without ``--workbooks`` wrote none): the pages offer a download only for these."""
    principal.require(Permission.READ_WORKLISTS)
    run = choose_run(session, principal, run_id)
    folder = Path(run.folder) / "workbooks" if run is not None and run.folder else None
    if folder is None or not folder.is_dir():
        return set()
    return {p.name.split("-")[0] for p in folder.glob("*.xlsx") if principal.covers(p.name.split("-")[0])}


def workbook_path(session: Session, principal: Principal, run_id: int, township: str) -> Path:
    """The outreach workbook of ``township`` written by run ``run_id``; not found outside the principal's area or
    when the scan wrote none for it. Downloading it is an export of personal data: an audit row."""
    principal.require(Permission.READ_WORKLISTS)
    run = choose_run(session, principal, run_id)
    code = check_code(township, field="township")
    if not principal.covers(code):
        raise NotFoundError(t("no workbook of {area} in scan run {run}", area=township, run=run_id))
    folder = Path(run.folder) / "workbooks"
    found = sorted(folder.glob(f"{code}-*.xlsx")) if folder.is_dir() else []
    if not found:
        raise NotFoundError(t("no workbook of {area} in scan run {run}", area=township, run=run_id))
    _audit(session, actor=principal.username, action="workbook.download", subject=found[0].name, area_code=code,
           detail={"run": run_id})
    return found[0]


def _audit(session: Session, **row) -> None:
    """One row of the audit chain (个人信息保护法: every access to personal data, every change)."""
    audit.append(session, **row)


__all__ = ["KINDS", "NOT_VISITED", "OUTCOMES", "Entry", "Outcome", "Page", "RunView", "TownshipSummary",
           "entry_key", "list_entries", "list_runs", "outcome_label", "outcomes_of", "record_outcome",
           "summary_by_township", "workbook_path"]
