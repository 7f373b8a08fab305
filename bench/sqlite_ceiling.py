"""How fast can SQLite take a million people's income rows, and what does each constraint cost?

    .venv/bin/python bench/sqlite_ceiling.py            # every variant, 1 million people
    .venv/bin/python bench/sqlite_ceiling.py --people 200000
    .venv/bin/python bench/sqlite_ceiling.py --snapshot bench/out/snap-500111-s1-p1000000

Inserts 8 income months per person (3 values set per row, like a typical income row of the bulk
loader) into a fresh SQLite file in WAL mode, one transaction, 512 MiB page cache, each variant in
a file of its own, in two ways:

* ``executemany`` of Python's sqlite3 from a generator of tuples (how ``load_snapshot`` inserted
  until 2026-11-23);
* ADBC (``adbc_driver_sqlite``, Arrow batches of 65,536 rows bound in C; how it inserts now), from
  an Arrow table built before the clock starts (the loader's Parquet batches).

and for several shapes of the ``incomes`` table: as the registry has it (a rowid table with the
composite primary key (person_id, month), a foreign key to persons and the month CHECK); foreign
keys checked once at the end (``PRAGMA foreign_key_check``, what the loader does now); also
``WITHOUT ROWID`` (one B-tree instead of two); and a bare table with no key or constraint at all,
the ceiling no schema change can pass. One variant keeps the loader's shape but writes through a
rollback journal instead of the WAL (new pages go straight into the file instead of into the WAL
and then, at the checkpoint, into the file). With ``--snapshot``, it also runs the whole
``load_snapshot`` of that snapshot into a fresh registry file twice, in WAL mode (as the registry
runs) and with a rollback journal. It answers whether the load can reach 50,000 people per
second (docs/performance.md). The ADBC runs happen in a child process each, because the driver
brings its own build of SQLite (see jiuzhu.registry.bulk).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sqlite3
import tempfile
import time
from pathlib import Path

CATEGORIES = ("wages", "business_net", "property_net", "transfer_net", "pension", "unemployment_benefit", "youfu",
              "family_planning", "award", "assistance", "basic_pension_central")
MONTHS = [f"2025-{m:02d}" for m in range(1, 9)]
VARIANTS = [  # (name, driver, table shape, foreign keys, journal)
    ("executemany, as in the registry", "sqlite3", "registry", "per row", "wal"),
    ("ADBC, as in the registry", "adbc", "registry", "per row", "wal"),
    ("ADBC, foreign keys at the end (the loader)", "adbc", "registry", "at end", "wal"),
    ("ADBC, foreign keys at the end, rollback journal instead of WAL", "adbc", "registry", "at end", "delete"),
    ("ADBC, WITHOUT ROWID, foreign keys at the end", "adbc", "without rowid", "at end", "wal"),
    ("ADBC, bare table (no key, no constraint)", "adbc", "bare", "none", "wal"),
]


def _ddl(shape: str) -> list[str]:
    columns = ", ".join(f"{c} BIGINT" for c in CATEGORIES)
    if shape == "bare":
        return ["CREATE TABLE persons (id INTEGER PRIMARY KEY, name TEXT)",
                f"CREATE TABLE incomes (person_id INTEGER NOT NULL, month VARCHAR(7) NOT NULL, {columns})"]
    return ["CREATE TABLE persons (id INTEGER PRIMARY KEY, name TEXT)", f"""CREATE TABLE incomes (
        person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE, month VARCHAR(7) NOT NULL, {columns},
        CONSTRAINT pk_incomes PRIMARY KEY (person_id, month),
        CONSTRAINT ck_incomes_month CHECK (length(month) = 7 AND substr(month, 5, 1) = '-')
    ){' WITHOUT ROWID' if shape == 'without rowid' else ''}"""]


def _sqlite3_run(path: Path, shape: str, fk: str, journal: str, people: int) -> float:
    con = sqlite3.connect(path, isolation_level=None)
    for pragma in (f"journal_mode={journal}", "synchronous=NORMAL",
                   f"foreign_keys={'ON' if fk == 'per row' else 'OFF'}", "cache_size=-524288"):
        con.execute(f"PRAGMA {pragma}")
    for sql in _ddl(shape):
        con.execute(sql)
    con.execute("BEGIN")
    con.executemany("INSERT INTO persons (id, name) VALUES (?, ?)", ((i, "x") for i in range(1, people + 1)))
    start = time.perf_counter()
    rows = ((p, m, 300_000 + p % 1000, 0, 12_000) for p in range(1, people + 1) for m in MONTHS)
    con.executemany("INSERT INTO incomes (person_id, month, wages, transfer_net, pension) VALUES (?, ?, ?, ?, ?)", rows)
    con.execute("COMMIT")
    seconds = time.perf_counter() - start
    con.close()
    return seconds


def _adbc_run(path: Path, shape: str, fk: str, journal: str, people: int, out) -> None:
    import numpy as np
    import pyarrow as pa
    from adbc_driver_sqlite import dbapi

    con = dbapi.connect(str(path), autocommit=True)
    cur = con.cursor()
    for pragma in (f"journal_mode={journal}", "synchronous=NORMAL",
                   f"foreign_keys={'ON' if fk == 'per row' else 'OFF'}", "cache_size=-524288"):
        cur.execute(f"PRAGMA {pragma}")
        cur.fetchall()
    for sql in _ddl(shape):
        cur.execute(sql)
    ids = np.arange(1, people + 1, dtype=np.int64)
    cur.execute("BEGIN")
    cur.adbc_ingest("persons", pa.table({"id": ids, "name": pa.array(["x"] * people)}), mode="append")
    person = np.repeat(ids, len(MONTHS))
    incomes = pa.table({"person_id": person, "month": pa.array(MONTHS * people),
                        "wages": 300_000 + person % 1000, "transfer_net": np.zeros(len(person), dtype=np.int64),
                        "pension": np.full(len(person), 12_000, dtype=np.int64)})
    start = time.perf_counter()
    for batch in incomes.to_batches(65_536):
        cur.adbc_ingest("incomes", batch, mode="append")
    if fk == "at end":
        cur.execute("PRAGMA foreign_key_check(incomes)")
        assert cur.fetchall() == []
    cur.execute("COMMIT")
    out.put(time.perf_counter() - start)
    cur.close()
    con.close()


def run(name: str, driver: str, shape: str, fk: str, journal: str, people: int, folder: Path) -> dict:
    path = folder / f"{len(list(folder.iterdir()))}.db"
    if driver == "sqlite3":
        seconds = _sqlite3_run(path, shape, fk, journal, people)
    else:
        ctx = multiprocessing.get_context("spawn")
        out = ctx.Queue()
        proc = ctx.Process(target=_adbc_run, args=(path, shape, fk, journal, people, out))
        proc.start()
        seconds = out.get()
        proc.join()
    n = people * len(MONTHS)
    return {"variant": name, "rows": n, "seconds": seconds, "rows_per_s": n / seconds, "people_per_s": people / seconds}


def full_load(snapshot: Path, journal: str, folder: Path) -> dict:
    """``load_snapshot`` into a new, migrated registry file whose journal mode is ``journal``."""
    from jiuzhu import migrate
    from jiuzhu.db import make_engine
    from jiuzhu.registry.bulk import load_snapshot

    path = folder / f"registry-{journal}.db"
    engine = make_engine(f"sqlite:///{path}")  # its connections set WAL
    migrate.upgrade(engine)
    engine.dispose()
    if journal != "wal":  # the mode is kept in the file; the load's own connection does not change it
        con = sqlite3.connect(path)
        assert con.execute(f"PRAGMA journal_mode={journal}").fetchone()[0] == journal
        con.close()
    summary = load_snapshot(engine, snapshot)
    engine.dispose()
    return {"journal": journal, "seconds": summary.seconds, "people": summary.persons,
            "rows": sum(summary.rows.values()), "commit": summary.timings["commit"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--snapshot", type=Path, help="also load this snapshot whole, WAL against rollback journal")
    args = parser.parse_args()
    print(f"SQLite {sqlite3.sqlite_version} (Python's sqlite3); the ADBC driver's own build: {_adbc_version()}; "
          f"{args.people:,} people × {len(MONTHS)} income months")
    print("| how the income rows go in | seconds | rows per second | people per second (income rows alone) |")
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for variant in VARIANTS:
            r = run(*variant, args.people, Path(tmp))
            print(f"| {r['variant']} | {r['seconds']:.1f} | {r['rows_per_s']:,.0f} | {r['people_per_s']:,.0f} |",
                  flush=True)
        if args.snapshot:
            print(f"\nThe whole load_snapshot of {args.snapshot}:")
            print("| journal | seconds | of which commit | rows per second | people per second |")
            print("|---|---:|---:|---:|---:|")
            for journal in ("wal", "delete"):
                r = full_load(args.snapshot, journal, Path(tmp))
                print(f"| {r['journal']} | {r['seconds']:.1f} | {r['commit']:.1f} | {r['rows'] / r['seconds']:,.0f} "
                      f"| {r['people'] / r['seconds']:,.0f} |", flush=True)


def _adbc_version() -> str:
    import subprocess
    import sys

    code = ("from adbc_driver_sqlite import dbapi; c = dbapi.connect(':memory:'); k = c.cursor(); "
            "k.execute('select sqlite_version()'); print(k.fetchone()[0])")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


if __name__ == "__main__":
    main()
