"""Between the interchange documents (schemas) and the registry rows (models).

``to_rows`` and ``to_doc`` are inverses on valid documents: the round-trip
property test in tests/registry holds them to it.
"""

from __future__ import annotations

from decimal import Decimal

from jiuzhu.money import yuan_to_fen
from jiuzhu.registry import models as m
from jiuzhu.registry import schemas as s
from jiuzhu.registry.codes import INCOME_CATEGORIES, SELF_CARE_ACTIVITIES

_FIELD_NAMES: dict[type, list[str]] = {}


def build(model: type[s.Doc], **values):
    """``model.model_construct(**values)`` for values read back from the registry, complete and valid: the same
    object, made the way pydantic's ``model_construct`` makes it, without its per-field bookkeeping (that was
    most of the time of reading many households: an export, an import comparing, the ledger). Every field must
    be given (a KeyError otherwise); tests/registry/test_roundtrip.py holds it equal to ``model_construct``."""
    names = _FIELD_NAMES.get(model) or _FIELD_NAMES.setdefault(model, list(model.model_fields))
    if list(values) != names:  # the fields in their declared order (a dump follows it), every one given
        values = {name: values[name] for name in names}
    obj = model.__new__(model)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(names))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


def _fen(value) -> int | None:
    if value is None:
        return None
    if type(value) is Decimal:  # the format's yuan (two decimals at most): straight to whole fen
        fen = value.scaleb(2)
        whole = int(fen)
        if whole == fen:
            return whole
    return yuan_to_fen(value)


def _yuan(fen: int | None):
    return None if fen is None else Decimal(fen).scaleb(-2)  # = fen_to_yuan(fen): two decimals, exactly


def person_fields(doc: s.Member) -> dict:
    """Columns of ``persons`` for a member document."""
    hukou = doc.hukou or s.Hukou()
    dis = doc.disability
    care = doc.self_care
    fields = dict(
        id_number=doc.id_number,
        name=doc.name,
        sex=doc.sex.value,
        birth_date=doc.birth_date,
        death_date=doc.death_date,
        phone=doc.phone,
        hukou_chongqing=hukou.chongqing,
        hukou_urban=hukou.urban,
        hukou_area_code=hukou.area_code,
        employment=doc.employment and doc.employment.value,
        sector=doc.sector,
        school_level=doc.school_level and doc.school_level.value,
        major_illness=doc.major_illness,
        disability_category=dis and dis.category.value,
        disability_grade=dis and dis.grade,
        disability_certificate=dis and dis.certificate_no,
        disability_valid_from=dis and dis.valid_from,
        disability_valid_to=dis and dis.valid_to,
        care_assessed_on=care and care.assessed_on,
        in_institution=doc.in_institution,
        work_injury_care=doc.work_injury_care,
    )
    for act in SELF_CARE_ACTIVITIES:
        fields[f"can_{act}"] = None if care is None else getattr(care, act)
    return fields


def person_fact_rows(doc: s.Member) -> dict[type[m.Base], list[dict]]:
    """The dated facts of one person as column values by table, without ``person_id``."""
    return {
        m.Income: [{"month": inc.month, **{c: _fen(getattr(inc, c)) for c in INCOME_CATEGORIES}}
                   for inc in doc.incomes],
        m.FinancialAsset: [{"kind": a.kind.value, "institution": a.institution, "account": a.account,
                            "amount_fen": _fen(a.amount), "as_of": a.as_of} for a in doc.financial_assets],
        m.Vehicle: [{"kind": v.kind.value, "plate": v.plate, "value_fen": _fen(v.value),
                     "mobility_for_disabled": v.mobility_for_disabled, "registered_on": v.registered_on,
                     "deregistered_on": v.deregistered_on} for v in doc.vehicles],
        m.RealEstate: [{"use": r.use.value, "floor_area_m2": r.floor_area_m2, "certificate_no": r.certificate_no,
                        "location": r.location, "acquired_on": r.acquired_on, "disposed_on": r.disposed_on}
                       for r in doc.real_estate],
        m.Business: [{"uscc": b.uscc, "name": b.name, "registered_capital_fen": _fen(b.registered_capital),
                      "registered_on": b.registered_on, "deregistered_on": b.deregistered_on}
                     for b in doc.businesses],
        m.Supporter: [{"name": p.name, "id_number": p.id_number, "relation": p.relation.value,
                       "status": p.status.value, "as_of": p.as_of} for p in doc.supporters],
    }


def person_children(doc: s.Member, person_id: int) -> list[m.Base]:
    """The dated facts of one person, as rows."""
    return [table(person_id=person_id, **row) for table, rows in person_fact_rows(doc).items() for row in rows]


def household_fact_rows(doc: s.Household, person_ids: dict[str, int]) -> dict[type[m.Base], list[dict]]:
    """Rigid spending, emergencies and enrolments of a household as column values, without ``household_id``;
    ``person_ids`` maps the members' ID numbers to their person rows."""
    return {
        m.RigidSpending: [{"person_id": r.id_number and person_ids[r.id_number], "month": r.month,
                           "category": r.category.value, "amount_fen": _fen(r.amount)}
                          for r in doc.rigid_spending],
        m.Emergency: [{"occurred_on": e.date, "kind": e.kind.value, "need_fen": _fen(e.need), "note": e.note}
                      for e in doc.emergencies],
        m.Enrolment: [{"person_id": e.id_number and person_ids[e.id_number], "programme": e.programme.value,
                       "monthly_amount_fen": _fen(e.monthly_amount), "start_date": e.start_date,
                       "end_date": e.end_date, "last_review": e.last_review, "taper_from": e.taper_from}
                      for e in doc.enrolments],
    }


def household_children(doc: s.Household, household_id: int, person_ids: dict[str, int]) -> list[m.Base]:
    return [table(household_id=household_id, **row)
            for table, rows in household_fact_rows(doc, person_ids).items() for row in rows]


_INCOME_AT = [(name, m.Income.__table__.c.keys().index(name)) for name in INCOME_CATEGORIES]


def income_doc(row) -> s.IncomeMonth:
    """One month of income from its row (positions, not names: a registry holds tens of millions of them)."""
    values = {"month": row.month}
    for name, i in _INCOME_AT:
        fen = row[i]
        values[name] = None if fen is None else Decimal(fen).scaleb(-2)
    return build(s.IncomeMonth, **values)


def emergency_doc(row) -> s.Emergency:
    return build(s.Emergency, date=row.occurred_on, kind=s.EmergencyKind(row.kind), need=_yuan(row.need_fen),
                 note=row.note)


def _area(value) -> Decimal:
    """Floor areas come back from SQLite as floats: re-read them at the column's two decimals."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def member_doc(person, member, facts: dict[str, list]) -> s.Member:
    """A member document from the person's row, the membership's and the person's fact rows by table (rows
    of the tables or ORM objects: anything with the columns as attributes)."""
    p = person
    disability = None
    if p.disability_category is not None:
        disability = build(s.Disability, category=s.DisabilityCategory(p.disability_category),
                           grade=p.disability_grade, certificate_no=p.disability_certificate,
                           valid_from=p.disability_valid_from, valid_to=p.disability_valid_to)
    self_care = None
    if p.can_eating is not None:
        self_care = build(s.SelfCare, assessed_on=p.care_assessed_on,
                          **{a: getattr(p, f"can_{a}") for a in SELF_CARE_ACTIVITIES})
    hukou = None
    if (p.hukou_chongqing, p.hukou_urban, p.hukou_area_code) != (None, None, None):
        hukou = build(s.Hukou, chongqing=p.hukou_chongqing, urban=p.hukou_urban, area_code=p.hukou_area_code)
    return build(
        s.Member,
        id_number=p.id_number, name=p.name, sex=s.Sex(p.sex), birth_date=p.birth_date, death_date=p.death_date,
        relation=s.Relation(member.relation), phone=p.phone, counted=member.counted,
        exclusion_reason=member.exclusion_reason and s.ExclusionReason(member.exclusion_reason),
        hukou=hukou, employment=p.employment and s.Employment(p.employment), sector=p.sector,
        school_level=p.school_level and s.SchoolLevel(p.school_level), major_illness=p.major_illness,
        disability=disability, self_care=self_care,
        in_institution=p.in_institution, work_injury_care=p.work_injury_care,
        incomes=[i if isinstance(i, s.IncomeMonth) else income_doc(i)
                 for i in sorted(facts["incomes"], key=lambda i: i.month)],
        financial_assets=[build(s.FinancialAsset, kind=s.AssetKind(a.kind), institution=a.institution,
                                account=a.account, amount=_yuan(a.amount_fen), as_of=a.as_of)
                          for a in facts["financial_assets"]],
        vehicles=[build(s.Vehicle, kind=s.VehicleKind(v.kind), plate=v.plate, value=_yuan(v.value_fen),
                        mobility_for_disabled=v.mobility_for_disabled,
                        registered_on=v.registered_on, deregistered_on=v.deregistered_on)
                  for v in facts["vehicles"]],
        real_estate=[build(s.RealEstate, use=s.PropertyUse(r.use), floor_area_m2=_area(r.floor_area_m2),
                           certificate_no=r.certificate_no, location=r.location,
                           acquired_on=r.acquired_on, disposed_on=r.disposed_on)
                     for r in facts["real_estate"]],
        businesses=[build(s.Business, uscc=b.uscc, name=b.name, registered_capital=_yuan(b.registered_capital_fen),
                          registered_on=b.registered_on, deregistered_on=b.deregistered_on)
                    for b in facts["businesses"]],
        supporters=[build(s.Supporter, name=x.name, id_number=x.id_number, relation=s.Relation(x.relation),
                          status=s.SupporterStatus(x.status), as_of=x.as_of)
                    for x in facts["supporters"]],
    )
