"""From registry documents to the rules' inputs for one month: the pre-aggregation.

Everything the rules read about a month is decided here, once, in the open:
- Incomes: the monthly average over the look-back window (parameter dibao.income.lookback_months),
  the months *before* the evaluated month; each category's average is rounded half up to the fen.
- A month with no income entry counts as zero only if the household declared its situation
  (``declared_on``) after that month; otherwise the person's income is unknown. The same
  declaration makes unlisted assets, vehicles, property and businesses "none"; without it they
  are unknown unless listed. Unknown is passed as ``*_known = False``, never as zero.
- Financial assets and business capital are capped at 1,000,000 yuan per person: OpenFisca
  integers are 32-bit, and every legal limit is far below the cap, so no test changes.
- Legal supporters: explicit supporter rows, plus able household members in the simple cases
  (children aged 18–59 for the head and spouse; the head aged 18–59 for their parents; the head and
  spouse for their minor children). "Able" here: counted, alive, no grade 1–2 disability certificate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from jiuzhu.money import yuan_to_fen
from jiuzhu.months import month_end, month_start, previous_months
from jiuzhu.registry import schemas as s
from jiuzhu.registry.codes import COUNTED_INCOME, SELF_CARE_ACTIVITIES, Relation, SupporterStatus
from jiuzhu.rules import law
from jiuzhu.rules.simulation import Frame

CAP_FEN = 100_000_000  # 1,000,000 yuan
INCOME_VARIABLES = dict(zip(COUNTED_INCOME, ("income_wages", "income_business", "income_property",
                                            "income_transfer", "income_pension", "income_unemployment"),
                             strict=True))
DISABILITY_CATEGORIES = ["none", "visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"]
PARENT_STATUSES = ["present", "deceased", "missing", "severely_disabled", "seriously_ill", "imprisoned",
                   "guardianship_revoked", "deported", "unknown"]
PARENT_STATUS_OF = {
    SupporterStatus.able: "present", SupporterStatus.deceased: "deceased", SupporterStatus.missing: "missing",
    SupporterStatus.prison: "imprisoned", SupporterStatus.incapacitated: "severely_disabled",
    SupporterStatus.severely_disabled: "severely_disabled", SupporterStatus.seriously_ill: "seriously_ill",
    SupporterStatus.guardianship_revoked: "guardianship_revoked", SupporterStatus.deported: "deported",
    SupporterStatus.tekun_or_dibao_aged_60: "present", SupporterStatus.aged_70_or_disabled_low_income: "present",
}
RIGID_DEDUCTIBLE = {"medical", "rehabilitation"}


def _avg(total_fen: int, months: int) -> int:
    """Monthly average rounded half up to the fen (integers only)."""
    return (2 * total_fen + months) // (2 * months)


def frame_for(households: Sequence[s.Household], month: str) -> Frame:
    """The inputs of ``households`` for ``month`` as one frame, persons in household then member order.

    People who died by the end of the month are left out; a household with no living member is
    left out too (``Frame.sources`` lists the positions of the households kept).
    """
    window = previous_months(month, int(law.value("dibao.income.lookback_months", month)))
    rows_p: list[dict] = []
    rows_h: list[dict] = []
    index: list[int] = []
    kept: list[int] = []
    for position, doc in enumerate(households):
        living = [m for m in doc.members if not (m.death_date and m.death_date <= month_end(month))]
        if not living:
            continue
        h_i = len(kept)
        kept.append(position)
        rows_h.append(_household_inputs(doc, month, window))
        for member in living:
            rows_p.append(_person_inputs(doc, member, month, window))
            index.append(h_i)
    return Frame(period=month, household_index=np.array(index, dtype=np.int32),
                 persons=_columns(rows_p), households=_columns(rows_h), sources=kept)


def _columns(rows: list[dict]) -> dict[str, np.ndarray]:
    if not rows:
        return {}
    out = {}
    for key in rows[0]:
        values = [r[key] for r in rows]
        out[key] = np.array(values, dtype="datetime64[D]") if key == "birth_date" else np.array(values)
    return out


def _declared_through(doc: s.Household, month: str) -> bool:
    """The household's declaration covers every month before ``month``."""
    return doc.declared_on is not None and doc.declared_on >= month_start(month)


def _person_inputs(doc: s.Household, m: s.Member, month: str, window: list[str]) -> dict:
    declared = _declared_through(doc, month)
    start, end = month_start(month), month_end(month)
    out: dict = {"birth_date": m.birth_date, "is_counted_member": m.counted}
    out.update(_incomes(m, window, declared))
    assets = sum(yuan_to_fen(a.amount) for a in m.financial_assets)
    out["financial_assets"] = min(assets, CAP_FEN)
    out["assets_known"] = declared
    out["owns_motor_vehicle"] = any(not v.mobility_for_disabled for v in m.vehicles)
    out["vehicles_known"] = declared or out["owns_motor_vehicle"]
    homes = [r for r in m.real_estate if r.use.value == "residential"]
    out["residential_properties"] = len(homes)
    out["residential_floor_area"] = float(sum(r.floor_area_m2 for r in homes))
    out["property_known"] = declared
    capital = sum(yuan_to_fen(b.registered_capital) for b in m.businesses if b.registered_capital is not None)
    out["business_capital"] = min(capital, CAP_FEN)
    out["business_known"] = declared
    dis = m.disability
    valid = dis is not None and (dis.valid_from is None or dis.valid_from <= end) and \
        (dis.valid_to is None or dis.valid_to >= start)
    out["disability_grade"] = dis.grade if valid else 0
    out["disability_category"] = DISABILITY_CATEGORIES.index(dis.category.value) if valid else 0
    out["major_illness"] = bool(m.major_illness)
    out["major_illness_known"] = m.major_illness is not None
    care = m.self_care
    out["self_care_assessed"] = care is not None
    out["self_care_failed_activities"] = 0 if care is None else sum(not getattr(care, a) for a in SELF_CARE_ACTIVITIES)
    out["in_school"] = m.school_level is not None
    out["in_institution"] = bool(m.in_institution)
    out["receives_work_injury_care"] = bool(m.work_injury_care)
    out["hukou_chongqing"] = bool(m.hukou and m.hukou.chongqing)
    out["hukou_known"] = bool(m.hukou and m.hukou.chongqing is not None)
    able, known = _supporters(doc, m, month)
    out["has_able_supporter"], out["supporters_known"] = able, known or declared
    father, mother = _parents(doc, m, month)
    out["father_status"] = PARENT_STATUSES.index(father)
    out["mother_status"] = PARENT_STATUSES.index(mother)
    return out


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
    out = {INCOME_VARIABLES[c]: _avg(totals[c], len(window)) for c in COUNTED_INCOME}
    out["income_known"] = known
    return out


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _living(doc: s.Household, month: str) -> list[s.Member]:
    return [x for x in doc.members if not (x.death_date and x.death_date <= month_end(month))]


def _supporters(doc: s.Household, m: s.Member, month: str) -> tuple[bool, bool]:
    """(has an able supporter, supporters known) from supporter rows and able living household members."""
    able = any(x.status == SupporterStatus.able for x in m.supporters)
    known = bool(m.supporters)
    on = month_end(month)
    living = _living(doc, month)
    if m.relation in (Relation.head, Relation.spouse):
        for other in living:
            if other.relation == Relation.child and other.counted and 18 <= _age(other.birth_date, on) < 60 \
                    and not (other.disability and other.disability.grade <= 2):
                able = known = True
    if m.relation == Relation.parent:  # the head is their child, with the legal duty of support
        for other in living:
            if other.relation == Relation.head and other.counted and 18 <= _age(other.birth_date, on) < 60 \
                    and not (other.disability and other.disability.grade <= 2):
                able = known = True
    if m.relation == Relation.child and _age(m.birth_date, on) < 18:
        if any(x.relation in (Relation.head, Relation.spouse) and x.counted for x in living):
            able = known = True
    return able, known


EXCLUDED_PARENT = {"prison": "imprisoned", "compulsory_rehab": "imprisoned", "missing": "missing"}


def _parents(doc: s.Household, m: s.Member, month: str) -> tuple[str, str]:
    """Father's and mother's situation for a child.

    From the household first (for a member whose relation is ``child``, the head and spouse are the
    parents); otherwise from supporter rows with relation ``parent``: a row whose ID number says male
    or female fills that parent, then rows without an ID number fill the father, then the mother.
    """
    father = mother = None
    if m.relation == Relation.child:
        for parent in doc.members:
            if parent.relation not in (Relation.head, Relation.spouse):
                continue
            if parent.death_date and parent.death_date <= month_end(month):
                status = "deceased"
            elif parent.counted:
                status = "present"
            else:
                status = EXCLUDED_PARENT.get(parent.exclusion_reason.value, "present")
            if parent.sex == s.Sex.male:
                father = status
            else:
                mother = status
    rows = [x for x in m.supporters if x.relation == Relation.parent]
    males = [PARENT_STATUS_OF[x.status] for x in rows if x.id_number and int(x.id_number[16]) % 2 == 1]
    females = [PARENT_STATUS_OF[x.status] for x in rows if x.id_number and int(x.id_number[16]) % 2 == 0]
    unnamed = [PARENT_STATUS_OF[x.status] for x in rows if not x.id_number]
    if father is None:
        father = males[0] if males else (unnamed.pop(0) if unnamed else None)
    if mother is None:
        mother = females[0] if females else (unnamed.pop(0) if unnamed else None)
    return father or "unknown", mother or "unknown"


def _taper_months(enrolled: list[s.Enrolment], month: str) -> int:
    """Months of the 渐退期 up to and including ``month`` (0: not in it), from the household 低保 enrolment."""
    starts = [e.taper_from for e in enrolled if e.id_number is None and e.taper_from and e.taper_from <= month]
    return max((_month_number(month) - _month_number(t) + 1 for t in starts), default=0)


def _month_number(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7])


def _household_inputs(doc: s.Household, month: str, window: list[str]) -> dict:
    declared = _declared_through(doc, month)
    last12 = set(previous_months(month, 12))
    deductible = sum(yuan_to_fen(r.amount) for r in doc.rigid_spending
                     if r.month in window and r.category.value in RIGID_DEDUCTIBLE)
    enrolled = [e for e in doc.enrolments if e.programme.value == "dibao" and e.start_date <= month_end(month)
                and (e.end_date is None or e.end_date >= month_start(month))]
    return {
        "is_urban": doc.urban,
        "rigid_medical_rehabilitation": _avg(deductible, len(window)),
        "rigid_spending_12_months": sum(yuan_to_fen(r.amount) for r in doc.rigid_spending if r.month in last12),
        "rigid_spending_this_month": sum(yuan_to_fen(r.amount) for r in doc.rigid_spending if r.month == month),
        "rigid_spending_known": declared or bool(doc.rigid_spending),
        "dibao_enrolled": bool(enrolled),
        "dibao_current_amount": sum(yuan_to_fen(e.monthly_amount) for e in enrolled if e.id_number is None),
        "months_above_line_through_work": _taper_months(enrolled, month),
        # 急难型 临时救助: the needs the township assessed for emergencies of this month (none listed: none).
        "emergency_need": min(sum(yuan_to_fen(e.need) for e in doc.emergencies
                                  if month_start(month) <= e.date <= month_end(month)), CAP_FEN),
    }
