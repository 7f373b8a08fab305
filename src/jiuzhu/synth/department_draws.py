"""Random draws for the department records that the registry does not hold: when a 户籍 or a marriage was
registered, the housing-provident-fund accounts, the schools' names, what medical insurance paid.

Each chunk draws them from a generator of its own, seeded from (seed, chunk index, DEPARTMENTS_STREAM), after
everything else: the registry, the older department files and the truth of a seed stay as they were drawn
before these records existed. Facts the registry does hold (户籍 place, school level, rigid medical spending,
work-injury care pay, unemployment benefit) are copied, never drawn again (jiuzhu.synth.department_files).
"""

from __future__ import annotations

import numpy as np

from jiuzhu.synth import economy
from jiuzhu.synth.population import E1, E2, HEAD, SCHOOL, SPOUSE

DEPARTMENTS_STREAM = 0xDE
UNIVERSITIES = np.array(["重庆大学", "西南大学", "重庆医科大学", "重庆师范大学", "重庆交通大学", "西南政法大学",
                         "重庆邮电大学", "四川外国语大学", "重庆理工大学", "四川大学"], dtype=object)
# 民法典 art. 1047: a man marries at 22 at the earliest, a woman at 20.
MARRIAGE_AGE = {True: 22, False: 20}
MARRIAGE_LAW = np.datetime64("1950-05-01")  # the first marriage law; no registration before it
LEFT_SCHOOL = SCHOOL.tolist().index("junior_secondary")  # the last level of the school-age young out of school


def draw(s, ch) -> None:
    """Fill ``ch.hukou_on``, ``ch.marriages``, ``ch.fund``, ``ch.schools``, ``ch.medical`` (local indices), and
    plant the over-declared medical costs (``ch.differences``, ``ch.differs``)."""
    rng = np.random.default_rng([s.seed, ch.index, DEPARTMENTS_STREAM])
    ch.hukou_on = _hukou_dates(rng, ch.pp, s.refd)
    ch.marriages = _marriages(rng, ch.pp, s.refd)
    ch.fund = _housing_fund(rng, ch, s.cfg)
    ch.schools = _schools(rng, ch, s)
    ch.medical = _medical(rng, ch.rigid)
    over = _overdeclared_medical(rng, ch, s.cfg)
    ch.differs[over] = True


def years_after(d: np.ndarray, years) -> np.ndarray:
    """The anniversary ``years`` years after each date (29 February → 1 March)."""
    month = d.astype("datetime64[M]")
    day = d - month.astype("datetime64[D]")
    return (month + np.asarray(years) * 12).astype("datetime64[D]") + day


def _hukou_dates(rng: np.random.Generator, pp: dict, refd: np.datetime64) -> np.ndarray:
    """Registered at birth (within 60 days), or moved in at 16 or later: most spouses (at marriage), some
    heads and parents, almost no children."""
    P, birth = pp["P"], pp["birth"]
    at_birth = birth + rng.integers(0, 60, P)
    moved_p = np.select([pp["relation"] == "spouse", pp["relation"] == "head", pp["relation"] == "parent"],
                        [0.8, 0.3, 0.2], 0.02)
    adult_from = years_after(birth, 16)
    moved = (rng.random(P) < moved_p) & (adult_from < refd)
    span = np.maximum((refd - adult_from).astype(np.int64), 1)
    moved_on = adult_from + np.floor(rng.random(P) * span).astype(np.int64)
    return np.minimum(np.where(moved, moved_on, at_birth), refd)


def _marriages(rng: np.random.Generator, pp: dict, refd: np.datetime64) -> dict:
    """Registered marriages of the couples living together: head and spouse, the head's parents. A couple
    too young to marry on the reference date (a man under 22 or a woman under 20) has none: 事实婚姻."""
    slot = pp["slot"]
    wife_or_second = np.nonzero((slot == SPOUSE) | (slot == E2))[0]
    first = wife_or_second - 1  # slots are in order: the head is right before the spouse, E1 before E2
    assert ((slot[first] == HEAD) | (slot[first] == E1)).all()
    a, b = first, wife_or_second
    man = np.where(pp["male"][a], a, b)
    woman = np.where(pp["male"][a], b, a)
    earliest = np.maximum(np.maximum(years_after(pp["birth"][man], MARRIAGE_AGE[True]),
                                     years_after(pp["birth"][woman], MARRIAGE_AGE[False])), MARRIAGE_LAW)
    span = (refd - earliest).astype(np.int64) + 1
    u = rng.random(len(a))
    ok = span > 0
    # Most marry within a few years of the earliest date: a quadratic skew over at most 15 years.
    on = earliest + np.floor(u ** 2 * np.minimum(np.maximum(span, 1), 15 * 365)).astype(np.int64)
    return dict(a=a[ok].astype(np.int64), b=b[ok].astype(np.int64), registered_on=on[ok])


def _housing_fund(rng: np.random.Generator, ch, cfg) -> dict:
    """An account for a share of the formally employed who earned wages in the last month: 5-12 % of the
    wage from each side (住房公积金管理条例 art. 18), a balance of months of deposits less withdrawals."""
    pp, inc, M = ch.pp, ch.inc, ch.M
    wc = economy.CAT["wages"]
    P = pp["P"]
    u = rng.random(P)
    rate = rng.integers(5, 13, P)
    months = rng.integers(6, 241, P)
    kept = rng.uniform(0.2, 1.0, P)
    who = np.nonzero(pp["formal"] & pp["counted"] & inc.present[:, M - 1, wc] & (u < cfg.housing_fund_share))[0]
    paid = inc.amount[who, :, wc] * inc.present[who, :, wc]
    wage = paid.sum(axis=1) // np.maximum(inc.present[who, :, wc].sum(axis=1), 1)
    deposit = np.maximum(wage * rate[who] // 100, 1) * 2
    balance = np.maximum(np.floor(deposit * months[who] * kept[who]).astype(np.int64), deposit)
    return dict(person=who.astype(np.int64), deposit_fen=deposit.astype(np.int64), balance_fen=balance)


def _schools(rng: np.random.Generator, ch, s) -> dict:
    """Every pupil and student at the level the registry records, and the young aged 15-17 out of school
    (enrolled false, their last level junior secondary), with the name of the school."""
    pp, hh = ch.pp, ch.hh
    P = pp["P"]
    k = rng.integers(1, 4, P)
    uni = UNIVERSITIES[rng.integers(0, len(UNIVERSITIES), P)]
    enrolled = pp["school"] > 0
    left = ~enrolled & (pp["age"] >= 15) & (pp["age"] < 18)
    who = np.nonzero(enrolled | left)[0]
    level = np.where(enrolled[who], pp["school"][who], LEFT_SCHOOL)
    town = np.array([t.name for t in s.place.townships], dtype=object)[hh["township"][pp["hh"][who]]]
    district = "重庆市" + s.place.name  # 重庆市大足区, 重庆市石柱土家族自治县
    by_level = {1: town + "中心幼儿园(合成)", 2: town + "中心小学(合成)", 3: town + "中学(合成)",
                4: np.array([f"{district}第{i}中学(合成)" for i in k[who]], dtype=object),
                5: np.full(len(who), f"{district}职业教育中心(合成)", dtype=object),
                6: uni[who], 7: uni[who]}
    name = np.select([level == lv for lv in by_level], list(by_level.values()), None)
    return dict(person=who.astype(np.int64), level=SCHOOL[level], enrolled=enrolled[who], school_name=name)


def _medical(rng: np.random.Generator, rigid: dict) -> dict:
    """The registry's medical costs after reimbursement are what the insured paid; the fund paid 1-4 times
    as much (reimbursed 50-80 %)."""
    med = rigid["category"] == "medical"
    ratio = rng.uniform(1.0, 4.0, len(med))[med]
    own = rigid["amount_fen"][med]
    return dict(person=rigid["person"][med], month=rigid["month"][med], out_of_pocket_fen=own,
                fund_paid_fen=np.floor(own * ratio).astype(np.int64))


def _overdeclared_medical(rng: np.random.Generator, ch, cfg) -> np.ndarray:
    """A share of the households (not ``ch.excluded``) with medical costs declared them higher than they were:
    for one member, every month, medical insurance holds 30-70 % of what the registry's rigid spending says.
    The registry keeps what was declared; the department record and the truth change. Returns the households."""
    n = ch.hh["n"]
    u = rng.random(n)
    f = rng.uniform(0.3, 0.7, n)
    med = ch.medical
    hh_of = ch.pp["hh"][med["person"]]
    rows = np.nonzero(~ch.excluded[hh_of])[0]
    households, first = np.unique(hh_of[rows], return_index=True)
    chosen = households[u[households] < cfg.medical_overdeclared_share]
    person_of = dict(zip(households.tolist(), med["person"][rows[first]].tolist(), strict=True))
    for h in chosen.tolist():
        for i in np.nonzero(med["person"] == person_of[h])[0]:
            declared = int(med["out_of_pocket_fen"][i])
            actual = max(int(declared * f[h]), 1)
            med["out_of_pocket_fen"][i] = actual
            med["fund_paid_fen"][i] = max(med["fund_paid_fen"][i] * actual // declared, actual)
            ch.differences.append(dict(hh=h, person=person_of[h], source="medical_insurance", item="medical_costs",
                                       month=int(med["month"][i]), declared_fen=declared, actual_fen=actual,
                                       ref=("amount", None)))
    return chosen
