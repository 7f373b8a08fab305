"""Registry services: store and read households, keep the change and access logs.

Every function takes the session and flushes; the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from jiuzhu.errors import NotFoundError, RecordError, RecordErrors
from jiuzhu.i18n import language, t
from jiuzhu.messages import reason
from jiuzhu.registry import convert
from jiuzhu.registry import models as m
from jiuzhu.registry import schemas as s
from jiuzhu.registry.areas import OFFICIAL_SOURCE, lineage, lookup
from jiuzhu.registry.diff import diff_documents

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
        return s.Household.model_validate(data)
    except ValidationError as exc:
        raise RecordErrors([RecordError(record, field_label(e["loc"]), reason(e)) for e in exc.errors()]) from None


def field_label(loc: tuple) -> str:
    """``members[1].incomes[0].wages（家庭成员第2项 收入第1项 工资性收入）``: the path, then its names."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    if not path:
        return t("(document)")
    title = s.field_title(tuple(loc))
    return f"{path}（{title}）" if title and language() == "zh" else path


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def ensure_area(session: Session, code: str) -> None:
    """Create the area row (and its parents) for an official code if missing."""
    if session.get(m.Area, code) is not None:
        return
    chain = lineage(code)
    for area in chain:
        if session.get(m.Area, area.code) is None:
            session.add(m.Area(code=area.code, level=area.level, parent_code=area.parent_code,
                               name=area.name, source=OFFICIAL_SOURCE))
            session.flush()
    if len(code) > 9:  # a village or community below an official township
        source = "synthetic" if "S" in code else "operator"
        session.add(m.Area(code=code, level=5, parent_code=code[:9], name=code, source=source))
        session.flush()


def put_household(session: Session, doc: s.Household, *, actor: str, reason: str) -> m.Household:
    """Create or replace a household from its document, logging every changed value."""
    record = f"household {doc.household_no}"
    hh = session.scalars(select(m.Household).where(m.Household.household_no == doc.household_no)).one_or_none()
    old = household_doc(session, hh) if hh is not None else None
    _refuse_members_elsewhere(session, doc, hh, record)
    ensure_area(session, doc.area_code)
    if hh is None:
        hh = m.Household(household_no=doc.household_no)
        session.add(hh)
    hh.area_code, hh.address, hh.urban, hh.declared_on = doc.area_code, doc.address, doc.urban, doc.declared_on
    session.flush()
    _replace_contents(session, hh, doc)
    _log_changes(session, doc.household_no, old, doc, actor=actor, reason=reason)
    return hh


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
            raise RecordError(record, f"members[{i}].id_number",
                              f"already a member of household {elsewhere[id_number]}; move the person out of it first")


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
    at = now()
    if old is None:
        session.add(m.Change(at=at, actor=actor, reason=reason, household_no=household_no, path="(created)",
                             old_value=None, new_value=json.dumps({"members": len(new.members)})))
        return
    for path, before, after in diff_documents(old.model_dump(mode="json"), new.model_dump(mode="json")):
        session.add(m.Change(at=at, actor=actor, reason=reason, household_no=household_no, path=path,
                             old_value=json.dumps(before, ensure_ascii=False),
                             new_value=json.dumps(after, ensure_ascii=False)))


def get_household(session: Session, household_no: str) -> m.Household:
    hh = session.scalars(select(m.Household).where(m.Household.household_no == household_no)).one_or_none()
    if hh is None:
        raise NotFoundError(f"household {household_no} is not in the registry")
    return hh


def household_doc(session: Session, hh: m.Household) -> s.Household:
    """The interchange document of a stored household."""
    return households_docs(session, [hh])[0]


def households_docs(session: Session, households: list[m.Household]) -> list[s.Household]:
    """Documents for several households, reading each table once."""
    hh_ids = [h.id for h in households]
    members = session.execute(
        select(m.Member, m.Person).join(m.Person, m.Person.id == m.Member.person_id)
        .where(m.Member.household_id.in_(hh_ids)).order_by(m.Member.household_id, m.Member.position)
    ).all()
    pids = [p.id for _, p in members]
    facts: dict[int, dict[str, list]] = defaultdict(lambda: {k: [] for k in PERSON_FACTS})
    for key, table in PERSON_FACTS.items():
        order = table.month if key == "incomes" else table.id
        for row in session.scalars(select(table).where(table.person_id.in_(pids)).order_by(order)):
            facts[row.person_id][key].append(row)
    by_hh: dict[int, list] = defaultdict(list)
    id_of: dict[int, str] = {}
    for mem, person in members:
        by_hh[mem.household_id].append(convert.member_doc(person, mem, facts[person.id]))
        id_of[person.id] = person.id_number
    rigid = _by_household(session, m.RigidSpending, hh_ids)
    emergencies = _by_household(session, m.Emergency, hh_ids)
    enrol = _by_household(session, m.Enrolment, hh_ids)
    return [
        s.Household.model_construct(
            household_no=h.household_no, area_code=h.area_code, address=h.address, urban=h.urban,
            declared_on=h.declared_on,
            members=by_hh[h.id],
            rigid_spending=[s.RigidSpending.model_construct(month=r.month, category=s.RigidCategory(r.category),
                                                            amount=convert._yuan(r.amount_fen),
                                                            id_number=id_of.get(r.person_id)) for r in rigid[h.id]],
            emergencies=[convert.emergency_doc(e) for e in emergencies[h.id]],
            enrolments=[s.Enrolment.model_construct(programme=s.Programme(e.programme),
                                                    id_number=id_of.get(e.person_id),
                                                    monthly_amount=convert._yuan(e.monthly_amount_fen),
                                                    start_date=e.start_date, end_date=e.end_date,
                                                    last_review=e.last_review, taper_from=e.taper_from)
                         for e in enrol[h.id]],
        )
        for h in households
    ]


def _by_household(session: Session, table, hh_ids: list[int]) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for row in session.scalars(select(table).where(table.household_id.in_(hh_ids)).order_by(table.id)):
        out[row.household_id].append(row)
    return out


def history(session: Session, household_no: str) -> list[m.Change]:
    return list(session.scalars(select(m.Change).where(m.Change.household_no == household_no).order_by(m.Change.id)))


def log_access(session: Session, *, actor: str, action: str, subject: str, unmasked: bool) -> None:
    """Record that ``actor`` saw or exported personal data (个人信息保护法)."""
    session.add(m.AccessLog(at=now(), actor=actor, action=action, subject=subject[:200], unmasked=unmasked))
    session.flush()


def area_name(code: str) -> str:
    area = lookup(code[:9] if len(code) > 9 else code)
    return area.name if area else code
