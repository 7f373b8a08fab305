"""Builders of valid test data: ID numbers and Hypothesis strategies for households."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st
from stdnum.cn import ric

from jiuzhu.registry import codes

# 大足's county codes by the years stdnum's table says they were valid (domain.md §8).
DAZU_CODES = [("512126", 1930, 1982), ("510230", 1983, 1996), ("500225", 1997, 2010), ("500111", 2011, 2024)]


def id_number(birth: dt.date, seq: int, male: bool) -> str:
    area = next(code for code, start, end in DAZU_CODES if start <= birth.year <= end)
    digits = f"{seq % 500 * 2 + (1 if male else 0):03d}"
    first17 = f"{area}{birth:%Y%m%d}{digits}"
    return first17 + ric.calc_check_digit(first17 + "0")


yuan = st.integers(min_value=0, max_value=10_000_000).map(lambda fen: f"{fen // 100}.{fen % 100:02d}")
# Every date and month lies in the past (the format refuses the future), whatever day the suite runs.
dates = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2026, 6, 30))
# Near the months the property tests evaluate, so that an emergency often falls in the month evaluated.
emergency_dates = st.dates(min_value=dt.date(2024, 7, 1), max_value=dt.date(2026, 2, 28))
taper_months = st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(2024, 2025), st.integers(1, 12))
months = st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(2023, 2026), st.integers(1, 12)).filter(
    lambda m: m <= "2026-06")
text = st.text(alphabet="王李张刘陈杨赵黄周吴秀英德福明华军", min_size=1, max_size=4)
phones = st.sampled_from(["13800000000", "023-43721234", "+86 139 0000 0000"])
accounts = st.sampled_from(["6217000012345678", "6228480012345678901", "POL-2019-0001"])


@st.composite
def held(draw, start: str, end: str) -> dict:
    """The dates an item is held between (either may be unknown), the end never before the start."""
    first = draw(st.none() | dates)
    last = draw(st.none() | st.dates(min_value=first or dt.date(2015, 1, 1), max_value=dt.date(2026, 6, 30)))
    return {start: first, end: last}


def _with_dates(item: st.SearchStrategy, start: str, end: str) -> st.SearchStrategy:
    return st.tuples(item, held(start, end)).map(lambda pair: {**pair[0], **pair[1]})


@st.composite
def income_months(draw):
    chosen = draw(st.lists(months, unique=True, max_size=4))
    return [
        {"month": m, **{c: draw(st.none() | yuan) for c in draw(st.sets(st.sampled_from(codes.INCOME_CATEGORIES)))}}
        for m in chosen
    ]


@st.composite
def members(draw, n: int):
    out = []
    for i in range(n):
        birth = draw(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2024, 12, 31)))
        counted = draw(st.booleans()) if i else True
        member = {
            "id_number": id_number(birth, i, draw(st.booleans())),
            "name": draw(text),
            "relation": "head" if i == 0 else draw(st.sampled_from([r.value for r in codes.Relation][1:])),
            "phone": draw(st.none() | phones),
            "counted": counted,
            "exclusion_reason": None if counted else draw(st.sampled_from([r.value for r in codes.ExclusionReason])),
            "hukou": draw(st.none() | st.fixed_dictionaries(
                {"chongqing": st.none() | st.booleans(), "urban": st.none() | st.booleans(),
                 "area_code": st.none() | st.just("500111")})),
            "employment": draw(st.none() | st.sampled_from([e.value for e in codes.Employment])),
            "major_illness": draw(st.none() | st.booleans()),
            "disability": draw(st.none() | st.fixed_dictionaries({
                "category": st.sampled_from([c.value for c in codes.DisabilityCategory]),
                "grade": st.integers(1, 4), "certificate_no": st.none() | st.just("C123"),
                "valid_from": st.none(), "valid_to": st.none() | dates})),
            "self_care": draw(st.none() | st.fixed_dictionaries(
                {"assessed_on": st.none() | dates, **{a: st.booleans() for a in codes.SELF_CARE_ACTIVITIES}})),
            "incomes": draw(income_months()),
            "in_institution": draw(st.none() | st.booleans()),
            "work_injury_care": draw(st.none() | st.booleans()),
            "financial_assets": draw(st.lists(st.fixed_dictionaries({
                "kind": st.sampled_from([k.value for k in codes.AssetKind]), "institution": st.none() | text,
                "account": st.none() | accounts, "amount": yuan, "as_of": dates}), max_size=2)),
            "vehicles": draw(st.lists(_with_dates(st.fixed_dictionaries({
                "kind": st.sampled_from([k.value for k in codes.VehicleKind]), "plate": st.none() | st.just("渝A12345"),
                "value": st.none() | yuan, "mobility_for_disabled": st.booleans()}),
                "registered_on", "deregistered_on"), max_size=1)),
            "real_estate": draw(st.lists(_with_dates(st.fixed_dictionaries({
                "use": st.sampled_from([u.value for u in codes.PropertyUse]),
                "floor_area_m2": st.integers(1000, 30000).map(lambda c: f"{c // 100}.{c % 100:02d}"),
                "certificate_no": st.none(), "location": st.none() | text}),
                "acquired_on", "disposed_on"), max_size=1)),
            "businesses": draw(st.lists(_with_dates(st.fixed_dictionaries({
                "uscc": st.just("92500111MA5U7K2L3M"), "name": st.none() | text,
                "registered_capital": st.none() | yuan}), "registered_on", "deregistered_on"), max_size=1)),
            "supporters": draw(st.lists(st.fixed_dictionaries({
                "name": text, "id_number": st.none(), "relation": st.just("child"),
                "status": st.sampled_from([s.value for s in codes.SupporterStatus]), "as_of": st.none() | dates}),
                max_size=2)),
        }
        out.append(member)
    return out


@st.composite
def enrolments(draw, ids: list[str]):
    programme = draw(st.sampled_from([p.value for p in codes.Programme]))
    return {"programme": programme, "id_number": draw(st.none() | st.sampled_from(ids)), "monthly_amount": draw(yuan),
            "start_date": (start := draw(dates)),
            "end_date": draw(st.none() | st.dates(min_value=start, max_value=dt.date(2026, 6, 30))),
            "last_review": draw(st.none() | dates),
            # 渐退期 near the months the property tests evaluate, for 低保 only
            "taper_from": draw(st.none() | taper_months) if programme == "dibao" else None}


@st.composite
def households(draw, number: int = 1):
    size = draw(st.integers(1, 4))
    mems = draw(members(size))
    ids = [m["id_number"] for m in mems]
    return {
        "household_no": f"500111119-{number:06d}",
        "area_code": draw(st.sampled_from(["500111119", "500111120", "500103011"])),
        "address": draw(st.none() | text),
        "urban": draw(st.booleans()),
        "declared_on": draw(st.none() | dates),
        "members": mems,
        "rigid_spending": draw(st.lists(st.fixed_dictionaries({
            "month": months, "category": st.sampled_from([c.value for c in codes.RigidCategory]),
            "amount": yuan, "id_number": st.none() | st.sampled_from(ids)}), max_size=2)),
        "emergencies": draw(st.lists(st.fixed_dictionaries({
            "date": emergency_dates, "kind": st.sampled_from([k.value for k in codes.EmergencyKind]),
            "need": yuan, "note": st.none() | text}), max_size=2)),
        "enrolments": draw(st.lists(enrolments(ids), max_size=2)),
    }
