"""Tile a registry Parquet snapshot: k copies of every table, ids shifted, one Chongqing district per copy.

    .venv/bin/python bench/tile_snapshot.py SOURCE DEST --copies 32

A population of 32 million people made from one generated district of a million (generating 32
million directly takes about 20 minutes; tiling takes a minute or two). Copy 0 is the source
unchanged; in copy k (k ≥ 1):

* every id is shifted: ``households.id`` and every ``household_id`` by k × max(households.id),
  ``persons.id`` and every ``person_id`` by k × max(persons.id), and each child table's own ``id`` by
  k × its own max(id); so keys stay unique and every foreign key points inside its copy;
* the households move to another district of Chongqing (the official 民政部 table, one district per
  copy, 36 besides 大足): source township i becomes township (i mod n) of that district, and its
  synthetic villages ``<township>S<nn>`` keep their number, plus 10 × (i div n) where two source
  townships land on the same one; the areas table gains those districts, townships and villages.
  With more copies than districts, the extra copies keep the source's area codes;
* ``household_no`` becomes ``<new township>-<copy, 2 digits><source township's last 3 digits><serial>``: unique;
* ID numbers (persons and supporters) get another six-digit county code from stdnum's table of
  codes, one per (copy, source code), never one the source uses, and a recomputed check character;
  birth date and order code are kept, so numbers stay distinct across copies and the sex digit is
  unchanged (the county code need not have been valid in the birth year).

Columns the scan does not read are copied as they are (addresses, plates, account and certificate
numbers, ``persons.hukou_area_code``): they repeat across copies. Everything is one DuckDB
``COPY (… UNION ALL …) TO parquet`` per table, streamed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa

TABLES = ("areas", "households", "persons", "members", "incomes", "financial_assets", "vehicles", "real_estate",
          "businesses", "supporters", "rigid_spending", "emergencies", "enrolments")
WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def _check_char(expr: str) -> str:
    """SQL: the GB 11643 check character of the 17-digit string ``expr``."""
    total = " + ".join(f"CAST(substr({expr}, {i + 1}, 1) AS INTEGER) * {w}" for i, w in enumerate(WEIGHTS))
    return f"substr('0123456789X', CAST((12 - ({total}) % 11) % 11 AS INTEGER) + 1, 1)"


def _districts(source_district: str) -> list[tuple[str, str, list]]:
    """Other Chongqing districts (code, name, townships), in code order."""
    from jiuzhu.registry.areas import official_areas, townships_of

    out = []
    for a in sorted(official_areas().values(), key=lambda a: a.code):
        if a.level == 3 and a.code.startswith("50") and a.code != source_district:
            towns = townships_of(a.code)
            if towns:
                out.append((a.code, a.name, towns))
    return out


def _township_plan(source_towns: list[str], district) -> dict[str, tuple[str, int]]:
    """Source township → (new township code, fold), fold = how many times the new township was used before."""
    _, _, towns = district
    return {t: (towns[i % len(towns)].code, i // len(towns)) for i, t in enumerate(source_towns)}


def _area_expr(column: str, plan: dict[str, tuple[str, int]]) -> str:
    town = " ".join(f"WHEN '{old}' THEN '{new}'" for old, (new, _) in plan.items())
    fold = " ".join(f"WHEN '{old}' THEN {f}" for old, (_, f) in plan.items() if f)
    new_town = f"(CASE substr({column}, 1, 9) {town} ELSE substr({column}, 1, 9) END)"
    shift = f"(CASE substr({column}, 1, 9) {fold} ELSE 0 END)" if fold else "0"
    village = (f"{new_town} || 'S' || lpad(CAST(CAST(substr({column}, 11, 2) AS INTEGER) + 10 * {shift} AS VARCHAR), "
               f"2, '0')")
    return (f"CASE WHEN length({column}) = 12 AND substr({column}, 10, 1) = 'S' THEN {village} "
            f"WHEN length({column}) = 9 THEN {new_town} ELSE {column} END")


def _copy_areas(con, src: Path, copies: int, plans: list, districts: list) -> pa.Table:
    rows = con.sql(f"SELECT * FROM read_parquet('{src}/registry/areas.parquet')").to_arrow_table().to_pylist()
    by_code = {r["code"]: r for r in rows}
    out = list(rows)
    seen = set(by_code)
    for k in range(1, copies):
        plan = plans[k]
        if plan is None:
            continue
        code, name, towns = districts[k - 1]
        town_name = {t.code: t.name for t in towns}
        new = [{"code": code, "level": 3, "parent_code": "500000", "name": name, "source": by_code[
            next(iter(plan))]["source"]}]
        for old, (town, fold) in plan.items():
            new.append({"code": town, "level": 4, "parent_code": code, "name": town_name[town],
                        "source": by_code[old]["source"]})
            for r in rows:
                if r["parent_code"] == old and r["level"] == 5:
                    nn = int(r["code"][10:12]) + 10 * fold
                    label = r["name"][len(by_code[old]["name"]):]
                    new.append({"code": f"{town}S{nn:02d}", "level": 5, "parent_code": town,
                                "name": town_name[town] + label, "source": r["source"]})
        for r in new:
            if r["code"] not in seen:
                seen.add(r["code"])
                out.append(r)
    return pa.Table.from_pylist(out, schema=con.sql(
        f"SELECT * FROM read_parquet('{src}/registry/areas.parquet') LIMIT 0").to_arrow_table().schema)


def _id_prefix_map(con, src: Path, copies: int) -> pa.Table:
    """(copy, old six-digit code, new code): distinct for every (copy, old), never a code the source uses."""
    from jiuzhu.synth.places import county_codes

    used = {r[0] for r in con.sql(f"""
        SELECT DISTINCT substr(id_number, 1, 6) FROM read_parquet('{src}/registry/persons.parquet')
        UNION SELECT DISTINCT substr(id_number, 1, 6) FROM read_parquet('{src}/registry/supporters.parquet')
        WHERE id_number IS NOT NULL""").fetchall()}
    pool = [f"{c:06d}" for c in sorted(county_codes()) if f"{c:06d}" not in used and c % 100]  # counties only
    old = sorted(used)
    need = (copies - 1) * len(old)
    if need > len(pool):  # not enough real codes: invented ones beginning with 9 (no province has 9x)
        pool += [f"9{i:05d}" for i in range(need - len(pool))]
    rows = {"copy": [], "old": [], "new": []}
    i = 0
    for k in range(1, copies):
        for o in old:
            rows["copy"].append(k)
            rows["old"].append(o)
            rows["new"].append(pool[i])
            i += 1
    return pa.table({"copy": pa.array(rows["copy"], pa.int64()), "old": rows["old"], "new": rows["new"]})


def tile(source: Path, dest: Path, copies: int, *, spread: bool = True, threads: int = 2,
         memory_limit: str = "4GB", progress=print) -> dict:
    """Write ``dest/registry/*.parquet``: ``copies`` copies of ``source``'s registry. Returns counts."""
    source, dest = Path(source), Path(dest)
    src = source / "registry"
    tmp = dest.with_name(dest.name + ".partial")  # tables finished by an interrupted run are kept
    shutil.rmtree(tmp / "duckdb.tmp", ignore_errors=True)
    (tmp / "registry").mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{tmp / 'duckdb.tmp'}'")
    # Row order does not matter to anything that reads a snapshot; keeping it would make DuckDB
    # buffer the UNION's out-of-order batches (tens of GB spilled for 32 copies of the incomes).
    con.execute("SET preserve_insertion_order = false")
    manifest = json.loads((source / "manifest.json").read_text()) if (source / "manifest.json").exists() else {}
    district = manifest.get("district", "500111")
    townships = [r[0] for r in con.sql(f"""SELECT code FROM read_parquet('{src}/areas.parquet')
                                           WHERE level = 4 ORDER BY code""").fetchall()]
    districts = _districts(district) if spread else []
    plans = [None] + [_township_plan(townships, districts[k - 1]) if k - 1 < len(districts) else None
                      for k in range(1, copies)]
    tables = [t for t in TABLES if (src / f"{t}.parquet").exists()]  # older snapshots lack later tables
    offsets = {}
    for table in tables:
        cols = [r[0] for r in con.sql(f"DESCRIBE SELECT * FROM read_parquet('{src}/{table}.parquet')").fetchall()]
        if "id" in cols:
            offsets[table] = con.sql(f"SELECT coalesce(max(id), 0) FROM read_parquet('{src}/{table}.parquet')"
                                     ).fetchall()[0][0]
    h_off, p_off = offsets["households"], offsets["persons"]
    con.register("prefix_map", _id_prefix_map(con, source, copies))
    counts = {}
    t_all = time.perf_counter()
    for table in tables:
        t0 = time.perf_counter()
        path = f"{src}/{table}.parquet"
        out = tmp / "registry" / f"{table}.parquet"
        done = out.with_suffix(".done")
        if done.exists():
            counts[table] = int(done.read_text())
            progress(f"  {table}: done by an earlier run ({counts[table]:,} rows)")
            continue
        if table == "areas":
            con.register("new_areas", _copy_areas(con, source, copies, plans, districts))
            con.execute(f"COPY (SELECT * FROM new_areas) TO '{out}' (FORMAT parquet)")
            counts[table] = con.sql("SELECT count(*) FROM new_areas").fetchall()[0][0]
            done.write_text(str(counts[table]))
            continue
        cols = [r[0] for r in con.sql(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()]
        branches = []
        for k in range(copies):
            if k == 0:
                branches.append(f"SELECT * FROM read_parquet('{path}')")
                continue
            rep = []
            if "id" in cols:
                rep.append(f"t.id + {k * offsets[table]} AS id")
            if "person_id" in cols:
                rep.append(f"t.person_id + {k * p_off} AS person_id")
            if "household_id" in cols:
                rep.append(f"t.household_id + {k * h_off} AS household_id")
            join = ""
            if "id_number" in cols:
                first17 = "(m.new || substr(t.id_number, 7, 11))"
                rep.append(f"CASE WHEN t.id_number IS NULL OR m.new IS NULL THEN t.id_number "
                           f"ELSE {first17} || {_check_char(first17)} END AS id_number")
                join = (f" LEFT JOIN (SELECT old, new FROM prefix_map WHERE copy = {k}) m "
                        f"ON m.old = substr(t.id_number, 1, 6)")
            if table == "households":
                plan = plans[k]
                if plan is not None:
                    area = _area_expr("t.area_code", plan)
                    rep.append(f"{area} AS area_code")
                    town = f"substr({area}, 1, 9)"
                else:
                    town = "substr(t.area_code, 1, 9)"
                rep.append(f"{town} || '-' || lpad('{k}', 2, '0') || substr(t.household_no, 7, 3) "
                           f"|| substr(t.household_no, 11) AS household_no")
            branches.append(f"SELECT t.* REPLACE ({', '.join(rep)}) FROM read_parquet('{path}') t{join}")
        con.execute(f"COPY ({' UNION ALL '.join(branches)}) TO '{out}' (FORMAT parquet, ROW_GROUP_SIZE 122880)")
        counts[table] = con.sql(f"SELECT count(*) FROM read_parquet('{out}')").fetchall()[0][0]
        done.write_text(str(counts[table]))
        progress(f"  tiled {table}: {counts[table]:,} rows in {time.perf_counter() - t0:.1f} s")
    con.close()
    shutil.rmtree(tmp / "duckdb.tmp", ignore_errors=True)
    for done in (tmp / "registry").glob("*.done"):
        done.unlink()
    info = {"source": str(source), "copies": copies, "spread": spread, "counts": counts,
            "households": counts["households"], "persons": counts["persons"],
            "seconds": round(time.perf_counter() - t_all, 1),
            "districts": [districts[k - 1][0] for k in range(1, copies) if plans[k] is not None]}
    (tmp / "manifest.json").write_text(json.dumps({**manifest, "tiled": info,
                                                   "households": info["households"], "persons": info["persons"]},
                                                  ensure_ascii=False, indent=2))
    if dest.exists():
        shutil.rmtree(dest)
    tmp.rename(dest)
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--copies", type=int, required=True)
    parser.add_argument("--no-spread", action="store_true", help="keep the source's area codes in every copy")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    print(json.dumps(tile(args.source, args.dest, args.copies, spread=not args.no_spread)))


if __name__ == "__main__":
    main()
