"""Natural enrolments decided by the real rules (jiuzhu.rules): the generator's last pass.

After the registry files are written, every household of the snapshot is evaluated for the snapshot's
month exactly as a discovery scan evaluates it (``rules.inputs.population.chunks`` → ``rules.batch.calculate``).
Memory stays bounded as in the scan: DuckDB (limited to ``memory_limit``, spilling to a scratch folder in the
snapshot, removed after) prepares the inputs for parts of about ``part_households`` households, and the rules
evaluate ``chunk_households`` households at a time. Then
``registry/enrolments.parquet`` and ``truth/planted.parquet`` are rewritten:

* Planted households (truth kinds ``entitled_unenrolled``, ``enrolled_not_entitled``,
  ``boundary_on_line``, ``boundary_fen_below``, ``deceased_still_paid``) keep the enrolment rows the
  generator built for them, untouched.
* Every other household ("natural"; ``declared_differs`` households are natural: the rules see what
  they declared) is enrolled exactly where the rules say eligible (state 2), with the rules' amount:

  ==================  ===============================================================================
  ``dibao``           the whole household (``person_id`` NULL, ``dibao_amount``) when
                      ``dibao_household_state`` is eligible; otherwise each member enrolled alone
                      (单人保, ``single_person_dibao``) with ``dibao_person_amount``
  ``tekun``           the person, ``tekun_amount``
  ``disability_care`` the person, ``disability_care_amount``
  ``disability_living`` the person, ``disability_living_amount``
  ``orphan`` / ``unsupported_child``  the child, ``child_allowance_amount``
  ``margin`` / ``rigid_spending``  the household, amount 0 (a recognised status, not a payment)
  ==================  ===============================================================================

  Each eligibility is taken up with probability ``take_up`` (decided per household or person and
  programme by a hash of the seed, the programme and the id: deterministic, independent of the
  chunking). 困难残疾人生活补贴 follows the 低保 decision it rests on: taken up when the household's
  低保 (or the person's own 单人保) is taken up. Eligible but not taken up: a truth row of kind
  ``unenrolled`` (``id_number`` set for person programmes). "Needs information" (state 1) is never
  enrolled nor listed. Temporary aid (``temporary``) is a one-off payment, not an enrolment: skipped.

* Deaths the registry does not know (``deceased_still_paid``): among the natural households enrolled
  in 低保 as a whole, enrolled in everything else they are eligible for, and without any declared/true
  difference, a share ``death_share`` (by the same
  hash) loses its oldest counted member 20-180 days before the reference date. Their enrolments stay
  as the rules decided them with that member alive (the payment continues); the death goes to
  ``departments/deaths.parquet`` and ``truth/differences.parquet``, and the truth row's ``expected``
  is the rules' 低保 answer for the household once the death is known (the same evaluation with the
  person's ``death_date`` set).

The rules' answer depends on the enrolments in two ways: the 渐退期 reads them (the registry never puts a
household in its taper), and a member enrolled in 特困, or alone in 低保 at 60+, cannot support the others
(《特困人员认定办法》第十一条). The households with such enrolments are evaluated again with them in the
registry until nothing changes, so that re-evaluating the rewritten snapshot gives the same states and amounts.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from jiuzhu.exchange.records import DEPARTMENT_SCHEMAS
from jiuzhu.registry.parquet import registry_schema
from jiuzhu.rules.batch import calculate, frame_from_tables
from jiuzhu.rules.inputs.population import PART_HOUSEHOLDS, Population, Scope, chunks, connect
from jiuzhu.rules.inputs.tables import CHUNK_HOUSEHOLDS
from jiuzhu.rules.tri import PASS
from jiuzhu.synth.truth import DIFFERENCES_SCHEMA, PLANTED_SCHEMA

# Order of the programmes within a household's enrolment rows (ids follow household, programme, person).
PROGRAMMES = ("dibao", "tekun", "margin", "rigid_spending", "disability_care", "disability_living", "orphan",
              "unsupported_child")
RANK = {p: i for i, p in enumerate(PROGRAMMES)}
HOUSEHOLD_VARIABLES = ("dibao_state", "dibao_household_state", "dibao_amount", "margin_state", "rigid_state")
PERSON_VARIABLES = ("single_person_dibao", "dibao_person_amount", "tekun_state", "tekun_amount",
                    "disability_care_state", "disability_care_amount", "disability_living_state",
                    "disability_living_amount", "orphan_state", "unsupported_child_state", "child_allowance_amount")
PLANTED_KINDS = ("entitled_unenrolled", "enrolled_not_entitled", "boundary_on_line", "boundary_fen_below",
                 "deceased_still_paid")  # every truth kind but 'unenrolled' and 'declared_differs'

# Start of the enrolment: (fewest, most) months before the month; review within this many days.
START_MONTHS = {"dibao": (1, 72), "tekun": (1, 120), "margin": (1, 24), "rigid_spending": (1, 10),
                "disability_living": (1, 48), "orphan": (1, 60), "unsupported_child": (1, 60)}
REVIEW_DAYS = {"dibao": 180}  # others: 365
# No enrolment starts before its programme existed in this form.
EARLIEST = {"margin": "2023-11", "rigid_spending": "2024-10", "disability_care": "2016-01",
            "disability_living": "2016-01"}
DAY = np.timedelta64(1, "D")


@dataclass
class EnrolmentSummary:
    natural: dict[str, int] = field(default_factory=dict)     # natural enrolment rows per programme
    unenrolled: dict[str, int] = field(default_factory=dict)  # eligible, not taken up, per programme
    planted_rows: int = 0                                     # enrolment rows of planted households
    deaths: int = 0                                           # deceased_still_paid households
    cremations: int = 0                                       # rows of departments/funeral.parquet
    enrolments: int = 0                                       # rows of registry/enrolments.parquet
    truth_rows: int = 0                                       # rows of truth/planted.parquet

    def as_dict(self) -> dict:
        return {"natural": self.natural, "unenrolled": self.unenrolled, "planted_rows": self.planted_rows}


def uniform(seed: int, tag: str, keys: np.ndarray) -> np.ndarray:
    """A uniform number in [0, 1) per key, from (seed, tag, key) alone (SplitMix64 of the key)."""
    salt = int.from_bytes(hashlib.sha256(f"jiuzhu.synth/{seed}/{tag}".encode()).digest()[:8], "little")
    x = np.asarray(keys, dtype=np.int64).astype(np.uint64) ^ np.uint64(salt)
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / float(2**53)


def evaluate(persons: pa.Table, households: pa.Table, month: str) -> tuple[dict, dict]:
    """The variables the enrolments need, per household and per person (amounts 0 unless eligible)."""
    values = calculate(frame_from_tables(persons, households, month), HOUSEHOLD_VARIABLES + PERSON_VARIABLES)
    return ({v: np.asarray(values[v]) for v in HOUSEHOLD_VARIABLES},
            {v: np.asarray(values[v]) for v in PERSON_VARIABLES})


class _Eligible:
    """Eligibilities of natural households and people, collected chunk by chunk (small: a few % of people)."""

    COLUMNS = ("household_id", "person_id", "programme", "amount", "taken", "reason")

    def __init__(self) -> None:
        self.parts: list[dict] = []
        self.household_no: dict[int, str] = {}
        self.id_number: dict[int, str] = {}

    def add(self, household_id, person_id, programme: str, amount, taken, reason=0) -> None:
        n = len(household_id)
        if n:
            self.parts.append(dict(household_id=np.asarray(household_id, np.int64),
                                   person_id=np.asarray(person_id, np.int64),
                                   programme=np.full(n, RANK[programme], np.int8),
                                   amount=np.asarray(amount, np.int64), taken=np.asarray(taken, bool),
                                   reason=np.broadcast_to(np.asarray(reason, np.int8), n).copy()))

    def columns(self) -> dict[str, np.ndarray]:
        if not self.parts:
            types = dict(programme=np.int8, taken=bool, reason=np.int8)
            return {k: np.zeros(0, types.get(k, np.int64)) for k in self.COLUMNS}
        return {k: np.concatenate([p[k] for p in self.parts]) for k in self.COLUMNS}


def enrol_by_rules(out_dir: Path, month: str, seed: int, take_up: float, death_share: float = 0.0, *,
                   chunk_households: int = CHUNK_HOUSEHOLDS, part_households: int = PART_HOUSEHOLDS,
                   memory_limit: str = "2GB") -> EnrolmentSummary:
    """Rewrite ``registry/enrolments.parquet`` and ``truth/planted.parquet`` of the snapshot in ``out_dir``
    (and, for the deaths, ``departments/deaths.parquet`` and ``truth/differences.parquet``)."""
    out_dir = Path(out_dir)
    truth = pq.read_table(out_dir / "truth" / "planted.parquet")
    truth = truth.filter(pc.invert(pc.equal(truth["kind"], "unenrolled")))
    planted_nos = pc.unique(truth.filter(pc.is_in(truth["kind"], pa.array(PLANTED_KINDS)))["household_no"])
    planted = pq.read_table(out_dir / "registry" / "enrolments.parquet")  # the planted rows, as built
    con = connect(out_dir)
    scratch = out_dir / "enrol_by_rules.tmp"
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{scratch}'")
    evaluate_scope = dict(month=month, seed=seed, take_up=take_up, planted_nos=planted_nos,
                          chunk_households=chunk_households, part_households=part_households,
                          memory_limit=memory_limit, scratch=scratch)
    try:
        found = _evaluate_scope(out_dir, Scope(), **evaluate_scope)
        elig = found.columns()
        # A member enrolled in 特困, or alone in 低保 at 60+, is unable to support the others (facts.member_ability):
        # the enrolments just decided can change their own household's answer (only their own: supporters are
        # members or rows). Evaluate again the households with such enrolments, with them in the registry, until
        # nothing changes (more members unable can only make more eligible: it settles in a pass or two).
        personal = elig["taken"] & (elig["person_id"] > 0) & np.isin(elig["programme"], SUPPORT_STATUS)
        changed = np.unique(elig["household_id"][personal])
        for _ in range(MAX_PASSES):
            _write_natural(out_dir, elig, _people(con, _person_ids(elig), found), planted, month, seed)
            if not len(changed):
                break
            again = _evaluate_scope(out_dir, Scope(household_ids=tuple(changed.tolist())), **evaluate_scope)
            found.household_no.update(again.household_no)
            elig, changed = _merge(elig, again.columns(), changed)
        people = _people(con, _person_ids(elig), found)
        taken = elig["taken"]
        whole = taken & (elig["programme"] == RANK["dibao"]) & (elig["person_id"] < 0)
        missed_any = np.isin(elig["household_id"], elig["household_id"][~taken])
        deaths = _deaths(con, out_dir, month, seed, death_share, elig["household_id"][whole & ~missed_any], found)
    finally:
        con.close()
        shutil.rmtree(scratch, ignore_errors=True)
    summary = EnrolmentSummary(deaths=len(deaths),
                               cremations=pq.ParquetFile(out_dir / "departments" / "funeral.parquet").metadata.num_rows)
    # The households of the dead are planted from now on (their enrolments were decided as natural ones).
    dead = np.isin(elig["household_id"], np.array([d["household_id"] for d in deaths], np.int64))
    for rank, name in enumerate(PROGRAMMES):
        here = (elig["programme"] == rank) & ~dead
        summary.natural[name] = int((here & taken).sum())
        summary.unenrolled[name] = int((here & ~taken).sum())
    natural = {k: v[taken] for k, v in elig.items()}
    summary.planted_rows = planted.num_rows + int((dead & taken).sum())
    summary.enrolments = _write_natural(out_dir, elig, people, planted, month, seed)
    dibao_nos = {found.household_no[h] for h, p in zip(natural["household_id"], natural["programme"], strict=True)
                 if p == RANK["dibao"]}
    summary.truth_rows = _write_truth(out_dir, truth, deaths, {k: v[~taken] for k, v in elig.items()}, found,
                                      dibao_nos)
    return summary


MAX_PASSES = 4  # evaluations after the first, at most
SUPPORT_STATUS = (RANK["dibao"], RANK["tekun"])  # the enrolments that make a supporter unable


def _evaluate_scope(out_dir: Path, scope: Scope, *, month: str, seed: int, take_up: float, planted_nos: pa.Array,
                    chunk_households: int, part_households: int, memory_limit: str, scratch: Path) -> _Eligible:
    """The eligibilities (and take-up) of the natural households and people of ``scope``, under the rules."""
    found = _Eligible()
    for persons, households in chunks(out_dir, month, scope, chunk_households=chunk_households,
                                      part_households=part_households, memory_limit=memory_limit,
                                      temp_directory=scratch):
        _chunk(found, persons, households, month, seed, take_up, planted_nos)
    return found


def _person_ids(elig: dict) -> np.ndarray:
    return np.unique(elig["person_id"][elig["person_id"] > 0])


def _merge(elig: dict, again: dict, households: np.ndarray) -> tuple[dict, np.ndarray]:
    """``elig`` with the rows of ``households`` replaced by ``again``'s; and the households whose rows changed."""
    old = np.isin(elig["household_id"], households)
    merged = {k: np.concatenate([elig[k][~old], again[k]]) for k in elig}
    order = np.lexsort((merged["person_id"], merged["programme"], merged["household_id"]))
    merged = {k: v[order] for k, v in merged.items()}
    changed = [h for h in households.tolist() if not _rows_equal(elig, merged, h)]
    return merged, np.array(changed, np.int64)


def _rows_equal(a: dict, b: dict, household: int) -> bool:
    rows_a, rows_b = a["household_id"] == household, b["household_id"] == household
    keys = ("person_id", "programme", "amount", "taken")
    order_a = np.lexsort([a[k][rows_a] for k in reversed(keys)])
    order_b = np.lexsort([b[k][rows_b] for k in reversed(keys)])
    return all(np.array_equal(a[k][rows_a][order_a], b[k][rows_b][order_b]) for k in keys)


def _write_natural(out_dir: Path, elig: dict, people: dict, planted: pa.Table, month: str, seed: int) -> int:
    """``registry/enrolments.parquet``: the planted rows and the natural eligibilities taken up."""
    natural = {k: v[elig["taken"]] for k, v in elig.items()}
    natural["start_date"], natural["last_review"] = _dates(natural, people, month, seed)
    return _write_enrolments(out_dir, natural, planted)


def _deaths(con, out_dir: Path, month: str, seed: int, share: float, enrolled: np.ndarray,
            found: _Eligible) -> list[dict]:
    """Plant the deaths (see the module docstring); returns their truth rows."""
    diffs = pq.read_table(out_dir / "truth" / "differences.parquet")
    differing = set(diffs["household_no"].to_pylist())
    candidates = np.array([h for h in enrolled.tolist() if found.household_no[h] not in differing], np.int64)
    chosen = np.sort(candidates[uniform(seed, "death", candidates) < share]) if share > 0 else candidates[:0]
    if not len(chosen):
        return []
    con.register("dying_households", pa.table({"household_id": pa.array(chosen, pa.int64())}))
    who = con.sql("""
        SELECT household_id, person_id, id_number, name FROM (
            SELECT m.household_id, m.person_id, p.id_number, p.name,
                   row_number() OVER (PARTITION BY m.household_id ORDER BY p.birth_date, m.position) AS k
            FROM members m JOIN persons p ON p.id = m.person_id  -- every part's households, not the last one's
            WHERE m.counted AND m.household_id IN (SELECT household_id FROM dying_households))
        WHERE k = 1 ORDER BY household_id""").to_arrow_table()
    hid, pid = who["household_id"].to_numpy(), who["person_id"].to_numpy()
    ref = (np.datetime64(month, "M") + 1).astype("datetime64[D]") - DAY
    when = ref - (20 + np.floor(uniform(seed, "death_date", pid) * 161).astype(np.int64)) * DAY
    # The rules' answer once the registry knows of the death: the same inputs with death_date set.
    known = pa.table({"person_id": pa.array(pid, pa.int64()), "death_date": pa.array(when, pa.date32())})
    with Population(out_dir, month, Scope(household_ids=tuple(chosen.tolist())), deaths=known) as dying:
        dying.prepare()
        persons, households = dying.fetch()
    after = dict.fromkeys(hid.tolist(), 0)
    if households.num_rows:
        hv, _ = evaluate(persons, households, month)
        after.update(zip(households["household_id"].to_pylist(), hv["dibao_state"].tolist(), strict=True))
    ids = who["id_number"].to_pylist()
    nos = [found.household_no[h] for h in hid.tolist()]
    u = uniform(seed, "death_report", pid)
    deaths = pa.table({"id_number": who["id_number"], "name": who["name"], "death_date": pa.array(when, pa.date32()),
                       "reported_by": pa.array(np.where(u < 0.6, "public_security", "funeral").tolist()),
                       "cremated": pa.array(uniform(seed, "cremated", pid) < 0.9)})
    pq.write_table(deaths.cast(DEPARTMENT_SCHEMAS["deaths"]), out_dir / "departments" / "deaths.parquet",
                   compression="snappy")
    _funeral_and_hukou(out_dir, seed, deaths, pid)
    n = len(pid)
    rows = pa.table({"household_no": pa.array(nos, pa.string()), "id_number": who["id_number"],
                     "source": pa.array(["deaths"] * n), "item": pa.array(["death"] * n),
                     "month": pa.nulls(n, pa.string()), "declared": pa.nulls(n, pa.string()),
                     "actual": pa.array([str(d) for d in when]), "declared_fen": pa.nulls(n, pa.int64()),
                     "actual_fen": pa.nulls(n, pa.int64()), "reference": pa.nulls(n, pa.string())})
    pq.write_table(pa.concat_tables([diffs, rows.cast(DIFFERENCES_SCHEMA)]),
                   out_dir / "truth" / "differences.parquet", compression="snappy")
    return [dict(household_id=h, household_no=no, kind="deceased_still_paid", programme="dibao",
                 expected="eligible" if after[h] == PASS else "not_eligible",
                 detail=f"member {idn[:6]}… died on {d}; payment continues; answer for the surviving members "
                        f"(jiuzhu.rules, the death known)", id_number=None)
            for no, h, idn, d in zip(nos, hid.tolist(), ids, when, strict=True)]


def _chunk(found: _Eligible, persons: pa.Table, households: pa.Table, month: str, seed: int, take_up: float,
           planted_nos: pa.Array) -> None:
    hv, pv = evaluate(persons, households, month)
    hid = households["household_id"].to_numpy()
    natural_h = ~pc.is_in(households["household_no"], value_set=planted_nos).to_numpy(zero_copy_only=False)
    row = persons["household_row"].to_numpy()
    pid = persons["person_id"].to_numpy()
    natural_p = natural_h[row]
    hh_of = hid[row]
    none = np.full(len(hid), -1, np.int64)

    def take(tag, keys):
        return uniform(seed, tag, keys) < take_up

    def remember(h_mask, p_mask):
        nos = households["household_no"].to_numpy(zero_copy_only=False)
        h = np.nonzero(h_mask | np.bincount(row[p_mask], minlength=len(hid)).astype(bool))[0]
        found.household_no.update(zip(hid[h].tolist(), nos[h].tolist(), strict=True))

    # 低保: the household, or members alone (单人保) where the household as a whole is not eligible.
    whole = natural_h & (hv["dibao_household_state"] == PASS)
    whole_taken = take("dibao", hid)
    found.add(hid[whole], none[whole], "dibao", hv["dibao_amount"][whole], whole_taken[whole])
    alone = natural_p & (pv["single_person_dibao"] == PASS) & ~whole[row]
    alone_taken = take("dibao_single", pid)
    found.add(hh_of[alone], pid[alone], "dibao", pv["dibao_person_amount"][alone], alone_taken[alone])
    h_any = whole.copy()
    p_any = alone.copy()
    for name, state in (("margin", "margin_state"), ("rigid_spending", "rigid_state")):
        sel = natural_h & (hv[state] == PASS)
        found.add(hid[sel], none[sel], name, np.zeros(int(sel.sum()), np.int64), take(name, hid)[sel])
        h_any |= sel
    for name, state, amount in (("tekun", "tekun_state", "tekun_amount"),
                                ("disability_care", "disability_care_state", "disability_care_amount"),
                                ("orphan", "orphan_state", "child_allowance_amount"),
                                ("unsupported_child", "unsupported_child_state", "child_allowance_amount")):
        sel = natural_p & (pv[state] == PASS)
        found.add(hh_of[sel], pid[sel], name, pv[amount][sel], take(name, pid)[sel])
        p_any |= sel
    # 困难残疾人生活补贴 rests on 低保: taken up with it (reason 1 when not: the 低保 was not taken up).
    sel = natural_p & (pv["disability_living_state"] == PASS)
    with_dibao = np.where(pv["single_person_dibao"] == PASS, alone_taken, whole_taken[row])
    found.add(hh_of[sel], pid[sel], "disability_living", pv["disability_living_amount"][sel], with_dibao[sel],
              np.where(with_dibao[sel], 0, 1))
    p_any |= sel
    remember(h_any, p_any)


def _people(con, person_ids: np.ndarray, found: _Eligible) -> dict[str, np.ndarray]:
    """Birth date and certificate start of the given people (sorted ids), for plausible start dates; their
    ID numbers go to ``found`` (the scan's inputs carry no ID numbers)."""
    con.register("wanted", pa.table({"person_id": pa.array(person_ids, pa.int64())}))
    table = con.sql("""SELECT w.person_id, p.id_number, p.birth_date, p.disability_valid_from
                   FROM wanted w JOIN persons p ON p.id = w.person_id ORDER BY w.person_id""").to_arrow_table()
    con.unregister("wanted")
    found.id_number.update(zip(table["person_id"].to_pylist(), table["id_number"].to_pylist(), strict=True))
    out = {"person_id": table["person_id"].to_numpy()}
    for c in ("birth_date", "disability_valid_from"):
        out[c] = table[c].cast(pa.timestamp("s")).to_numpy(zero_copy_only=False).astype("datetime64[M]")
    return out


def _dates(rows: dict, people: dict, month: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Start (the first of a month in the past, not before the person or the programme could qualify)
    and last review (within 180 days for 低保, 365 otherwise, not before the start)."""
    n = len(rows["household_id"])
    month0 = np.datetime64(month, "M")
    ref = (month0 + 1).astype("datetime64[D]") - DAY
    key = rows["household_id"] * 16 + rows["programme"]
    key = np.where(rows["person_id"] > 0, rows["person_id"] * 16 + rows["programme"] + (1 << 40), key)
    u_start, u_review = uniform(seed, "start", key), uniform(seed, "review", key)
    idx = np.searchsorted(people["person_id"], rows["person_id"])
    idx = np.minimum(idx, max(len(people["person_id"]) - 1, 0))
    person = rows["person_id"] > 0
    empty = np.full(n, np.datetime64("NaT"), "datetime64[M]")
    birth = np.where(person, people["birth_date"][idx], empty) if len(people["person_id"]) else empty
    cert = np.where(person, people["disability_valid_from"][idx], empty) if len(people["person_id"]) else empty
    start = np.empty(n, "datetime64[M]")
    review_days = np.full(n, 365)
    for rank, name in enumerate(PROGRAMMES):
        sel = rows["programme"] == rank
        if not sel.any():
            continue
        if name == "disability_care":  # from the month after the certificate's validity began
            start[sel] = cert[sel] + 1
        else:
            low, high = START_MONTHS[name]
            start[sel] = month0 - (low + np.floor(u_start[sel] * (high - low + 1)).astype(np.int64))
        floor = birth[sel] + 1
        if name in ("disability_care", "disability_living"):
            floor = np.where(np.isnat(cert[sel]), floor, np.maximum(floor, cert[sel] + 1))
        if name == "tekun":  # an elderly person without a certificate qualifies from 60
            years60 = birth[sel] + 60 * 12 + 1
            old = (years60 <= month0) & np.isnat(cert[sel])
            floor = np.where(old, years60, floor)
        if name in EARLIEST:
            floor = np.where(np.isnat(floor), np.datetime64(EARLIEST[name], "M"),
                             np.maximum(floor, np.datetime64(EARLIEST[name], "M")))
        s = start[sel]
        s = np.where(np.isnat(floor), s, np.maximum(s, floor))
        start[sel] = np.minimum(s, month0)
        review_days[sel] = REVIEW_DAYS.get(name, 365)
    start_d = start.astype("datetime64[D]")
    review = np.maximum(ref - np.floor(u_review * review_days).astype(np.int64) * DAY, start_d)
    return start_d, review


def _write_enrolments(out_dir: Path, natural: dict, planted: pa.Table) -> int:
    """Planted rows as built and natural rows, ordered by household, programme and person; ids from 1."""
    p_person = planted["person_id"].fill_null(-1).to_numpy()
    cols = {
        "household_id": np.concatenate([planted["household_id"].to_numpy(), natural["household_id"]]),
        "person_id": np.concatenate([p_person, natural["person_id"]]),
        "programme": np.concatenate([np.array([RANK[p] for p in planted["programme"].to_pylist()], np.int8),
                                     natural["programme"]]),
        "amount": np.concatenate([planted["monthly_amount_fen"].to_numpy(), natural["amount"]]),
        "start_date": np.concatenate([planted["start_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]"),
                                      natural["start_date"]]),
        "last_review": np.concatenate([
            planted["last_review"].to_numpy(zero_copy_only=False).astype("datetime64[D]"), natural["last_review"]]),
    }
    order = np.lexsort((cols["person_id"], cols["programme"], cols["household_id"]))
    cols = {k: v[order] for k, v in cols.items()}
    n = len(order)
    table = pa.table({
        "id": pa.array(np.arange(1, n + 1, dtype=np.int64)),
        "household_id": pa.array(cols["household_id"], pa.int64()),
        "person_id": pa.array(cols["person_id"], pa.int64(), mask=cols["person_id"] < 0),
        "programme": pa.array(np.array(PROGRAMMES, dtype=object)[cols["programme"]].tolist(), pa.string()),
        "monthly_amount_fen": pa.array(cols["amount"], pa.int64()),
        "start_date": pa.array(cols["start_date"], pa.date32()),
        "end_date": pa.nulls(n, pa.date32()),
        "last_review": pa.array(cols["last_review"], pa.date32()),
        "taper_from": pa.nulls(n, pa.string()),  # no synthetic household is in its 渐退期
    })
    table = table.cast(registry_schema("enrolments"))
    pq.write_table(table, out_dir / "registry" / "enrolments.parquet", compression="snappy")
    return n


REASONS = ("not enrolled (non-take-up)", "not enrolled: the household has not taken up 低保")
LABELS = {"dibao": "低保", "tekun": "特困", "margin": "低保边缘家庭", "rigid_spending": "刚性支出困难家庭",
          "disability_care": "重度残疾人护理补贴", "disability_living": "困难残疾人生活补贴",
          "orphan": "孤儿基本生活费", "unsupported_child": "事实无人抚养儿童基本生活费"}


def _funeral_and_hukou(out_dir: Path, seed: int, deaths: pa.Table, pid: np.ndarray) -> None:
    """The other records of a death: the funeral home's cremation (民政 殡葬), 0-5 days after the death, for
    each death marked cremated; and the 户籍 cancelled (死亡注销) by 公安, who hold the death."""
    cremated = deaths["cremated"].combine_chunks().to_numpy(zero_copy_only=False)
    when = deaths["death_date"].combine_chunks().to_numpy(zero_copy_only=False).astype("datetime64[D]")
    days = np.floor(uniform(seed, "cremated_on", pid) * 6).astype(np.int64) * DAY
    areas = pq.read_table(out_dir / "registry" / "areas.parquet", columns=["level", "name"]).to_pydict()
    district = next(n for lv, n in zip(areas["level"], areas["name"], strict=True) if lv == 3)
    k = int(cremated.sum())
    keep = pa.array(cremated)
    funeral = pa.table({"id_number": deaths["id_number"].filter(keep), "name": deaths["name"].filter(keep),
                        "death_date": pa.array(when[cremated], pa.date32()),
                        "cremated_on": pa.array((when + days)[cremated], pa.date32()),
                        "funeral_home": pa.array([f"重庆市{district}殡仪馆(合成)"] * k, pa.string())})
    pq.write_table(funeral.cast(DEPARTMENT_SCHEMAS["funeral"]), out_dir / "departments" / "funeral.parquet",
                   compression="snappy")
    path = out_dir / "departments" / "hukou.parquet"
    hukou = pq.read_table(path)
    dead = pc.is_in(hukou["id_number"], value_set=deaths["id_number"])
    status = pc.if_else(dead, pa.scalar("死亡注销"), hukou["status"])
    hukou = hukou.set_column(hukou.schema.get_field_index("status"), "status", status)
    pq.write_table(hukou.cast(DEPARTMENT_SCHEMAS["hukou"]), path, compression="snappy")


def _write_truth(out_dir: Path, truth: pa.Table, deaths: list[dict], missed: dict, found: _Eligible,
                 dibao_nos: set[str]) -> int:
    """The planted rows as built (``declared_differs`` told whether the household is now enrolled in 低保),
    the deaths, then one ``unenrolled`` row per eligibility not taken up, in household order."""
    kind = truth["kind"].to_pylist()
    detail = truth["detail"].to_pylist()
    nos = truth["household_no"].to_pylist()
    for i, k in enumerate(kind):
        if k == "declared_differs":
            state = "enrolled in 低保" if nos[i] in dibao_nos else "not enrolled in 低保"
            detail[i] = f"{detail[i]}; {state}"
    truth = truth.set_column(truth.schema.get_field_index("detail"), "detail", pa.array(detail, pa.string()))
    order = np.lexsort((missed["person_id"], missed["programme"], missed["household_id"]))
    rows = [{k: v for k, v in d.items() if k != "household_id"} for d in deaths]
    for i in order:
        programme = PROGRAMMES[missed["programme"][i]]
        person = int(missed["person_id"][i])
        amount = int(missed["amount"][i])
        figure = (f"{amount // 100}.{amount % 100:02d} a month" if programme not in ("margin", "rigid_spending")
                  else "a status, no payment")
        who = "" if person < 0 else ("this member alone (单人保), " if programme == "dibao" else "this member, ")
        rows.append(dict(household_no=found.household_no[int(missed["household_id"][i])], kind="unenrolled",
                         programme=programme, expected="eligible",
                         detail=f"{LABELS[programme]}: eligible under jiuzhu.rules on the declared data, {who}"
                                f"{figure}; {REASONS[missed['reason'][i]]}",
                         id_number=None if person < 0 else found.id_number[person]))
    extra = pa.Table.from_pylist(rows, schema=PLANTED_SCHEMA) if rows else PLANTED_SCHEMA.empty_table()
    table = pa.concat_tables([truth.cast(PLANTED_SCHEMA), extra])
    pq.write_table(table, out_dir / "truth" / "planted.parquet", compression="snappy")
    return table.num_rows
