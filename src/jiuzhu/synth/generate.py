"""The generator: a synthetic district written chunk by chunk to a Parquet snapshot.

Layout of ``out_dir``::

    registry/<table>.parquet      the registry tables, exactly the DB columns, ids pre-assigned from 1
    departments/<source>.parquet  outside departments' raw records (the truth)
    truth/planted.parquet         households whose answer is known by construction, and the eligible not enrolled
    truth/differences.parquet     each planted difference between declared and department data
    manifest.json                 what was generated, with which parameters, files and counts

Each chunk of households is drawn with its own numpy Generator seeded from (seed, chunk index)
and written as one row group; state carried across chunks is only counters (ids, order codes
of ID numbers, serials), so memory stays flat whatever the size of the district.

Chunks write the enrolments of planted households only; the last pass (``enrol_by_rules``)
evaluates the written registry with jiuzhu.rules and enrols every other household accordingly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from jiuzhu.exchange.records import DEPARTMENT_SCHEMAS
from jiuzhu.months import month_end
from jiuzhu.registry.codes import INCOME_CATEGORIES, SELF_CARE_ACTIVITIES
from jiuzhu.registry.parquet import REGISTRY_TABLES, registry_schema
from jiuzhu.synth import departments, economy, enrol, ids, planted, population
from jiuzhu.synth.config import SynthConfig
from jiuzhu.synth.enrol import Law
from jiuzhu.synth.enrol_by_rules import enrol_by_rules
from jiuzhu.synth.places import District, birth_codes, current_codes, district_places
from jiuzhu.synth.population import EMPLOYMENT, SCHOOL, E
from jiuzhu.synth.truth import DIFFERENCES_SCHEMA, PLANTED_SCHEMA

DAY = np.timedelta64(1, "D")


@dataclass
class SynthSummary:
    households: int
    persons: int
    files: list[str]
    planted: dict[str, int]
    out_dir: Path | None = None
    counts: dict[str, int] = field(default_factory=dict)
    enrolments: dict = field(default_factory=dict)  # natural enrolments and 'unenrolled' per programme


def month_list(month: str, months: int) -> list[str]:
    y, m = int(month[:4]), int(month[5:7])
    start = y * 12 + (m - 1) - (months - 1)
    return [f"{(start + i) // 12:04d}-{(start + i) % 12 + 1:02d}" for i in range(months)]

# --- writing ----------------------------------------------------------------------------------

class Writers:
    """One ParquetWriter per file, opened on first write; empty files get their schema on close."""

    def __init__(self, root: Path, schemas: dict[str, pa.Schema]) -> None:
        self.root, self.schemas = root, schemas
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.rows = {k: 0 for k in schemas}

    def write(self, rel: str, columns: dict) -> None:
        schema = self.schemas[rel]
        table = pa.table({f.name: _column(columns.get(f.name), f.type, columns) for f in schema}, schema=schema)
        if table.num_rows == 0:
            return
        if rel not in self.writers:
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            self.writers[rel] = pq.ParquetWriter(path, schema, compression="snappy")
        self.writers[rel].write_table(table)
        self.rows[rel] += table.num_rows

    def close(self) -> None:
        for rel, schema in self.schemas.items():
            if rel in self.writers:
                self.writers[rel].close()
            else:
                path = self.root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(schema.empty_table(), path, compression="snappy")


def _column(values, typ: pa.DataType, columns: dict) -> pa.Array:
    n = _length(columns)
    if values is None:
        return pa.nulls(n, typ)
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values.cast(typ) if values.type != typ else values
    values = np.asarray(values)
    if values.dtype.kind == "M":
        return pa.array(values.astype("datetime64[D]"), typ, mask=np.isnat(values))
    if values.dtype == object:
        return pa.array(values.tolist(), typ)
    return pa.array(values, typ)


def _length(columns: dict) -> int:
    for v in columns.values():
        if v is not None:
            return len(v)
    return 0


def decimals(centi: np.ndarray) -> pa.Array:
    """Exact decimal128(10, 2) from hundredths."""
    whole = pc.cast(pa.array(centi // 100), pa.string())
    frac = ids.padded(centi % 100, 2)
    return pc.cast(pc.binary_join_element_wise(whole, frac, "."), pa.decimal128(10, 2))


def yuan_text(fen: np.ndarray | None) -> list[str | None]:
    return [None if f is None else planted.yuan(f) for f in fen]


# --- one chunk ----------------------------------------------------------------------------------

class Chunk:
    """The households of one chunk, their people and everything about them (local indices)."""

    def __init__(self, index: int, rng: np.random.Generator, hh: dict, pp: dict, months: list[str]) -> None:
        self.index, self.rng, self.hh, self.pp = index, rng, hh, pp
        self.months, self.M = months, len(months)
        self.size = np.diff(np.append(pp["hh_start"], pp["P"]))
        self.inc: economy.Incomes | None = None
        self.declared: economy.Incomes | None = None
        self.assets = self.vehicles = self.estate = self.businesses = None
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


class Run:
    """State kept across chunks: counters and writers."""

    def __init__(self, district: str, seed: int, out_dir: Path, month: str, months: int, cfg: SynthConfig) -> None:
        self.district, self.seed, self.out_dir, self.cfg = district, seed, out_dir, cfg
        self.month, self.months = month, month_list(month, months)
        self.ref = month_end(month)
        self.refd = ids.date64(self.ref)
        self.declared_on = self.ref + dt.timedelta(days=1)
        self.place: District = district_places(district)
        self.codes = birth_codes(district)
        self.elsewhere = current_codes(51, self.ref.year)
        self.rules = Law.for_month(month)
        self.urban_share = cfg.urban_share_for(district)
        self.allocator = ids.IdAllocator()
        self.next_id = {t: 1 for t in REGISTRY_TABLES}
        self.town_seq = np.zeros(len(self.place.townships), dtype=np.int64)
        self.serial = {k: 0 for k in ("account", "plate", "estate", "business", "policy")}
        salt_rng = np.random.default_rng([seed, 2**31 - 1])
        self.salt = {k: int(salt_rng.integers(0, 2**40)) for k in ("account", "plate", "business", "employer",
                                                                        "policy")}
        self.planted_counts = {k: 0 for k in (*planted.KINDS, "unenrolled", "declared_differs",
                                              "deceased_still_paid")}
        self._employers()
        self._areas_by_code = {r.code: r for r in self.place.rows}
        schemas = {f"registry/{t}.parquet": registry_schema(t) for t in REGISTRY_TABLES}
        schemas |= {f"departments/{k}.parquet": s for k, s in DEPARTMENT_SCHEMAS.items()}
        schemas |= {"truth/planted.parquet": PLANTED_SCHEMA, "truth/differences.parquet": DIFFERENCES_SCHEMA}
        self.writers = Writers(out_dir, schemas)

    def _employers(self) -> None:
        rng = np.random.default_rng([self.seed, 2**31 - 2])
        k = self.cfg.employers
        words = np.array(["宏达", "兴旺", "鑫源", "巴渝", "海棠", "石刻", "龙城", "万通", "顺发", "嘉禾",
                          "瑞丰", "长江"], dtype=object)
        kinds = np.array(["机械制造", "建筑工程", "商贸", "餐饮管理", "物流", "物业服务", "五金制品", "食品", "电子",
                          "汽车配件"], dtype=object)
        short = self.place.name.removesuffix("区").removesuffix("县")
        names_ = ("重庆市" + short + words[rng.integers(0, len(words), k)] + kinds[rng.integers(0, len(kinds), k)]
                  + "有限公司(合成)" + np.array([f"{i:03d}" for i in range(k)], dtype=object))
        self.employer_name = names_
        self.employer_uscc = np.array(ids.uscc_codes(np.arange(k), np.full(k, 1), self.district,
                                                     self.salt["employer"]).to_pylist(), dtype=object)
        weights = 1.0 / np.arange(1, k + 1) ** 0.8  # a few large employers, many small ones
        self.employer_p = weights / weights.sum()

    # ----------------------------------------------------------------------------------------
    def chunk(self, index: int, n: int) -> None:
        cfg, rules, ref, refd = self.cfg, self.rules, self.ref, self.refd
        rng = np.random.default_rng([self.seed, index])
        hh = population.make_households(rng, n, self.place, self.urban_share, cfg)
        pp = population.make_members(rng, hh, ref, cfg)
        population.assign_ids(rng, pp, self.codes, self.allocator)
        population.assign_health(rng, pp, ref, cfg)
        # A generator of its own: adding the draw leaves every other draw of the seed as it was.
        population.assign_work_injury_care(np.random.default_rng([self.seed, index, 0x1C]), pp, cfg)
        population.assign_activity(rng, pp, hh, cfg)
        population.assign_hukou(rng, pp, hh, self.place, self.elsewhere)
        urban_p = hh["urban"][pp["hh"]]
        pp["formal"] = departments.employed_formal(rng, pp, urban_p, cfg)
        pp["employer"] = rng.choice(len(self.employer_p), pp["P"], p=self.employer_p)
        ch = Chunk(index, rng, hh, pp, self.months)
        ch.ref = refd
        ch.inc = economy.make_incomes(rng, pp, hh, self.months, cfg)
        hh_total = economy.household_sums(ch.inc.total_per_person(), pp, n)
        hh_month = hh_total / ch.M
        pc_month_yuan = hh_month / ch.size / 100.0
        ch.assets = economy.make_assets(rng, pp, hh, hh_month, cfg)
        ch.vehicles = economy.make_vehicles(rng, pp, hh, pc_month_yuan, ref, cfg)
        ch.estate = economy.make_real_estate(rng, pp, hh, ref, cfg)
        ch.businesses = economy.make_businesses(rng, pp, ref, cfg)
        # 特困: a few single elderly people with no income, no property and no able supporter.
        head = pp["hh_start"]
        tekun = (hh["shape"] == population.S["single_elderly"]) & (pp["age"][head] >= 60) \
            & (rng.random(n) < cfg.tekun_share_single_elderly)
        tk_members = tekun[pp["hh"]]
        ch.inc.clear(np.nonzero(tk_members)[0])
        ch.drop_facts(tk_members)
        pp["employment"][tk_members] = E["unable_to_work"]
        pp["sector"][tk_members] = None
        pp["formal"][tk_members] = False
        # Half of them live in a house of their own; the others rent or live in housing provided.
        keep_home = ~tk_members[ch.estate["person"]] | (rng.random(len(ch.estate["person"])) < 0.5)
        ch.estate = economy.select_rows(ch.estate, keep_home)
        ch.supporters = population.make_supporters(rng, pp, hh, tekun, ref, self.codes, self.allocator)
        # Planted households, then the differences between declared and true data.
        picks = planted.pick(rng, hh, pp, tekun, cfg.planted_share, cfg.planted_min)
        details = planted.plant(rng, ch, picks, rules)
        planted_mask = np.zeros(n, dtype=bool)
        for kind in planted.KINDS:
            planted_mask[picks[kind]] = True
        diff_picks = departments.pick(rng, ch, planted_mask | tekun, cfg)
        departments.apply(rng, ch, diff_picks)
        differs = np.zeros(n, dtype=bool)
        for v in diff_picks.values():
            differs[v] = True
        # The simplified 低保 test on what households declared (jiuzhu.synth.enrol) checks the planted
        # construction. Enrolments written now are the planted households' only (低保: the wrongly
        # enrolled); enrol_by_rules enrols every other household by jiuzhu.rules and plants the deaths.
        line = rules.line_fen(hh["urban"])
        k, income, assets, vehicle = self._means_test(ch, ch.declared, declared_only=True)
        eligible = enrol.dibao_eligible(line, k, ch.M, income, assets, vehicle, rules.assets_months)
        self._check_planted(picks, eligible)
        wrongly = np.zeros(n, dtype=bool)
        wrongly[picks["enrolled_not_entitled"]] = True
        dibao_amount = np.floor(line * k * rng.uniform(0.2, 0.8, n)).astype(np.int64)
        truth = self._truth_rows(ch, picks, details, differs, line, eligible)
        self._write_chunk(ch, wrongly, dibao_amount, truth, planted_mask)

    def _means_test(self, ch: Chunk, inc: economy.Incomes, declared_only: bool):
        """Per household: counted members, counted income (fen, all months), assets, disqualifying vehicle."""
        pp, n = ch.pp, ch.hh["n"]
        counted = pp["counted"]
        k = economy.household_sums(counted.astype(np.int64), pp, n)
        income = economy.household_sums(inc.counted_per_person() * counted, pp, n)
        a = ch.assets
        keep = counted[a["person"]] & (a["declared"] if declared_only else True)
        assets = np.zeros(n, dtype=np.int64)
        np.add.at(assets, pp["hh"][a["person"][keep]], a["amount_fen"][keep])
        v = ch.vehicles
        keep = counted[v["person"]] & ~v["mobility"] & (v["declared"] if declared_only else True)
        vehicle = np.zeros(n, dtype=bool)
        vehicle[pp["hh"][v["person"][keep]]] = True
        return k, income, assets, vehicle

    @staticmethod
    def _check_planted(picks: dict, eligible: np.ndarray) -> None:
        expected = {"entitled_unenrolled": True, "boundary_fen_below": True, "boundary_on_line": False,
                    "enrolled_not_entitled": False}
        for kind, want in expected.items():
            if len(picks[kind]) and not (eligible[picks[kind]] == want).all():
                raise AssertionError(f"planted {kind} households do not meet their construction")

    def _truth_rows(self, ch, picks, details, differs, line, declared_ok) -> list[tuple]:
        rows: list[tuple] = []
        expected = {"entitled_unenrolled": "eligible", "enrolled_not_entitled": "not_eligible",
                    "boundary_on_line": "not_eligible", "boundary_fen_below": "eligible"}
        for kind in planted.KINDS:
            for h in picks[kind]:
                rows.append((h, kind, "dibao", expected[kind], details[h]))
        # Households whose declared data differs: the answer on the true data, by the simplified test
        # (enrol_by_rules adds whether the household is enrolled in 低保).
        if differs.any():
            k, income, assets, vehicle = self._means_test(ch, ch.inc, declared_only=False)
            ok = enrol.dibao_eligible(line, k, ch.M, income, assets, vehicle, self.rules.assets_months)
            items: dict[int, set] = {}
            for d in ch.differences:
                items.setdefault(d["hh"], set()).add(d["item"])
            for h in np.nonzero(differs)[0]:
                rows.append((h, "declared_differs", "dibao", "eligible" if ok[h] else "not_eligible",
                             f"undeclared: {', '.join(sorted(items[h]))}; answer on the departments' data by "
                             f"the simplified test"))
        for _, kind, *_ in rows:
            self.planted_counts[kind] += 1
        return rows

    # --- tables ----------------------------------------------------------------------------
    def _ids(self, table: str, count: int) -> np.ndarray:
        start = self.next_id[table]
        self.next_id[table] += count
        return np.arange(start, start + count, dtype=np.int64)

    def _serials(self, kind: str, count: int) -> np.ndarray:
        start = self.serial[kind]
        self.serial[kind] += count
        return np.arange(start, start + count, dtype=np.int64)

    def _write_chunk(self, ch: Chunk, dibao, dibao_amount, truth, planted_mask) -> None:
        w, hh, pp = self.writers, ch.hh, ch.pp
        rng = ch.rng
        n, P = hh["n"], pp["P"]
        hid = self._ids("households", n)
        pid = self._ids("persons", P)
        towns = self.place.townships
        tn = hh["township"]
        order = np.argsort(tn, kind="stable")
        counts = np.bincount(tn, minlength=len(towns))
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
        seq = self.town_seq[tn] + rank + 1
        self.town_seq += counts
        town_code = np.array([t.code for t in towns], dtype=object)
        household_no = pc.binary_join_element_wise(pa.array(town_code[tn], pa.string()), ids.padded(seq, 6), "-")
        ch.household_no = household_no
        address = self._addresses(rng, hh)
        ch.address = address
        w.write("registry/households.parquet", dict(
            id=hid, household_no=household_no, area_code=hh["area_code"], address=address, urban=hh["urban"],
            declared_on=np.full(n, np.datetime64(self.declared_on.isoformat(), "D"))))
        # persons and members
        graded = pp["dis_grade"] > 0
        person_cols = dict(
            id=pid, id_number=pp["id_number"], name=pp["name"], sex=np.where(pp["male"], "M", "F").astype(object),
            birth_date=pp["birth"], death_date=None, hukou_chongqing=pp["hukou_chongqing"],
            hukou_urban=pp["hukou_urban"], hukou_area_code=pp["hukou_area"], employment=EMPLOYMENT[pp["employment"]],
            sector=pp["sector"], school_level=SCHOOL[pp["school"]], major_illness=pp["major_illness"],
            disability_category=pp["dis_category"],
            disability_grade=pa.array(pp["dis_grade"], pa.int64(), mask=~graded),
            disability_certificate=population.certificate_numbers(pp),
            disability_valid_from=pp["dis_from"], disability_valid_to=pp["dis_to"],
            care_assessed_on=pp["care_on"],
            # recorded where it applies; absent means no such pay (docs/rules.md)
            work_injury_care=pa.array(pp["work_injury_care"], pa.bool_(), mask=~pp["work_injury_care"]))
        for act in SELF_CARE_ACTIVITIES:
            person_cols[f"can_{act}"] = pa.array(pp[f"can_{act}"], pa.bool_(), mask=~pp["care_assessed"])
        w.write("registry/persons.parquet", person_cols)
        w.write("registry/members.parquet", dict(
            person_id=pid, household_id=hid[pp["hh"]], position=pp["position"], relation=pp["relation"],
            counted=pp["counted"], exclusion_reason=pp["exclusion"]))
        # incomes (declared)
        inc = ch.declared
        any_row = inc.present.any(axis=2)
        rp, rm = np.nonzero(any_row)
        cols = dict(person_id=pid[rp], month=np.array(self.months, dtype=object)[rm])
        for c, name in enumerate(INCOME_CATEGORIES):
            cols[name] = pa.array(inc.amount[rp, rm, c], pa.int64(), mask=~inc.present[rp, rm, c])
        w.write("registry/incomes.parquet", cols)
        self._write_facts(ch, pid, hid, dibao, dibao_amount, planted_mask)
        self._write_departments(ch, pid)
        # truth
        if truth:
            h = np.array([t[0] for t in truth])
            w.write("truth/planted.parquet", dict(
                household_no=pc.take(household_no, pa.array(h)), kind=np.array([t[1] for t in truth], dtype=object),
                programme=np.array([t[2] for t in truth], dtype=object),
                expected=np.array([t[3] for t in truth], dtype=object),
                detail=np.array([t[4] for t in truth], dtype=object)))

    def _addresses(self, rng: np.random.Generator, hh: dict) -> pa.Array:
        n = hh["n"]
        prefix = {}
        for r in self.place.rows:
            if r.level == 5:
                town = self._areas_by_code[r.parent_code]
                prefix[r.code] = self.place.name + r.name.removesuffix("(合成)")
                assert r.name.startswith(town.name)
        pre = np.array([prefix[c] for c in hh["area_code"]], dtype=object)
        group = rng.integers(1, 13, n).astype(str).astype(object)
        number = rng.integers(1, 200, n).astype(str).astype(object)
        building = rng.integers(1, 30, n).astype(str).astype(object)
        rural = pre + group + "组" + number + "号(合成数据)"
        urban = pre + "幸福路" + number + "号" + building + "栋(合成数据)"
        return pa.array(np.where(hh["urban"], urban, rural).tolist(), pa.string())

    def _write_facts(self, ch: Chunk, pid, hid, dibao, dibao_amount, planted_mask) -> None:
        w, pp, refd, rng = self.writers, ch.pp, self.refd, ch.rng
        # Department-side identifiers for every true row, declared or not.
        a = ch.assets
        a["serial"] = self._serials("account", len(a["person"]))
        d = a["declared"]
        w.write("registry/financial_assets.parquet", dict(
            id=self._ids("financial_assets", int(d.sum())), person_id=pid[a["person"][d]], kind=a["kind"][d],
            institution=a["institution"][d], amount_fen=a["amount_fen"][d], as_of=np.full(int(d.sum()), refd)))
        v = ch.vehicles
        v["plate"] = np.array(ids.plates(self._serials("plate", len(v["person"])), self.salt["plate"]).to_pylist(),
                              dtype=object)
        v["plate"][v["mobility"]] = None
        d = v["declared"]
        w.write("registry/vehicles.parquet", dict(
            id=self._ids("vehicles", int(d.sum())), person_id=pid[v["person"][d]], kind=v["kind"][d],
            plate=v["plate"][d], value_fen=v["value_fen"][d], mobility_for_disabled=v["mobility"][d]))
        e = ch.estate
        serial = self._serials("estate", len(e["person"]))
        year = e["registered_on"].astype("datetime64[Y]").astype(np.int64) + 1970
        short = self.place.name
        e["certificate"] = np.array([f"渝({y}){short}不动产权第{s + 1:07d}号"
                                     for y, s in zip(year, serial, strict=True)], dtype=object)
        home_addr = np.array(ch.address.to_pylist(), dtype=object)[pp["hh"][e["person"]]]
        first = np.r_[True, e["person"][1:] != e["person"][:-1]] if len(e["person"]) else np.zeros(0, bool)
        e["location"] = np.where((e["use"] == "residential") & first, home_addr,
                                 home_addr + "附" + (serial % 50 + 1).astype(str).astype(object) + "号")
        w.write("registry/real_estate.parquet", dict(
            id=self._ids("real_estate", len(e["person"])), person_id=pid[e["person"]], use=e["use"],
            floor_area_m2=decimals(e["area_centi"]), certificate_no=e["certificate"], location=e["location"]))
        b = ch.businesses
        b["uscc"] = np.array(ids.uscc_codes(self._serials("business", len(b["person"])) + self.cfg.employers,
                                            np.full(len(b["person"]), 2), self.district,
                                            self.salt["business"]).to_pylist(), dtype=object)
        d = b["declared"]
        w.write("registry/businesses.parquet", dict(
            id=self._ids("businesses", int(d.sum())), person_id=pid[b["person"][d]], uscc=b["uscc"][d],
            name=b["name"][d], registered_capital_fen=b["capital_fen"][d]))
        s = ch.supporters
        w.write("registry/supporters.parquet", dict(
            id=self._ids("supporters", len(s["person"])), person_id=pid[s["person"]], name=s["name"],
            id_number=s["id_number"], relation=s["relation"], status=s["status"]))
        r = economy.make_rigid_spending(rng, pp, self.months)
        w.write("registry/rigid_spending.parquet", dict(
            id=self._ids("rigid_spending", len(r["person"])), household_id=hid[pp["hh"][r["person"]]],
            person_id=pid[r["person"]], month=np.array(self.months, dtype=object)[r["month"]],
            category=r["category"], amount_fen=r["amount_fen"]))
        # A generator of their own: adding emergencies leaves every other draw of the seed as it was.
        e = economy.make_emergencies(np.random.default_rng([self.seed, ch.index, 0xE]), len(hid), self.month,
                                     planted_mask)
        w.write("registry/emergencies.parquet", dict(
            id=self._ids("emergencies", len(e["household"])), household_id=hid[e["household"]],
            occurred_on=e["occurred_on"], kind=e["kind"], need_fen=e["need_fen"], note=None))
        self._write_enrolments(ch, pid, hid, dibao, dibao_amount, planted_mask)

    def _write_enrolments(self, ch: Chunk, pid, hid, dibao, dibao_amount, planted_mask) -> None:
        """The planted households' enrolments, as built: 低保 for the wrongly enrolled (``dibao``), the care
        subsidy for grade 1-2 members of every planted household, the living subsidy for disabled members
        of the wrongly enrolled. enrol_by_rules adds every other household's, decided by jiuzhu.rules."""
        pp, rng, refd, rules = ch.pp, ch.rng, self.refd, self.rules
        month0 = np.datetime64(self.month, "M")
        parts = []

        def start_months(count, low, high):
            return (month0 - rng.integers(low, high + 1, count)).astype("datetime64[D]")

        def review(start, within_days):
            return np.maximum(refd - rng.integers(0, within_days, len(start)) * DAY, start)

        h = np.nonzero(dibao)[0]
        st = start_months(len(h), 1, 72)
        parts.append(dict(household_id=hid[h], person_id=np.full(len(h), None, dtype=object),
                          programme=np.full(len(h), "dibao", dtype=object), monthly_amount_fen=dibao_amount[h],
                          start_date=st, last_review=review(st, 180)))
        valid = pp["dis_valid"] & planted_mask[pp["hh"]]
        care = np.nonzero(valid & (pp["dis_grade"] >= 1) & (pp["dis_grade"] <= 2))[0]
        st = np.maximum(pp["dis_from"][care].astype("datetime64[M]") + 1, np.datetime64("2016-01", "M"))
        st = np.minimum(st, month0).astype("datetime64[D]")
        parts.append(dict(household_id=hid[pp["hh"][care]], person_id=pid[care],
                          programme=np.full(len(care), "disability_care", dtype=object),
                          monthly_amount_fen=enrol.care_subsidy(rules, pp["dis_grade"][care]),
                          start_date=st, last_review=review(st, 365)))
        living = np.nonzero(valid & pp["hukou_chongqing"] & dibao[pp["hh"]])[0]
        st = start_months(len(living), 1, 48)
        parts.append(dict(household_id=hid[pp["hh"][living]], person_id=pid[living],
                          programme=np.full(len(living), "disability_living", dtype=object),
                          monthly_amount_fen=np.full(len(living), rules.fen("disability.living_subsidy")),
                          start_date=st, last_review=review(st, 365)))
        cols = economy.concat(*parts)
        person_id = pa.array([None if x is None else int(x) for x in cols["person_id"].tolist()], pa.int64())
        self.writers.write("registry/enrolments.parquet", dict(
            id=self._ids("enrolments", len(cols["household_id"])), household_id=cols["household_id"],
            person_id=person_id, programme=cols["programme"], monthly_amount_fen=cols["monthly_amount_fen"],
            start_date=cols["start_date"], end_date=None, last_review=cols["last_review"]))

    def _write_departments(self, ch: Chunk, pid) -> None:
        w, pp, refd, rng = self.writers, ch.pp, self.refd, ch.rng
        idn, nm = pp["id_number"], pp["name"]

        def who(idx):
            idx = pa.array(np.asarray(idx, dtype=np.int64))
            return dict(id_number=pc.take(idn, idx), name=pc.take(nm, idx))

        a = ch.assets
        for kind, rel in (("deposit", "banks"), ("securities", "securities"), ("insurance_cash_value", "insurers")):
            sel = a["kind"] == kind
            k = int(sel.sum())
            cols = who(a["person"][sel])
            if kind == "deposit":
                cols |= dict(bank=a["institution"][sel],
                             account_no=ids.bank_accounts(a["serial"][sel], self.salt["account"]),
                             account_type=np.where(rng.random(k) < 0.6, "活期", "定期").astype(object),
                             balance_fen=a["amount_fen"][sel], as_of=np.full(k, refd))
            elif kind == "securities":
                acct = ids.bank_accounts(a["serial"][sel], self.salt["account"] + 1)
                cols |= dict(firm=a["institution"][sel], account_no=pc.utf8_slice_codeunits(acct, 7),
                             market_value_fen=a["amount_fen"][sel], as_of=np.full(k, refd))
            else:
                acct = ids.bank_accounts(a["serial"][sel], self.salt["policy"])
                policy_no = pc.binary_join_element_wise(pa.scalar("P"), pc.utf8_slice_codeunits(acct, 4), "")
                cols |= dict(insurer=a["institution"][sel], policy_no=policy_no,
                             cash_value_fen=a["amount_fen"][sel], as_of=np.full(k, refd))
            w.write(f"departments/{rel}.parquet", cols)
        v = ch.vehicles
        sel = ~v["mobility"]
        w.write("departments/vehicles.parquet", who(v["person"][sel]) | dict(
            plate=v["plate"][sel], vehicle_type=v["kind"][sel], registered_on=v["registered_on"][sel],
            status=np.full(int(sel.sum()), "正常", dtype=object)))
        e = ch.estate
        w.write("departments/real_estate.parquet", who(e["person"]) | dict(
            certificate_no=e["certificate"], location=e["location"], use=e["use"],
            floor_area_m2=decimals(e["area_centi"]), registered_on=e["registered_on"]))
        inc = ch.inc
        months = np.array(self.months, dtype=object)
        pc_ = economy.CAT["pension"]
        cc = economy.CAT["basic_pension_central"]
        has = inc.present[:, :, pc_] | inc.present[:, :, cc]
        rp, rm = np.nonzero(has)
        resident = inc.present[rp, rm, cc]
        w.write("departments/pensions.parquet", who(rp) | dict(
            month=months[rm], scheme=np.where(resident, "resident", "employee").astype(object),
            amount_fen=inc.amount[rp, rm, pc_] * inc.present[rp, rm, pc_] + inc.amount[rp, rm, cc] * resident,
            central_basic_fen=pa.array(inc.amount[rp, rm, cc], pa.int64(), mask=~resident)))
        wc = economy.CAT["wages"]
        rp, rm = np.nonzero(inc.present[:, :, wc] & pp["formal"][:, None])
        wage = inc.amount[rp, rm, wc]
        emp = pp["employer"][rp]
        w.write("departments/social_security.parquet", who(rp) | dict(
            month=months[rm], employer_uscc=self.employer_uscc[emp], employer_name=self.employer_name[emp],
            wage_fen=wage, contribution_base_fen=wage))
        w.write("departments/tax.parquet", who(rp) | dict(
            month=months[rm], income_type=np.full(len(rp), "工资薪金", dtype=object),
            withholding_agent_uscc=self.employer_uscc[emp], income_fen=wage,
            tax_withheld_fen=np.maximum(wage - 500000, 0) * 3 // 100))
        b = ch.businesses
        w.write("departments/market_regulation.parquet", dict(
            uscc=b["uscc"], name=b["name"], entity_type=np.full(len(b["person"]), "个体工商户", dtype=object),
            legal_rep_id_number=who(b["person"])["id_number"], legal_rep_name=who(b["person"])["name"],
            registered_capital_fen=b["capital_fen"], established_on=b["established_on"],
            status=np.full(len(b["person"]), "存续", dtype=object)))
        dis = np.nonzero(pp["dis_grade"] > 0)[0]
        cert = population.certificate_numbers(pp)
        w.write("departments/disability_federation.parquet", who(dis) | dict(
            certificate_no=pc.take(cert, pa.array(dis)), category=pp["dis_category"][dis],
            grade=pp["dis_grade"][dis], valid_from=pp["dis_from"][dis], valid_to=pp["dis_to"][dis]))
        # Deaths (departments/deaths.parquet and their differences) are planted by enrol_by_rules.
        rows = ch.differences
        if rows:
            ref_text = []
            actual_text = []
            for r in rows:
                kind, x = r["ref"]
                if kind == "employer":
                    ref_text.append(self.employer_uscc[pp["employer"][x]])
                    actual_text.append(planted.yuan(r["actual_fen"]))
                elif kind == "asset":
                    ref_text.append(ids.bank_accounts(a["serial"][[x]], self.salt["account"])[0].as_py())
                    actual_text.append(f"{a['institution'][x]} {planted.yuan(r['actual_fen'])}")
                elif kind == "vehicle":
                    ref_text.append(v["plate"][x])
                    actual_text.append(f"{v['kind'][x]} {v['plate'][x]}")
                elif kind == "business":
                    ref_text.append(b["uscc"][x])
                    actual_text.append(b["name"][x])
                else:
                    ref_text.append(None)
                    actual_text.append(x)
            person = np.array([r["person"] for r in rows], dtype=np.int64)
            w.write("truth/differences.parquet", dict(
                household_no=pc.take(ch.household_no, pa.array([r["hh"] for r in rows], pa.int64())),
                id_number=pc.take(idn, pa.array(person)), source=np.array([r["source"] for r in rows], dtype=object),
                item=np.array([r["item"] for r in rows], dtype=object),
                month=np.array([None if r["month"] is None else self.months[r["month"]] for r in rows], dtype=object),
                declared=np.array([None if r["declared_fen"] is None else planted.yuan(r["declared_fen"])
                                   for r in rows], dtype=object),
                actual=np.array(actual_text, dtype=object),
                declared_fen=pa.array([r["declared_fen"] for r in rows], pa.int64()),
                actual_fen=pa.array([r["actual_fen"] for r in rows], pa.int64()),
                reference=np.array(ref_text, dtype=object)))

    def area_rows(self) -> None:
        rows = self.place.rows
        self.writers.write("registry/areas.parquet", dict(
            code=np.array([r.code for r in rows], dtype=object), level=np.array([r.level for r in rows]),
            parent_code=np.array([r.parent_code for r in rows], dtype=object),
            name=np.array([r.name for r in rows], dtype=object),
            source=np.array([r.source for r in rows], dtype=object)))


def generate(district: str = "500111", households: int = 10_000, seed: int = 1, out_dir: Path = Path("var/synth"),
             month: str = "2025-08", months: int = 12, chunk_households: int = 20_000,
             progress: Callable[[int], None] | None = None, *, config: SynthConfig | None = None) -> SynthSummary:
    """Generate a synthetic district as a Parquet snapshot in ``out_dir`` (replaced if present)."""
    if households < 1 or months < 1 or chunk_households < 1:
        raise ValueError("households, months and chunk_households must be at least 1")
    cfg = config or SynthConfig()
    out_dir = Path(out_dir)
    for sub in ("registry", "departments", "truth"):
        if (out_dir / sub).exists():
            shutil.rmtree(out_dir / sub)
    (out_dir / "manifest.json").unlink(missing_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    run = Run(district, seed, out_dir, month, months, cfg)
    run.area_rows()
    done = 0
    index = 0
    try:
        while done < households:
            n = min(chunk_households, households - done)
            run.chunk(index, n)
            done += n
            index += 1
            if progress is not None:
                progress(done)
    finally:
        run.writers.close()
    enrolled = enrol_by_rules(out_dir, month, seed, cfg.take_up, cfg.death_share_enrolled)
    run.planted_counts["unenrolled"] = sum(enrolled.unenrolled.values())
    run.planted_counts["deceased_still_paid"] = enrolled.deaths
    counts = {rel: rows for rel, rows in run.writers.rows.items()}
    counts["registry/enrolments.parquet"] = enrolled.enrolments
    counts["truth/planted.parquet"] = enrolled.truth_rows
    counts["departments/deaths.parquet"] = enrolled.deaths
    counts["truth/differences.parquet"] += enrolled.deaths
    files = sorted(counts)
    manifest = {
        "generator": "jiuzhu.synth",
        "district": district,
        "district_name": run.place.name,
        "seed": seed,
        "households": households,
        "persons": counts["registry/persons.parquet"],
        "month": month,
        "months": months,
        "income_months": run.months,
        "reference_date": run.ref.isoformat(),
        "declared_on": run.declared_on.isoformat(),
        "chunk_households": chunk_households,
        "urban_share": run.urban_share,
        "parameters": run.rules.manifest(),
        "config": cfg.as_dict(),
        "planted": run.planted_counts,
        "enrolments": {"decided_by": "jiuzhu.rules", "take_up": cfg.take_up, **enrolled.as_dict()},
        "counts": counts,
        "files": [{"path": rel, "rows": counts[rel], "sha256": _sha256(out_dir / rel)} for rel in files],
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n",
                                           encoding="utf-8")
    return SynthSummary(households=households, persons=manifest["persons"], files=[*files, "manifest.json"],
                        planted=dict(run.planted_counts), out_dir=out_dir, counts=counts,
                        enrolments=enrolled.as_dict())


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
