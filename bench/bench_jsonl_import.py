"""Benchmark: importing a JSON Lines file of a whole synthetic district, before and after the streamed import.

    .venv/bin/python bench/bench_jsonl_import.py                               # 5,000 and 50,000 households
    .venv/bin/python bench/bench_jsonl_import.py --sizes 5000 --baseline /path/to/old/checkout/src

The file: ``jiuzhu.synth.generate`` → bulk load → ``export_households(unmask=True)`` (the lossless copy),
made once per size in ``--work``. Each import runs in a fresh interpreter on a new SQLite database; peak RSS is
that process's maximum resident set, CPU the process's user + system time (on a shared machine, households
per CPU-second moves less than households per second). "after": ``import_households_file`` (streamed, batches
of 500 committed in their own transactions), then the same file again (a resume: every household unchanged).
"before" (with ``--baseline``, a checkout's ``src`` folder from before the change): ``import_households`` in one
session, as the command line did. Figures go to docs/performance.md (section "Registry: JSON Lines import")
unless --no-doc.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench_jsonl_import: begin -->", "<!-- bench_jsonl_import: end -->"

from doc_section import write_section  # noqa: E402  (bench/ is on the path above)


def child(src: Path, code: str) -> dict:
    """Run ``code`` in a fresh interpreter importing jiuzhu from ``src``; it fills ``result``."""
    wrapper = textwrap.dedent("""
        import json, resource, sys, time
        sys.path.insert(0, {src!r})
        result = {{}}
        exec(compile({code!r}, "<bench>", "exec"), {{"result": result, "time": time}})
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result["peak_rss_mib"] = usage.ru_maxrss / 1024
        result["cpu_s"] = usage.ru_utime + usage.ru_stime
        print(json.dumps(result))
    """).format(src=str(src), code=textwrap.dedent(code))
    env = {**os.environ, "PYTHONPATH": str(src), "JIUZHU_LANG": "en"}
    proc = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"benchmark step failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def prepare(work: Path, households: int) -> Path:
    path = work / f"district-{households}.jsonl"
    if path.exists():
        return path
    child(ROOT / "src", f"""
        from pathlib import Path
        from jiuzhu import migrate
        from jiuzhu.db import make_engine, session_scope
        from jiuzhu.registry import interchange
        from jiuzhu.registry.bulk import load_snapshot
        from jiuzhu.synth import generate
        work = Path({str(work)!r})
        generate(district="500111", households={households}, seed=7, out_dir=work / "snapshot-{households}")
        db = work / "source-{households}.db"
        engine = make_engine("sqlite:///" + str(db))
        migrate.upgrade(engine)
        load_snapshot(engine, work / "snapshot-{households}")
        with session_scope(engine) as session:
            interchange.export_households(session, Path({str(path) + ".partial"!r}), actor="bench", unmask=True)
    """)
    Path(str(path) + ".partial").rename(path)
    return path


def _fresh(db: Path) -> str:
    return f"""
        from pathlib import Path
        from jiuzhu import migrate
        from jiuzhu.db import make_engine, session_scope
        from jiuzhu.registry import interchange
        db = Path({str(db)!r})
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        engine = make_engine("sqlite:///" + str(db))
        migrate.upgrade(engine)
    """


def after(path: Path, db: Path) -> dict:
    return child(ROOT / "src", _fresh(db) + f"""
        path = Path({str(path)!r})
        t0, c0 = time.perf_counter(), time.process_time()
        r = interchange.import_households_file(engine, path, actor="bench", reason="bench", batch=500)
        result.update(seconds=time.perf_counter() - t0, cpu_import_s=time.process_time() - c0,
                      stored=len(r.stored), rejected=len(r.rejected))
        t0 = time.perf_counter()
        again = interchange.import_households_file(engine, path, actor="bench", reason="bench", batch=500)
        result.update(resume_seconds=time.perf_counter() - t0, resume_unchanged=len(again.unchanged))
    """)


def before(src: Path, path: Path, db: Path) -> dict:
    return child(src, _fresh(db) + f"""
        t0, c0 = time.perf_counter(), time.process_time()
        with session_scope(engine) as session:
            r = interchange.import_households(session, Path({str(path)!r}), actor="bench", reason="bench")
        result.update(seconds=time.perf_counter() - t0, cpu_import_s=time.process_time() - c0,
                      stored=len(r.stored), rejected=len(r.rejected))
    """)


def table(rows: list[dict]) -> str:
    lines = ["| households | import | seconds | households/s | households per CPU-s | peak RSS (MiB) | "
             "resume (all unchanged) |", "|---:|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        resume = f"{r['resume_seconds']:.1f} s ({r['households'] / r['resume_seconds']:,.0f}/s)" \
            if "resume_seconds" in r else "–"
        n = r["households"]
        lines.append(f"| {n:,} | {r['label']} | {r['seconds']:.1f} | {n / r['seconds']:,.0f} "
                     f"| {n / r['cpu_import_s']:,.0f} | {r['peak_rss_mib']:,.0f} | {resume} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 50_000])
    parser.add_argument("--baseline", type=Path, help="src folder of a checkout from before the streamed import")
    parser.add_argument("--baseline-sizes", type=int, nargs="*", help="sizes to run the baseline on (default: all)")
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench-jsonl")
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now()
    load = os.getloadavg()[0]
    rows = []
    for n in args.sizes:
        path = prepare(args.work, n)
        if args.baseline and (args.baseline_sizes is None or n in args.baseline_sizes):
            rows.append({"households": n, "label": "before: one transaction", **before(args.baseline, path,
                                                                                        args.work / "before.db")})
            print(json.dumps(rows[-1]), flush=True)
        rows.append({"households": n, "label": "after: streamed, batches of 500", **after(path,
                                                                                          args.work / "after.db")})
        print(json.dumps(rows[-1]), flush=True)
    text = table(rows)
    print(text)
    if not args.no_doc:
        note = (f"Measured {started:%Y-%m-%d} on {os.cpu_count()} cores shared with other work (load average "
                f"{load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end), SQLite, `bench/bench_jsonl_import.py "
                f"--sizes {' '.join(map(str, args.sizes))}`. Files: a synthetic 大足 district exported unmasked "
                f"(about 7.6 KB a household).")
        write_section(DOC, BEGIN, END, f"{BEGIN}\n{note}\n\n{text}\n{END}")


if __name__ == "__main__":
    main()
