"""Households and their members: shape, ages, sex, names, ID numbers, hukou, employment,
disability and self-care. Everything is drawn per chunk with numpy; nothing is built per person
in Python except the final strings, which pyarrow joins.

A chunk is a dict of numpy arrays: ``hh`` (one entry per household) and ``pp`` (one per person,
ordered by household then position).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.registry.codes import SELF_CARE_ACTIVITIES
from jiuzhu.synth import ids, names
from jiuzhu.synth.birthplace import FIRST_YEAR, BirthCodes
from jiuzhu.synth.config import SHAPES, SynthConfig
from jiuzhu.synth.limits import IdCapacityError
from jiuzhu.synth.places import District

HEAD, SPOUSE, C1, C2, C3, E1, E2 = range(7)
N_SLOTS = 7
S = {name: i for i, name in enumerate(SHAPES)}

EMPLOYMENT = np.array(["employed", "self_employed", "farming", "unemployed", "retired", "student",
                       "preschool", "unable_to_work", "other"], dtype=object)
E = {name: i for i, name in enumerate(EMPLOYMENT)}
SCHOOL = np.array([None, "preschool", "primary", "junior_secondary", "senior_secondary", "vocational",
                   "undergraduate", "postgraduate"], dtype=object)
SECTORS = np.array(["制造业", "建筑业", "批发和零售业", "住宿和餐饮业", "交通运输、仓储和邮政业",
                    "居民服务、修理和其他服务业", "教育", "卫生和社会工作", "公共管理、社会保障和社会组织",
                    "信息传输、软件和信息技术服务业", "金融业", "房地产业"], dtype=object)
SECTOR_P = np.array([0.22, 0.15, 0.14, 0.08, 0.07, 0.08, 0.06, 0.05, 0.05, 0.03, 0.03, 0.04])
SELF_EMPLOYED_SECTORS = np.array([2, 3, 5, 4])
SELF_EMPLOYED_SECTOR_P = np.array([0.45, 0.25, 0.2, 0.1])
FARMING_SECTOR = "农、林、牧、渔业"
CATEGORIES = np.array(["physical", "visual", "hearing", "speech", "intellectual", "mental", "multiple"], dtype=object)
# Digit of the category in a disability certificate number (残疾人证号 = ID number + category + grade).
CATEGORY_DIGIT = {"visual": 1, "hearing": 2, "speech": 3, "physical": 4, "intellectual": 5, "mental": 6,
                  "multiple": 7}
EXCLUSIONS = np.array(["prison", "compulsory_rehab", "missing", "clergy_apart"], dtype=object)
EXCLUSION_P = np.array([0.45, 0.2, 0.2, 0.15])
# Self-care: activities fail in this order as dependency grows (a Katz-like hierarchy).
FAIL_ORDER = ("bathing", "dressing", "toileting", "transfer", "indoor_walking", "eating")
RANDOM_ATTEMPTS = 12  # random draws of another county before trying every code in turn


def _uniform_int(rng: np.random.Generator, low, high) -> np.ndarray:
    """Integers in [low, high] inclusive, elementwise."""
    low = np.asarray(low)
    high = np.maximum(np.asarray(high), low)
    return (low + np.floor(rng.random(np.broadcast(low, high).shape) * (high - low + 1))).astype(np.int64)


def _elder_ages(rng: np.random.Generator, n: int, low: int = 60) -> np.ndarray:
    return np.minimum(low + np.floor(rng.exponential(11.0, n)).astype(np.int64), 99)


def birth_dates(rng: np.random.Generator, ages: np.ndarray, ref: dt.date) -> np.ndarray:
    """Birth dates giving exactly ``ages`` on ``ref``."""
    day = min(ref.day, 28) if ref.month == 2 else ref.day
    years = (ref.year - ages - 1970).astype("datetime64[Y]")
    anniversary = (years.astype("datetime64[M]") + (ref.month - 1)).astype("datetime64[D]") + (day - 1)
    return anniversary - rng.integers(0, 365, len(ages))


def ages_on(birth: np.ndarray, ref: dt.date) -> np.ndarray:
    b = birth.astype("datetime64[D]")
    years = b.astype("datetime64[Y]").astype(np.int64) + 1970
    months = b.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (b - b.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    before = (months > ref.month) | ((months == ref.month) & (days > ref.day))
    return ref.year - years - before


def make_households(rng: np.random.Generator, n: int, place: District, urban_share: float,
                    cfg: SynthConfig) -> dict:
    urban = rng.random(n) < urban_share
    shape = np.where(urban, rng.choice(len(SHAPES), n, p=_norm(cfg.shape_p_urban)),
                     rng.choice(len(SHAPES), n, p=_norm(cfg.shape_p_rural)))
    comm = np.array([c[1] for c in place.communities], dtype=object)
    vill = np.array([v[1] for v in place.villages], dtype=object)
    comm_town = np.array([c[0] for c in place.communities])
    vill_town = np.array([v[0] for v in place.villages]) if len(vill) else comm_town
    if not len(vill):
        vill, vill_town = comm, comm_town
    ci = rng.integers(0, len(comm), n)
    vi = rng.integers(0, len(vill), n)
    area_code = np.where(urban, comm[ci], vill[vi])
    township = np.where(urban, comm_town[ci], vill_town[vi])
    return {"n": n, "urban": urban, "shape": shape, "area_code": area_code, "township": township,
            "factor": np.exp(rng.normal(0.0, cfg.household_sigma, n))}


def _norm(p) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return p / p.sum()


def make_members(rng: np.random.Generator, hh: dict, ref: dt.date, cfg: SynthConfig) -> dict:
    """The members of each household: slots head, spouse, 3 children, 2 elders."""
    n, shape = hh["n"], hh["shape"]
    present = np.zeros((n, N_SLOTS), dtype=bool)
    age = np.zeros((n, N_SLOTS), dtype=np.int64)
    male = np.zeros((n, N_SLOTS), dtype=bool)
    present[:, HEAD] = True

    def is_(*names_):
        return np.isin(shape, [S[x] for x in names_])

    # Head's age by shape.
    head_age = np.select(
        [is_("single_elderly", "elderly_couple"), is_("single_adult"), is_("couple"),
         is_("couple_with_children", "single_parent"), is_("three_generations"), is_("skipped_generation")],
        [_elder_ages(rng, n), _uniform_int(rng, np.full(n, 18), 59), _uniform_int(rng, np.full(n, 22), 59),
         _uniform_int(rng, np.full(n, 24), 56), _uniform_int(rng, np.full(n, 26), 55),
         _uniform_int(rng, np.full(n, 56), 80)])
    age[:, HEAD] = head_age
    head_male_p = np.select([is_("single_elderly"), is_("single_adult"), is_("single_parent")], [0.4, 0.58, 0.3], 0.8)
    male[:, HEAD] = rng.random(n) < head_male_p
    # Spouse.
    has_spouse = is_("elderly_couple", "couple", "couple_with_children") \
        | (is_("three_generations") & (rng.random(n) < 0.85)) | (is_("skipped_generation") & (rng.random(n) < 0.7))
    present[:, SPOUSE] = has_spouse
    spouse_low = np.where(is_("elderly_couple"), 57, 20)
    age[:, SPOUSE] = np.clip(head_age + np.round(rng.normal(-2, 3, n)).astype(np.int64), spouse_low, 99)
    male[:, SPOUSE] = ~male[:, HEAD]
    # Children (grandchildren for the skipped generation).
    n_children = np.select(
        [is_("couple_with_children"), is_("single_parent"), is_("three_generations"), is_("skipped_generation")],
        [rng.choice([1, 2, 3], n, p=[0.55, 0.38, 0.07]), rng.choice([1, 2], n, p=[0.75, 0.25]),
         rng.choice([1, 2], n, p=[0.6, 0.4]), rng.choice([1, 2], n, p=[0.65, 0.35])], 0)
    max_child = np.where(is_("skipped_generation"), 17,
                         np.minimum(head_age - 20, np.where(is_("three_generations"), 22, 25)))
    for k, slot in enumerate((C1, C2, C3)):
        present[:, slot] = n_children > k
        age[:, slot] = _uniform_int(rng, np.zeros(n, dtype=np.int64), np.maximum(max_child, 0))
        male[:, slot] = rng.random(n) < 0.515
    # The head's parents in three-generation households.
    three = is_("three_generations")
    present[:, E1] = three
    present[:, E2] = three & (rng.random(n) < 0.45)
    age[:, E1] = np.minimum(head_age + _uniform_int(rng, np.full(n, 22), 34), 99)
    age[:, E2] = np.clip(age[:, E1] + np.round(rng.normal(-2, 3, n)).astype(np.int64), head_age + 18, 99)
    male[:, E1] = rng.random(n) < 0.45
    male[:, E2] = ~male[:, E1]

    hh_local, slot = np.nonzero(present)
    P = len(hh_local)
    starts = np.searchsorted(hh_local, np.arange(n))
    position = np.arange(P) - starts[hh_local]
    relation = np.empty(P, dtype=object)
    relation[slot == HEAD] = "head"
    relation[slot == SPOUSE] = "spouse"
    child = (slot >= C1) & (slot <= C3)
    relation[child] = np.where(shape[hh_local[child]] == S["skipped_generation"], "grandchild", "child")
    relation[slot >= E1] = "parent"
    pp = {"P": P, "hh": hh_local, "slot": slot, "position": position, "relation": relation,
          "age": age[hh_local, slot], "male": male[hh_local, slot], "hh_start": starts}
    pp["birth"] = birth_dates(rng, pp["age"], ref)
    # Surnames: the head's line; the head's father and the children of a male head carry it.
    fam = names.surnames(rng, n)
    spouse_fam = names.surnames(rng, n)
    other_fam = names.surnames(rng, P)
    child_fam = np.where(male[:, HEAD] | ~has_spouse, fam, spouse_fam)
    surname = np.where(slot == HEAD, fam[hh_local],
                       np.where(slot == SPOUSE, spouse_fam[hh_local],
                                np.where(child, child_fam[hh_local],
                                         np.where(pp["male"], fam[hh_local], other_fam))))
    pp["surname"] = surname
    pp["name"] = names.full_names(surname, names.given_names(rng, pp["male"]))
    # Not counted: a few adults (prison, rehab, missing, clergy); never the head.
    adult = (pp["age"] >= 18) & (pp["age"] < 60) & (slot != HEAD)
    excluded = adult & (rng.random(P) < cfg.excluded_member_share)
    pp["counted"] = ~excluded
    pp["exclusion"] = np.where(excluded, EXCLUSIONS[rng.choice(len(EXCLUSIONS), P, p=EXCLUSION_P)], None)
    return pp


def assign_ids(rng: np.random.Generator, pp: dict, codes: BirthCodes, allocator: ids.IdAllocator) -> None:
    """ID numbers: county code valid in the birth year, unique order code, check character."""
    pp["id_code"], pp["id_number"] = id_numbers(rng, pp["birth"], pp["male"], codes, allocator)


def id_numbers(rng: np.random.Generator, birth: np.ndarray, male: np.ndarray, codes: BirthCodes,
               allocator: ids.IdAllocator, home_share: float = 0.88) -> tuple[np.ndarray, pa.Array]:
    """Most people get the district's own code of their birth year, the others one of its other codes in
    the region (``codes.fallback``); a full group moves the person to another of them, then to any code the
    district owns (``codes.owned``). Every code is one the district owns (jiuzhu.synth.birthplace)."""
    years = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    n = len(birth)
    home = codes.home_for(years)
    use_home = (home > 0) & (rng.random(n) < home_share)
    code = np.where(use_home, home, 0)
    seq = np.full(n, -1, dtype=np.int64)
    todo = np.ones(n, dtype=bool)
    for attempt in range(RANDOM_ATTEMPTS):
        pools = codes.fallback if attempt < RANDOM_ATTEMPTS // 2 else codes.owned
        need_code = todo & (code == 0)
        if need_code.any():
            idx = np.nonzero(need_code)[0]
            for year in np.unique(years[idx]):
                sel = idx[years[idx] == year]
                pool = pools[year - FIRST_YEAR]
                code[sel] = pool[rng.integers(0, len(pool), len(sel))]
        t = np.nonzero(todo)[0]
        seq[t] = allocator.allocate(code[t], birth[t], male[t])
        todo = seq < 0
        if not todo.any():
            break
        code[todo] = 0  # that group is full: draw another county
    if todo.any():  # nearly full: try every code the district owns, in order
        for year in np.unique(years[todo]):
            for c in codes.owned[year - FIRST_YEAR]:
                sel = np.nonzero(todo & (years == year))[0]
                if not len(sel):
                    break
                code[sel] = c
                seq[sel] = allocator.allocate(code[sel], birth[sel], male[sel])
                todo[sel] = seq[sel] < 0
    if todo.any():
        raise IdCapacityError(int(todo.sum()))
    return code, ids.ric_numbers(code, birth, male, seq)


def assign_activity(rng: np.random.Generator, pp: dict, hh: dict, cfg: SynthConfig) -> None:
    """Employment, school level, sector."""
    P, age, male = pp["P"], pp["age"], pp["male"]
    urban = hh["urban"][pp["hh"]]
    emp = np.full(P, E["other"], dtype=np.int64)
    school = np.zeros(P, dtype=np.int64)
    u = rng.random(P)
    emp[age < 6] = E["preschool"]
    school[(age >= 3) & (age < 6) & (u < 0.9)] = 1
    pupil = (age >= 6) & (age < 18)
    emp[pupil] = E["student"]
    school[(age >= 6) & (age < 12)] = 2
    school[(age >= 12) & (age < 15)] = 3
    upper = (age >= 15) & (age < 18)
    school[upper & (u < 0.62)] = 4
    school[upper & (u >= 0.62) & (u < 0.95)] = 5
    emp[upper & (u >= 0.95)] = E["other"]
    college = (age >= 18) & (age <= 22) & (pp["slot"] != HEAD) & (u < np.where(urban, 0.55, 0.35))
    postgrad = (age >= 23) & (age <= 25) & (pp["slot"] != HEAD) & (u < np.where(urban, 0.05, 0.02))
    emp[college | postgrad] = E["student"]
    school[college] = 6
    school[postgrad] = 7
    retire_age = np.where(urban & ~male, 55, 60)
    working = (age >= 18) & (age < retire_age) & ~college & ~postgrad
    v = rng.random(P)
    urban_cut = np.cumsum([0.76, 0.11, 0.05, 0.05, 0.03])
    rural_cut = np.cumsum([0.48, 0.08, 0.32, 0.04, 0.05, 0.03])
    urban_kind = np.array([E["employed"], E["self_employed"], E["unemployed"], E["other"], E["unable_to_work"]])
    rural_kind = np.array([E["employed"], E["self_employed"], E["farming"], E["unemployed"], E["other"],
                           E["unable_to_work"]])
    wu = working & urban
    wr = working & ~urban
    emp[wu] = urban_kind[np.minimum(np.searchsorted(urban_cut, v[wu]), len(urban_kind) - 1)]
    emp[wr] = rural_kind[np.minimum(np.searchsorted(rural_cut, v[wr]), len(rural_kind) - 1)]
    old = age >= retire_age
    ou, orr = old & urban, old & ~urban
    emp[ou] = np.where(v[ou] < 0.85, E["retired"], E["other"])
    farm_p = np.where(age[orr] < 75, 0.6, 0.15)
    emp[orr] = np.where(v[orr] < 0.10, E["retired"],
                        np.where(rng.random(orr.sum()) < farm_p, E["farming"], E["other"]))
    grade = pp["dis_grade"]
    severe = (grade > 0) & ((grade <= 2) | np.isin(pp["dis_category"], ["intellectual", "mental"]) & (grade <= 3))
    emp[severe & (age >= 18) & (emp != E["retired"])] = E["unable_to_work"]
    emp[~pp["counted"]] = E["other"]
    pp["employment"] = emp
    pp["school"] = school
    sector = np.full(P, None, dtype=object)
    em = emp == E["employed"]
    sector[em] = SECTORS[rng.choice(len(SECTORS), em.sum(), p=SECTOR_P)]
    se = emp == E["self_employed"]
    sector[se] = SECTORS[SELF_EMPLOYED_SECTORS[rng.choice(4, se.sum(), p=SELF_EMPLOYED_SECTOR_P)]]
    sector[emp == E["farming"]] = FARMING_SECTOR
    pp["sector"] = sector


def assign_work_injury_care(rng: np.random.Generator, pp: dict, cfg: SynthConfig) -> None:
    """Who receives work-injury care pay (工伤保险生活护理费): adults with a grade 1-2 physical or multiple
    disability, a share ``work_injury_care_share`` of them."""
    severe = (pp["dis_grade"] >= 1) & (pp["dis_grade"] <= 2) & np.isin(pp["dis_category"], ["physical", "multiple"])
    pp["work_injury_care"] = severe & (pp["age"] >= 18) & (rng.random(pp["P"]) < cfg.work_injury_care_share)


def assign_health(rng: np.random.Generator, pp: dict, ref: dt.date, cfg: SynthConfig) -> None:
    """Disability certificates, major illness and the self-care assessment."""
    P, age = pp["P"], pp["age"]
    band = np.searchsorted(np.array(cfg.disability_age_bands), age, side="right") - 1
    risk = np.array(cfg.disability_age_risk)[band] * cfg.disability_base
    disabled = rng.random(P) < risk
    grade = np.where(disabled, rng.choice([1, 2, 3, 4], P, p=_norm(cfg.disability_grade_p)), 0)
    cats = np.array(list(cfg.disability_category_p), dtype=object)
    drawn = cats[rng.choice(len(cats), P, p=_norm(list(cfg.disability_category_p.values())))]
    category = np.where(disabled, drawn, None)
    refd = ids.date64(ref)
    valid_from = refd - rng.integers(0, int(9.5 * 365), P)
    expired = disabled & (rng.random(P) < cfg.disability_expired_share)
    valid_to_exp = refd - rng.integers(1, 181, P)
    ten_years = np.timedelta64(3652, "D")
    valid_from = np.where(expired, valid_to_exp - ten_years + np.timedelta64(1, "D"), valid_from)
    # Nobody holds a certificate from before their birth.
    valid_from = np.maximum(valid_from, pp["birth"] + np.timedelta64(180, "D"))
    # A baby younger than that holds none yet (the draws above stay in order, so every other person is unchanged).
    disabled &= valid_from <= refd
    grade = np.where(disabled, grade, 0)
    category = np.where(disabled, category, None)
    valid_to = valid_from + ten_years - np.timedelta64(1, "D")
    pp["dis_grade"] = grade
    pp["dis_category"] = category
    pp["dis_from"] = np.where(disabled, valid_from, np.datetime64("NaT"))
    pp["dis_to"] = np.where(disabled, valid_to, np.datetime64("NaT"))
    pp["dis_valid"] = disabled & (valid_to >= refd) & (valid_from <= refd)
    ill_band = np.searchsorted(np.array([18, 45, 65]), age, side="right")
    pp["major_illness"] = rng.random(P) < np.array(cfg.major_illness_p)[ill_band]
    # Self-care: assessed for people aged 60+ and for the disabled; most manage everything.
    assessed = (age >= 60) | disabled
    p_ok = np.where(age >= 80, 0.62, np.where(age >= 60, 0.88, 0.95))
    p_ok = np.minimum(p_ok, np.select([grade == 1, grade == 2, grade >= 3], [0.25, 0.5, 0.85], 1.0))
    dependent = assessed & (rng.random(P) >= p_ok)
    failed = np.where(dependent, rng.choice([1, 2, 3, 4, 5, 6], P, p=[0.30, 0.22, 0.15, 0.13, 0.10, 0.10]), 0)
    pp["care_assessed"] = assessed
    pp["care_on"] = np.where(assessed, refd - rng.integers(0, 700, P), np.datetime64("NaT"))
    pp["care_failed"] = failed
    for rank, act in enumerate(FAIL_ORDER):
        pp[f"can_{act}"] = failed <= rank
    assert set(FAIL_ORDER) == set(SELF_CARE_ACTIVITIES)


def assign_hukou(rng: np.random.Generator, pp: dict, hh: dict, place: District, elsewhere_codes: np.ndarray) -> None:
    """户籍: the household's township for most; 2.5 % are registered in another province (Sichuan)."""
    P = pp["P"]
    cq = rng.random(P) >= 0.025
    urban = hh["urban"][pp["hh"]]
    flip = rng.random(P) < 0.05
    town_codes = np.array([t.code for t in place.townships], dtype=object)
    own = town_codes[hh["township"][pp["hh"]]]
    other = elsewhere_codes[rng.integers(0, len(elsewhere_codes), P)].astype(str).astype(object)
    pp["hukou_chongqing"] = cq
    pp["hukou_urban"] = np.where(flip, ~urban, urban)
    pp["hukou_area"] = np.where(cq, own, other)


def certificate_numbers(pp: dict) -> pa.Array:
    digits = np.array([CATEGORY_DIGIT.get(c, 0) if c else 0 for c in pp["dis_category"]])
    suffix = pc.cast(pa.array(digits * 10 + pp["dis_grade"]), pa.string())
    cert = pc.binary_join_element_wise(pp["id_number"], suffix, "")
    return pc.if_else(pa.array(pp["dis_grade"] > 0), cert, pa.nulls(pp["P"], pa.string()))


def describe_shapes() -> dict[str, str]:
    return {name: doc for name, doc in zip(SHAPES, [
        "one person aged 60+", "two people aged about 60+", "one adult 18-59", "two adults, no children",
        "two adults and 1-3 children", "one adult and 1-2 children",
        "adult(s), 1-2 children and 1-2 of the head's parents", "grandparents with 1-2 grandchildren"], strict=True)}


SUPPORTER_STATUS = np.array(["able", "tekun_or_dibao_aged_60", "aged_70_or_disabled_low_income", "incapacitated",
                             "missing", "prison", "deceased"], dtype=object)
# Status of an elderly person's child living elsewhere. Imprisonment (about 0.15 % of China's adults), a declared
# disappearance and incapacity are rare; most of those unable are old or poor themselves, or dead.
SUPPORTER_STATUS_P = np.array([0.891, 0.02, 0.04, 0.005, 0.001, 0.003, 0.04])
UNABLE_STATUS_P = np.array([0.0, 0.15, 0.3, 0.15, 0.1, 0.1, 0.2])


def make_supporters(rng: np.random.Generator, pp: dict, hh: dict, tekun_hh: np.ndarray, ref: dt.date,
                    codes: BirthCodes, allocator: ids.IdAllocator, children_p=(0.1, 0.3, 0.35, 0.25)) -> dict:
    """Legal supporters (children living elsewhere) of elderly people without children in the household.

    Every elder of the household gets a row per child. In 特困 households there is no supporter or
    only supporters unable to support (``tekun_hh``).
    """
    n = hh["n"]
    elderly = np.isin(hh["shape"], [S["single_elderly"], S["elderly_couple"], S["skipped_generation"]])
    k = np.where(elderly, rng.choice([0, 1, 2, 3], n, p=_norm(children_p)), 0)
    k = np.where(tekun_hh, rng.choice([0, 0, 0, 1, 2], n), k)
    hh_of_child = np.repeat(np.arange(n), k)
    C = len(hh_of_child)
    head = pp["hh_start"][hh_of_child]
    spouse = head + 1  # the spouse, when present, is right after the head
    has_spouse = (spouse < pp["P"]) & (pp["hh"][np.minimum(spouse, pp["P"] - 1)] == hh_of_child) \
        & (pp["slot"][np.minimum(spouse, pp["P"] - 1)] == SPOUSE)
    mother = np.where(pp["male"][head] & has_spouse, spouse, head)
    father_surname = np.where(pp["male"][head], pp["surname"][head],
                              np.where(has_spouse, pp["surname"][np.minimum(spouse, pp["P"] - 1)],
                                       names.surnames(rng, C)))
    male = rng.random(C) < 0.5
    latest = ids.date64(ref) - np.timedelta64(18 * 366, "D")
    birth = np.minimum(pp["birth"][mother] + rng.integers(22 * 365, 36 * 365, C), latest)
    _, id_number = id_numbers(rng, birth, male, codes, allocator)
    name = names.full_names(father_surname, names.given_names(rng, male))
    status = np.where(tekun_hh[hh_of_child], SUPPORTER_STATUS[rng.choice(len(SUPPORTER_STATUS), C, p=UNABLE_STATUS_P)],
                      SUPPORTER_STATUS[rng.choice(len(SUPPORTER_STATUS), C, p=SUPPORTER_STATUS_P)])
    # One row per elder (head, and spouse when present) and child.
    rows_person = np.concatenate([head, spouse[has_spouse]])
    rows_child = np.concatenate([np.arange(C), np.nonzero(has_spouse)[0]])
    order = np.lexsort((rows_child, rows_person))
    rows_person, rows_child = rows_person[order], rows_child[order]
    return {"person": rows_person.astype(np.int64), "name": pc.take(name, pa.array(rows_child)),
            "id_number": pc.take(id_number, pa.array(rows_child)),
            "relation": np.full(len(rows_person), "child", dtype=object), "status": status[rows_child]}
