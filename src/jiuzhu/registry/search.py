"""Reading the registry for a signed-in person: only what lies inside the person's area, masked unless the role
may unmask and gives a reason; every read of personal data a row of the access log.

    find_households(session, principal, *, name, household_no, id_number, area, programme, page, per_page) → Page
    read_household_for(session, principal, no, *, unmask=False, reason=None) → the document (JSON values)
    household_for(session, principal, no, *, purpose) → the document as a model (to evaluate; logged as read)
    read_history_for(session, principal, no, *, unmask=False, reason=None) → the changes
    list_areas(session, principal, *, parent=None) → the areas inside the person's area, with their households
    check_unmask(principal, unmask, reason) → the reason, checked (the one rule of unmasking for every face)

Scope is in the queries (``principal.area_clause``): a household outside the person's area is "not in the
registry", the same answer as for a number that does not exist, so that asking reveals nothing (个人信息保护法
arts. 6 and 51; 社会救助暂行办法 art. 4, 乡镇 and 县级 duties). Every household has an area (the column is NOT NULL,
a foreign key to ``areas``); a row with none would match no prefix, so no area-scoped person would see it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session
from stdnum.cn import ric

from jiuzhu import clock, db, paging
from jiuzhu.access import Permission, Principal
from jiuzhu.errors import JiuzhuError, NotFoundError
from jiuzhu.i18n import N_, t
from jiuzhu.registry import areas, privacy, service
from jiuzhu.registry import models as m
from jiuzhu.registry import schemas as s
from jiuzhu.registry.codes import Programme, parse_programme

MAX_PER_PAGE = 100
REASON_LENGTH = 200
_ID_NUMBER = re.compile(r"\d{17}[\dXx]")

NOT_IN_REGISTRY = N_("household {household_no} is not in the registry")
REASON_NEEDED = N_("give the reason for seeing the identifiers in full (it is recorded in the audit log)")
REASON_TOO_LONG = N_("the reason is too long (at most {length} characters)")
WHOLE_ID_NEEDED = N_("'{value}' is not a whole ID number: search by the full 18 characters (17 digits and a "
                     "digit or X); part of an ID number finds nothing, so that nobody can guess one")
BLANK = N_("must not be blank")


@dataclass(frozen=True)
class Page:
    """One page of a list: its items, how many there are in all, which page and how many per page."""

    items: list[dict]
    total: int
    page: int
    per_page: int


def check_unmask(principal: Principal, unmask: bool, reason: str | None) -> str | None:
    """The reason for unmasking, stripped, if ``unmask``: the role must have ``Permission.UNMASK`` (403) and the
    reason must be given (field ``reason``). None when not unmasking."""
    if not unmask:
        return None
    principal.require(Permission.UNMASK)
    text = (reason or "").strip()
    if not text:
        raise JiuzhuError(t(REASON_NEEDED), field="reason")
    if len(text) > REASON_LENGTH:
        raise JiuzhuError(t(REASON_TOO_LONG, length=REASON_LENGTH), field="reason")
    return text


# --------------------------------------------------------------------------- search


def find_households(session: Session, principal: Principal, *, name: str | None = None,
                    household_no: str | None = None, id_number: str | None = None, area: str | None = None,
                    programme: str | None = None, page: int = 1, per_page: int = 20) -> Page:
    """The households inside the person's area matching every criterion given, ordered by household number:
    ``name`` a part of any member's name; ``household_no`` the whole number; ``id_number`` a member's whole ID
    number; ``area`` a district, township or village code (the households under it; an area outside the person's
    is refused, 403); ``programme`` currently enrolled in it. Items are masked summaries. One access-log row."""
    principal.require(Permission.READ_REGISTRY)
    page, per_page = paging.check_page(page, per_page, most=MAX_PER_PAGE)
    db.plan_with_values(session)  # an area prefix and a name: the plan turns on the values (db.plan_with_values)
    conditions = [principal.area_clause(m.Household.area_code), *_criteria(
        principal, name=name, household_no=household_no, id_number=id_number, area=area, programme=programme)]
    where = and_(*conditions)
    # The page and the number of all matches in one statement (a window count): PostgreSQL scans the matches once,
    # not once to count and again for the page. A page past the end has no row to carry the count: counted apart.
    h = m.Household
    rows = session.connection().execute(
        select(h.id, h.household_no, h.area_code, h.address, h.urban, func.count().over().label("total"))
        .where(where).order_by(h.household_no).offset(paging.first_row(page, per_page)).limit(per_page)).all()
    if rows:
        total = rows[0].total
    else:
        total = (session.scalar(select(func.count(h.id)).where(where)) or 0) if page > 1 else 0
    items = _summaries(session, rows)
    # One row for the search (names are personal data); its area: the one searched, else the person's.
    service.log_access(session, actor=principal.username, action="search", unmasked=False,
                       subject=_search_subject(name, household_no, id_number, area, programme, total),
                       area_code=area.strip().upper() if area else principal.area_code)
    return Page(items=items, total=total, page=page, per_page=per_page)


def _criteria(principal: Principal, *, name, household_no, id_number, area, programme) -> list:
    out = []
    if name is not None:
        text = name.strip()
        if not text:
            raise JiuzhuError(f"name: {t(BLANK)}", field="name")
        out.append(_member_where(m.Person.name.contains(text, autoescape=True)))
    if household_no is not None:
        if not household_no.strip():
            raise JiuzhuError(f"household_no: {t(BLANK)}", field="household_no")
        out.append(m.Household.household_no == household_no.strip())
    if id_number is not None:
        number = id_number.strip().upper()
        if not _ID_NUMBER.fullmatch(number):
            raise JiuzhuError(t(WHOLE_ID_NEEDED, value=privacy.mask_id(id_number.strip())), field="id_number")
        if number[-1] != ric.calc_check_digit(number):  # a mistyped number finds nobody: say why, not "0 found"
            raise JiuzhuError(t("ID number {number}: {reason}", number=privacy.mask_id(number),
                                reason=t("check digit is wrong")), field="id_number")
        out.append(_member_where(m.Person.id_number == number))
    if area is not None:
        code = areas.check_within(principal, area)
        out.append(m.Household.area_code.startswith(areas.prefix(code), autoescape=True))
    if programme is not None:
        out.append(_enrolled(_programme(programme)))
    return out


def _member_where(condition):
    return exists(select(m.Member.person_id).join(m.Person, m.Person.id == m.Member.person_id)
                  .where(m.Member.household_id == m.Household.id, condition))


def _programme(value: str) -> str:
    return parse_programme(value).value


def _enrolled(programme: str):
    """Enrolled today: started, and not ended before today."""
    today = clock.today()
    return exists(select(m.Enrolment.id).where(
        m.Enrolment.household_id == m.Household.id, m.Enrolment.programme == programme,
        m.Enrolment.start_date <= today, or_(m.Enrolment.end_date.is_(None), m.Enrolment.end_date >= today)))


def _summaries(session: Session, rows) -> list[dict]:
    """One masked line per household of ``rows`` (each with id, household_no, area_code, address, urban): number,
    area, address, urban, the head (name, masked ID number), the number of members, the programmes it is enrolled
    in today."""
    if not rows:
        return []
    ids = [h.id for h in rows]
    read = _summary_statements()
    connection = session.connection()  # Core on the session's connection, statements built once (a search a click)
    members: dict[int, list] = {i: [] for i in ids}
    for row in connection.execute(read["members"], {"ids": ids}):
        members[row.household_id].append(row)
    enrolled: dict[int, set[str]] = {i: set() for i in ids}
    for hh_id, programme in connection.execute(read["enrolled"], {"ids": ids, "today": clock.today()}):
        enrolled[hh_id].add(programme)
    names = _area_names(session, {h.area_code for h in rows})
    out = []
    for h in rows:
        people = members[h.id]
        head = next((p for p in people if p.relation == "head"), people[0] if people else None)
        out.append({
            "household_no": h.household_no, "area_code": h.area_code, "area_name": names[h.area_code],
            "address": h.address, "urban": h.urban,
            "head": None if head is None else {"name": head.name, "id_number": privacy.mask_id(head.id_number)},
            "members": len(people),
            "programmes": [p.value for p in Programme if p.value in enrolled[h.id]],
        })
    return out


@functools.cache
def _summary_statements() -> dict:
    ids, today = bindparam("ids", expanding=True), bindparam("today")
    return {
        "members": select(m.Member.household_id, m.Member.relation, m.Person.name, m.Person.id_number)
        .join(m.Person, m.Person.id == m.Member.person_id)
        .where(m.Member.household_id.in_(ids)).order_by(m.Member.household_id, m.Member.position),
        "enrolled": select(m.Enrolment.household_id, m.Enrolment.programme).where(  # enrolled today
            m.Enrolment.household_id.in_(ids), m.Enrolment.start_date <= today,
            or_(m.Enrolment.end_date.is_(None), m.Enrolment.end_date >= today)),
    }


def _area_names(session: Session, codes: set[str]) -> dict[str, str]:
    stored = dict(session.execute(select(m.Area.code, m.Area.name).where(m.Area.code.in_(codes))).all())
    return {code: areas.area_name(code, stored) for code in codes}


def _search_subject(name, household_no, id_number, area, programme, total: int) -> str:
    """What a search asked, for the access log: an ID number masked (the log is read by auditors)."""
    parts = [f"name={name}" if name is not None else "", f"household_no={household_no}" if household_no else "",
             f"id_number={privacy.mask_id(id_number.strip())}" if id_number else "",
             f"area={area}" if area else "", f"programme={programme}" if programme else ""]
    return f"search {' '.join(p for p in parts if p) or '(all)'} → {total}"


# --------------------------------------------------------------------------- one household


def _visible(session: Session, principal: Principal, household_no: str) -> m.Household:
    """The household if it lies inside the person's area; else "not in the registry" (as if it did not exist)."""
    principal.require(Permission.READ_REGISTRY)
    hh = session.scalars(select(m.Household).where(m.Household.household_no == household_no)).one_or_none()
    if hh is None or not principal.covers(hh.area_code):
        raise NotFoundError(t(NOT_IN_REGISTRY, household_no=household_no))
    return hh


def read_household_for(session: Session, principal: Principal, household_no: str, *, unmask: bool = False,
                       reason: str | None = None, purpose: str = "view") -> dict:
    """The household's document (JSON values) as the person may see it: masked unless ``unmask`` (the role's
    permission and a reason: ``check_unmask``). One audit-log row, with the area, and the reason when unmasked."""
    why = check_unmask(principal, unmask, reason)
    hh = _visible(session, principal, household_no)
    return service.read_household(session, household_no, actor=principal.username, unmask=unmask,
                                  purpose=purpose, reason=why, household=hh)


def household_for(session: Session, principal: Principal, household_no: str, *, purpose: str) -> s.Household:
    """The household's document as a model, for work that shows no identifier in full (an evaluation masks
    them): one audit-log row for ``purpose``, masked."""
    hh = _visible(session, principal, household_no)
    doc = service.household_doc(session, hh)
    service.log_access(session, actor=principal.username, action=purpose, subject=household_no, unmasked=False,
                       area_code=hh.area_code)
    return doc


def read_history_for(session: Session, principal: Principal, household_no: str, *, unmask: bool = False,
                     reason: str | None = None) -> list[dict]:
    """The household's changes (``service.read_history``), masked unless ``unmask`` (``check_unmask``)."""
    why = check_unmask(principal, unmask, reason)
    _visible(session, principal, household_no)
    return service.read_history(session, household_no, actor=principal.username, unmask=unmask, reason=why)


# --------------------------------------------------------------------------- areas


def list_areas(session: Session, principal: Principal, *, parent: str | None = None) -> list[dict]:
    """The registry's areas inside the person's area (all, or the children of ``parent``), with their number of
    households (the area's and those under it); no personal data."""
    query = select(m.Area).where(principal.area_clause(m.Area.code)).order_by(m.Area.code)
    if parent is not None:
        query = query.where(m.Area.parent_code == areas.check_within(principal, parent, "parent"))
    rows = list(session.scalars(query))
    counts: dict[str, int] = {}
    for code, n in session.execute(select(m.Household.area_code, func.count(m.Household.id))
                                   .where(principal.area_clause(m.Household.area_code))
                                   .group_by(m.Household.area_code)):
        counts[code] = n
    return [{"code": a.code, "name": areas.area_name(a.code, {a.code: a.name}), "level": a.level,
             "parent_code": a.parent_code,
             "households": sum(n for code, n in counts.items() if code.startswith(areas.prefix(a.code)))}
            for a in rows]



# --------------------------------------------------------------------------- exports

EXPORT_FORMATS = ("xlsx", "csv", "jsonl")
UNKNOWN_FORMAT = N_("'{value}' is not an export format: use xlsx, csv (the ledger) or jsonl (every fact)")


def export_area(principal: Principal, area: str | None) -> str:
    """The area an export covers: the one asked (written as a code, served, inside the person's area: 403 naming
    it otherwise), else the person's own."""
    principal.require(Permission.EXPORT)
    if area is None or not area.strip():
        if not principal.area_code:
            raise JiuzhuError(t(BLANK), field="area")
        return principal.area_code
    return areas.check_within(principal, area)


def export_for(session: Session, principal: Principal, folder: Path, *, format: str, area: str | None,
               month: str, unmask: bool = False, reason: str | None = None) -> Path:
    """Write the households of ``area`` (``export_area``) to a file in ``folder`` and return it: the ledger of
    ``month`` (xlsx, csv) or every fact (jsonl); masked unless ``unmask`` (``check_unmask``). The registry's
    exporters check the month and the area as the CLI's ``jiuzhu export`` does, and log the export."""
    from jiuzhu.registry import interchange, summary
    from jiuzhu.registry.ledger import export_ledger

    if format not in EXPORT_FORMATS:
        raise JiuzhuError(t(UNKNOWN_FORMAT, value=format), field="format")
    why = check_unmask(principal, unmask, reason)
    code = export_area(principal, area)
    if format != "jsonl":
        from jiuzhu.months import check_not_future

        check_not_future(month, "month")
    summary.require_households(session, code)
    actor = principal.username
    if format == "jsonl":
        path = folder / f"households-{code}.jsonl"
        interchange.export_households(session, path, actor=actor, area_code=code, unmask=unmask)
    else:
        path = folder / f"ledger-{code}-{month}.{format}"
        export_ledger(session, path, month=month, area_code=code, unmask=unmask, actor=actor)
    if why:  # the exporters log the export; the reason for writing identifiers in full is this row's
        service.log_access(session, actor=actor, action="export_unmasked", subject=path.name, unmasked=True,
                           area_code=code, reason=why)
    return path
