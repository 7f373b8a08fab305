"""How fast can SQLite take a million people's income rows, whatever the loader does?

    .venv/bin/python bench/sqlite_ceiling.py            # all four schema variants, 1 million people
    .venv/bin/python bench/sqlite_ceiling.py --people 200000

Inserts 8 income months per person (3 values bound per row, like a typical income row of the bulk
loader) with ``executemany`` from a generator of tuples into a fresh SQLite file in WAL mode, one
transaction, 512 MiB page cache, for four variants of the ``incomes`` table: as the registry has it
(a rowid table with the composite primary key (person_id, month), a foreign key to persons checked
row by row and the month CHECK), ``WITHOUT ROWID`` (one B-tree instead of two), foreign keys checked
once at the end (``PRAGMA foreign_key_check``) instead of per row, and both. It answers whether a
schema change could bring the load to 50,000 people per second (docs/performance.md).
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

CATEGORIES = ("wages", "business_net", "property_net", "transfer_net", "pension", "unemployment_benefit", "youfu",
              "family_planning", "award", "assistance", "basic_pension_central")
MONTHS = [f"2025-{m:02d}" for m in range(1, 9)]


def run(variant: str, people: int, folder: Path) -> dict:
    without_rowid, deferred_fk = "without_rowid" in variant, "fk_at_end" in variant
    con = sqlite3.connect(folder / f"{variant}.db", isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute(f"PRAGMA foreign_keys={'OFF' if deferred_fk else 'ON'}")
    con.execute("PRAGMA cache_size=-524288")
    con.execute("CREATE TABLE persons (id INTEGER PRIMARY KEY, name TEXT)")
    columns = ", ".join(f"{c} BIGINT" for c in CATEGORIES)
    con.execute(f"""CREATE TABLE incomes (
        person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE, month VARCHAR(7) NOT NULL, {columns},
        CONSTRAINT pk_incomes PRIMARY KEY (person_id, month),
        CONSTRAINT ck_incomes_month CHECK (length(month) = 7 AND substr(month, 5, 1) = '-')
    ){' WITHOUT ROWID' if without_rowid else ''}""")
    con.execute("BEGIN")
    con.executemany("INSERT INTO persons (id, name) VALUES (?, ?)", ((i, "x") for i in range(1, people + 1)))
    start = time.perf_counter()
    rows = ((p, m, 300_000 + p % 1000, 0, 12_000) for p in range(1, people + 1) for m in MONTHS)
    con.executemany("INSERT INTO incomes (person_id, month, wages, transfer_net, pension) VALUES (?, ?, ?, ?, ?)", rows)
    if deferred_fk:
        assert con.execute("PRAGMA foreign_key_check(incomes)").fetchall() == []
    con.execute("COMMIT")
    seconds = time.perf_counter() - start
    con.close()
    n = people * len(MONTHS)
    return {"variant": variant, "rows": n, "seconds": seconds, "rows_per_s": n / seconds,
            "people_per_s": people / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"SQLite {sqlite3.sqlite_version}; {args.people:,} people × {len(MONTHS)} income months")
    print("| incomes table | seconds | rows per second | people per second (income rows alone) |")
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for variant in ("as in the registry", "without_rowid", "fk_at_end", "without_rowid + fk_at_end"):
            r = run(variant, args.people, Path(tmp))
            print(f"| {variant} | {r['seconds']:.1f} | {r['rows_per_s']:,.0f} | {r['people_per_s']:,.0f} |")


if __name__ == "__main__":
    main()
