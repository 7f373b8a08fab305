"""Drawing one chunk: random numbers → arrays. Nothing here writes a file or numbers a row.

A chunk is drawn with its own numpy Generator seeded from (seed, chunk index) (and small generators of
their own for later additions, so that adding a draw leaves the others as they were). The only state
it uses from earlier chunks is the ID numbers' order-code counters (``ids.IdAllocator``). Everything
about the chunk's households ends up on a ``Chunk``, in local indices (households 0..n-1, persons
0..P-1 in household order); ``jiuzhu.synth.tables`` then numbers and writes it.
"""

from __future__ import annotations

import numpy as np

from jiuzhu.synth import answers, department_draws, departments, economy, enrol, ids, planted, population
from jiuzhu.synth.setting import Setting

DAY = np.timedelta64(1, "D")
EMERGENCY_STREAM = 0xE
WORK_INJURY_STREAM = 0x1C
UNEMPLOYMENT_STREAM = 0x1B


class Chunk:
    """The households of one chunk, their people and everything about them (local indices)."""

    def __init__(self, index: int, rng: np.random.Generator, hh: dict, pp: dict, months: list[str],
                 ref: np.datetime64) -> None:
        self.index, self.rng, self.hh, self.pp, self.ref = index, rng, hh, pp, ref
        self.months, self.M = months, len(months)
        self.size = np.diff(np.append(pp["hh_start"], pp["P"]))
        self.inc: economy.Incomes | None = None
        self.declared: economy.Incomes | None = None
        self.assets = self.vehicles = self.estate = self.businesses = self.supporters = None
        self.differences: list[dict] = []

    def drop_facts(self, person_mask: np.ndarray) -> None:
        for name in ("assets", "vehicles", "businesses"):
            rows = getattr(self, name)
            setattr(self, name, economy.select_rows(rows, ~person_mask[rows["person"]]))

    def _append(self, name: str, row: dict) -> int:
        rows = getattr(self, name)
        merged = {k: np.concatenate([rows[k], np.asarray([row[k]], dtype=rows[k].dtype)]) for k in rows}
        setattr(self, name, merged)
        return len(merged["person"]) - 1

    def add_asset(self, person: int, kind: str, amount: int, declared: bool = True) -> int:
        bank = economy.BANKS[self.rng.integers(0, len(economy.BANKS))]
        return self._append("assets", dict(person=person, kind=kind, institution=bank, amount_fen=amount,
                                           declared=declared))

    def add_vehicle(self, person: int, kind: str, value: int, declared: bool = True) -> int:
        reg = self.ref - self.rng.integers(30, 5 * 365) * DAY
        return self._append("vehicles", dict(person=person, kind=kind, value_fen=value, mobility=False,
                                             declared=declared, registered_on=reg))

    def add_business(self, person: int, declared: bool = True) -> int:
        row = economy.business_rows(self.rng, self.pp, np.array([person]), self.ref, declared)
        return self._append("businesses", {k: v[0] for k, v in row.items()})


def draw_chunk(s: Setting, allocator: ids.IdAllocator, index: int, n: int) -> Chunk:
    """The ``index``-th chunk of ``n`` households."""
    rng = np.random.default_rng([s.seed, index])
    ch = _people(s, allocator, rng, index, n)
    _money(s, ch)
    tekun = _tekun_cases(s, ch)
    ch.supporters = population.make_supporters(rng, ch.pp, ch.hh, tekun, s.ref, s.codes, allocator,
                                               s.cfg.elderly_children_p)
    _remittances_from_able_children(ch)
    _planted(s, ch, tekun)
    ch.addresses = _addresses(s, rng, ch.hh)
    ch.rigid = economy.make_rigid_spending(rng, ch.pp, s.months)
    ch.emergencies = economy.make_emergencies(np.random.default_rng([s.seed, index, EMERGENCY_STREAM]), n, s.month,
                                              ch.planted_mask, s.cfg.emergency_share)
    ch.enrolments = _planted_enrolments(s, ch)
    deposit = ch.assets["kind"] == "deposit"
    account_type = np.full(len(deposit), None, dtype=object)
    account_type[deposit] = np.where(rng.random(int(deposit.sum())) < 0.6, "活期", "定期")
    ch.assets["account_type"] = account_type
    department_draws.draw(s, ch)
    # Last: the department draws may plant differences too (no random draw here, so the order is free).
    ch.truth = answers.truth_rows(ch, s.rules)
    return ch


def _people(s: Setting, allocator: ids.IdAllocator, rng: np.random.Generator, index: int, n: int) -> Chunk:
    cfg = s.cfg
    hh = population.make_households(rng, n, s.place, s.urban_share, cfg)
    pp = population.make_members(rng, hh, s.ref, cfg)
    population.assign_ids(rng, pp, s.codes, allocator)
    population.assign_health(rng, pp, s.ref, cfg)
    population.assign_work_injury_care(np.random.default_rng([s.seed, index, WORK_INJURY_STREAM]), pp, cfg)
    population.assign_activity(rng, pp, hh, cfg)
    population.assign_hukou(rng, pp, hh, s.place, s.elsewhere)
    pp["formal"] = departments.employed_formal(rng, pp, hh["urban"][pp["hh"]], cfg)
    pp["employer"] = rng.choice(len(s.employers.p), pp["P"], p=s.employers.p)
    return Chunk(index, rng, hh, pp, s.months, s.refd)


def _money(s: Setting, ch: Chunk) -> None:
    rng, pp, hh, cfg, n = ch.rng, ch.pp, ch.hh, s.cfg, ch.hh["n"]
    ch.inc = economy.make_incomes(rng, pp, hh, s.months, cfg)
    hh_month = economy.household_sums(ch.inc.total_per_person(), pp, n) / ch.M
    ch.assets = economy.make_assets(rng, pp, hh, hh_month, cfg)
    ch.vehicles = economy.make_vehicles(rng, pp, hh, hh_month / ch.size / 100.0, s.ref, cfg)
    ch.estate = economy.make_real_estate(rng, pp, hh, s.ref, cfg)
    ch.businesses = economy.make_businesses(rng, pp, s.ref, cfg)


def _tekun_cases(s: Setting, ch: Chunk) -> np.ndarray:
    """特困 built by hand: a few single elderly people with no income, no property and no able supporter."""
    rng, pp, hh, n = ch.rng, ch.pp, ch.hh, ch.hh["n"]
    head = pp["hh_start"]
    tekun = (hh["shape"] == population.S["single_elderly"]) & (pp["age"][head] >= 60) \
        & (rng.random(n) < np.where(hh["urban"], s.cfg.tekun_share_single_elderly_urban,
                                    s.cfg.tekun_share_single_elderly_rural))
    members = tekun[pp["hh"]]
    ch.inc.clear(np.nonzero(members)[0])
    ch.drop_facts(members)
    pp["employment"][members] = population.E["unable_to_work"]
    pp["sector"][members] = None
    pp["formal"][members] = False
    # Half of them live in a house of their own; the others rent or live in housing provided.
    keep_home = ~members[ch.estate["person"]] | (rng.random(len(ch.estate["person"])) < 0.5)
    ch.estate = economy.select_rows(ch.estate, keep_home)
    return tekun


def _remittances_from_able_children(ch: Chunk) -> None:
    """Support from children elsewhere (``transfer_net`` of elderly heads) comes from a child who is there and
    able: a childless elder, or one whose children are all dead, in prison, missing or poor themselves, gets
    none. (The money was drawn before the children; clearing it draws nothing, so the rest stays as drawn.)
    The migrant parents' money to grandparents raising their children is not support of the elders: kept."""
    pp, hh, sup = ch.pp, ch.hh, ch.supporters
    able = np.zeros(pp["P"], dtype=bool)
    able[sup["person"][sup["status"] == "able"]] = True
    head = pp["hh_start"]
    elderly = np.isin(hh["shape"], [population.S["single_elderly"], population.S["elderly_couple"]])
    ch.inc.clear(head[elderly & ~able[head]], ["transfer_net"])


def _planted(s: Setting, ch: Chunk, tekun: np.ndarray) -> None:
    """Planted households, then the differences between declared and true data, then their answers."""
    rng, cfg, n = ch.rng, s.cfg, ch.hh["n"]
    ch.picks = planted.pick(rng, ch.hh, ch.pp, tekun, cfg.planted_share, cfg.planted_min)
    ch.details = planted.plant(rng, ch, ch.picks, s.rules)
    ch.planted_mask = np.zeros(n, dtype=bool)
    for kind in planted.KINDS:
        ch.planted_mask[ch.picks[kind]] = True
    diff_picks = departments.pick(rng, ch, ch.planted_mask | tekun, cfg)
    departments.apply(rng, ch, diff_picks)
    # From a generator of its own: the draws above, and so the registry, are as before this difference existed.
    unemployment = departments.plant_unemployment(np.random.default_rng([s.seed, ch.index, UNEMPLOYMENT_STREAM]),
                                                  ch, ch.planted_mask | tekun, cfg)
    ch.differs = np.zeros(n, dtype=bool)
    for v in [*diff_picks.values(), unemployment]:
        ch.differs[v] = True
    # The simplified 低保 test on what households declared (jiuzhu.synth.enrol) checks the planted
    # construction. The enrolments drawn now are the planted households' only (低保: the wrongly
    # enrolled); enrol_by_rules enrols every other household by jiuzhu.rules and plants the deaths.
    line = s.rules.line_fen(ch.hh["urban"])
    eligible = answers.dibao_eligible(ch, ch.declared, s.rules, declared_only=True)
    answers.check_planted(ch.picks, eligible)
    ch.wrongly = np.zeros(n, dtype=bool)
    ch.wrongly[ch.picks["enrolled_not_entitled"]] = True
    ch.dibao_amount = np.floor(line * answers.counted(ch) * rng.uniform(0.2, 0.8, n)).astype(np.int64)
    ch.excluded = ch.planted_mask | tekun  # no difference is planted in these (department_draws neither)


def _addresses(s: Setting, rng: np.random.Generator, hh: dict) -> np.ndarray:
    n = hh["n"]
    towns = {r.code: r for r in s.place.rows}
    prefix = {}
    for r in s.place.rows:
        if r.level == 5:
            prefix[r.code] = s.place.name + r.name.removesuffix("(合成)")
            assert r.name.startswith(towns[r.parent_code].name)
    pre = np.array([prefix[c] for c in hh["area_code"]], dtype=object)
    group = rng.integers(1, 13, n).astype(str).astype(object)
    number = rng.integers(1, 200, n).astype(str).astype(object)
    building = rng.integers(1, 30, n).astype(str).astype(object)
    rural = pre + group + "组" + number + "号(合成数据)"
    urban = pre + "幸福路" + number + "号" + building + "栋(合成数据)"
    return np.where(hh["urban"], urban, rural)


def _planted_enrolments(s: Setting, ch: Chunk) -> dict:
    """The planted households' enrolments, as built: 低保 for the wrongly enrolled, the care subsidy for
    grade 1-2 members of every planted household, the living subsidy for disabled members of the wrongly
    enrolled. Local indices (``person`` -1 for a household's own); enrol_by_rules adds every other."""
    pp, rng, refd, rules = ch.pp, ch.rng, s.refd, s.rules
    month0 = np.datetime64(s.month, "M")

    def start_months(count, low, high):
        return (month0 - rng.integers(low, high + 1, count)).astype("datetime64[D]")

    def review(start, within_days):
        return np.maximum(refd - rng.integers(0, within_days, len(start)) * DAY, start)

    def rows(household, person, programme, amount, start, last_review):
        return dict(household=household.astype(np.int64), person=person.astype(np.int64),
                    programme=np.full(len(household), programme, dtype=object),
                    monthly_amount_fen=np.asarray(amount, dtype=np.int64), start_date=start,
                    last_review=last_review)

    h = np.nonzero(ch.wrongly)[0]
    st = start_months(len(h), 1, 72)
    dibao = rows(h, np.full(len(h), -1), "dibao", ch.dibao_amount[h], st, review(st, 180))
    valid = pp["dis_valid"] & ch.planted_mask[pp["hh"]]
    care = np.nonzero(valid & (pp["dis_grade"] >= 1) & (pp["dis_grade"] <= 2))[0]
    st = np.maximum(pp["dis_from"][care].astype("datetime64[M]") + 1, np.datetime64("2016-01", "M"))
    st = np.minimum(st, month0).astype("datetime64[D]")
    care_rows = rows(pp["hh"][care], care, "disability_care", enrol.care_subsidy(rules, pp["dis_grade"][care]), st,
                     review(st, 365))
    living = np.nonzero(valid & pp["hukou_chongqing"] & ch.wrongly[pp["hh"]])[0]
    st = start_months(len(living), 1, 48)
    living_rows = rows(pp["hh"][living], living, "disability_living",
                       np.full(len(living), rules.fen("disability.living_subsidy")), st, review(st, 365))
    return economy.concat(dibao, care_rows, living_rows)
