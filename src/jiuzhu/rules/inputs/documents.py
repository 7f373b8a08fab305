"""From registry documents to the rules' inputs for one month: the pre-aggregation, the reference twin.

Everything the rules read about a month is decided here, once, in the open (the shared definitions are in
``facts``; ``population`` computes the same in SQL):

- Parameters come from the system given (the baseline, or a what-if reform): ``facts.InputParameters``.
- Who is in the household in a month: the members born on or before its last day and not dead by then.
  A household with nobody left is left out (``Frame.sources`` lists the positions kept).
- Incomes: the monthly average over the look-back window (dibao.income.lookback_months), the months
  *before* the evaluated month; each category's average is rounded half up to the fen. A month with no
  income entry counts as zero only if the household declared its situation (``declared_on``) on or after the
  month's first day; otherwise the income is unknown. The same declaration makes unlisted assets, vehicles,
  property, businesses and supporters "none"; without it they are unknown unless listed. Unknown is passed as
  ``*_known = False``, never as zero.
- Money is integer fen, 64-bit, uncapped (2³¹ fen is a legal monthly income).

Facts that are true in time — each as of the month's last day, never a fact of a later day:

- Financial assets: the statements of one account (person, kind, institution, account number; statements
  without institution or number of one kind form one account) are its history: the latest ``as_of`` on or
  before the month's end is the balance, earlier ones are replaced, later ones not yet known. Two statements
  of one account on one day: the larger counts (the order of entry must not decide).
- Vehicles, homes and businesses count when held on the month's last day: registered (acquired) on or before
  it, or undated; and not deregistered (disposed of) on or before it.
- A disability certificate counts when valid on some day of the month.
- A self-care assessment counts from its date (``assessed_on``) on; an undated one always. An assessment
  dated after the month did not exist in it: the month's tier is unknown, as without one.
- Supporters: per supporter (ID number, else name and relation), the latest status dated on or before the
  month's end holds; an undated status holds from always; a supporter whose every status is later is not yet
  known. A dead member is nobody's supporter; a supporter row whose latest status is ``deceased`` is not able.
- Enrolments count when running on some day of the month; an emergency when it struck in the month; rigid
  spending by its month.

Legal supporters (特困): the whole class of 民法典 arts. 1059, 1067, 1074, 1075, from household members and
supporter rows alike — see ``facts``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from jiuzhu.money import yuan_to_fen
from jiuzhu.months import age_on, month_end, month_number, month_start, previous_months  # noqa: F401 (re-exported)
from jiuzhu.registry import schemas as s
from jiuzhu.registry.codes import COUNTED_INCOME, SELF_CARE_ACTIVITIES, Programme, PropertyUse, SupporterStatus
from jiuzhu.rules.inputs import facts as f
from jiuzhu.rules.simulation import Frame

MONEY = set(f.PERSON_MONEY) | set(f.HOUSEHOLD_MONEY)


def _avg(total_fen: int, months: int) -> int:
    """Monthly average rounded half up to the fen (integers only)."""
    return (2 * total_fen + months) // (2 * months)


def members_in(doc: s.Household, month: str) -> list[s.Member]:
    """The household's members in ``month``: born on or before its last day (the dead included)."""
    end = month_end(month)
    return [m for m in doc.members if m.birth_date is None or m.birth_date <= end]


def present_members(doc: s.Household, month: str) -> list[s.Member]:
    """The members the rules see in ``month``, in member order: born by its last day and alive on it."""
    end = month_end(month)
    return [m for m in members_in(doc, month) if not (m.death_date and m.death_date <= end)]


# The categories of facts a verification can leave unknown (a source failed, refused or answered too old), and
# the input that then says "not known": the rules read it as needing information, never as nothing owned.
UNKNOWN_CATEGORIES = {"income": "income_known", "assets": "assets_known", "vehicles": "vehicles_known",
                      "property": "property_known", "business": "business_known"}
Unknown = Mapping[str, Collection[str]]  # ID number → categories of UNKNOWN_CATEGORIES


def frame_for(households: Sequence[s.Household], month: str, system=None,
              unknown: Sequence[Unknown | None] | None = None) -> Frame:
    """The inputs of ``households`` for ``month`` as one frame, persons in household then member order,
    with the parameters of ``system`` (default: the baseline).

    ``unknown`` (one entry per household, or None): per member's ID number, the categories of
    ``UNKNOWN_CATEGORIES`` that are not known whatever the document says — what a verification could not learn
    from the departments (issue 13: a failed source leaves its items unknown, never zero). A vehicle the document
    holds still answers the vehicle question (one is enough to fail it). An unknown category name is a
    ``ValueError``."""
    p = f.InputParameters.of(month, system)
    rows_p: list[dict] = []
    rows_h: list[dict] = []
    index: list[int] = []
    kept: list[int] = []
    if unknown is not None and len(unknown) != len(households):
        raise ValueError("unknown: one entry per household")
    for position, doc in enumerate(households):
        household = _Household(doc, p, unknown[position] if unknown is not None else None)
        if not household.present:
            continue
        h_i = len(kept)
        kept.append(position)
        rows_h.append(household.inputs())
        for member in household.present:
            rows_p.append(household.person_inputs(member))
            index.append(h_i)
    return Frame(period=month, household_index=np.array(index, dtype=np.int32),
                 persons=_columns(rows_p), households=_columns(rows_h), sources=kept)


def _checked(unknown: Unknown | None) -> Unknown:
    for categories in (unknown or {}).values():
        wrong = set(categories) - set(UNKNOWN_CATEGORIES)
        if wrong:
            raise ValueError(f"unknown categories {sorted(wrong)}: not among {sorted(UNKNOWN_CATEGORIES)}")
    return unknown or {}


def _columns(rows: list[dict]) -> dict[str, np.ndarray]:
    if not rows:
        return {}
    out = {}
    for key in rows[0]:
        values = [r[key] for r in rows]
        if key == "birth_date":
            out[key] = np.array(values, dtype="datetime64[D]")
        elif key in MONEY:
            out[key] = np.array(values, dtype=np.int64)
        else:
            out[key] = np.array(values)
    return out


@dataclass
class _Member:
    """What is computed once per member and read by others (as a supporter or a parent)."""

    doc: s.Member
    age: int
    dead: bool
    inputs: dict


class _Household:
    def __init__(self, doc: s.Household, p: f.InputParameters, unknown: Unknown | None = None):
        self.doc, self.p = doc, p
        self.unknown = _checked(unknown)
        # The declaration covers every month before the evaluated one.
        self.declared = doc.declared_on is not None and doc.declared_on >= p.start
        self.enrolled = [e for e in doc.enrolments
                         if e.start_date <= p.end and (e.end_date is None or e.end_date >= p.start)]
        self.members = [_Member(m, age_on(m.birth_date, p.end), bool(m.death_date and m.death_date <= p.end), {})
                        for m in members_in(doc, p.month)]
        self.present = [m for m in self.members if not m.dead]
        for member in self.members:
            member.inputs = self._own_inputs(member)

    # ------------------------------------------------------------------ a person's own facts

    def _own_inputs(self, mm: _Member) -> dict:
        m, p, declared = mm.doc, self.p, self.declared
        out: dict = {"birth_date": m.birth_date, "is_counted_member": m.counted}
        out.update(_incomes(m, p.window, declared))
        out["financial_assets"] = _balances(m.financial_assets, p.end)
        out["assets_known"] = declared
        cars = [v for v in m.vehicles if _held(v.registered_on, v.deregistered_on, p.end)]
        out["owns_motor_vehicle"] = any(not v.mobility_for_disabled for v in cars)
        out["vehicles_known"] = declared or out["owns_motor_vehicle"]
        homes = [r for r in m.real_estate
                 if r.use == PropertyUse.residential and _held(r.acquired_on, r.disposed_on, p.end)]
        out["residential_properties"] = len(homes)
        out["residential_floor_area"] = float(sum(r.floor_area_m2 for r in homes))
        out["property_known"] = declared
        out["business_capital"] = sum(yuan_to_fen(b.registered_capital) for b in m.businesses
                                      if b.registered_capital is not None
                                      and _held(b.registered_on, b.deregistered_on, p.end))
        out["business_known"] = declared
        dis = m.disability
        valid = dis is not None and (dis.valid_from is None or dis.valid_from <= p.end) and \
            (dis.valid_to is None or dis.valid_to >= p.start)
        out["disability_grade"] = dis.grade if valid else 0
        out["disability_category"] = f.DISABILITY_CATEGORIES.index(dis.category.value) if valid else 0
        out["major_illness"] = bool(m.major_illness)
        out["major_illness_known"] = m.major_illness is not None
        care = m.self_care if m.self_care and (m.self_care.assessed_on is None or m.self_care.assessed_on <= p.end) \
            else None
        out["self_care_assessed"] = care is not None
        out["self_care_failed_activities"] = 0 if care is None else sum(not getattr(care, a)
                                                                       for a in SELF_CARE_ACTIVITIES)
        out["in_school"] = m.school_level is not None
        out["in_institution"] = bool(m.in_institution)
        out["receives_work_injury_care"] = bool(m.work_injury_care)
        out["hukou_chongqing"] = bool(m.hukou and m.hukou.chongqing)
        out["hukou_known"] = bool(m.hukou and m.hukou.chongqing is not None)
        for category in self.unknown.get(m.id_number, ()) if m.id_number else ():
            out[UNKNOWN_CATEGORIES[category]] = category == "vehicles" and out["owns_motor_vehicle"]
        return out

    def person_inputs(self, mm: _Member) -> dict:
        out = dict(mm.inputs)
        able, known = self._supporters(mm)
        out["has_able_supporter"], out["supporters_known"] = able, known
        father, mother = self._parents(mm)
        out["father_status"], out["mother_status"] = father, mother
        return out

    # ------------------------------------------------------------------ supporters (facts module docstring)

    def _dependent(self, mm: _Member) -> bool:
        i = mm.inputs
        category = f.DISABILITY_CATEGORIES[i["disability_category"]]
        return f.cannot_live_independently(i["in_school"], category, i["disability_grade"], self.p)

    def _ability(self, mm: _Member) -> int:
        i, ids = mm.inputs, mm.doc.id_number
        mine = [e for e in self.enrolled if e.id_number == ids]
        return f.member_ability(f.SupporterFacts(
            alive=not mm.dead, counted=mm.doc.counted, age=mm.age,
            tekun=any(e.programme == Programme.tekun for e in mine),
            dibao=any(e.programme == Programme.dibao for e in mine),
            severe=1 <= i["disability_grade"] <= f.SEVERE_MAX_GRADE, urban=self.doc.urban,
            income_known=i["income_known"], income_fen=sum(i[v] for v in f.INCOME_VARIABLES.values()),
            assets_known=i["assets_known"], assets_fen=i["financial_assets"]), self.p)

    def _supporters(self, d: _Member) -> tuple[bool, bool]:
        dependent = self._dependent(d)
        contributions = []
        for other in self.members:
            kin = f.KINSHIP.get((d.doc.relation, other.doc.relation)) if other is not d else None
            if kin is None:
                continue
            older = other.doc.birth_date < d.doc.birth_date
            owed = f.duty(kin[0], kin[1], d.age, dependent, other.age, older, other.inputs["in_school"])
            if owed != f.NO:
                contributions.append(f.both(owed, self._ability(other)))
        rows = current_supporters(d.doc.supporters, self.p.end)
        for row in rows:
            owed = f.row_duty(f.ROW_KINSHIP.get(row.relation), d.age, dependent)
            contributions.append(f.both(owed, f.YES if row.status == SupporterStatus.able else f.NO))
        return f.supporters_answer(contributions, bool(rows) or self.declared)

    # ------------------------------------------------------------------ parents (孤儿 / 事实无人抚养儿童)

    def _parents(self, d: _Member) -> tuple[int, int]:
        """Father's and mother's situation (``facts.PARENT_STATUSES`` codes).

        Household members who are certainly D's parents come first (the first by member order of each
        sex); otherwise supporter rows with relation ``parent``: a row whose ID number says male or female
        fills that parent, then rows without an ID number fill the father, then the mother.
        """
        father = mother = None
        for other in self.members:
            kin = f.KINSHIP.get((d.doc.relation, other.doc.relation)) if other is not d else None
            if kin != (f.Kin.parent, True):
                continue
            status = f.member_parent_status(other.dead, other.doc.counted, other.doc.exclusion_reason)
            if other.doc.sex == s.Sex.male and father is None:
                father = status
            elif other.doc.sex != s.Sex.male and mother is None:
                mother = status
        rows = [x for x in current_supporters(d.doc.supporters, self.p.end) if x.relation == s.Relation.parent]
        males = [f.parent_status_code(x.status) for x in rows if x.id_number and int(x.id_number[16]) % 2 == 1]
        females = [f.parent_status_code(x.status) for x in rows if x.id_number and int(x.id_number[16]) % 2 == 0]
        unnamed = [f.parent_status_code(x.status) for x in rows if not x.id_number]
        if father is None:
            father = males[0] if males else (unnamed.pop(0) if unnamed else None)
        if mother is None:
            mother = females[0] if females else (unnamed.pop(0) if unnamed else None)
        return (f.UNKNOWN_PARENT if father is None else father), (f.UNKNOWN_PARENT if mother is None else mother)

    # ------------------------------------------------------------------ the household's inputs

    def inputs(self) -> dict:
        doc, p = self.doc, self.p
        window, last12 = set(p.window), set(p.last12)
        deductible = sum(yuan_to_fen(r.amount) for r in doc.rigid_spending
                         if r.month in window and r.category in f.RIGID_DEDUCTIBLE)
        dibao = [e for e in self.enrolled if e.programme == Programme.dibao]
        return {
            "is_urban": doc.urban,
            "rigid_medical_rehabilitation": _avg(deductible, len(window)),
            "rigid_spending_12_months": sum(yuan_to_fen(r.amount) for r in doc.rigid_spending if r.month in last12),
            "rigid_spending_this_month": sum(yuan_to_fen(r.amount) for r in doc.rigid_spending if r.month == p.month),
            "rigid_spending_known": self.declared or bool(doc.rigid_spending),
            "dibao_enrolled": bool(dibao),
            "dibao_current_amount": sum(yuan_to_fen(e.monthly_amount) for e in dibao if e.id_number is None),
            "months_above_line_through_work": _taper_months(dibao, p.month),
            # 急难型 临时救助: the needs the township assessed for emergencies of this month (none listed: none).
            "emergency_need": sum(yuan_to_fen(e.need) for e in doc.emergencies if p.start <= e.date <= p.end),
        }


def _incomes(m: s.Member, window: list[str], declared: bool) -> dict:
    by_month = {i.month: i for i in m.incomes}
    known = True
    totals = dict.fromkeys(COUNTED_INCOME, 0)
    for month in window:
        entry = by_month.get(month)
        if entry is None:
            known = known and declared
            continue
        for cat in COUNTED_INCOME:
            value = getattr(entry, cat)
            if value is None:
                known = known and declared
            else:
                totals[cat] += yuan_to_fen(value)
    out = {f.INCOME_VARIABLES[c]: _avg(totals[c], len(window)) for c in COUNTED_INCOME}
    out["income_known"] = known
    return out


def _balances(statements: list[s.FinancialAsset], end: dt.date) -> int:
    """The sum over accounts of each one's latest balance on or before ``end`` (module docstring)."""
    latest: dict[tuple, tuple[dt.date, int]] = {}
    for a in statements:
        if a.as_of > end:
            continue
        key = (a.kind, a.institution, a.account)
        entry = (a.as_of, yuan_to_fen(a.amount))
        latest[key] = max(latest.get(key, entry), entry)
    return sum(amount for _, amount in latest.values())


def _held(since: dt.date | None, until: dt.date | None, end: dt.date) -> bool:
    """Held on ``end``: acquired on or before it (or undated), and not given up on or before it."""
    return (since is None or since <= end) and (until is None or until > end)


def current_supporters(rows: list[s.Supporter], end: dt.date) -> list[s.Supporter]:
    """Per supporter (ID number, else name and relation), the status in force on ``end``, in entry order."""
    latest: dict[tuple, tuple] = {}
    for position, row in enumerate(rows):
        if row.as_of is not None and row.as_of > end:
            continue
        key = (row.id_number,) if row.id_number else (None, row.name, row.relation)
        rank = (row.as_of or dt.date.min, -f.STATUS_RANK[row.status.value])
        if key not in latest or rank > latest[key][0]:
            latest[key] = (rank, position)
    return [rows[position] for position in sorted(position for _, position in latest.values())]


def _taper_months(dibao: list[s.Enrolment], month: str) -> int:
    """Months of the 渐退期 up to and including ``month`` (0: not in it), from the household 低保 enrolment."""
    starts = [e.taper_from for e in dibao if e.id_number is None and e.taper_from and e.taper_from <= month]
    return max((month_number(month) - month_number(t) + 1 for t in starts), default=0)
