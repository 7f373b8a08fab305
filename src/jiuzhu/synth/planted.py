"""Planted households: built BY CONSTRUCTION so that their answer is known, and recorded in
truth/planted.parquet.

entitled_unenrolled    clearly entitled to 低保 and not enrolled: per-capita counted income at most
                       45 % of the line in every month (so the average is below 50 %), no financial
                       assets, no vehicle, no business.
enrolled_not_entitled  enrolled in 低保 but clearly failing one condition, recorded in ``detail``:
                       ``wages`` (the head's wages ≥ 3 × line × members in every month), ``car`` (a
                       car), or ``deposits`` (deposits of 3-6 × the asset limit).
boundary_on_line       per-capita counted income exactly equal to the line in every month: the
                       test is strictly below, so NOT eligible.
boundary_fen_below     per-capita counted income exactly one fen below the line in every month:
                       eligible (amount = 1 fen × members).

Boundary households: one earner (the head) with the same wages every month, every member counted,
nobody else with any income, no financial assets, no vehicle, no business, no real estate; not enrolled.
Entitled and boundary households hold only working-age adults without a disability certificate and
their minor children, so that no member is a 特困 case (which would take them out of the 低保 household).
Planted households get no declared/true differences, so the departments confirm them.
"""

from __future__ import annotations

import numpy as np

from jiuzhu.synth import economy
from jiuzhu.synth.enrol import Law
from jiuzhu.synth.population import E

KINDS = ("entitled_unenrolled", "enrolled_not_entitled", "boundary_on_line", "boundary_fen_below")
CONDITIONS = ("wages", "car", "deposits")


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def pick(rng: np.random.Generator, hh: dict, pp: dict, tekun: np.ndarray, shares: dict[str, float],
         minimum: int) -> dict[str, np.ndarray]:
    """Disjoint sets of households of each kind, among households whose head is 18-64."""
    n = hh["n"]
    head_age = pp["age"][pp["hh_start"]]
    # Nobody in a planted household may be a 特困 case under the rules (it would leave the 低保 household):
    # every member is a working-age adult without a disability certificate, or a minor living with
    # the head as parent (an able supporter in the household).
    age, grade = pp["age"], pp["dis_grade"]
    plain = ((age >= 18) & (age <= 59) & (grade == 0)) | ((age < 18) & (pp["relation"] == "child"))
    all_plain = np.bincount(pp["hh"], weights=~plain, minlength=n) == 0
    candidates = np.nonzero(~tekun & all_plain & (head_age >= 18) & (head_age <= 59))[0]
    pool = rng.permutation(candidates)
    out, used = {}, 0
    for kind in KINDS:
        count = max(minimum, int(round(shares.get(kind, 0.0) * n))) if shares.get(kind, 0.0) > 0 else 0
        count = min(count, len(pool) - used)
        out[kind] = np.sort(pool[used:used + count])
        used += count
    return out


def _members(pp: dict, households: np.ndarray) -> np.ndarray:
    mask = np.zeros(len(pp["hh_start"]), dtype=bool)
    mask[households] = True
    return mask[pp["hh"]]


def _counted_members(pp: dict, n: int) -> np.ndarray:
    return economy.household_sums(pp["counted"].astype(np.int64), pp, n)


def plant(rng: np.random.Generator, ch, picks: dict[str, np.ndarray], rules: Law) -> dict[int, str]:
    """Rewrite the picked households; returns the detail text per household index."""
    hh, pp, inc, M = ch.hh, ch.pp, ch.inc, ch.M
    n = hh["n"]
    head = pp["hh_start"]
    line = rules.line_fen(hh["urban"])
    limit_months = rules.assets_months
    detail: dict[int, str] = {}

    # Boundary households and the clearly entitled: everybody counted, nothing but what we set.
    clean = np.concatenate([picks["entitled_unenrolled"], picks["boundary_on_line"], picks["boundary_fen_below"]])
    members = _members(pp, clean)
    boundary = _members(pp, np.concatenate([picks["boundary_on_line"], picks["boundary_fen_below"]]))
    pp["counted"][boundary] = True
    pp["exclusion"][boundary] = None
    inc.clear(np.nonzero(members)[0])
    ch.drop_facts(members)
    # No real estate either: a second house would fail the 低保 housing test. No major illness: its
    # medical costs are deducted from income and would move the household off its boundary.
    ch.estate = economy.select_rows(ch.estate, ~members[ch.estate["person"]])
    pp["major_illness"][members] = False
    k = _counted_members(pp, n)

    for kind, minus in (("boundary_on_line", 0), ("boundary_fen_below", 1)):
        for h in picks[kind]:
            wage = (int(line[h]) - minus) * int(k[h])
            inc.set(np.array([head[h]]), "wages", np.full((1, M), wage, dtype=np.int64))
            pp["employment"][head[h]] = E["employed"]
            pp["formal"][head[h]] = True
            pc = int(line[h]) - minus
            rel = "= line" if minus == 0 else "= line − 0.01"
            detail[h] = (f"per-capita counted income {yuan(pc)} {rel} {yuan(int(line[h]))} in every month; "
                         f"{int(k[h])} counted member(s); head's wages {yuan(wage)} a month; no assets, no vehicle")

    for h in picks["entitled_unenrolled"]:
        kk, ln = int(k[h]), int(line[h])
        if rng.random() < 0.5:
            detail[h] = f"no income; {kk} counted member(s); line {yuan(ln)}; no assets, no vehicle"
            pp["employment"][head[h]] = E["unemployed"] if pp["age"][head[h]] < 60 else E["other"]
            continue
        share = rng.uniform(0.05, 0.45, M)
        amounts = np.floor(share * ln * kk).astype(np.int64)
        cat = "business_net" if not hh["urban"][h] else "wages"
        inc.set(np.array([head[h]]), cat, amounts[None, :])
        pp["employment"][head[h]] = E["farming"] if cat == "business_net" else E["employed"]
        pp["formal"][head[h]] = False
        pc_avg = amounts.sum() / M / kk
        detail[h] = (f"per-capita counted income averages {pc_avg / 100:.2f} ≤ 50% of line {yuan(ln)} "
                     f"({kk} counted member(s), {cat} only); no assets, no vehicle")

    for i, h in enumerate(picks["enrolled_not_entitled"]):
        cond = CONDITIONS[i % len(CONDITIONS)]
        kk, ln = int(k[h]), int(line[h])
        if cond == "wages":
            wage = np.floor(ln * kk * rng.uniform(3.0, 4.5, M)).astype(np.int64)
            inc.clear(np.array([head[h]]))
            inc.set(np.array([head[h]]), "wages", wage[None, :])
            pp["employment"][head[h]] = E["employed"]
            pp["formal"][head[h]] = True
            detail[h] = (f"condition=wages: head's wages {yuan(int(wage.min()))}-{yuan(int(wage.max()))} a month, "
                         f"at least 3 × line {yuan(ln)} × {kk} member(s)")
        elif cond == "car":
            value = int(round(economy.lognormal(rng, 90000.0, 0.4, 1)[0])) * 100
            ch.add_vehicle(head[h], "car", value)
            detail[h] = f"condition=car: a car worth {yuan(value)} owned by the head"
        else:
            amount = int(limit_months * ln * kk * rng.uniform(3.0, 6.0))
            ch.add_asset(head[h], "deposit", amount)
            detail[h] = (f"condition=deposits: a deposit of {yuan(amount)}, limit {limit_months} × {yuan(ln)} × "
                         f"{kk} = {yuan(limit_months * ln * kk)}")
    return detail
