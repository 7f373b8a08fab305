"""What households declare versus what the departments hold.

The generator first builds the truth; the registry then receives what households DECLARED, which
is the truth except for the planted differences below, each recorded in truth/differences.parquet:

wages         a formally employed member declares 30-70 % of their wages (or none) in every month;
              the social-security and tax records hold the real wages (source ``social_security``).
deposit       a hidden bank account of the head, not declared (source ``banks``).
vehicle       a car registered to the head, not declared (source ``vehicles``).
business      a business registered to the head, not declared (source ``market_regulation``).
unemployment_benefit
              an unemployed member is paid 失业保险金 from some month of the window on, and the household
              does not declare it (source ``unemployment``; drawn from a generator of its own, so that the
              registry and the other differences of a seed are as they were before it existed).
medical_costs one member's medical costs (rigid spending) declared higher than medical insurance holds, every
              month (source ``medical_insurance``; planted by jiuzhu.synth.department_draws, also from a
              generator of its own).
death         a member of an enrolled 低保 household died 20-180 days before the reference date;
              the registry still lists them alive and payment runs on (source ``deaths``; planted
              by jiuzhu.synth.enrol_by_rules among the households the rules enrol).

Everything not listed in differences.parquet agrees exactly between registry and departments.
The department files are keyed by ID number (departments know no households); their columns are
in jiuzhu.exchange.records.DEPARTMENT_SCHEMAS and described in docs/synthetic-data.md.
"""

from __future__ import annotations

import numpy as np

from jiuzhu.synth import economy
from jiuzhu.synth.population import E

ITEMS = ("wages", "deposit", "vehicle", "business", "unemployment_benefit", "medical_costs", "death")


def pick(rng: np.random.Generator, ch, excluded: np.ndarray, cfg) -> dict[str, np.ndarray]:
    """Households (indices) for each kind of difference; ``excluded`` households get none."""
    n = ch.hh["n"]
    pp = ch.pp
    formal_earner = pp["formal"] & ch.inc.present[:, :, economy.CAT["wages"]].any(axis=1)
    has_formal = economy.household_sums(formal_earner.astype(np.int64), pp, n) > 0
    head_age = pp["age"][pp["hh_start"]]
    free = ~excluded
    u = rng.random((4, n))
    wages = free & has_formal & (u[0] < cfg.wages_underdeclared_share)
    deposit = free & (u[1] < cfg.hidden_deposit_share)
    vehicle = free & (head_age >= 18) & (u[2] < cfg.undeclared_vehicle_share)
    business = free & (head_age >= 18) & (head_age < 70) & (u[3] < cfg.undeclared_business_share)
    return {"wages": np.nonzero(wages)[0], "deposit": np.nonzero(deposit)[0],
            "vehicle": np.nonzero(vehicle)[0], "business": np.nonzero(business)[0]}


def apply(rng: np.random.Generator, ch, picks: dict[str, np.ndarray]) -> None:
    """Make the declared data differ from the truth; fill ch.differences (rows, local indices)."""
    pp, inc = ch.pp, ch.inc
    head = pp["hh_start"]
    M = ch.M
    ch.declared = inc.copy()
    wc = economy.CAT["wages"]
    formal_earner = pp["formal"] & inc.present[:, :, wc].any(axis=1)
    for h in picks["wages"]:
        members = np.arange(head[h], head[h] + ch.size[h])
        earner = members[formal_earner[members]][0]
        actual = inc.amount[earner, :, wc].copy()
        if rng.random() < 0.2:
            ch.declared.amount[earner, :, wc] = 0
            ch.declared.present[earner, :, wc] = False
            declared = [None] * M
        else:
            f = rng.uniform(0.3, 0.7)
            declared_amounts = np.floor(actual * f).astype(np.int64)
            ch.declared.amount[earner, :, wc] = declared_amounts
            declared = [int(x) for x in declared_amounts]
        for m in range(M):
            if inc.present[earner, m, wc]:
                ch.differences.append(dict(hh=h, person=earner, source="social_security", item="wages", month=m,
                                           declared_fen=declared[m], actual_fen=int(actual[m]),
                                           ref=("employer", earner)))
    for h in picks["deposit"]:
        amount = int(np.round(economy.lognormal(rng, 40000.0, 0.7, 1)[0] * 100))
        row = ch.add_asset(head[h], "deposit", amount, declared=False)
        ch.differences.append(dict(hh=h, person=head[h], source="banks", item="deposit", month=None,
                                   declared_fen=None, actual_fen=amount, ref=("asset", row)))
    for h in picks["vehicle"]:
        value = int(np.round(economy.lognormal(rng, 90000.0, 0.4, 1)[0])) * 100
        row = ch.add_vehicle(head[h], "car", value, declared=False)
        ch.differences.append(dict(hh=h, person=head[h], source="vehicles", item="vehicle", month=None,
                                   declared_fen=None, actual_fen=None, ref=("vehicle", row)))
    for h in picks["business"]:
        row = ch.add_business(head[h], declared=False)
        ch.differences.append(dict(hh=h, person=head[h], source="market_regulation", item="business", month=None,
                                   declared_fen=None, actual_fen=None, ref=("business", row)))


def plant_unemployment(rng: np.random.Generator, ch, excluded: np.ndarray, cfg) -> np.ndarray:
    """An undeclared unemployment benefit in a share of the households (not ``excluded``) with an unemployed,
    counted member who is paid none: the first such member is paid ``cfg.unemployment_benefit`` a month from
    a month of the window on. Only the truth (``ch.inc``) changes; returns the households."""
    pp, inc, M, n = ch.pp, ch.inc, ch.M, ch.hh["n"]
    c = economy.CAT["unemployment_benefit"]
    u = rng.random(n)
    start = rng.integers(0, M, n)
    idle = (pp["employment"] == E["unemployed"]) & pp["counted"] & ~inc.present[:, :, c].any(axis=1)
    idle &= ~excluded[pp["hh"]]
    who = np.nonzero(idle)[0]
    households, first = np.unique(pp["hh"][who], return_index=True)
    chosen = u[households] < cfg.undeclared_unemployment_share
    amount = int(economy.fen(float(cfg.unemployment_benefit)))
    for h, person in zip(households[chosen], who[first][chosen], strict=True):
        inc.amount[person, start[h]:, c] = amount
        inc.present[person, start[h]:, c] = True
        for m in range(start[h], M):
            ch.differences.append(dict(hh=h, person=person, source="unemployment", item="unemployment_benefit",
                                       month=m, declared_fen=None, actual_fen=amount, ref=("amount", None)))
    return households[chosen]


def employed_formal(rng: np.random.Generator, pp: dict, urban_of_person: np.ndarray, cfg) -> np.ndarray:
    share = np.where(urban_of_person, cfg.formal_employment_urban, cfg.formal_employment_rural)
    return (pp["employment"] == E["employed"]) & (rng.random(pp["P"]) < share)
