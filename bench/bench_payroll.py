"""Benchmark: the monthly payroll of a district with 50,000 enrolled households, on SQLite and PostgreSQL, beside the
floor (reading the same enrolments and writing the same number of lines in one INSERT … SELECT statement).

    .venv/bin/python bench/bench_payroll.py                   # 50,000 households, both backends, 3 runs each
    .venv/bin/python bench/bench_payroll.py --households 5000 --runs 1 --no-write

What it does:
1. builds a registry of ``--households`` households of 大足区 (its official townships), each with a head, a 低保
   enrolment from 2025-01 of a varying amount and the head's 一卡通 card (``payroll.accounts.synthesize``): bulk
   inserts, not timed — the payroll reads these tables as it would a real district's;
2. for each backend (a file database; a PostgreSQL server started as the tests start theirs, ``tests/pgserver.py``)
   and each run, alternately:
   * the floor: one ``INSERT INTO payroll_lines … SELECT`` joining enrolments, households, the head, the person and
     the card, writing one line per enrolment with its payee snapshot (a payroll row made first), committed;
   * the payroll: ``payroll.service.prepare`` for 低保 of 500111 in 2025-08 in one transaction, as the CLI and the
     API run it (the enrolments read, the payees and cards, the months already paid, the lines built and inserted,
     the audit row), committed;
   each followed by deleting what it wrote (not timed);
3. then, once, the next month (2025-09) after 2025-08 was approved: the arrears look back over the 50,000 lines
   already paid (timed, "next month");
4. reports the best and the median of the runs, the ratio to the floor, and judges them against the issue's
   targets: under 30 s, within 3× of the floor. Results go to docs/performance.md between the bench_payroll markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))
from doc_section import kept_notes, write_section  # noqa: E402  (bench/ on the path)
from pgserver import PostgresServer, find_bindir  # noqa: E402  (tests/pgserver.py: the tests' server)

from jiuzhu import migrate  # noqa: E402
from jiuzhu.access import Principal, Role  # noqa: E402
from jiuzhu.db import make_engine, session_scope  # noqa: E402
from jiuzhu.payroll import accounts, service  # noqa: E402
from jiuzhu.payroll.models import Payroll  # noqa: E402
from jiuzhu.registry import areas  # noqa: E402
from jiuzhu.registry import models as m  # noqa: E402

DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench_payroll: begin -->", "<!-- bench_payroll: end -->"
NOTES_BEGIN, NOTES_END = "<!-- bench_payroll: notes begin -->", "<!-- bench_payroll: notes end -->"
TARGET_S, TARGET_RATIO = 30.0, 3.0
DISTRICT, MONTH, NEXT = "500111", "2025-08", "2025-09"
MAKER = Principal(username="bench-maker", role=Role.DISTRICT_OFFICER, area_code=DISTRICT, area_prefixes=(DISTRICT,),
                  permissions=frozenset(Principal.operator("x", ("500111",)).permissions))
CHECKER = Principal(username="bench-checker", role=Role.DISTRICT_OFFICER, area_code=DISTRICT,
                    area_prefixes=(DISTRICT,))
BATCH = 5_000

FLOOR = """
INSERT INTO payroll_lines (payroll_id, seq, kind, programme, beneficiary, service_month, household_id, household_no,
    area_code, person_id, enrolment_id, amount_fen, payee_name, payee_id_number, account_id, account_no, bank_code,
    bank_name, branch_name, interbank_no, status)
SELECT :payroll_id, ROW_NUMBER() OVER (ORDER BY h.household_no), 'regular', e.programme, 'h' || e.household_id,
    :month, e.household_id, h.household_no, h.area_code, e.person_id, e.id, e.monthly_amount_fen, p.name,
    p.id_number, a.id, a.account_no, a.bank_code, a.bank_name, a.branch_name, a.interbank_no, 'pending'
FROM enrolments e
JOIN households h ON h.id = e.household_id
JOIN members mem ON mem.household_id = e.household_id AND mem.relation = 'head'
JOIN persons p ON p.id = mem.person_id
JOIN payee_accounts a ON a.person_id = p.id AND a.closed_on IS NULL
WHERE e.programme = 'dibao' AND e.monthly_amount_fen > 0 AND e.start_date <= :last AND
    (e.end_date IS NULL OR e.end_date >= :first) AND h.area_code LIKE :area
"""


def build(engine, households: int) -> None:
    """The registry: households over the district's townships, a head each, 低保 from 2025-01, a card each."""
    townships = [a.code for a in areas.townships_of(DISTRICT)]
    with session_scope(engine) as session:
        session.execute(insert(m.Area), [{"code": DISTRICT, "level": 3, "parent_code": None, "name": "大足区",
                                          "source": "synthetic"}]
                        + [{"code": c, "level": 4, "parent_code": DISTRICT, "name": c, "source": "synthetic"}
                           for c in townships])
        for start in range(0, households, BATCH):
            ids = range(start + 1, min(households, start + BATCH) + 1)
            session.execute(insert(m.Household), [
                {"id": i, "household_no": f"{townships[i % len(townships)]}-{i:06d}",
                 "area_code": townships[i % len(townships)], "address": None, "urban": i % 3 == 0,
                 "declared_on": None} for i in ids])
            session.execute(insert(m.Person), [
                {"id": i, "id_number": f"5001{i:014d}", "name": f"户主{i}",
                 "sex": "M" if i % 2 else "F", "birth_date": dt.date(1950 + i % 50, 1, 1)} for i in ids])
            session.execute(insert(m.Member), [
                {"person_id": i, "household_id": i, "position": 0, "relation": "head", "counted": True,
                 "exclusion_reason": None} for i in ids])
            session.execute(insert(m.Enrolment), [
                {"household_id": i, "person_id": None, "programme": "dibao", "monthly_amount_fen": 20000 + i % 50000,
                 "start_date": dt.date(2025, 1, 1), "end_date": None, "last_review": None, "taper_from": None}
                for i in ids])
    with session_scope(engine) as session:
        accounts.synthesize(session, MAKER, DISTRICT)
    _analyze(engine)


def _analyze(engine) -> None:
    """The planner's statistics, as autovacuum (PostgreSQL) or ``jiuzhu``'s bulk load (SQLite) leave them after a
    load: without them PostgreSQL takes the freshly filled tables for empty and plans nested loops over them."""
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def _clear(engine) -> None:
    """Everything a run wrote, gone (not timed). Payroll lines are never deleted by the application (a cancelled
    payroll's lines stay, cancelled), so nothing indexes their self-reference (``reissue_of``): row by row, the
    foreign-key checks of a DELETE would scan the table for each row. TRUNCATE on PostgreSQL; on SQLite the
    checks are off for the delete."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE payroll_lines, payroll_returns, payroll_files, payrolls"))
        return
    raw = engine.raw_connection()  # the driver autocommits (db._sqlite_pragmas): the pragma holds outside BEGIN
    try:
        raw.driver_connection.execute("PRAGMA foreign_keys=OFF")
        raw.driver_connection.execute("DELETE FROM payroll_lines")
        raw.driver_connection.execute("DELETE FROM payrolls")
        raw.driver_connection.execute("PRAGMA foreign_keys=ON")
    finally:
        raw.close()


def floor(engine) -> tuple[float, int]:
    t0 = time.perf_counter()
    with session_scope(engine) as session:
        payroll = Payroll(payroll_no="floor", kind="monthly", programme="dibao", area_code=DISTRICT, month=MONTH,
                          status="prepared", line_count=0, total_fen=0, skipped=[], prepared_by="bench",
                          prepared_at=dt.datetime.now(dt.timezone.utc))
        session.add(payroll)
        session.flush()
        first, last = dt.date(2025, 8, 1), dt.date(2025, 8, 31)
        n = session.execute(text(FLOOR), {"payroll_id": payroll.id, "month": MONTH, "first": first, "last": last,
                                          "area": DISTRICT + "%"}).rowcount
    return time.perf_counter() - t0, n


def payroll(engine, month: str = MONTH) -> tuple[float, int]:
    t0 = time.perf_counter()
    with session_scope(engine) as session:
        made = service.prepare(session, MAKER, programme="dibao", area=DISTRICT, month=month)
    return time.perf_counter() - t0, made.line_count


def measure(engine, households: int, runs: int) -> dict:
    t0 = time.perf_counter()
    build(engine, households)
    build_s = time.perf_counter() - t0
    floors, payrolls = [], []
    for _ in range(runs):
        seconds, n = floor(engine)
        assert n == households, (n, households)
        floors.append(seconds)
        _clear(engine)
        seconds, n = payroll(engine)
        assert n == households, (n, households)
        payrolls.append(seconds)
        _clear(engine)
    payroll(engine)
    with session_scope(engine) as session:
        service.approve(session, CHECKER, f"dibao-{DISTRICT}-{MONTH}")
    next_s, n = payroll(engine, NEXT)
    assert n == households, (n, households)
    return {"build_s": build_s, "floor": floors, "payroll": payrolls, "next_s": next_s}


def run(households: int, runs: int) -> dict:
    results = {}
    with tempfile.TemporaryDirectory(prefix="jiuzhu-bench-payroll-") as tmp:
        engine = make_engine(f"sqlite:///{tmp}/registry.db")
        migrate.upgrade(engine)
        results["SQLite"] = measure(engine, households, runs)
        engine.dispose()
        print_backend("SQLite", results["SQLite"])
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL is missing: apt-get install postgresql")
    pg = PostgresServer(bindir).start()
    try:
        import subprocess

        subprocess.run([*pg.as_user, str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(pg.port), "-U",
                        "jiuzhu", "bench"], check=True, capture_output=True)
        engine = make_engine(f"{pg.url}/bench")
        migrate.upgrade(engine)
        results["PostgreSQL"] = measure(engine, households, runs)
        engine.dispose()
        print_backend("PostgreSQL", results["PostgreSQL"])
    finally:
        pg.stop()
    return results


def print_backend(name: str, r: dict) -> None:
    print(f"{name}: floor {_s(min(r['floor']))}  payroll {_s(min(r['payroll']))}  "
          f"ratio {min(r['payroll']) / min(r['floor']):.1f}  next month {_s(r['next_s'])}", flush=True)


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def section(results: dict, households: int, runs: int) -> str:
    load = os.getloadavg()
    lines = [BEGIN, "", "## Monthly payroll (`bench/bench_payroll.py`)", "",
             f"Command: `.venv/bin/python bench/bench_payroll.py --households {households} --runs {runs}` — "
             f"{dt.date.today().isoformat()}, {platform.machine()} {os.cpu_count()} cores, Python "
             f"{platform.python_version()}, load average at the end {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} "
             f"(a machine shared with other work: the ratio to the floor, measured in the same run, is the figure "
             f"to judge by).", "",
             f"{households:,} households enrolled in 低保 (per household, paid to the head's 一卡通 card); the payroll "
             f"of 低保 of 500111 for 2025-08: `payroll.service.prepare` in one transaction, committed. The floor: "
             f"one `INSERT … SELECT` reading the same enrolments, payees and cards and writing the same number of "
             f"lines. Best of {runs} runs (median in brackets), alternating floor and payroll. \"Next month\": "
             f"2025-09 after 2025-08 was approved (its arrears look back over the {households:,} lines paid).", "",
             "| backend | floor | payroll | ratio | next month | target (< 30 s, ≤ 3× floor) |",
             "|---|---:|---:|---:|---:|---|"]
    for name, r in results.items():
        best, floor_best = min(r["payroll"]), min(r["floor"])
        ratio = best / floor_best
        ok = best < TARGET_S and r["next_s"] < TARGET_S and ratio <= TARGET_RATIO
        lines.append(f"| {name} | {_s(floor_best)} ({_s(statistics.median(r['floor']))}) | {_s(best)} "
                     f"({_s(statistics.median(r['payroll']))}) | {ratio:.1f}× | {_s(r['next_s'])} | "
                     f"{'met' if ok else '**missed**'} |")
    lines += ["", NOTES_BEGIN, kept_notes(DOC, NOTES_BEGIN, NOTES_END, "(Notes: none yet.)"), NOTES_END, END]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md as it is")
    args = parser.parse_args()
    os.environ.setdefault("JIUZHU_SECRET_KEY", "bench-secret-0123456789abcdef0123456789abcdef")
    os.environ.setdefault("JIUZHU_HOME", tempfile.mkdtemp(prefix="jiuzhu-bench-home-"))
    results = run(args.households, args.runs)
    text = section(results, args.households, args.runs)
    print(text)
    if not args.no_write:
        write_section(DOC, BEGIN, END, text)


if __name__ == "__main__":
    main()
