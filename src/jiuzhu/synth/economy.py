"""Money and property, as it truly is (the departments' view): income by person, month and
category; deposits, securities and insurance; vehicles; real estate; businesses; legal supporters;
rigid spending. What households DECLARE is derived from this later (jiuzhu.synth.departments).

Incomes are a dense (persons × months × categories) array of fen with a presence mask: a
category a person does not have is absent (NULL in the registry), never zero.
Fact tables are dicts of equal-length numpy arrays with ``person`` the local person index and
``declared`` telling whether the household declared the row.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from jiuzhu.registry.codes import COUNTED_INCOME, INCOME_CATEGORIES
from jiuzhu.synth import ids
from jiuzhu.synth.config import SynthConfig
from jiuzhu.synth.population import E, S

CAT = {name: i for i, name in enumerate(INCOME_CATEGORIES)}
COUNTED_IDX = np.array([CAT[c] for c in COUNTED_INCOME])
# Farming income by calendar month (harvests in summer and autumn); mean 1.
SEASON = np.array([0.6, 0.6, 0.8, 0.9, 1.0, 1.1, 1.3, 1.5, 1.5, 1.3, 0.8, 0.6])

BANKS = np.array(["重庆农村商业银行", "重庆银行", "重庆三峡银行", "中国工商银行重庆市分行", "中国农业银行重庆市分行",
                  "中国银行重庆市分行", "中国建设银行重庆市分行", "交通银行重庆市分行", "中国邮政储蓄银行重庆分行",
                  "招商银行重庆分行", "兴业银行重庆分行", "中信银行重庆分行"], dtype=object)
BANK_P_URBAN = np.array([0.16, 0.10, 0.04, 0.13, 0.10, 0.09, 0.12, 0.05, 0.08, 0.06, 0.04, 0.03])
BANK_P_RURAL = np.array([0.38, 0.05, 0.04, 0.06, 0.12, 0.04, 0.06, 0.02, 0.19, 0.02, 0.01, 0.01])
SECURITIES_FIRMS = np.array(["西南证券", "中信证券重庆分公司", "华泰证券重庆营业部", "国泰君安证券重庆分公司"],
                            dtype=object)
INSURERS = np.array(["中国人寿重庆市分公司", "中国平安人寿重庆分公司", "太平洋人寿重庆分公司", "泰康人寿重庆分公司",
                     "新华人寿重庆分公司"], dtype=object)
TRADES = np.array(["五金店", "小吃店", "副食店", "理发店", "农资店", "家电维修部", "面馆", "服装店", "建材经营部",
                   "水果店", "茶馆", "运输户"], dtype=object)


def lognormal(rng: np.random.Generator, median, sigma, size) -> np.ndarray:
    return np.asarray(median) * np.exp(rng.normal(0.0, sigma, size))


def fen(yuan: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(yuan) * 100).astype(np.int64)


class Incomes:
    """Income by person × month × category, in fen, with a presence mask."""

    def __init__(self, P: int, M: int) -> None:
        self.amount = np.zeros((P, M, len(INCOME_CATEGORIES)), dtype=np.int64)
        self.present = np.zeros((P, M, len(INCOME_CATEGORIES)), dtype=bool)

    def set(self, who: np.ndarray, cat: str, monthly_fen: np.ndarray) -> None:
        """Give ``who`` (person indices) the category with amounts per month (shape len(who) × M)."""
        c = CAT[cat]
        self.amount[who, :, c] = monthly_fen
        self.present[who, :, c] = True

    def clear(self, who: np.ndarray, cats=None) -> None:
        idx = slice(None) if cats is None else [CAT[c] for c in cats]
        self.amount[who, :, idx] = 0
        self.present[who, :, idx] = False

    def copy(self) -> "Incomes":
        out = Incomes.__new__(Incomes)
        out.amount, out.present = self.amount.copy(), self.present.copy()
        return out

    def counted_per_person(self) -> np.ndarray:
        """Total counted income of each person over all months (fen)."""
        a = self.amount[:, :, COUNTED_IDX] * self.present[:, :, COUNTED_IDX]
        return a.sum(axis=(1, 2))

    def total_per_person(self) -> np.ndarray:
        return (self.amount * self.present).sum(axis=(1, 2))


def make_incomes(rng: np.random.Generator, pp: dict, hh: dict, months: list[str], cfg: SynthConfig) -> Incomes:
    P, M = pp["P"], len(months)
    inc = Incomes(P, M)
    emp, age = pp["employment"], pp["age"]
    urban = hh["urban"][pp["hh"]]
    factor = hh["factor"][pp["hh"]]
    cal = np.array([int(m[5:7]) - 1 for m in months])
    live = pp["counted"]

    def monthly(base: np.ndarray, sigma: float) -> np.ndarray:
        return fen(base[:, None] * np.exp(rng.normal(0.0, sigma, (len(base), M))))

    def constant(base: np.ndarray) -> np.ndarray:
        return np.repeat(fen(base)[:, None], M, axis=1)

    w = np.nonzero((emp == E["employed"]) & live)[0]
    med = np.where(urban[w], cfg.wage_median_urban, cfg.wage_median_rural) * factor[w]
    inc.set(w, "wages", monthly(lognormal(rng, med, cfg.wage_sigma, len(w)), 0.04))
    b = np.nonzero((emp == E["self_employed"]) & live)[0]
    med = np.where(urban[b], cfg.self_employed_median_urban, cfg.self_employed_median_rural) * factor[b]
    inc.set(b, "business_net", monthly(lognormal(rng, med, 0.5, len(b)), 0.15))
    f = np.nonzero((emp == E["farming"]) & live)[0]
    base = lognormal(rng, cfg.farming_median * np.sqrt(factor[f]), 0.4, len(f))
    inc.set(f, "business_net", fen(base[:, None] * SEASON[cal][None, :] * np.exp(rng.normal(0, 0.1, (len(f), M)))))
    r = np.nonzero((emp == E["retired"]) & live)[0]
    med = np.where(urban[r], cfg.employee_pension_median_urban, cfg.employee_pension_median_rural) * factor[r] ** 0.3
    inc.set(r, "pension", constant(lognormal(rng, med, 0.3, len(r))))
    # Residents' pension scheme for people aged 60+ without an employee pension:
    # a central basic part (not counted) and a small local/personal-account part (counted).
    res = np.nonzero((age >= 60) & (emp != E["retired"]) & live)[0]
    inc.set(res, "basic_pension_central", constant(np.full(len(res), float(cfg.resident_pension_central))))
    inc.set(res, "pension", constant(np.round(rng.uniform(20, 150, len(res)))))
    # Remittances from children living elsewhere, to elderly heads.
    elderly_hh = np.isin(hh["shape"], [S["single_elderly"], S["elderly_couple"]])
    t = np.nonzero((pp["slot"] == 0) & elderly_hh[pp["hh"]] & (rng.random(P) < cfg.remittance_share_elderly))[0]
    inc.set(t, "transfer_net", monthly(lognormal(rng, cfg.remittance_median, 0.6, len(t)), 0.2))
    mp = np.nonzero((pp["slot"] == 0) & (hh["shape"][pp["hh"]] == S["skipped_generation"]) & (rng.random(P) < 0.9))[0]
    inc.set(mp, "transfer_net", monthly(lognormal(rng, cfg.migrant_parents_median, 0.5, len(mp)), 0.2))
    rent = np.nonzero((pp["slot"] == 0) & urban & (rng.random(P) < cfg.rent_share_urban * np.minimum(factor, 3)))[0]
    inc.set(rent, "property_net", constant(lognormal(rng, cfg.rent_median, 0.5, len(rent))))
    un = np.nonzero((emp == E["unemployed"]) & live & (rng.random(P) < np.where(urban, 0.35, 0.15)))[0]
    inc.set(un, "unemployment_benefit", constant(np.full(len(un), float(cfg.unemployment_benefit))))
    # Excluded categories: 优抚, family-planning awards, scholarships.
    yf = np.nonzero((age >= 60) & pp["male"] & live & (rng.random(P) < 0.008))[0]
    inc.set(yf, "youfu", constant(np.round(rng.uniform(800, 2500, len(yf)))))
    fp = np.nonzero((age >= 60) & ~urban & live & (rng.random(P) < 0.12))[0]
    inc.set(fp, "family_planning", constant(np.full(len(fp), 80.0)))
    aw = np.nonzero((emp == E["student"]) & (age >= 15) & (rng.random(P) < 0.04))[0]
    if len(aw):
        when = rng.integers(0, M, len(aw))
        inc.amount[aw, when, CAT["award"]] = fen(np.round(rng.uniform(500, 5000, len(aw))))
        inc.present[aw, when, CAT["award"]] = True
    return inc


def household_sums(values: np.ndarray, pp: dict, n: int) -> np.ndarray:
    """Sum per household of a per-person array (persons are contiguous by household)."""
    if len(values) == 0:
        return np.zeros(n, dtype=values.dtype)
    out = np.add.reduceat(values, pp["hh_start"])
    # reduceat gives a wrong value for empty segments; every household has a head, so none is empty.
    return out


def empty_facts(**dtypes) -> dict:
    return {k: np.empty(0, dtype=v) for k, v in dtypes.items()}


ASSET_FIELDS = dict(person=np.int64, kind=object, institution=object, amount_fen=np.int64, declared=bool)
VEHICLE_FIELDS = dict(person=np.int64, kind=object, value_fen=np.int64, mobility=bool, declared=bool,
                      registered_on="datetime64[D]")
ESTATE_FIELDS = dict(person=np.int64, use=object, area_centi=np.int64, registered_on="datetime64[D]", declared=bool)
BUSINESS_FIELDS = dict(person=np.int64, name=object, capital_fen=np.int64, established_on="datetime64[D]",
                       declared=bool)


def concat(*parts: dict) -> dict:
    keys = parts[0].keys()
    return {k: np.concatenate([p[k] for p in parts]) for k in keys}


def select_rows(rows: dict, mask: np.ndarray) -> dict:
    return {k: v[mask] for k, v in rows.items()}


def make_assets(rng: np.random.Generator, pp: dict, hh: dict, hh_income_month: np.ndarray, cfg: SynthConfig) -> dict:
    """Deposits (1-3 accounts, head and spouse), securities and insurance cash value."""
    n = hh["n"]
    urban = hh["urban"]
    head = pp["hh_start"]
    spouse_idx = np.full(n, -1)
    sp = np.nonzero(pp["slot"] == 1)[0]
    spouse_idx[pp["hh"][sp]] = sp
    base = np.maximum(hh_income_month, 30000)  # at least 300 yuan a month of "saving capacity"
    has = rng.random(n) < cfg.deposit_share
    total = base * lognormal(rng, cfg.deposit_months_median, cfg.deposit_months_sigma, n) / 100.0
    n_acc = rng.choice([1, 2, 3], n, p=[0.5, 0.35, 0.15])
    parts = []
    for k in range(3):
        sel = np.nonzero(has & (n_acc > k))[0]
        share = rng.dirichlet([1.0, 1.0, 1.0], len(sel))[:, k] if k < 2 else rng.uniform(0.05, 0.4, len(sel))
        owner = np.where((k == 1) & (spouse_idx[sel] >= 0), spouse_idx[sel], head[sel])
        bank = np.where(urban[sel], rng.choice(len(BANKS), len(sel), p=BANK_P_URBAN),
                        rng.choice(len(BANKS), len(sel), p=BANK_P_RURAL))
        parts.append(dict(person=owner.astype(np.int64), kind=np.full(len(sel), "deposit", dtype=object),
                          institution=BANKS[bank], amount_fen=np.maximum(fen(total[sel] * share), 1),
                          declared=np.ones(len(sel), dtype=bool)))
    rich = np.clip(hh["factor"], 0.2, 4.0)
    sec = np.nonzero(rng.random(n) < np.where(urban, cfg.securities_share_urban, cfg.securities_share_rural) * rich)[0]
    parts.append(dict(person=head[sec].astype(np.int64), kind=np.full(len(sec), "securities", dtype=object),
                      institution=SECURITIES_FIRMS[rng.integers(0, len(SECURITIES_FIRMS), len(sec))],
                      amount_fen=fen(lognormal(rng, 30000.0, 1.0, len(sec))), declared=np.ones(len(sec), dtype=bool)))
    ins = np.nonzero(rng.random(n) < cfg.insurance_share * np.sqrt(rich))[0]
    parts.append(dict(person=head[ins].astype(np.int64), kind=np.full(len(ins), "insurance_cash_value", dtype=object),
                      institution=INSURERS[rng.integers(0, len(INSURERS), len(ins))],
                      amount_fen=fen(lognormal(rng, 15000.0, 0.8, len(ins))), declared=np.ones(len(ins), dtype=bool)))
    return concat(*parts)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def make_vehicles(rng: np.random.Generator, pp: dict, hh: dict, pc_month_yuan: np.ndarray, ref: dt.date,
                  cfg: SynthConfig) -> dict:
    n = hh["n"]
    urban = hh["urban"]
    head = pp["hh_start"]
    refd = ids.date64(ref)
    lg = np.log(np.maximum(pc_month_yuan, 1.0))
    p_car = np.where(urban, cfg.car_max_urban * _sigmoid((lg - np.log(2500)) / 0.45),
                     cfg.car_max_rural * _sigmoid((lg - np.log(1500)) / 0.45))
    car = np.nonzero(rng.random(n) < p_car)[0]
    p_moto = np.where(urban, 0.03, cfg.motorcycle_max_rural * _sigmoid((lg - np.log(900)) / 0.5))
    moto = np.nonzero(rng.random(n) < p_moto)[0]
    truck_p = np.where(pp["employment"][head] == E["self_employed"], 0.06, 0.0)
    truck = np.nonzero(rng.random(n) < truck_p)[0]
    phys = np.nonzero((pp["dis_category"] == "physical") & (pp["dis_grade"] >= 1) & (pp["dis_grade"] <= 3)
                      & (pp["age"] >= 18) & (rng.random(pp["P"]) < cfg.mobility_vehicle_share))[0]

    def rows(person, kind, value_median, sigma, mobility=False):
        k = len(person)
        return dict(person=person.astype(np.int64), kind=np.full(k, kind, dtype=object),
                    value_fen=fen(np.round(lognormal(rng, value_median, sigma, k))),
                    mobility=np.full(k, mobility), declared=np.ones(k, dtype=bool),
                    registered_on=refd - rng.integers(60, 12 * 365, k))
    return concat(rows(head[car], "car", 85000.0, 0.5), rows(head[moto], "motorcycle", 4500.0, 0.4),
                  rows(head[truck], "truck", 60000.0, 0.5), rows(phys, "mobility_vehicle", 6000.0, 0.3, True))


def make_real_estate(rng: np.random.Generator, pp: dict, hh: dict, ref: dt.date, cfg: SynthConfig) -> dict:
    n = hh["n"]
    urban = hh["urban"]
    head = pp["hh_start"]
    refd = ids.date64(ref)
    own = np.nonzero(rng.random(n) < np.where(urban, cfg.home_owner_urban, cfg.home_owner_rural))[0]
    area = np.where(urban[own], lognormal(rng, 85.0, 0.3, len(own)), lognormal(rng, 140.0, 0.35, len(own)))
    second = np.nonzero((rng.random(n) < cfg.second_home_share * np.clip(hh["factor"], 0, 3)))[0]
    shop = np.nonzero((pp["employment"][head] == E["self_employed"]) & (rng.random(n) < 0.15))[0]

    def rows(sel, use, areas):
        k = len(sel)
        return dict(person=head[sel].astype(np.int64), use=np.full(k, use, dtype=object),
                    area_centi=np.round(areas * 100).astype(np.int64),
                    registered_on=refd - rng.integers(30, 25 * 365, k), declared=np.ones(k, dtype=bool))
    return concat(rows(own, "residential", area), rows(second, "residential", lognormal(rng, 90.0, 0.3, len(second))),
                  rows(shop, "commercial", lognormal(rng, 40.0, 0.4, len(shop))))


def make_businesses(rng: np.random.Generator, pp: dict, ref: dt.date, cfg: SynthConfig) -> dict:
    refd = ids.date64(ref)
    registered = rng.random(pp["P"]) < cfg.business_registered_share
    who = np.nonzero((pp["employment"] == E["self_employed"]) & registered)[0]
    return business_rows(rng, pp, who, refd, declared=True)


def business_rows(rng: np.random.Generator, pp: dict, who: np.ndarray, refd: np.datetime64, declared: bool) -> dict:
    k = len(who)
    trade = TRADES[rng.integers(0, len(TRADES), k)]
    label = pp["surname"][who] + "记" + trade + "(合成)"
    return dict(person=who.astype(np.int64), name=label.astype(object),
                capital_fen=fen(np.round(lognormal(rng, 30000.0, 0.8, k), -2)),
                established_on=refd - rng.integers(90, 15 * 365, k), declared=np.full(k, declared))



EMERGENCY_KINDS = np.array(["fire", "natural_disaster", "accident", "sudden_illness", "other"], dtype=object)
EMERGENCY_MEDIAN_YUAN = {"fire": 20_000.0, "natural_disaster": 15_000.0, "accident": 8_000.0,
                         "sudden_illness": 12_000.0, "other": 3_000.0}


def make_emergencies(rng: np.random.Generator, households: int, month: str, exclude: np.ndarray,
                     share: float) -> dict:
    """Emergencies (急难) of the reference month: a ``share`` of households, outside ``exclude`` (the
    planted ones, whose expected answers must not change), each with the need the township assessed."""
    hit = np.nonzero((rng.random(households) < share) & ~exclude)[0]
    first = np.datetime64(month, "M").astype("datetime64[D]")
    days = ((np.datetime64(month, "M") + 1).astype("datetime64[D]") - first).astype(np.int64)
    kind = EMERGENCY_KINDS[rng.integers(0, len(EMERGENCY_KINDS), len(hit))]
    median = np.array([EMERGENCY_MEDIAN_YUAN[k] for k in kind])
    return dict(household=hit.astype(np.int64), occurred_on=first + rng.integers(0, days, len(hit)),
                kind=kind, need_fen=fen(median * rng.lognormal(0.0, 0.7, len(hit))))


def make_rigid_spending(rng: np.random.Generator, pp: dict, months: list[str]) -> dict:
    """Medical costs after reimbursement, rehabilitation and education, by person and month."""
    M = len(months)
    cal = np.array([int(m[5:7]) for m in months])
    ill = np.nonzero(pp["major_illness"])[0]
    rehab = np.nonzero((pp["dis_grade"] >= 1) & (pp["dis_grade"] <= 2))[0]
    study = np.nonzero(np.isin(pp["school"], [6, 7]))[0]
    out = []
    for who, cat, median, p_month in ((ill, "medical", 1200.0, 0.7), (rehab, "rehabilitation", 500.0, 0.3)):
        hit = rng.random((len(who), M)) < p_month
        r, m = np.nonzero(hit)
        out.append(dict(person=who[r].astype(np.int64), month=m.astype(np.int64),
                        category=np.full(len(r), cat, dtype=object),
                        amount_fen=fen(lognormal(rng, median, 0.8, len(r)))))
    terms = np.nonzero(np.isin(cal, [3, 9]))[0]
    r = np.repeat(np.arange(len(study)), len(terms))
    m = np.tile(terms, len(study))
    out.append(dict(person=study[r].astype(np.int64), month=m.astype(np.int64),
                    category=np.full(len(r), "education", dtype=object),
                    amount_fen=fen(lognormal(rng, 3000.0, 0.4, len(r)))))
    return concat(*out)

