"""Money to scale: what a synthetic district pays in a year, against what the real district reported.

    python -m jiuzhu.synth.scale --people 830000            # a synthetic 大足 for 2023, the Markdown table

The reference (domain.md §9): 大足区 paid 低保金、特困供养金、临时救助金等 3.1亿元 in 2023 (its 2024 government
work report), about 830,000 residents. The synthetic year 2023 is two snapshots of the same district and
seed, paid at the lines in force:

* ``2023-08`` for January-August (the 2022-09-01 lines: urban 717, rural 581, 特困 932 yuan a month),
* ``2023-12`` for September-December (the 2023-09-01 lines: 735, 600, 955); its income window is the
  calendar year 2023.

Each snapshot's enrolments are what is paid every month: 低保 (households and 单人保) and 特困 (basic
living and care), as ``enrol_by_rules`` decided them with the rules (take-up included). 临时救助 is not an
enrolment: the rules' ``temporary_amount`` of the month is evaluated for every household, the emergency part
(急难型, up to the assessed need) first, the rest expenditure-driven (支出型), each paid with the same take-up.
A year has 12 months of emergencies, each month's households new, but expenditure-driven aid is one-off:
a household whose rigid spending recurs applies once a year, so it is counted once (an assumption:
docs/synthetic-data.md). Amounts per resident times the district's residents give the figure, so a small
district estimates the full one.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import numpy as np

from jiuzhu.rules.batch import calculate, frame_from_tables
from jiuzhu.rules.inputs import population as inputs
from jiuzhu.synth.config import SynthConfig
from jiuzhu.synth.enrol_by_rules import uniform
from jiuzhu.synth.generate import generate

RESIDENTS = 830_000             # 大足区, about 0.83 million residents (domain.md §9)
REFERENCE_YUAN = 310_000_000    # 低保金、特困供养金、临时救助金等 in 2023
PEOPLE_PER_HOUSEHOLD = 2.76     # of the generator's 大足 (docs/synthetic-data.md)
YEAR_2023 = (("2023-08", 8), ("2023-12", 4))  # (snapshot month, months of 2023 paid at its lines)
TOLERANCE = 0.15


@dataclass
class MonthMoney:
    """One snapshot's month: people, and what is paid in that month (fen)."""

    month: str
    persons: int
    households: int
    dibao_fen: int
    dibao_persons: int          # counted members of enrolled households, and 单人保 members
    tekun_fen: int
    tekun_persons: int
    emergency_fen: int          # 临时救助, 急难型
    emergency_households: int
    expenditure_fen: int        # 临时救助, 支出型
    expenditure_households: int


@dataclass
class YearMoney:
    """A year of money, in yuan per resident and for ``residents`` residents."""

    residents: int
    per_resident: dict[str, float]
    shares: dict[str, float]    # recipients per resident in an average month (临时救助: per year)
    months: list[MonthMoney]

    def total(self, programme: str) -> float:
        return self.per_resident[programme] * self.residents

    @property
    def sum(self) -> float:
        return sum(self.total(p) for p in ("dibao", "tekun", "temporary"))

    @property
    def ratio(self) -> float:
        return self.sum / REFERENCE_YUAN


def month_money(snapshot: Path, month: str, seed: int, take_up: float, memory_limit: str = "2GB") -> MonthMoney:
    """What the snapshot pays in its month: its enrolments, and 临时救助 evaluated with the rules."""
    con = duckdb.connect()
    reg = Path(snapshot) / "registry"
    for table in ("enrolments", "members", "households", "persons"):
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{reg / table}.parquet')")
    dibao, dibao_persons, tekun, tekun_persons = con.execute("""
        SELECT (SELECT coalesce(sum(monthly_amount_fen), 0) FROM enrolments WHERE programme = 'dibao'),
               (SELECT count(*) FROM enrolments e JOIN members m ON m.household_id = e.household_id
                 WHERE e.programme = 'dibao' AND e.person_id IS NULL AND m.counted)
               + (SELECT count(*) FROM enrolments WHERE programme = 'dibao' AND person_id IS NOT NULL),
               (SELECT coalesce(sum(monthly_amount_fen), 0) FROM enrolments WHERE programme = 'tekun'),
               (SELECT count(*) FROM enrolments WHERE programme = 'tekun')""").fetchall()[0]
    persons, households = con.execute("SELECT (SELECT count(*) FROM persons), (SELECT count(*) FROM households)"
                                      ).fetchall()[0]
    con.close()
    emergency, expenditure = _temporary(snapshot, month, seed, take_up, memory_limit)
    return MonthMoney(month=month, persons=persons, households=households, dibao_fen=int(dibao),
                      dibao_persons=int(dibao_persons), tekun_fen=int(tekun), tekun_persons=int(tekun_persons),
                      emergency_fen=int(emergency.sum()), emergency_households=int((emergency > 0).sum()),
                      expenditure_fen=int(expenditure.sum()), expenditure_households=int((expenditure > 0).sum()))


def _temporary(snapshot: Path, month: str, seed: int, take_up: float, memory_limit: str
               ) -> tuple[np.ndarray, np.ndarray]:
    """Per household taking it up: 临时救助 of the month, emergency part and expenditure part (fen)."""
    scratch = Path(tempfile.mkdtemp(prefix="scale-", dir=snapshot))
    parts_e, parts_x = [], []
    try:
        for persons, households in inputs.chunks(Path(snapshot), month, memory_limit=memory_limit,
                                                 temp_directory=scratch):
            values = calculate(frame_from_tables(persons, households, month), ("temporary_amount", "emergency_need"))
            paid = np.asarray(values["temporary_amount"]).astype(np.int64)
            need = np.asarray(values["emergency_need"]).astype(np.int64)
            taken = uniform(seed, "temporary", households["household_id"].to_numpy()) < take_up
            emergency = np.minimum(paid, need) * taken
            parts_e.append(emergency)
            parts_x.append(paid * taken - emergency)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return np.concatenate(parts_e or [np.zeros(0, np.int64)]), np.concatenate(parts_x or [np.zeros(0, np.int64)])


def year_money(months: list[tuple[MonthMoney, int]], residents: int = RESIDENTS) -> YearMoney:
    """A year from snapshots weighted by the months each stands for (the weights add up to 12)."""
    assert sum(w for _, w in months) == 12, "the months of a year"
    per = {"dibao": 0.0, "tekun": 0.0, "temporary": 0.0, "emergency": 0.0, "expenditure": 0.0}
    shares = dict.fromkeys(("dibao", "tekun", "emergency", "expenditure"), 0.0)
    for m, w in months:
        per["dibao"] += w * m.dibao_fen / 100 / m.persons
        per["tekun"] += w * m.tekun_fen / 100 / m.persons
        per["emergency"] += w * m.emergency_fen / 100 / m.persons      # new emergencies every month
        per["expenditure"] += w / 12 * m.expenditure_fen / 100 / m.persons  # one application a year
        shares["dibao"] += w / 12 * m.dibao_persons / m.persons
        shares["tekun"] += w / 12 * m.tekun_persons / m.persons
        shares["emergency"] += w * m.emergency_households / m.persons
        shares["expenditure"] += w / 12 * m.expenditure_households / m.persons
    per["temporary"] = per["emergency"] + per["expenditure"]
    return YearMoney(residents=residents, per_resident=per, shares=shares, months=[m for m, _ in months])


def year_2023(work: Path, people: int = RESIDENTS, seed: int = 1, district: str = "500111",
              config: SynthConfig | None = None, progress=None) -> YearMoney:
    """Generate the two snapshots of 2023 in ``work`` and return their year of money."""
    cfg = config or SynthConfig()
    households = max(1, round(people / PEOPLE_PER_HOUSEHOLD))
    months = []
    for month, weight in YEAR_2023:
        out = Path(work) / f"{district}-{seed}-{month}"
        generate(district=district, households=households, seed=seed, out_dir=out, month=month, months=12,
                 config=cfg, progress=progress)
        months.append((month_money(out, month, seed, cfg.take_up), weight))
    return year_money(months)


def table(year: YearMoney, command: str) -> str:
    """The comparison as Markdown (docs/synthetic-data.md)."""
    yi = 1e8
    n = {k: v * year.residents for k, v in year.shares.items()}
    rows = [
        ("低保 (households and 单人保)", year.total("dibao"),
         f"{n['dibao']:,.0f} people in an average month ({year.shares['dibao']:.2%} of residents)"),
        ("特困 (basic living and care)", year.total("tekun"),
         f"{n['tekun']:,.0f} people ({year.shares['tekun']:.2%})"),
        ("临时救助 急难型 (12 months of emergencies)", year.total("emergency"),
         f"{n['emergency']:,.0f} households a year"),
        ("临时救助 支出型 (once a year)", year.total("expenditure"), f"{n['expenditure']:,.0f} households a year"),
    ]
    lines = ["| programme | ours, 亿元/year | recipients |", "|---|---:|---|"]
    lines += [f"| {name} | {value / yi:.2f} | {who} |" for name, value, who in rows]
    lines += [f"| **低保 + 特困 + 临时救助** | **{year.sum / yi:.2f}** | |",
              f"| 大足区 2023 report (低保金、特困供养金、临时救助金等) | {REFERENCE_YUAN / yi:.2f} | |",
              f"| **ratio ours / report** | **{year.ratio:.2f}** | target 1 ± {TOLERANCE:.2f} |"]
    people = " and ".join(f"{m.persons:,}" for m in year.months)
    return "\n".join(lines) + (f"\n\nPer resident, times {year.residents:,} residents, from snapshots "
                               f"{', '.join(m.month for m in year.months)} of {people} generated people. "
                               f"Command: `{command}`\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jiuzhu.synth.scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=RESIDENTS, help="people to generate (default: all of 大足)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, help="folder for the snapshots (default: a temporary one, removed)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON, not the table")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="jiuzhu-scale-"))
    try:
        year = year_2023(work, people=args.people, seed=args.seed)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps({"yuan": {p: year.total(p) for p in year.per_resident}, "sum": year.sum,
                          "ratio": year.ratio, "shares": year.shares,
                          "months": [asdict(m) for m in year.months]}, ensure_ascii=False, indent=2))
    else:
        print(table(year, f"python -m jiuzhu.synth.scale --people {args.people} --seed {args.seed}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
