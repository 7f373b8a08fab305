"""Benchmark: the population scan (``jiuzhu.discovery.scan.run_scan``) at Chongqing sizes, against a floor.

    .venv/bin/python bench/bench_scan.py --sizes 1000000 4000000 32000000
    .venv/bin/python bench/bench_scan.py --sizes 1000000 --no-write     # quick look, docs untouched

Snapshots (in bench/out/, git-ignored, reused when present): one district of about a million people
is generated once (``jiuzhu.synth.generate``, 500111, seed 1, month 2025-08, 12 months); bigger sizes
are that district tiled k times by ``bench/tile_snapshot.py`` (ids shifted, one Chongqing district per
copy), k = size / people of the district, rounded.

For each size, in rounds (``--repeat``, 3 by default: the machine is shared and one run can be off by a
fifth), in fresh child processes (``python bench/bench_scan.py --child …``); the round whose scan ÷ floor
is the median stands for the size, and every round's ratio is written beside it. ``--before CHECKOUT``
runs an earlier commit's scan in the same rounds (that checkout's own copy of this script, on its own
code), alternately before and after this one, for the "no worse than before" comparison:

    git worktree add /tmp/before ffbc1e8
    .venv/bin/python bench/bench_scan.py --sizes 4000000 32000000 --before /tmp/before

* scan: ``run_scan(snapshot, "2025-08", out, workers=N)`` with its defaults otherwise (chunks of
  80,000 households, parts of 400,000 households, DuckDB memory limit 2 GB). The child wraps a few of
  the scan's functions with timers (not changing what they do) to split the time: DuckDB preparing
  the inputs (per part), fingerprints, DuckDB fetching each chunk, Arrow IPC to and from the
  workers, waiting on the workers, Parquet writing, and in the workers the rules themselves.
* floor: one DuckDB query (same thread count) that reads the registry columns the scan reads
  (members, persons, incomes of the window's counted categories, assets, vehicles, homes, businesses,
  supporters, rigid spending, enrolments) and sums them per household, returning one row.

Peak memory: the parent samples /proc every 0.2 s and sums the resident set (VmRSS) of the child
and all its descendants (the scan's worker processes), and also their proportional set size (PSS,
from smaps_rollup: shared pages counted once); the peaks of the sums are reported. Results go to
the "## Population scan" section of docs/performance.md unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from doc_section import kept_notes, write_section  # bench/ is on the path when a script here runs

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench_scan: begin -->", "<!-- bench_scan: end -->"
# Written by hand after a run (what limits the scan, with evidence); kept as it is when the script rewrites the rest.
NOTES_BEGIN, NOTES_END = "<!-- bench_scan: notes begin -->", "<!-- bench_scan: notes end -->"
MONTH = "2025-08"
PEOPLE_PER_HOUSEHOLD = 2.7577  # of the generator's 500111, seed 1 (1,008,157 people in 365,585 households)
# Judged by ratios measured in the same run (issue 11): within 4x of the floor at 4 M and 32 M people, and peak
# memory under 6 GiB. The absolute 60 s at 32 M was retired: out of reach on 2 cores (docs/performance.md).
TARGET_GIB, TARGET_RATIO, TARGET_SIZES = 6, 4, (4_000_000, 32_000_000)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- snapshots --------------------------------------------------------------------------------

def base_snapshot(people: int, seed: int) -> Path:
    households = math.floor(people / PEOPLE_PER_HOUSEHOLD)
    path = OUT / f"snap-500111-s{seed}-p{people}"
    if (path / "manifest.json").exists():
        log(f"reusing {path.relative_to(ROOT)}")
        return path
    log(f"generating 500111 with {households:,} households (about {people:,} people) into {path.relative_to(ROOT)}")
    t0 = time.perf_counter()
    code = (f"import sys; sys.path.insert(0, {str(ROOT / 'src')!r}); from pathlib import Path; "
            f"from jiuzhu.synth import generate; "
            f"generate(district='500111', households={households}, seed={seed}, out_dir=Path({str(path)!r}), "
            f"month={MONTH!r}, months=12)")
    subprocess.run([sys.executable, "-c", code], check=True)
    log(f"generated in {time.perf_counter() - t0:.0f} s")
    return path


def snapshot_for(size: int, base: Path) -> tuple[Path, int]:
    base_people = json.loads((base / "manifest.json").read_text())["persons"]
    copies = max(1, round(size / base_people))
    if copies == 1:
        return base, 1
    path = OUT / f"{base.name}-x{copies}"
    if (path / "manifest.json").exists():
        log(f"reusing {path.relative_to(ROOT)}")
        return path, copies
    log(f"tiling {base.name} × {copies} into {path.relative_to(ROOT)}")
    sys.path.insert(0, str(ROOT / "bench"))
    from tile_snapshot import tile

    info = tile(base, path, copies, progress=log)
    log(f"tiled {info['persons']:,} people in {info['seconds']:.0f} s")
    return path, copies


# --- measuring a child process tree -----------------------------------------------------------

PAGE = os.sysconf("SC_PAGE_SIZE")
PSS_EVERY = 50  # samples: PSS every 10 s, RSS every 0.2 s


def _tree(root: int) -> list[int]:
    """The process and its descendants (from /proc/<pid>/task/<tid>/children)."""
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            continue
    return out


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, ValueError, IndexError):
        return 0


def _pss(pid: int) -> int:
    """Proportional set size: shared pages divided among the processes sharing them. Reading
    smaps_rollup costs ~0.1 s of CPU per GiB mapped, so it is sampled less often than RSS."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def run_child(kind: str, snapshot: Path, out: Path, workers: int, area: str | None = None,
              checkout: Path = ROOT) -> dict:
    """Run ``--child kind`` in a fresh interpreter, sampling its process tree's memory every 0.2 s. With
    ``checkout``, that checkout's own copy of this script runs the child, on that checkout's code."""
    result_file = out.with_suffix(".json")
    result_file.unlink(missing_ok=True)
    area_args = ["--area", area] if area else []
    cmd = [sys.executable, str(Path(checkout) / "bench" / "bench_scan.py"), "--child", kind,
           "--snapshot", str(snapshot), "--out", str(out), "--workers", str(workers),
           "--result", str(result_file)] + area_args
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # each child imports its checkout's src
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=env)  # DuckDB's progress bar: to stdout
    peak = {"rss": 0, "pss": 0, "processes": 0}
    stop = threading.Event()

    def sample() -> None:
        n = 0
        while not stop.is_set():
            pids = _tree(proc.pid)
            peak["rss"] = max(peak["rss"], sum(_rss(p) for p in pids))
            if n % PSS_EVERY == PSS_EVERY - 1:  # not at the very start, when the process is still empty
                peak["pss"] = max(peak["pss"], sum(_pss(p) for p in pids))
                peak["pss_samples"] = peak.get("pss_samples", 0) + 1
            peak["processes"] = max(peak["processes"], len(pids))
            n += 1
            stop.wait(0.2)
        peak["sampler_cpu_s"] = time.thread_time()  # CPU the sampling itself took (this thread's)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    stop.set()
    sampler.join()
    wall = time.perf_counter() - t0
    if code != 0:
        raise SystemExit(f"child {kind} failed (exit {code})")
    result = json.loads(result_file.read_text())
    result.update(peak_rss_sum=peak["rss"], peak_pss_sum=peak["pss"] if peak.get("pss_samples") else None,
                  processes=peak["processes"],
                  process_wall_s=wall, sampler_cpu_s=peak.get("sampler_cpu_s", 0.0))
    return result


# --- the children -----------------------------------------------------------------------------

_WORKER: dict = {}


def _worker_state() -> dict:
    """In a worker started by a fork server nothing is inherited: wrap the scan's functions there too,
    with the timer folder passed through the environment."""
    if "dir" not in _WORKER:
        from jiuzhu.discovery import scan

        _WORKER.update(dir=Path(os.environ["JIUZHU_BENCH_TIMERS"]), chunk=scan.evaluate_chunk,
                       ipc=scan._evaluate_ipc)
        scan.evaluate_chunk = _rules_timed
    return _WORKER


def _rules_timed(persons, households, month):
    return _timed("chunk", "txt", persons, households, month)


def _task_timed(persons, households, month):
    return _timed("ipc", "task", persons, households, month)


def _timed(key: str, suffix: str, persons, households, month):
    """Call the wrapped worker function ``key``; append its seconds (and, for chunks, the people) to this
    worker's ``<pid>.<suffix>`` timer file."""
    state = _worker_state()
    t0 = time.perf_counter()
    try:
        return state[key](persons, households, month)
    finally:
        extra = f" {persons.num_rows}" if suffix == "txt" else ""
        with open(state["dir"] / f"{os.getpid()}.{suffix}", "a") as f:
            f.write(f"{time.perf_counter() - t0}{extra}\n")
        # The worker's CPU so far (the file holds its latest total): workers are children of the fork
        # server, so the scan process's RUSAGE_CHILDREN never sees them.
        (state["dir"] / f"{os.getpid()}.cpu").write_text(str(time.process_time()))


def child_scan(snapshot: Path, out: Path, workers: int, area: str | None = None) -> dict:
    import resource

    from jiuzhu.discovery import scan
    from jiuzhu.rules.inputs.population import PART_HOUSEHOLDS, Population

    if out.exists():
        shutil.rmtree(out)
    timer_dir = out.with_name(out.name + ".timers")
    shutil.rmtree(timer_dir, ignore_errors=True)
    timer_dir.mkdir(parents=True)
    main_pid = os.getpid()
    t: dict[str, float] = {}
    parts = []

    def timed(name, fn):
        def wrapper(*a, **k):
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                if os.getpid() == main_pid:
                    t[name] = t.get(name, 0.0) + time.perf_counter() - t0
        return wrapper

    # Parent side: run_scan times its own stages (run.timings: the inputs thread's prepare, fingerprints
    # and fetch; this thread's waits; the writer thread's Parquet); only the Arrow IPC is wrapped here.
    scan._write = timed("ipc_write", scan._write)
    scan._read = timed("ipc_read", scan._read)
    orig_prepare = Population.prepare

    def counting_prepare(self, part=None):
        parts.append(part)
        return orig_prepare(self, part)
    Population.prepare = counting_prepare

    # Worker side: module-level wrappers, pickled by name; a forked worker inherits them, a worker
    # from a fork server sets itself up on first use (_worker_state).
    os.environ["JIUZHU_BENCH_TIMERS"] = str(timer_dir)  # for workers started by a fork server
    _WORKER.update(dir=timer_dir, chunk=scan.evaluate_chunk, ipc=scan._evaluate_ipc)
    scan.evaluate_chunk = _rules_timed
    scan._evaluate_ipc = _task_timed

    done = [0, time.perf_counter()]

    def progress(n: int) -> None:
        if n - done[0] >= 1_000_000 or time.perf_counter() - done[1] > 15:
            done[0], done[1] = n, time.perf_counter()
            print(f"    … {n:,} households evaluated", file=sys.stderr, flush=True)

    code = code_version()  # the code this process has imported
    with Population(snapshot, MONTH) as whole:
        full_parts = len(whole.parts(PART_HOUSEHOLDS))
        all_households = whole.connection.execute("SELECT count(*) FROM households").fetchall()[0][0]
        all_people = whole.connection.execute("SELECT count(*) FROM members").fetchall()[0][0]
    start = time.perf_counter()
    run = scan.run_scan(snapshot, MONTH, out, workers=workers, progress=progress, area=area)
    wall = time.perf_counter() - start
    rules_s = ipc_worker_s = 0.0
    chunks = 0
    for f in timer_dir.glob("*.txt"):
        for line in f.read_text().split("\n"):
            if line:
                rules_s += float(line.split()[0])
                chunks += 1
    for f in timer_dir.glob("*.task"):
        ipc_worker_s += sum(float(x) for x in f.read_text().split())
    workers_cpu = sum(float(f.read_text()) for f in timer_dir.glob("*.cpu"))
    shutil.rmtree(timer_dir, ignore_errors=True)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    result_bytes = sum(p.stat().st_size for p in out.glob("*.parquet"))
    return {"code": code, "area": area, "full_parts": full_parts, "all_households": all_households,
            "all_people": all_people,
            "people": run.persons, "households": run.households, "wall_s": wall, "run_seconds": run.seconds,
            "timings": run.timings, "profile": {**run.timings, **t}, "parts": len(parts), "chunks": chunks,
            "worker_rules_s": rules_s, "worker_task_s": ipc_worker_s,
            "cpu_parent_s": usage.ru_utime + usage.ru_stime,
            "cpu_workers_s": workers_cpu + kids.ru_utime + kids.ru_stime,
            "maxrss_parent_mib": usage.ru_maxrss / 1024, "maxrss_worker_mib": kids.ru_maxrss / 1024,
            "result_mib": result_bytes / 2**20}


def floor_sql(snapshot: Path) -> str:
    """One query that reads every registry column the scan's input preparation reads (``rules.inputs.population``:
    the same tables, the window's income months, the dated facts' dates, the supporters' names and statuses) and
    folds each into a per-household sum, count or maximum, returning one row: what reading the inputs costs,
    without the joins, windows and rules."""
    from jiuzhu.registry.codes import COUNTED_INCOME
    from jiuzhu.rules.inputs.facts import InputParameters
    from jiuzhu.rules.inputs.facts import sql_in as _in
    from jiuzhu.rules.inputs.population import PERSON_COLUMNS

    w = InputParameters.of(MONTH)
    r = lambda t: f"read_parquet('{Path(snapshot) / 'registry' / f'{t}.parquet'}')"  # noqa: E731
    income = " + ".join(f"coalesce({c}, 0)" for c in COUNTED_INCOME)
    complete = " AND ".join(f"{c} IS NOT NULL" for c in COUNTED_INCOME)
    person = ", ".join(f"count(p.{c}) AS {c}" for c in PERSON_COLUMNS)
    return f"""
    WITH inc AS (SELECT person_id, sum({income}) AS s, count(*) FILTER (WHERE {complete}) AS n
                 FROM {r('incomes')} WHERE month IN {_in(w.window)} GROUP BY person_id),
    fa AS (SELECT person_id, sum(amount_fen) AS s, count(as_of) AS d, count(kind) AS k, count(institution) AS i,
                  count(account) AS a FROM {r('financial_assets')} GROUP BY person_id),
    ve AS (SELECT person_id, count(*) FILTER (WHERE NOT mobility_for_disabled) AS s, count(registered_on) AS d,
                  count(deregistered_on) AS e FROM {r('vehicles')} GROUP BY person_id),
    re AS (SELECT person_id, count(*) AS n, sum(floor_area_m2) AS s, count(acquired_on) AS d, count(disposed_on) AS e
           FROM {r('real_estate')} WHERE use = 'residential' GROUP BY person_id),
    bu AS (SELECT person_id, sum(registered_capital_fen) AS s, count(registered_on) AS d, count(deregistered_on) AS e
           FROM {r('businesses')} GROUP BY person_id),
    su AS (SELECT person_id, count(*) FILTER (WHERE status = 'able') AS s, count(id) AS i, count(relation) AS r,
                  count(id_number) AS n, count(name) AS m, count(as_of) AS d FROM {r('supporters')} GROUP BY person_id),
    per AS (SELECT m.household_id, count(*) AS people, sum(coalesce(inc.s, 0)) AS income,
                   sum(coalesce(inc.n, 0)) AS months, sum(coalesce(fa.s, 0)) AS assets,
                   sum(coalesce(ve.s, 0)) AS cars, sum(coalesce(re.s, 0)) AS area, sum(coalesce(bu.s, 0)) AS capital,
                   sum(coalesce(su.s, 0)) AS supporters,
                   count(fa.d) + count(fa.k) + count(fa.i) + count(fa.a) + count(ve.d) + count(ve.e) + count(re.d)
                     + count(re.e) + count(bu.d) + count(bu.e) + count(su.i) + count(su.r) + count(su.n)
                     + count(su.m) + count(su.d) AS dated,
                   count(m.position) AS positions, count(m.relation) AS relations,
                   count(m.exclusion_reason) AS excluded,
                   {person},
                   count(*) FILTER (WHERE m.counted) AS counted
            FROM {r('members')} m JOIN {r('persons')} p ON p.id = m.person_id
            LEFT JOIN inc ON inc.person_id = m.person_id LEFT JOIN fa ON fa.person_id = m.person_id
            LEFT JOIN ve ON ve.person_id = m.person_id LEFT JOIN re ON re.person_id = m.person_id
            LEFT JOIN bu ON bu.person_id = m.person_id LEFT JOIN su ON su.person_id = m.person_id
            GROUP BY m.household_id),
    rs AS (SELECT household_id, sum(amount_fen) AS s, count(category) AS c FROM {r('rigid_spending')}
           WHERE month IN {_in(w.last12)} GROUP BY household_id),
    en AS (SELECT household_id, count(*) AS n, count(person_id) AS p, count(programme) AS g,
                  sum(monthly_amount_fen) AS a, count(taper_from) AS t, count(start_date) AS s, count(end_date) AS e
           FROM {r('enrolments')} GROUP BY household_id),
    em AS (SELECT household_id, sum(need_fen) AS s, count(occurred_on) AS d FROM {r('emergencies')}
           GROUP BY household_id)
    SELECT count(*) AS households, sum(per.people) AS people, sum(per.income) AS income, sum(per.assets) AS assets,
           sum(per.cars) AS cars, sum(per.area) AS area, sum(per.capital) AS capital,
           sum(per.supporters) AS supporters, sum(per.dated) AS dated, sum(per.counted) AS counted,
           sum(coalesce(rs.s, 0)) AS rigid, sum(coalesce(en.n, 0)) AS enrolments, sum(coalesce(em.s, 0)) AS need,
           count(DISTINCT h.area_code) AS areas, count(h.household_no) AS numbers, count(h.urban) AS urban,
           count(h.declared_on) AS declared
    FROM {r('households')} h JOIN per ON per.household_id = h.id
    LEFT JOIN rs ON rs.household_id = h.id LEFT JOIN en ON en.household_id = h.id
    LEFT JOIN em ON em.household_id = h.id
    """


def child_floor(snapshot: Path, out: Path, workers: int) -> dict:
    import duckdb

    sql = floor_sql(snapshot)
    start = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET threads = {workers}")
    con.execute("SET enable_progress_bar = false")
    row = con.sql(sql).fetchall()[0]
    wall = time.perf_counter() - start
    return {"wall_s": wall, "households": row[0], "people": row[1]}


# --- report -----------------------------------------------------------------------------------

def code_version() -> str:
    """The commit, and a hash of the scan's code as it is in the work tree (which may differ from it)."""
    import hashlib

    files = sorted((ROOT / "src" / "jiuzhu" / "discovery").glob("*.py")) + sorted(
        (ROOT / "src" / "jiuzhu" / "rules").rglob("*.py"))
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:10]
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src/jiuzhu/discovery",
                            "src/jiuzhu/rules"], capture_output=True, text=True).stdout.strip()
    return f"{commit}{' + uncommitted changes' if dirty else ''} (discovery and rules code {digest})"


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    mem = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))) / 1024 / 1024
    import duckdb
    import pyarrow

    return (f"{model}, {os.cpu_count()} cores, {mem:.1f} GiB memory, Python {platform.python_version()}, "
            f"DuckDB {duckdb.__version__}, PyArrow {pyarrow.__version__}")


def _seconds(scan: dict) -> float:
    return scan.get("extrapolated_s", scan["wall_s"])


def gib(b: float | None) -> str:
    if b is None:
        return "—"  # PSS is read every 10 s: a shorter run has no sample
    return f"{b / 2**30:.2f}"


def render(args, rows: list[dict], started: str, load: str) -> str:
    cmd = ".venv/bin/python bench/bench_scan.py " + " ".join(
        a for a in (getattr(args, "argv", None) or sys.argv[1:]) if a not in ("--no-write", "--render-only"))
    out = [BEGIN, "## Population scan", "",
           f"Command: `{cmd.strip()}` — run {started} on {machine()}; load average {load} at the start "
           "(the machine is shared: figures vary from run to run).", "",
           "Code measured: " + "; ".join(sorted({r["scan"].get("code", "?") for r in rows})) + ".", "",
           f"`run_scan(snapshot, \"{MONTH}\", out, workers={args.workers})`, defaults otherwise (chunks of 80,000 "
           "households, parts of 400,000 households, DuckDB memory limit 2 GB), each size in a fresh child "
           "process. The million is one generated district (500111, seed 1); larger sizes are it tiled "
           "(`bench/tile_snapshot.py`: ids shifted, each copy moved to another Chongqing district, ID numbers "
           "given other county codes). **Peak memory** is the largest sum, over samples every 0.2 s of /proc, "
           "of the resident sets (RSS) of the scan process and all its worker processes; PSS (shared pages "
           "counted once; read every 10 s only, as reading it costs CPU) beside it. The **floor** is one DuckDB "
           "query with the same thread count that reads "
           "every registry column the scan's input preparation reads (households, members, persons, the "
           "window's counted income categories, assets with their accounts and statement dates, vehicles, homes "
           "and businesses with the dates they were held, supporters with their names, ID numbers, relations and "
           "dates, rigid spending, enrolments, emergencies) and folds each into a per-household sum or count, "
           "returning one row (`floor_sql`; until 2026-11-29 it left out the columns the dated facts and the "
           "whole class of supporters added, so it was lighter than the scan's reading).", "",
           "| people | households | parts | scan: seconds | people per second | prepare (DuckDB) | evaluate | "
           "peak RSS, summed (GiB) | peak PSS (GiB) | floor: seconds | floor: people per second | scan ÷ floor |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        s, f = r["scan"], r["floor"]
        secs = _seconds(s)
        if s.get("area"):
            scale = secs / s["wall_s"]
            out.append(f"| {s['all_people']:,} | {s['all_households']:,} | {s['full_parts']} | "
                       f"**≈ {secs:,.0f}** (extrapolated¹) | ≈ {s['all_people'] / secs:,.0f} | "
                       f"≈ {s['timings'].get('prepare', 0) * scale:,.0f} | "
                       f"≈ {s['timings'].get('evaluate', 0) * scale:,.0f} | "
                       f"{gib(s['peak_rss_sum'])}¹ | {gib(s['peak_pss_sum'])}¹ | {f['wall_s']:.1f} | "
                       f"{f['people'] / f['wall_s']:,.0f} | ≈ {secs / f['wall_s']:.1f}× |")
        else:
            out.append(f"| {s['people']:,} | {s['households']:,} | {s['parts']} | {secs:.1f} | "
                       f"{s['people'] / secs:,.0f} | {s['timings'].get('prepare', 0):.1f} | "
                       f"{s['timings'].get('evaluate', 0):.1f} | {gib(s['peak_rss_sum'])} | {gib(s['peak_pss_sum'])} | "
                       f"{f['wall_s']:.1f} | {f['people'] / f['wall_s']:,.0f} | {secs / f['wall_s']:.1f}× |")
    out += _rounds_text(rows)
    for r in rows:
        s = r["scan"]
        if s.get("area"):
            out += ["", f"¹ Extrapolated, not measured: on the {s['all_people']:,}-people snapshot the scan was run "
                    f"for one tiled district only (`area=\"{s['area']}\"`: {s['people']:,} people, {s['households']:,} "
                    f"households, {s['parts']} part of 400,000 households) and took {s['wall_s']:.1f} s "
                    f"(prepare {s['timings'].get('prepare', 0):.1f} s, "
                    f"evaluate {s['timings'].get('evaluate', 0):.1f} s). "
                    f"Scaled by "
                    f"parts ({s['full_parts']} against {s['parts']}) that is {s['extrapolated_range'][0]:,.0f} s, "
                    f"by households ({s['all_households']:,} against {s['households']:,}) "
                    f"{s['extrapolated_range'][1]:,.0f} s; the table shows the larger. The prepare and evaluate "
                    f"columns are scaled the same way. Peak memory is the sample's, which holds "
                    f"one part at a time as the full scan does."]
    out += ["", "Where the scan's time goes (seconds of wall time per thread, summed over parts). Three "
            "threads overlap: the **inputs** thread prepares the next part in DuckDB while the **main** thread "
            "sends the current part's chunks to the workers and the **writer** thread appends results to "
            "Parquet; so the columns add up to more than the scan's wall time.", "",
            "| people | inputs: prepare (DuckDB) | inputs: fingerprints | inputs: fetch part | main: waiting for "
            "inputs | main: Arrow IPC | main: waiting on workers | writer: Parquet | workers: rules (sum) | "
            "workers: IPC (sum) | CPU seconds (scan + workers) |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        s = r["scan"]
        p = s["profile"]
        ipc = p.get("ipc_write", 0) + p.get("ipc_read", 0)
        who = f"{s['people']:,}" + (f" (one district of {s['all_people']:,})" if s.get("area") else "")
        out.append(f"| {who} | {p.get('prepare', 0):.1f} | {p.get('fingerprints', 0):.1f} | {p.get('fetch', 0):.1f} | "
                   f"{p.get('waiting_for_inputs', 0):.1f} | {ipc:.1f} | {p.get('waiting_for_workers', 0):.1f} | "
                   f"{p.get('parquet_write', 0):.1f} | {s['worker_rules_s']:.1f} | "
                   f"{s['worker_task_s'] - s['worker_rules_s']:.1f} | "
                   f"{s['cpu_parent_s']:.0f} + {s['cpu_workers_s']:.0f} |")
    judged = [r for r in rows if any(0.9 * size <= r["scan"]["all_people"] <= 1.1 * size for size in TARGET_SIZES)]
    out += ["", f"Targets, at {' and '.join(f'{n / 1e6:.0f} million' for n in TARGET_SIZES)} people: within "
            f"{TARGET_RATIO}× of the floor measured in the same run, peak memory under {TARGET_GIB} GiB (the "
            "absolute 60 s at 32 million was retired: the floor alone takes most of it on 2 cores)."]
    verdict = lambda ok: "**met**" if ok else "**MISSED**"  # noqa: E731
    for r in judged:
        s, f = r["scan"], r["floor"]
        secs = _seconds(s)
        how = "extrapolated" if s.get("area") else "measured"
        out += [f"* {s['all_people']:,} people: floor {verdict(secs < TARGET_RATIO * f['wall_s'])} "
                f"({secs:,.0f} s {how}, {secs / f['wall_s']:.1f}× the floor's {f['wall_s']:.1f} s); peak memory "
                f"{verdict(s['peak_rss_sum'] < TARGET_GIB * 2**30)} ({gib(s['peak_rss_sum'])} GiB summed RSS, "
                f"{gib(s['peak_pss_sum'])} GiB PSS)."]
    if not judged:
        out += ["", "(No size of 4 or 32 million people in this run: the verdicts need `--sizes 4000000 32000000`.)"]
    out += ["", NOTES_BEGIN, _notes(), NOTES_END]
    out.append(END)
    return "\n".join(out)


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _rounds_text(rows: list[dict]) -> list[str]:
    """Every round's ratios, and the side-by-side scan of ``--before`` when it ran."""
    out = []
    runs = [r for r in rows if len(r.get("rounds", [])) > 1]
    if runs:
        out += ["", "Each size ran in rounds (scan, then floor, one after the other); the table shows the round "
                "whose scan ÷ floor is the median. Every round's scan ÷ floor: " + "; ".join(
                    f"{r['scan']['all_people']:,} people " + ", ".join(
                        f"{x['scan_s'] / x['floor_s']:.1f}×" for x in r["rounds"]) for r in runs) + "."]
    compared = [r for r in rows if any("before_s" in x for x in r.get("rounds", []))]
    if compared:
        codes = sorted({x["before_code"] for r in compared for x in r["rounds"] if "before_s" in x})
        out += ["", f"**Side by side with an earlier commit** ({'; '.join(codes)}), its scan run in the same "
                "rounds (before or after this one, alternately):", "",
                "| people | earlier: seconds (median) | now: seconds (median) | now ÷ earlier, each round | "
                "now ÷ earlier (median) |", "|---:|---:|---:|---:|---:|"]
        for r in compared:
            pairs = [x for x in r["rounds"] if "before_s" in x]
            ratios = [x["scan_s"] / x["before_s"] for x in pairs]
            out.append(f"| {r['scan']['all_people']:,} | {_median([x['before_s'] for x in pairs]):.1f} | "
                       f"{_median([x['scan_s'] for x in pairs]):.1f} | "
                       f"{', '.join(f'{x:.2f}×' for x in ratios)} | {_median(ratios):.2f}× |")
    return out


def _notes() -> str:
    return kept_notes(DOC, NOTES_BEGIN, NOTES_END, "(Notes on what limits the scan: none yet.)")


def write(text: str) -> None:
    write_section(DOC, BEGIN, END, text)


def measure_round(args, snapshot: Path, out: Path, area: str | None, n: int) -> dict:
    """One round: the scan, the scan of ``--before`` if given (first or second, alternately), then the floor."""
    before = None
    if args.before and n % 2 == 1:
        before = _before_scan(args, snapshot, out, area)
    scan = run_child("scan", snapshot, out, args.workers, area)
    if scan["code"] != code_version():  # the child imported the code as it was when it started
        log(f"  note: the scan's code changed on disk since the measurement started ({scan['code']} was run)")
    if area:
        by_parts = scan["wall_s"] * scan["full_parts"] / scan["parts"]
        by_households = scan["wall_s"] * scan["all_households"] / scan["households"]
        scan["extrapolated_range"] = sorted((by_parts, by_households))
        scan["extrapolated_s"] = max(by_parts, by_households)
        log(f"  sample of {scan['parts']} part(s) of {scan['full_parts']}: extrapolated full scan "
            f"{scan['extrapolated_s']:.0f} s")
    log(f"  scan: {scan['people']:,} people in {scan['wall_s']:.1f} s "
        f"({scan['people'] / scan['wall_s']:,.0f}/s), prepare {scan['timings'].get('prepare', 0):.1f} s, "
        f"evaluate {scan['timings'].get('evaluate', 0):.1f} s, peak RSS sum {gib(scan['peak_rss_sum'])} GiB, "
        f"{scan['parts']} parts, {scan['chunks']} chunks")
    log(f"  profile: {json.dumps({k: round(v, 1) for k, v in scan['profile'].items()})}, workers' rules "
        f"{scan['worker_rules_s']:.1f} s, workers' tasks {scan['worker_task_s']:.1f} s")
    if not args.keep_results:
        shutil.rmtree(out, ignore_errors=True)
    log("  floor …")
    floor = run_child("floor", snapshot, OUT / f"floor-{snapshot.name}", args.workers)
    assert floor["people"] >= scan["people"], (floor, scan["people"])
    log(f"  floor: {floor['wall_s']:.1f} s ({floor['people'] / floor['wall_s']:,.0f} people/s), "
        f"scan ÷ floor {scan['wall_s'] / floor['wall_s']:.1f}")
    if args.before and n % 2 == 0:
        before = _before_scan(args, snapshot, out, area)
    return {"scan": scan, "floor": floor, "before": before}


def _before_scan(args, snapshot: Path, out: Path, area: str | None) -> dict:
    log(f"  the same scan on {args.before} …")
    scan = run_child("scan", snapshot, out, args.workers, area, checkout=args.before)
    shutil.rmtree(out, ignore_errors=True)
    log(f"  before: {scan['people']:,} people in {scan['wall_s']:.1f} s ({scan.get('code', '?')})")
    return scan


def _round_summary(r: dict) -> dict:
    out = {"scan_s": _seconds(r["scan"]), "floor_s": r["floor"]["wall_s"]}
    if r.get("before"):
        out["before_s"] = r["before"]["wall_s"]
        out["before_code"] = r["before"].get("code", "?")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 4_000_000, 32_000_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--base-people", type=int, default=1_000_000, help="people of the generated district")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="print the Markdown, leave docs/performance.md")
    parser.add_argument("--full-up-to", type=int, default=40_000_000,
                        help="larger sizes scan one tiled district of the full snapshot and extrapolate")
    parser.add_argument("--render-only", action="store_true",
                        help="rewrite the section from the last run's results (bench/out/bench_scan_results.json)")
    parser.add_argument("--keep-results", action="store_true", help="keep the scan's output in bench/out")
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds per size (scan, then floor); the round of the median ratio is shown")
    parser.add_argument("--before", type=Path,
                        help="a checkout of an earlier commit: its scan runs in every round too, side by side")
    parser.add_argument("--child", choices=("scan", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--snapshot", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--area", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    if args.child:
        fn = child_scan if args.child == "scan" else child_floor
        extra = {"area": args.area} if args.child == "scan" else {}
        args.result.write_text(json.dumps(fn(args.snapshot, args.out, args.workers, **extra)))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    if args.render_only:  # the Markdown again from the last run's bench/out/bench_scan_results.json
        rows = json.loads((OUT / "bench_scan_results.json").read_text())
        args.argv = rows[0].get("argv") or ["--sizes", *[str(r["size"]) for r in rows]]
        text = render(args, rows, rows[0].get("started", "?"), rows[0].get("load", "?"))
        print(text)
        if not args.no_write:
            write(text)
        return
    started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = "{:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())
    base = base_snapshot(args.base_people, args.seed)
    rows = []
    for size in args.sizes:
        snapshot, copies = snapshot_for(size, base)
        out = OUT / f"scan-{snapshot.name}"
        area = None
        if copies > 1 and size > args.full_up_to:
            districts = json.loads((snapshot / "manifest.json").read_text())["tiled"]["districts"]
            area = districts[0] if districts else None
        rounds = []
        for n in range(args.repeat):
            log(f"round {n + 1} of {args.repeat}: scan of {snapshot.name} ({copies} × the district), "
                f"{args.workers} workers" + (f", sample: district {area} only (the rest extrapolated) …"
                                             if area else " …"))
            rounds.append(measure_round(args, snapshot, out, area, n))
        # The round whose scan ÷ floor is the median stands for the size; every round is kept and shown.
        ordered = sorted(rounds, key=lambda r: _seconds(r["scan"]) / r["floor"]["wall_s"])
        row = dict(ordered[len(ordered) // 2])
        row.update(size=size, copies=copies, started=started, load=load, argv=sys.argv[1:],
                   rounds=[_round_summary(r) for r in rounds])
        rows.append(row)
        (OUT / "bench_scan_results.json").write_text(json.dumps(rows, indent=1))
    text = render(args, rows, started, load)
    print(text)
    if not args.no_write:
        write(text)
        log(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
