"""Benchmark: the API under load on PostgreSQL, beside a bare FastAPI endpoint returning the same bytes (the floor).

    .venv/bin/python bench/bench_api.py                       # 2,000 households, 50/100/200 requests/s, 15 s each
    .venv/bin/python bench/bench_api.py --seconds 5 --no-write

What it does, all on this machine's loopback:
1. starts a PostgreSQL server (``tests/pgserver.py``, as the tests do) and loads a synthetic district into it with
   ``jiuzhu demo --no-serve`` (which also creates one demo account per role);
2. starts ``jiuzhu serve --no-worker --processes N`` (N uvicorn processes, one per core by default, the whole
   application) and, beside it, the floor: a
   FastAPI application with one route per measured request that returns the bytes the real one returned, with the
   same status and content type, served by the same uvicorn the same way (``bench/api_floor.py``);
3. signs in as the demo district officer, and for each request — a household's page (``GET
   /api/v1/households/{no}``: read, masked, one audit row), the search (``GET /api/v1/households?name=…``) and the
   evaluation of a posted household (``POST /api/v1/evaluate``) — and each rate, sends the load from a second
   process (``hey``, Debian's package: ``apt-get install hey``) at a fixed rate (``-q`` per connection ×
   ``-c`` connections) for ``--seconds``, first to the application, then to the floor (each request is first sent
   for a few seconds, unmeasured, to warm every server process up);
4. reports p50/p95/p99, the rate achieved and any non-2xx answers, and judges each line against the issue's
   targets: p95 under 100 ms at 200 requests/s, and within 3× of the floor's p95 at the same rate.

Times drift between hours on these shared machines: the ratio to the floor, measured in the same run, is the
figure to judge by. Results go to docs/performance.md between the bench_api markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))
from doc_section import kept_notes, write_section  # noqa: E402  (bench/ on the path)
from pgserver import PostgresServer, find_bindir, free_port  # noqa: E402  (tests/pgserver.py: the tests' server)

DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench_api: begin -->", "<!-- bench_api: end -->"
NOTES_BEGIN, NOTES_END = "<!-- bench_api: notes begin -->", "<!-- bench_api: notes end -->"
RATES = (50, 100, 200)
WARM_UP_S = 3  # seconds of load at 50 requests/s before each request's measured lines
TARGET_P95_MS = 100.0
TARGET_RATIO = 3.0
DEMO_PASSWORD_ROLE = "district_officer"


def _jiuzhu() -> str:
    found = Path(sys.executable).parent / "jiuzhu"
    return str(found) if found.exists() else "jiuzhu"


def _wait(url: str, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server at {url} exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise SystemExit(f"the server at {url} did not answer within {seconds} s")


def _demo_account(env: dict) -> tuple[str, str]:
    """The demo district officer's name and password, as ``jiuzhu demo`` creates them."""
    code = ("import json; from jiuzhu.accounts import service; from jiuzhu.db import session_scope;"
            "from jiuzhu.cli.context import engine;"
            "s=session_scope(engine());"
            "ses=s.__enter__();"
            "a=[x for x in service.ensure_demo_accounts(ses, district='500111') if str(x.role)=='district_officer'][0];"
            "s.__exit__(None,None,None);"
            "print(json.dumps([a.username, a.password]))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return tuple(json.loads(out.stdout.strip().splitlines()[-1]))


def _hey(url: str, rate: int, seconds: int, headers: dict[str, str], body: Path | None) -> dict:
    conns = max(1, rate // 10)  # hey's -q is per connection: 10 requests/s each
    cmd = ["hey", "-z", f"{seconds}s", "-c", str(conns), "-q", f"{rate / conns:g}"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    if body is not None:
        cmd += ["-m", "POST", "-T", "application/json", "-D", str(body)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    pct = {int(p): float(s) * 1000 for p, s in re.findall(r"(\d+)%+ in ([\d.]+) secs", out)}
    statuses = {int(c): int(n) for c, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", out)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {"p50": pct.get(50), "p95": pct.get(95), "p99": pct.get(99), "rps": rps, "statuses": statuses}


def _requests(client: httpx.Client, base: str) -> list[dict]:
    """The three measured requests, with the bytes the application answers (the floor answers the same)."""
    page = client.get(f"{base}/api/v1/households", params={"per_page": 20}).json()
    no = page["items"][0]["household_no"]
    name = (page["items"][0].get("head") or {}).get("name", "王")[:1]  # a family name: many households match
    household = client.get(f"{base}/api/v1/households/{no}", params={"unmask": "false"})
    doc = client.get(f"{base}/api/v1/households/{no}", params={"unmask": "true", "reason": "bench"})
    posted = doc.json() if doc.status_code == 200 else household.json()
    out = []
    for key, method, path, body in (
        ("household", "GET", f"/api/v1/households/{no}", None),
        ("search", "GET", f"/api/v1/households?name={quote(name)}&page=1&per_page=20", None),
        ("evaluate", "POST", "/api/v1/evaluate", posted),
    ):
        r = client.request(method, f"{base}{path}", json=body)
        if r.status_code != 200:
            raise SystemExit(f"{method} {path} answered {r.status_code}: {r.text[:300]}")
        out.append({"key": key, "method": method, "path": path, "body": body, "status": r.status_code,
                    "content_type": r.headers["content-type"], "bytes": r.content})
    return out


def run(households: int, seconds: int, processes: int) -> dict:
    if shutil.which("hey") is None:
        raise SystemExit("hey is missing: apt-get install hey")
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL is missing: apt-get install postgresql")
    pg = PostgresServer(bindir).start()
    home = Path(tempfile.mkdtemp(prefix="jiuzhu-bench-api-"))
    procs: list[subprocess.Popen] = []
    try:
        subprocess.run([*pg.as_user, str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(pg.port), "-U", "jiuzhu",
                        "bench"], check=True, capture_output=True)
        env = {**os.environ, "JIUZHU_HOME": str(home), "JIUZHU_DATABASE_URL": f"{pg.url}/bench",
               "JIUZHU_LANG": "zh", "PYTHONPATH": str(ROOT / "src")}
        t0 = time.monotonic()
        subprocess.run([_jiuzhu(), "demo", "--households", str(households), "--no-serve"], env=env, check=True,
                       capture_output=True)
        load_s = time.monotonic() - t0
        user, password = _demo_account(env)
        app_port, floor_port = free_port(), free_port()
        procs.append(subprocess.Popen([_jiuzhu(), "serve", "--port", str(app_port), "--no-worker", "--processes",
                                       str(processes)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        app = f"http://127.0.0.1:{app_port}"
        _wait(f"{app}/openapi.json", procs[-1])
        with httpx.Client(timeout=30) as client:
            signed = client.post(f"{app}/api/v1/session", json={"username": user, "password": password})
            signed.raise_for_status()
            csrf = signed.json()["csrf_token"]
            client.headers["X-CSRF-Token"] = csrf
            measured = _requests(client, app)
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        spec = home / "floor.json"
        spec.write_text(json.dumps([{**{k: v for k, v in m.items() if k not in ("bytes", "body")},
                                     "bytes": m["bytes"].decode("utf-8")} for m in measured]), encoding="utf-8")
        procs.append(subprocess.Popen([sys.executable, str(ROOT / "bench" / "api_floor.py"), str(spec),
                                       str(floor_port), str(processes)], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
        floor = f"http://127.0.0.1:{floor_port}"
        _wait(f"{floor}/openapi.json", procs[-1])
        headers = {"Cookie": cookie, "X-CSRF-Token": csrf}
        rows = []
        for m in measured:
            body = None
            if m["body"] is not None:
                body = home / f"{m['key']}.json"
                body.write_text(json.dumps(m["body"], ensure_ascii=False), encoding="utf-8")
            # Warm-up, not measured: each server process's first requests of a kind are slow (OpenFisca's first
            # run of every formula, Pydantic's validators of the posted document: about half a second each).
            _hey(f"{app}{m['path']}", 50, WARM_UP_S, headers, body)
            _hey(f"{floor}{m['path']}", 50, WARM_UP_S, headers, body)
            for rate in RATES:
                got = _hey(f"{app}{m['path']}", rate, seconds, headers, body)
                base = _hey(f"{floor}{m['path']}", rate, seconds, headers, body)
                rows.append({"request": m["key"], "method": m["method"], "path": m["path"], "rate": rate,
                             "app": got, "floor": base, "bytes": len(m["bytes"])})
                print(f"{m['key']:9} {rate:3}/s  app p95 {got['p95']:7.1f} ms ({got['rps']:.0f}/s {got['statuses']})"
                      f"  floor p95 {base['p95']:6.1f} ms  ratio {got['p95'] / base['p95']:.1f}", flush=True)
        return {"households": households, "load_s": load_s, "seconds": seconds, "processes": processes, "rows": rows}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        pg.stop()
        shutil.rmtree(home, ignore_errors=True)


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _verdict(row: dict) -> str:
    ratio = row["app"]["p95"] / row["floor"]["p95"]
    ok_ratio = ratio <= TARGET_RATIO
    ok_abs = row["rate"] != 200 or row["app"]["p95"] < TARGET_P95_MS
    errors = sum(n for c, n in row["app"]["statuses"].items() if c >= 300)
    if errors:
        return f"**{errors} errors**"
    return "met" if ok_ratio and ok_abs else "**missed**"


def section(result: dict) -> str:
    lines = [BEGIN, "", "## API under load (PostgreSQL, `bench/bench_api.py`)", "",
             f"Command: `.venv/bin/python bench/bench_api.py` — measured {dt.date.today():%Y-%m-%d} on "
             f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; a synthetic district "
             f"of {result['households']:,} households loaded into PostgreSQL; the server {result['processes']} uvicorn "
             f"process(es) (`jiuzhu serve --no-worker --processes {result['processes']}`); the load from a "
             f"second process (`hey`), {result['seconds']} s per line, on loopback; the floor a bare FastAPI "
             "route returning the same bytes, served the same way, measured right after.",
             "",
             f"Targets (issue 12): p95 under {TARGET_P95_MS:.0f} ms at 200 requests/s, and within "
             f"{TARGET_RATIO:.0f}× of the floor.", "",
             "| request | rate asked | rate achieved | p50 ms | p95 ms | p99 ms | floor p95 ms | ratio | verdict |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in result["rows"]:
        a, f = r["app"], r["floor"]
        lines.append(f"| {r['method']} `{r['path'].split('?')[0]}` ({r['request']}, {r['bytes']:,} bytes) | "
                     f"{r['rate']} | {a['rps']:.0f} | {_ms(a['p50'])} | {_ms(a['p95'])} | {_ms(a['p99'])} | "
                     f"{f['p95']:.1f} | {a['p95'] / f['p95']:.1f}× | {_verdict(r)} |")
    lines += ["", NOTES_BEGIN, _notes(), NOTES_END, END]
    return "\n".join(lines)


def _notes() -> str:
    """The hand-written notes below the table (what limits the API), kept when the table is regenerated."""
    return kept_notes(DOC, NOTES_BEGIN, NOTES_END, "(Notes on what limits the API: none yet.)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="server processes, the application's and the floor's (default: one per core)")
    parser.add_argument("--no-write", action="store_true", help="print, do not write docs/performance.md")
    args = parser.parse_args()
    result = run(args.households, args.seconds, args.processes)
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    (ROOT / "bench" / "out" / "bench_api.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    text = section(result)
    print(text)
    if not args.no_write:
        write_section(DOC, BEGIN, END, text)


if __name__ == "__main__":
    main()
