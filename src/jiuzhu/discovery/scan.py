"""The population scan: inputs by DuckDB, rules in household-aligned chunks on every core, results as Parquet.

    run_scan(snapshot, month, out_dir)      full scan
    run_scan(..., previous=earlier_out_dir) incremental: households whose inputs are unchanged since the
                                            earlier scan (same month, same fingerprint) keep its results

Memory stays bounded: DuckDB holds the prepared inputs (spilling to disk if it must), the workers see
one chunk each, and results are streamed to Parquet chunk by chunk.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from jiuzhu.discovery.evaluate import evaluate_chunk
from jiuzhu.rules.batch import CHUNK_HOUSEHOLDS, chunks
from jiuzhu.rules.inputs import population as inputs

RESULTS_H, RESULTS_P, FINGERPRINTS, MANIFEST = ("results_households.parquet", "results_persons.parquet",
                                                "fingerprints.parquet", "scan.json")


@dataclass
class ScanStats:
    month: str
    out_dir: Path
    households: int = 0
    persons: int = 0
    evaluated_households: int = 0
    reused_households: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


def _worker_init() -> None:
    from jiuzhu.rules.system import rules

    rules()  # build the tax-benefit system once per worker


def _evaluate_ipc(persons: bytes, households: bytes, month: str) -> tuple[bytes, bytes]:
    h, p = evaluate_chunk(_read(persons), _read(households), month)
    return _write(h), _write(p)


def _write(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _read(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(data).read_all()


def run_scan(snapshot: Path, month: str, out_dir: Path, *, area: str | None = None, workers: int | None = None,
             chunk_households: int = CHUNK_HOUSEHOLDS, previous: Path | None = None,
             progress: Callable[[int], None] | None = None, part_households: int = 400_000,
             memory_limit: str = "2GB") -> ScanStats:
    """Scan the snapshot in parts of about ``part_households`` households (by household id), so that
    DuckDB's prepared inputs stay small whatever the population (32 million people is 30 parts).

    Three stages overlap: a thread prepares the next part in DuckDB (which releases the GIL) while
    this thread sends the current part's chunks to the worker processes, and a writer thread appends
    their results to Parquet. At most two parts' inputs are held at once.
    """
    start = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    workers = workers or len(os.sched_getaffinity(0))
    run = ScanStats(month=month, out_dir=out_dir)
    con = inputs.connect(snapshot, threads=workers)
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{out_dir / 'duckdb.tmp'}'")
    scope = f"h.area_code LIKE '{int(area)}%'" if area else "TRUE"
    writers: dict[str, pq.ParquetWriter] = {}
    reused_all: set[int] = set()
    evaluated = 0
    parts = list(_parts(con, scope, part_households))
    # Workers come from a fork server, not from this process: they do not inherit DuckDB's buffers.
    context = multiprocessing.get_context("forkserver")
    try:
        with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init, mp_context=context) as pool, \
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="scan-inputs") as producer, \
                _Writer(out_dir, writers, run.timings) as writer:
            prepare = lambda bounds: _prepare_part(con, month, scope, bounds, out_dir, previous, writer, run)  # noqa: E731
            upcoming = producer.submit(prepare, parts[0]) if parts else None
            try:
                for k in range(len(parts)):
                    t0 = time.perf_counter()
                    persons, households, reuse = upcoming.result()
                    _add(run.timings, "waiting_for_inputs", time.perf_counter() - t0)
                    upcoming = producer.submit(prepare, parts[k + 1]) if k + 1 < len(parts) else None
                    reused_all |= reuse
                    evaluated += _evaluate(persons, households, month, pool, workers, chunk_households, writer,
                                           lambda n, done=evaluated: progress and progress(done + n), run)
            except BaseException:
                if upcoming is not None and not upcoming.cancel():
                    con.interrupt()  # the next part's inputs are no longer wanted: stop DuckDB now
                raise
    except BaseException:
        # The threads and workers have stopped (the pools' exits waited for them): close what they used.
        for parquet in writers.values():
            parquet.close()
        con.close()
        raise
    _close(writers, out_dir)
    if reused_all:
        _append_reused(Path(previous), out_dir, reused_all)
    run.evaluated_households, run.reused_households = evaluated, len(reused_all)
    run.seconds = time.perf_counter() - start
    (out_dir / MANIFEST).write_text(json.dumps({"month": month, "area": area, "snapshot": str(snapshot),
                                                "households": run.households, "persons": run.persons,
                                                "evaluated": evaluated, "reused": len(reused_all),
                                                "seconds": round(run.seconds, 3)}, indent=2))
    con.close()
    return run


def _add(timings: dict[str, float], name: str, seconds: float) -> None:
    timings[name] = timings.get(name, 0.0) + seconds


def _prepare_part(con, month: str, scope: str, bounds, out_dir: Path, previous: Path | None, writer: "_Writer",
                  run: ScanStats) -> tuple[pa.Table, pa.Table, set[int]]:
    """One part's inputs, fetched whole in household order (the chunks are Arrow slices of them), less
    the households an earlier scan can lend its results to. Runs on the producer thread, which alone
    uses the DuckDB connection."""
    t0 = time.perf_counter()
    inputs.prepare(con, month, scope, bounds)
    t1 = time.perf_counter()
    writer.append(FINGERPRINTS, _fingerprints(con, month))
    reuse = _reusable(con, previous, month) if previous else set()
    t2 = time.perf_counter()
    persons, households = inputs.fetch(con, month)
    run.households += households.num_rows
    run.persons += persons.num_rows
    if reuse:
        persons, households = _drop_reused(persons, households, reuse)
    _add(run.timings, "prepare", t1 - t0)
    _add(run.timings, "fingerprints", t2 - t1)
    _add(run.timings, "fetch", time.perf_counter() - t2)
    return persons, households, reuse


WRITES_QUEUED = 8  # result tables waiting for the writer thread, at most


class _Writer:
    """Appends tables to their Parquet files on a thread of its own, in the order given (the producer
    thread appends fingerprints, this thread results). A failed write raises at the next append."""

    def __init__(self, out_dir: Path, writers: dict, timings: dict[str, float]):
        self.out_dir, self.writers, self.timings = out_dir, writers, timings
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scan-writer")
        self.pending: list = []
        self.lock = threading.Lock()

    def append(self, name: str, table: pa.Table) -> None:
        with self.lock:
            for future in [f for f in self.pending if f.done()]:
                future.result()  # re-raises the write's error, if any
                self.pending.remove(future)
            while len(self.pending) >= WRITES_QUEUED:  # bounded memory: wait for the oldest write
                self.pending.pop(0).result()
            self.pending.append(self.pool.submit(self._write, name, table))

    def _write(self, name: str, table: pa.Table) -> None:
        t0 = time.perf_counter()
        _append(self.writers, self.out_dir, name, table)
        _add(self.timings, "parquet_write", time.perf_counter() - t0)

    def __enter__(self) -> "_Writer":
        return self

    def __exit__(self, *exc) -> None:
        self.pool.shutdown(wait=True)
        if exc[0] is None:
            for future in self.pending:
                future.result()


def _parts(con, scope: str, size: int) -> Iterator[tuple[int, int, int, int]]:
    """Parts of about ``size`` households: (first and last household id, first and last person id).

    Ids follow the order households were registered, so a part's rows sit together in the Parquet files
    and DuckDB reads only their row groups."""
    ids = [r[0] for r in con.execute(f"SELECT h.id FROM households h WHERE {scope} ORDER BY h.id").fetchall()]
    for first in range(0, len(ids), size):
        lo, hi = ids[first], ids[min(first + size, len(ids)) - 1]
        plo, phi = con.execute(f"SELECT min(person_id), max(person_id) FROM members "
                               f"WHERE household_id BETWEEN {lo} AND {hi}").fetchall()[0]
        yield lo, hi, plo if plo is not None else 0, phi if phi is not None else -1


def _fingerprints(con, month: str) -> pa.Table:
    """A hash of every input of each household and the month. Row numbers are left out, so a household
    keeps its fingerprint when others are added or removed around it."""
    person_cols = [c for c in _columns(con, "scan_persons") if c != "household_row"]
    household_cols = [c for c in _columns(con, "scan_household_inputs") if c != "household_row"]
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE scan_fp AS
        WITH people AS (SELECT household_row, bit_xor(hash({", ".join(person_cols)})) AS rows
                        FROM scan_persons GROUP BY household_row)
        SELECT hh.household_row, hh.household_id,
               hash('{month}', {", ".join("hh." + c for c in household_cols)}, people.rows) AS fingerprint
        FROM scan_household_inputs hh JOIN people USING (household_row)""")
    return con.sql("SELECT household_id, fingerprint FROM scan_fp").to_arrow_table()


def _columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


# Dictionary encoding only where values repeat: for ids, household numbers and fingerprints Arrow would
# build a dictionary and give it up, page after page (about 30 % of the writing time, measured).
DICTIONARY_COLUMNS = ("area_code",)


def _append(writers: dict, out_dir: Path, name: str, table: pa.Table) -> None:
    if name not in writers:
        writers[name] = pq.ParquetWriter(out_dir / name, table.schema,
                                         use_dictionary=[c for c in table.schema.names if c in DICTIONARY_COLUMNS])
    writers[name].write_table(table)


def _close(writers: dict, out_dir: Path) -> None:
    for writer in writers.values():
        writer.close()
    for name in (RESULTS_H, RESULTS_P, FINGERPRINTS):
        if name not in writers:  # nothing written (everything reused, or no household)
            pq.write_table(pa.table({}), out_dir / name)


def _reusable(con, previous: Path, month: str) -> set[int]:
    manifest = json.loads((Path(previous) / MANIFEST).read_text())
    if manifest["month"] != month:
        return set()
    rows = con.execute(f"""SELECT f.household_id FROM scan_fp f
                           JOIN read_parquet('{Path(previous) / FINGERPRINTS}') p USING (household_id)
                           WHERE p.fingerprint = f.fingerprint""").fetchall()
    return {r[0] for r in rows}


def _drop_reused(persons: pa.Table, households: pa.Table, reuse: set[int]) -> tuple[pa.Table, pa.Table]:
    import numpy as np

    keep = ~np.isin(households.column("household_id").to_numpy(), np.fromiter(reuse, dtype=np.int64))
    new_row = np.cumsum(keep) - 1
    rows = persons.column("household_row").to_numpy()
    p_keep = keep[rows]
    persons = persons.filter(pa.array(p_keep))
    persons = persons.set_column(persons.schema.get_field_index("household_row"), "household_row",
                                 pa.array(new_row[rows[p_keep]].astype(np.int64)))
    households = households.filter(pa.array(keep))
    households = households.set_column(households.schema.get_field_index("household_row"), "household_row",
                                       pa.array(np.arange(households.num_rows, dtype=np.int64)))
    return persons, households


def _evaluate(persons, households, month, pool, workers, size, writer, progress, run) -> int:
    done = 0
    t0 = time.perf_counter()
    pending = []
    for p_chunk, h_chunk in chunks(persons, households, size):
        pending.append(pool.submit(_evaluate_ipc, _write(p_chunk), _write(h_chunk), month))
        if len(pending) > workers:  # at most workers + 1 chunks in flight: bounded memory
            done += _collect(pending.pop(0), writer, run)
            progress(done)
    for future in pending:
        done += _collect(future, writer, run)
        progress(done)
    _add(run.timings, "evaluate", time.perf_counter() - t0)
    return done


def _collect(future, writer: _Writer, run: ScanStats) -> int:
    t0 = time.perf_counter()
    h_bytes, p_bytes = future.result()
    _add(run.timings, "waiting_for_workers", time.perf_counter() - t0)
    households = _read(h_bytes)
    writer.append(RESULTS_H, households)
    writer.append(RESULTS_P, _read(p_bytes))
    return households.num_rows


def _append_reused(previous: Path, out_dir: Path, reuse: set[int]) -> None:
    """Add the previous scan's rows of the reused households to this scan's result files."""
    import duckdb

    ids = pa.table({"household_id": pa.array(sorted(reuse), type=pa.int64())})
    con = duckdb.connect()
    con.register("reuse", ids)
    for name in (RESULTS_H, RESULTS_P):
        new, old = out_dir / name, previous / name
        tmp = out_dir / f"{name}.tmp"
        parts = [f"SELECT * FROM read_parquet('{old}') WHERE household_id IN (SELECT household_id FROM reuse)"]
        if pq.ParquetFile(new).metadata.num_rows:
            parts.insert(0, f"SELECT * FROM read_parquet('{new}')")
        con.execute(f"COPY ({' UNION ALL BY NAME '.join(parts)} ORDER BY household_id"
                    f"{', person_id' if name == RESULTS_P else ''}) TO '{tmp}' (FORMAT parquet)")
        tmp.replace(new)
    con.close()
