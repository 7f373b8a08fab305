"""Registry services: store and read households, keep the change log and record accesses and changes in the
audit log (``jiuzhu.audit``).

Every function takes the session and flushes; the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import threading
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from jiuzhu.audit import service as audit
from jiuzhu.batching import Combiner
from jiuzhu.db import reads_only, session_scope
from jiuzhu.errors import JiuzhuError, NotFoundError, RecordError, RecordErrors
from jiuzhu.i18n import language, month_text, t, use_language
from jiuzhu.messages import reason
from jiuzhu.registry import areas, convert, privacy
from jiuzhu.registry import models as m
from jiuzhu.registry import schemas as s
from jiuzhu.registry.areas import OFFICIAL_SOURCE, lineage
from jiuzhu.registry.codes import COUNTED_INCOME, Labelled
from jiuzhu.registry.diff import LIST_KEYS, diff_documents

PERSON_FACTS = {
    "incomes": m.Income,
    "financial_assets": m.FinancialAsset,
    "vehicles": m.Vehicle,
    "real_estate": m.RealEstate,
    "businesses": m.Business,
    "supporters": m.Supporter,
}


def parse_household(data: Any, *, record: str) -> s.Household:
    """Validate one household document; every problem is reported with its field (path and Chinese name)."""
    try:
        with s.one_today():
            return s.Household.model_validate(data)
    except ValidationError as exc:
        raise RecordErrors([RecordError(record, field_label(e["loc"]), reason(e)) for e in exc.errors()]) from None


def valid_household_json(text: str | bytes) -> s.Household | None:
    """The household of a JSON text if it is valid, else None (``parse_household`` then says why): validating
    straight from JSON is the faster way, for imports of many households."""
    try:
        with s.one_today():
            return s.Household.model_validate_json(text)
    except ValidationError:
        return None


def field_label(loc: tuple) -> str:
    """``家庭成员第2项·收入第1项·工资性收入（members[1].incomes[0].wages）``: the Chinese names first, then the
    path (in English: the path alone; the names are Chinese)."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    if not path:
        return t("(document)")
    title = s.field_title(tuple(loc))
    return f"{title}（{path}）" if title and language() == "zh" else path


# A change-log path (``diff.flatten``): names and bracketed tags; a keyed list's tag is its key (an ID number, a
# month), another list's its place.
_PATH_PART = re.compile(r"\[([^\]]*)\]|([^.\[\]]+)")


def path_loc(path: str) -> tuple:
    """``members[5121…0037].incomes[2025-08].wages`` → ``("members", ListKey("5121…0037"), "incomes", …)``."""
    loc: list = []
    for tag, name in _PATH_PART.findall(path):
        if name:
            loc.append(name)
        elif loc and isinstance(loc[-1], str) and loc[-1] in LIST_KEYS:
            loc.append(s.ListKey(tag))
        else:
            loc.append(int(tag) if tag.isdigit() else s.ListKey(tag))
    return tuple(loc)


def path_words(path: str) -> str:
    """A change-log path as a reader of the current language reads it: in Chinese the fields' names
    (``家庭成员 512126********0037·收入 2025-08·工资性收入``), else (or when the path leaves the schema) the path."""
    title = s.field_title(path_loc(path)) if language() == "zh" and not path.startswith("(") else ""
    return title or path


def path_vocabulary(path: str) -> type[Labelled] | None:
    """The vocabulary (``codes.Labelled``) of the values at a change-log path, if they are codes of one."""
    annotation = s.field_annotation(path_loc(path))
    for arg in (annotation, *getattr(annotation, "__args__", ())):
        if isinstance(arg, type) and issubclass(arg, Labelled):
            return arg
    return None


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def ensure_area(session: Session, code: str) -> None:
    """Create the area row (and its parents) for an official code if missing.

    Create-if-absent (``ON CONFLICT DO NOTHING``): two imports that meet a new area at the same moment both
    go on (on PostgreSQL the second waits for the first's row, then finds it there)."""
    if session.get(m.Area, code) is not None:
        return
    rows = [dict(code=a.code, level=a.level, parent_code=a.parent_code, name=a.name, source=OFFICIAL_SOURCE)
            for a in lineage(code)]
    if len(code) > 9:  # a village or community below an official township
        rows.append(dict(code=code, level=5, parent_code=code[:9], name=code,
                         source="synthetic" if "S" in code else "operator"))
    insert_ignoring = _dialect_insert(session)
    for row in rows:  # parents first: each refers to the one before
        session.execute(insert_ignoring(m.Area.__table__).values(**row).on_conflict_do_nothing())


def _dialect_insert(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def put_household(session: Session, doc: s.Household, *, actor: str, reason: str) -> m.Household:
    """Create or replace a household from its document, logging every changed value.

    A document equal to the stored household changes nothing and logs nothing (a repeated import is cheap)."""
    return _put(session, doc, actor=actor, reason=reason)[0]


def _put(session: Session, doc: s.Household, *, actor: str, reason: str,
         old: s.Household | None = None) -> tuple[m.Household, bool]:
    """``put_household``, saying whether anything changed; ``old``: the stored document if already read."""
    record = t("household {household_no}", household_no=doc.household_no)
    hh = session.scalars(select(m.Household).where(m.Household.household_no == doc.household_no)).one_or_none()
    if hh is not None and old is None:
        old = household_doc(session, hh)
    if old is not None and _same(old, doc):
        return hh, False
    _refuse_members_elsewhere(session, doc, hh, record)
    ensure_area(session, doc.area_code)
    if hh is None:
        hh = m.Household(household_no=doc.household_no)
        session.add(hh)
    hh.area_code, hh.address, hh.urban, hh.declared_on = doc.area_code, doc.address, doc.urban, doc.declared_on
    session.flush()
    _replace_contents(session, hh, doc)
    _log_changes(session, doc.household_no, old, doc, actor=actor, reason=reason)
    return hh, True


def _same(old: s.Household, new: s.Household) -> bool:
    """The stored document and a new one hold the same values (the models' own equality first: cheaper)."""
    return old == new or old.model_dump(mode="json") == new.model_dump(mode="json")


def _refuse_members_elsewhere(session: Session, doc: s.Household, hh: m.Household | None, record: str) -> None:
    ids = [mem.id_number for mem in doc.members]
    rows = session.execute(
        select(m.Person.id_number, m.Household.household_no)
        .join(m.Member, m.Member.person_id == m.Person.id)
        .join(m.Household, m.Household.id == m.Member.household_id)
        .where(m.Person.id_number.in_(ids))
    ).all()
    elsewhere = {id_number: other for id_number, other in rows if hh is None or other != hh.household_no}
    for i, id_number in enumerate(ids):
        if id_number in elsewhere:
            raise RecordError(record, field_label(("members", i, "id_number")),
                              t("already a member of household {other}; move the person out of it first",
                                other=elsewhere[id_number]))


def _replace_contents(session: Session, hh: m.Household, doc: s.Household) -> None:
    old_person_ids = list(session.scalars(select(m.Member.person_id).where(m.Member.household_id == hh.id)))
    session.execute(delete(m.Member).where(m.Member.household_id == hh.id))
    session.execute(delete(m.RigidSpending).where(m.RigidSpending.household_id == hh.id))
    session.execute(delete(m.Emergency).where(m.Emergency.household_id == hh.id))
    session.execute(delete(m.Enrolment).where(m.Enrolment.household_id == hh.id))
    for table in PERSON_FACTS.values():
        session.execute(delete(table).where(table.person_id.in_(old_person_ids)))
    person_ids: dict[str, int] = {}
    for position, mem in enumerate(doc.members):
        person = session.scalars(select(m.Person).where(m.Person.id_number == mem.id_number)).one_or_none()
        if person is None:
            person = m.Person()
            session.add(person)
        for key, value in convert.person_fields(mem).items():
            setattr(person, key, value)
        session.flush()
        person_ids[mem.id_number] = person.id
        session.add(m.Member(person_id=person.id, household_id=hh.id, position=position,
                             relation=mem.relation.value, counted=mem.counted,
                             exclusion_reason=mem.exclusion_reason and mem.exclusion_reason.value))
        session.add_all(convert.person_children(mem, person.id))
    session.add_all(convert.household_children(doc, hh.id, person_ids))
    # People who left the household keep their person row (history) but no membership.
    session.flush()
    session.expire(hh, ["members"])


def _log_changes(session: Session, household_no: str, old: s.Household | None, new: s.Household,
                 *, actor: str, reason: str) -> None:
    """The change log's rows (every value, old and new: ``history``) and one audit-log row for the household
    (who changed it, in which area, how many values: the chain makes the record tamper-evident)."""
    at = now()
    if old is None:
        session.add(m.Change(**_created(household_no, new, at=at, actor=actor, reason=reason)))
        audit.append_many(session, [_created_event(new, actor=actor, reason=reason)])
        return
    changes = diff_documents(old.model_dump(mode="json"), new.model_dump(mode="json"))
    for path, before, after in changes:
        session.add(m.Change(at=at, actor=actor, reason=reason, household_no=household_no, path=path,
                             old_value=json.dumps(before, ensure_ascii=False),
                             new_value=json.dumps(after, ensure_ascii=False)))
    detail: dict = {"values": len(changes)}
    if old.area_code != new.area_code:  # moved: the area it left sees the move too (detail), the new one the row
        detail["from_area"] = old.area_code
    audit.append(session, actor=actor, action="change", subject=household_no, area_code=new.area_code,
                 reason=reason, detail=detail)


def _created(household_no: str, doc: s.Household, *, at: dt.datetime, actor: str, reason: str) -> dict:
    """The change-log row of a new household."""
    return dict(at=at, actor=actor, reason=reason, household_no=household_no, path="(created)",
                old_value=None, new_value=json.dumps({"members": len(doc.members)}))


def _created_event(doc: s.Household, *, actor: str, reason: str) -> dict:
    """The audit-log event of a new household."""
    return dict(actor=actor, action="create", subject=doc.household_no, area_code=doc.area_code, reason=reason,
                detail={"members": len(doc.members)})


# --------------------------------------------------------------------------- many households at once


# The database refused a record (a constraint, a value it cannot hold, a clash with another writer's row): that
# household is rejected, the others go on. Other errors (a full disk, a lock held too long, a lost connection)
# stop the whole batch: they are not the record's fault, and the transaction may be gone.
REFUSED = (IntegrityError, DataError)


@dataclass
class Stored:
    """What storing a batch did: households created or changed, found unchanged, refused (with why)."""

    stored: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[RecordError] = field(default_factory=list)


def put_households(session: Session, items: list[tuple[str, s.Household]], *, actor: str, reason: str) -> Stored:
    """Store many households (``(record label, document)`` pairs), each wholly or not at all.

    The same outcome as ``put_household`` for each in turn, savepoint by savepoint, but cheaper: households
    equal to the stored ones are not written; new households of new people are written together, table by
    table (if that fails in the database, they are stored one by one, so that only the culprit is refused);
    the rest (changed households, people who were in a household before) one by one."""
    out = Stored()
    numbers = {doc.household_no for _, doc in items}
    stored_docs = _stored_documents(session, numbers)
    new: list[int] = []  # positions in ``items``
    one_by_one: dict[int, s.Household | None] = {}  # position → the stored document, if already read
    seen_numbers: set[str] = set()
    seen_people: set[str] = set()
    for i, (_, doc) in enumerate(items):
        ids = {mem.id_number for mem in doc.members}
        first = doc.household_no not in seen_numbers
        old = stored_docs.get(doc.household_no) if first else None
        if old is not None and _same(old, doc):
            out.unchanged.append(doc.household_no)
        elif first and old is None and not ids & seen_people:
            new.append(i)
        else:
            one_by_one[i] = old
        seen_numbers.add(doc.household_no)
        seen_people |= ids
    known = _known_people(session, [mem.id_number for i in new for mem in items[i][1].members])
    fresh = [i for i in new if not any(mem.id_number in known for mem in items[i][1].members)]
    one_by_one.update({i: None for i in set(new) - set(fresh)})
    if fresh:
        try:
            with session.begin_nested():
                _insert_new(session, [items[i][1] for i in fresh], actor=actor, reason=reason)
            out.stored += [items[i][1].household_no for i in fresh]
        except (*REFUSED, JiuzhuError):  # find the culprit: one by one
            one_by_one.update({i: None for i in fresh})
    for i in sorted(one_by_one):  # in the order of the file: a later line may depend on an earlier one
        record, doc = items[i]
        old = one_by_one[i]
        try:
            with session.begin_nested():
                changed = _put(session, doc, actor=actor, reason=reason, old=old)[1]
        except RecordErrors as exc:
            out.rejected += [RecordError(record, e.field, e.reason) for e in exc.errors]
        except RecordError as exc:
            out.rejected.append(RecordError(record, exc.field, exc.reason))
        except JiuzhuError as exc:
            out.rejected.append(RecordError(record, t("(household)"), exc.message))
        except REFUSED as exc:
            detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            out.rejected.append(RecordError(record, t("(household)"),
                                            t("the database refused it: {detail}", detail=detail)))
        else:
            (out.stored if changed else out.unchanged).append(doc.household_no)
    return out


def _stored_documents(session: Session, numbers: set[str]) -> dict[str, s.Household]:
    found: list[m.Household] = []
    for part in _chunks(sorted(numbers)):
        found += session.scalars(select(m.Household).where(m.Household.household_no.in_(part)))
    return {d.household_no: d for d in households_docs(session, found)} if found else {}


def _known_people(session: Session, id_numbers: list[str]) -> set[str]:
    known: set[str] = set()
    for part in _chunks(id_numbers):
        known.update(session.scalars(select(m.Person.id_number).where(m.Person.id_number.in_(part))))
    return known


def _chunks(values: list, size: int = 500) -> list[list]:
    return [values[i:i + size] for i in range(0, len(values), size)]


def _insert_new(session: Session, docs: list[s.Household], *, actor: str, reason: str) -> None:
    """New households whose members are all new people: rows inserted table by table (executemany)."""
    for code in sorted({doc.area_code for doc in docs}):
        ensure_area(session, code)
    _insert_many(session, m.Household.__table__, [
        dict(household_no=d.household_no, area_code=d.area_code, address=d.address, urban=d.urban,
             declared_on=d.declared_on) for d in docs])
    members = [mem for d in docs for mem in d.members]
    _insert_many(session, m.Person.__table__, [convert.person_fields(mem) for mem in members])
    hh_ids = _ids(session, m.Household.household_no, [d.household_no for d in docs])
    person_ids = _ids(session, m.Person.id_number, [mem.id_number for mem in members])
    rows: dict[type[m.Base], list[dict]] = defaultdict(list)
    at = now()
    for doc in docs:
        hh_id = hh_ids[doc.household_no]
        for position, mem in enumerate(doc.members):
            pid = person_ids[mem.id_number]
            rows[m.Member].append(dict(person_id=pid, household_id=hh_id, position=position,
                                       relation=mem.relation.value, counted=mem.counted,
                                       exclusion_reason=mem.exclusion_reason and mem.exclusion_reason.value))
            for table, facts in convert.person_fact_rows(mem).items():
                rows[table] += [{"person_id": pid, **f} for f in facts]
        for table, facts in convert.household_fact_rows(doc, person_ids).items():
            rows[table] += [{"household_id": hh_id, **f} for f in facts]
        rows[m.Change].append(_created(doc.household_no, doc, at=at, actor=actor, reason=reason))
    for table, values in rows.items():
        if values:
            _insert_many(session, table.__table__, values)
    audit.append_many(session, [_created_event(doc, actor=actor, reason=reason) for doc in docs])


def _ids(session: Session, key, values: list[str]) -> dict[str, int]:
    """Row ids by a unique key (household number, ID number), for the rows just inserted."""
    ids: dict[str, int] = {}
    id_column = key.class_.id
    for part in _chunks(values):
        ids.update(session.execute(select(key, id_column).where(key.in_(part))).all())
    return ids


def _insert_many(session: Session, table, rows: list[dict]) -> None:
    """``INSERT`` of many rows of the same columns through the driver's executemany: the values go through
    each column type's own conversion (as SQLAlchemy would do), without compiling a statement per call (that
    was most of an import's time)."""
    conn = session.connection()
    dialect = conn.dialect
    names = list(rows[0])
    processors = [(i, f) for i, n in enumerate(names)
                  if (f := table.c[n].type.dialect_impl(dialect).bind_processor(dialect)) is not None]
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
           f"VALUES ({', '.join([mark] * len(names))})")
    values = [list(row.values()) for row in rows]
    for i, process in processors:
        for row in values:
            if row[i] is not None:
                row[i] = process(row[i])
    conn.exec_driver_sql(sql, [tuple(row) for row in values])


def get_household(session: Session, household_no: str) -> m.Household:
    hh = session.scalars(select(m.Household).where(m.Household.household_no == household_no)).one_or_none()
    if hh is None:
        raise NotFoundError(t("household {household_no} is not in the registry", household_no=household_no))
    return hh


def household_doc(session: Session, hh: m.Household) -> s.Household:
    """The interchange document of a stored household."""
    return households_docs(session, [hh])[0]


def households_docs(session: Session, households: list[m.Household]) -> list[s.Household]:
    """Documents for several households, reading each table once.

    Rows are read as plain rows (Core), not ORM objects: building an object per income month was most of
    the time of reading many households (an import comparing, an export, the ledger)."""
    hh_ids = [h.id for h in households]
    read = _reading_statements()
    connection = session.connection()  # Core on the session's connection: see _reading_statements
    members = connection.execute(read["members"], {"ids": hh_ids}).all()
    pids = [row.id for row in members]
    facts: dict[int, dict[str, list]] = defaultdict(lambda: {k: [] for k in PERSON_FACTS})
    for key in PERSON_FACTS:
        for part in _chunks(pids, 5000):
            for row in connection.execute(read[key], {"ids": part}):
                facts[row.person_id][key].append(convert.income_doc(row) if key == "incomes" else row)
    by_hh: dict[int, list] = defaultdict(list)
    id_of: dict[int, str] = {}
    for row in members:  # the person's columns and the membership's, in one row
        by_hh[row.household_id].append(convert.member_doc(row, row, facts[row.id]))
        id_of[row.id] = row.id_number
    rigid = _by_household(session, m.RigidSpending, hh_ids)
    emergencies = _by_household(session, m.Emergency, hh_ids)
    enrol = _by_household(session, m.Enrolment, hh_ids)
    return [
        convert.build(
            s.Household,
            household_no=h.household_no, area_code=h.area_code, address=h.address, urban=h.urban,
            declared_on=h.declared_on,
            members=by_hh[h.id],
            rigid_spending=[convert.build(s.RigidSpending, month=r.month, category=s.RigidCategory(r.category),
                                          amount=convert._yuan(r.amount_fen), id_number=id_of.get(r.person_id))
                            for r in rigid[h.id]],
            emergencies=[convert.emergency_doc(e) for e in emergencies[h.id]],
            enrolments=[convert.build(s.Enrolment, programme=s.Programme(e.programme), id_number=id_of.get(e.person_id),
                                      monthly_amount=convert._yuan(e.monthly_amount_fen), start_date=e.start_date,
                                      end_date=e.end_date, last_review=e.last_review, taper_from=e.taper_from)
                        for e in enrol[h.id]],
        )
        for h in households
    ]


# The web application's household pages, asked for while another is being read, are read together: one query per
# table for all of them (``households_docs``, the import's and the export's batch path) instead of one per table
# each (``batching.Combiner``). Under load most pages share their reading; alone, a page is read at once. Only a
# session that reads only takes part (a change of its own, not yet committed, would be invisible to another's),
# and the batch is read in the session of the thread that reads it (no second connection while it waits).
_READER = threading.local()


def _doc_for_reader(session: Session, hh: m.Household) -> s.Household:
    if not reads_only(session):
        return household_doc(session, hh)
    _READER.session = session
    try:
        return _DOCS_TOGETHER((session.get_bind(), hh))
    finally:
        _READER.session = None


def _docs_together(items: list[tuple[Any, m.Household]]) -> list[s.Household]:
    mine: Session = _READER.session  # this thread's reader: the one running the batch
    out: list[s.Household | None] = [None] * len(items)
    by_bind: dict[Any, list[int]] = defaultdict(list)
    for i, (bind, _) in enumerate(items):
        by_bind[bind].append(i)
    for bind, positions in by_bind.items():
        households = [items[i][1] for i in positions]
        if bind is mine.get_bind():
            docs = households_docs(mine, households)
        else:  # another database's readers (tests running several applications): their own transaction
            with session_scope(bind, write=False) as other:
                docs = households_docs(other, households)
        for i, doc in zip(positions, docs, strict=True):
            out[i] = doc
    return out


_DOCS_TOGETHER: Combiner[tuple[Any, m.Household], s.Household] = Combiner(_docs_together, max_items=50)


def _by_household(session: Session, model, hh_ids: list[int]) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for row in session.connection().execute(_reading_statements()[model.__tablename__], {"ids": hh_ids}):
        out[row.household_id].append(row)
    return out


@functools.cache
def _reading_statements() -> dict[str, Any]:
    """The statements ``households_docs`` runs, built once, their ids an expanding parameter (``ids``), run on the
    session's connection (Core). A household page runs ten of them: building each statement anew and running it
    through the ORM's session cost about 280 µs of CPU a statement, this about 120 µs (measured on PostgreSQL)."""
    ids = bindparam("ids", expanding=True)
    member, person = m.Member.__table__, m.Person.__table__
    out: dict[str, Any] = {"members": select(member, person).join(person, person.c.id == member.c.person_id)
                           .where(member.c.household_id.in_(ids)).order_by(member.c.household_id, member.c.position)}
    for key, model in PERSON_FACTS.items():
        table = model.__table__
        out[key] = select(table).where(table.c.person_id.in_(ids)).order_by(
            table.c.month if key == "incomes" else table.c.id)
    for model in (m.RigidSpending, m.Emergency, m.Enrolment):
        table = model.__table__
        out[model.__tablename__] = select(table).where(table.c.household_id.in_(ids)).order_by(table.c.id)
    return out


def history(session: Session, household_no: str) -> list[m.Change]:
    return list(session.scalars(select(m.Change).where(m.Change.household_no == household_no).order_by(m.Change.id)))


# --------------------------------------------------------------------------- reading for a person

# 个人信息保护法 arts. 6 and 51: show no more personal data than the purpose needs, and keep a record of
# who saw it. Every face reads households for people through these two functions, so every present and
# future face shows identifiers masked unless a person asks otherwise, and the access log says truly
# what was shown.


def read_household(session: Session, household_no: str, *, actor: str, unmask: bool = False,
                   purpose: str = "view", reason: str | None = None, household: m.Household | None = None) -> dict:
    """The household's interchange document (JSON values) as a person may see it: every identifier masked
    (``privacy.IDENTIFIER_PATHS``: ID numbers of members and supporters, certificate numbers, accounts,
    plates, phones, the ID numbers that rigid spending and enrolments refer to) unless ``unmask``.

    One audit-log row: ``actor``, action = ``purpose`` (view, visit, review …), subject = the household, its
    area, whether the identifiers were shown unmasked and why (``reason``: what the person gave for unmasking).
    ``household``: its row, when the caller has read it already (``search.read_household_for`` has)."""
    hh = household if household is not None else get_household(session, household_no)
    doc = _doc_for_reader(session, hh).model_dump(mode="json")
    log_access(session, actor=actor, action=purpose or "view", subject=household_no, unmasked=unmask,
               area_code=doc["area_code"], reason=reason)
    return doc if unmask else privacy.mask_document(doc)


def read_history(session: Session, household_no: str, *, actor: str, unmask: bool = False,
                 reason: str | None = None) -> list[dict]:
    """Every recorded change of a household, oldest first, as JSON values:
    ``{"at": ISO 8601 time, "actor", "reason", "path", "old", "new"}`` (old/new: the values, None when absent).

    Unless ``unmask``, the ID numbers that key a path (``members[512126********0037].name``) and every
    identifier among the values are masked. One audit-log row (action "history")."""
    hh = get_household(session, household_no)
    out = []
    for change in history(session, household_no):
        old = None if change.old_value is None else json.loads(change.old_value)
        new = None if change.new_value is None else json.loads(change.new_value)
        path = change.path
        if not unmask:
            old, new = privacy.mask_path_value(path, old), privacy.mask_path_value(path, new)
            path = privacy.mask_path(path)
        out.append({"at": _utc(change.at).isoformat(timespec="seconds"), "actor": change.actor,
                    "reason": change.reason, "path": path, "old": old, "new": new})
    log_access(session, actor=actor, action="history", subject=household_no, unmasked=unmask,
               area_code=hh.area_code, reason=reason)
    return out


def counted_income(month: dict) -> Decimal:
    """What an income month of a household document (``read_household``'s) counts as household income: the sum
    of its counted categories recorded (``codes.COUNTED_INCOME``; the others are recorded, not counted)."""
    return sum((Decimal(month[c]) for c in COUNTED_INCOME if month.get(c) is not None), Decimal("0.00"))


@dataclass(frozen=True)
class LatestIncome:
    """A member's latest month of income as the rules count it: ``counted`` None is unknown; ``declared`` says
    the month has no entry and counts as zero because the household declared its situation after it."""

    month: str | None
    counted: Decimal | None
    declared: bool = False


def latest_incomes(doc: dict) -> list[LatestIncome]:
    """For each member of a household document (``read_household``'s), the latest month whose income the rules
    know, and what it counts as. docs/registry.md, ``declared_on``: with a declaration, a month before the
    declaration's month that has no entry counts as zero (the rules' inputs, ``rules/inputs/documents.py``);
    without one, a month with no entry is unknown, never zero."""
    declared = dt.date.fromisoformat(doc["declared_on"]) if doc.get("declared_on") else None
    covered = None if declared is None else f"{(declared.replace(day=1) - dt.timedelta(days=1)):%Y-%m}"
    out = []
    for member in doc.get("members", []):
        last = member["incomes"][-1] if member.get("incomes") else None
        if covered is not None and (last is None or last["month"] < covered):
            out.append(LatestIncome(covered, Decimal("0.00"), declared=True))
        elif last is not None:
            out.append(LatestIncome(last["month"], counted_income(last)))
        else:
            out.append(LatestIncome(None, None))
    return out


def _utc(at: dt.datetime) -> dt.datetime:
    """SQLite gives back times without their zone; they were stored in UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.timezone.utc)


def log_access(session: Session, *, actor: str, action: str, subject: str, unmasked: bool,
               area_code: str | None = None, reason: str | None = None, detail: dict | None = None) -> None:
    """Record that ``actor`` saw or exported personal data (个人信息保护法 art. 51): a row of the audit log's chain,
    written when the caller's transaction commits. ``area_code``: the area of the data (a household's; an
    export's area; None: the whole registry — then only the operator's audit reads it)."""
    audit.append(session, actor=actor, action=action, subject=subject, area_code=area_code, unmasked=unmasked,
                 reason=reason, detail=detail)


# The access log is a record of the bureau, read by its auditors: what it says is in Chinese, whatever language
# the operator's command prints in.
RECORD_LANGUAGE = "zh"


def log_export(session: Session, *, actor: str, file: str, area: str | None, unmasked: bool,
               month: str | None = None, households: int | None = None, people: int | None = None,
               rows: int | None = None, entries: Mapping[str, int] | None = None) -> None:
    """Record that ``actor`` wrote personal data to ``file`` (个人信息保护法): one subject for every export — the
    file, the month, the area (``None``: the whole registry), the counts given (``entries``: a count per list,
    keyed by the list's Chinese label) and whether identifiers were written in full."""
    with use_language(RECORD_LANGUAGE):
        parts = [t("export {file}", file=file)]
        if month is not None:
            parts.append(month_text(month))
        parts.append(t("area {area}", area=area) if area else t("the whole registry"))
        counts = [t("{households} households", households=households) if households is not None else "",
                  t("{people} people", people=people) if people is not None else "",
                  t("{rows} rows", rows=rows) if rows is not None else ""]
        parts += [part for part in counts if part]
        parts += [t("{list} {count} entries", list=label, count=n) for label, n in (entries or {}).items()]
        shown = t("identifiers in full") if unmasked else t("identifiers masked")
    subject = "，".join(parts) + "；" + shown  # Chinese punctuation: the record's language
    log_access(session, actor=actor, action="export", subject=subject, unmasked=unmasked,
               area_code=area or None)


def area_name(session: Session, code: str) -> str:
    """The name of an area of the registry: its areas table's (villages and communities named when they were
    added), else the official table's (``areas.area_name``)."""
    row = session.get(m.Area, code)
    return areas.area_name(code, {code: row.name} if row is not None else None)
