"""The population scan: inputs by DuckDB, rules in household-aligned chunks on every core, results as Parquet.

    run_scan(snapshot, month, out_dir)      full scan
    run_scan(..., previous=earlier_out_dir) incremental: households whose inputs are unchanged since the
                                            earlier scan (same month, same rules, same fingerprint) keep its
                                            results

Memory stays bounded: DuckDB holds the prepared inputs (spilling to disk if it must), the workers see
one chunk each, and results are streamed to Parquet chunk by chunk.

One bad household never stops a scan: a chunk whose evaluation raises is halved in the worker until the
households at fault are alone; the others are evaluated, those are written to ``failed_households.parquet``
(household id and number, area, the reason) and listed in ``ScanStats.failed``. An incremental scan
evaluates them again.

The rules are part of every household's fingerprint: a scan records the fingerprint of the rules it ran
(``law.rules_fingerprint``: the parameters, the variables and the input preparation) in ``scan.json`` and
mixes it into each household's; an earlier scan made under other rules lends nothing.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from jiuzhu.discovery.evaluate import FAILED_SCHEMA, evaluate_chunk
from jiuzhu.rules import law
from jiuzhu.rules.inputs.population import PART_HOUSEHOLDS, Population, Scope
from jiuzhu.rules.inputs.tables import CHUNK_HOUSEHOLDS, keep, slices

RESULTS_H, RESULTS_P, FINGERPRINTS, MANIFEST = ("results_households.parquet", "results_persons.parquet",
                                                "fingerprints.parquet", "scan.json")
FAILED = "failed_households.parquet"


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
    # Households whose inputs made the rules raise: (household_id, household_no, reason); not in the results.
    failed: list[tuple[int, str, str]] = field(default_factory=list)
    rules: str = ""  # the fingerprint of the rules the scan ran (law.rules_fingerprint)


def _worker_init() -> None:
    from jiuzhu.rules.system import rules

    rules()  # build the tax-benefit system once per worker


def _evaluate_ipc(persons: bytes, households: bytes, month: str) -> tuple[bytes, bytes, bytes]:
    h, p, failed = evaluate_chunk(_read(persons), _read(households), month)
    return _write(h), _write(p), _write(failed)


def _write(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _read(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(data).read_all()


def run_scan(snapshot: Path, month: str, out_dir: Path, *, area: str | None = None, workers: int | None = None,
             chunk_households: int = CHUNK_HOUSEHOLDS, previous: Path | None = None,
             progress: Callable[[int], None] | None = None, part_households: int = PART_HOUSEHOLDS,
             memory_limit: str = "2GB") -> ScanStats:
    """Scan the snapshot in parts of at most ``part_households`` households (by household id), so that
    DuckDB's prepared inputs stay small whatever the population (32 million people is 30 parts, the last
    ones smaller: ``population.part_sizes``).

    Three stages overlap: a thread prepares the next part in DuckDB (which releases the GIL) while
    this thread sends the current part's chunks to the worker processes, and a writer thread appends
    their results to Parquet. At most two parts' inputs are held at once.
    """
    start = time.perf_counter()
    out_dir = Path(out_dir)
    workers = workers or len(os.sched_getaffinity(0))
    run = ScanStats(month=month, out_dir=out_dir, rules=rules_fingerprint())
    # First the month's law and the area (a clear error before anything is written), then the folder.
    population = Population(snapshot, month, Scope(area=area), threads=workers, memory_limit=memory_limit,
                            temp_directory=out_dir / "duckdb.tmp")
    out_dir.mkdir(parents=True, exist_ok=True)
    writers: dict[str, pq.ParquetWriter] = {}
    reused_all: set[int] = set()
    evaluated = 0
    # The last parts shrink down to a chunk per worker: the last part's evaluation is what nothing overlaps
    # (part_sizes), and its chunks are evaluated side by side. Each part more costs some CPU (measured: about
    # half a second at 4 million people), so no smaller.
    parts = population.parts(part_households, taper_to=chunk_households * workers)
    earlier = _Earlier.of(previous, month, run.rules)
    # Workers come from a fork server, not from this process: they do not inherit DuckDB's buffers.
    context = multiprocessing.get_context("forkserver")
    try:
        with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init, mp_context=context) as pool, \
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="scan-inputs") as producer, \
                _Writer(out_dir, writers, run.timings) as writer:
            prepare = lambda part: _prepare_part(population, part, earlier, writer, run)  # noqa: E731
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
                    population.interrupt()  # the next part's inputs are no longer wanted: stop DuckDB now
                raise
    except BaseException:
        # The threads and workers have stopped (the pools' exits waited for them): close what they used.
        for parquet in writers.values():
            parquet.close()
        population.close()
        raise
    _close(writers, out_dir)
    if reused_all:
        _append_reused(Path(previous), out_dir, reused_all)
    run.evaluated_households, run.reused_households = evaluated, len(reused_all)
    run.failed = [(r["household_id"], r["household_no"], r["reason"])
                  for r in pq.read_table(out_dir / FAILED).to_pylist()]
    run.seconds = time.perf_counter() - start
    (out_dir / MANIFEST).write_text(json.dumps({"month": month, "area": area, "snapshot": str(snapshot),
                                                "rules": run.rules, "households": run.households,
                                                "persons": run.persons, "evaluated": evaluated,
                                                "reused": len(reused_all), "failed": len(run.failed),
                                                "seconds": round(run.seconds, 3)}, indent=2))
    population.close()
    return run


def rules_fingerprint() -> str:
    """The rules' fingerprint, and this module's results' (their columns are made in evaluate.py)."""
    from jiuzhu.discovery import evaluate

    return law.rules_fingerprint(extra=(Path(evaluate.__file__),))


def _add(timings: dict[str, float], name: str, seconds: float) -> None:
    timings[name] = timings.get(name, 0.0) + seconds


@dataclass
class _Earlier:
    """An earlier scan's fingerprints that may lend their results: same month, same rules, and not a
    household that failed then (its results are missing: it is evaluated again)."""

    fingerprints: pa.Table

    @classmethod
    def of(cls, previous: Path | None, month: str, rules: str) -> _Earlier | None:
        if previous is None or not (Path(previous) / MANIFEST).exists():
            return None
        manifest = json.loads((Path(previous) / MANIFEST).read_text())
        if manifest.get("month") != month or manifest.get("rules") != rules:
            return None
        table = pq.read_table(Path(previous) / FINGERPRINTS)
        if not table.num_rows:
            return None
        failed_path = Path(previous) / FAILED
        if failed_path.exists():
            failed = pq.read_table(failed_path, columns=["household_id"]).column("household_id")
            table = table.filter(pc.invert(pc.is_in(table.column("household_id"), value_set=failed)))
        return cls(table)

    def reusable(self, current: pa.Table) -> set[int]:
        """The households of ``current`` (household_id, fingerprint) with the same fingerprint then."""
        same = current.join(self.fingerprints, ["household_id", "fingerprint"], join_type="inner")
        return set(same.column("household_id").to_pylist())


def _prepare_part(population: Population, part, earlier: _Earlier | None, writer: _Writer,
                  run: ScanStats) -> tuple[pa.Table, pa.Table, set[int]]:
    """One part's inputs, fetched whole in household order (the chunks are Arrow slices of them), less
    the households an earlier scan can lend its results to. Runs on the producer thread, which alone
    uses the DuckDB connection."""
    t0 = time.perf_counter()
    population.prepare(part)
    t1 = time.perf_counter()
    fingerprints = population.fingerprints(run.rules)
    writer.append(FINGERPRINTS, fingerprints)
    reuse = earlier.reusable(fingerprints) if earlier else set()
    t2 = time.perf_counter()
    persons, households = population.fetch()
    run.households += households.num_rows
    run.persons += persons.num_rows
    if reuse:
        ids = households.column("household_id").to_numpy()
        persons, households = keep(persons, households, ~np.isin(ids, np.fromiter(reuse, dtype=np.int64)))
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
    if FAILED not in writers:
        pq.write_table(FAILED_SCHEMA.empty_table(), out_dir / FAILED)


def _evaluate(persons, households, month, pool, workers, size, writer, progress, run) -> int:
    done = 0
    t0 = time.perf_counter()
    pending = []
    for p_chunk, h_chunk in slices(persons, households, size):
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
    h_bytes, p_bytes, f_bytes = future.result()
    _add(run.timings, "waiting_for_workers", time.perf_counter() - t0)
    households, failed = _read(h_bytes), _read(f_bytes)
    writer.append(RESULTS_H, households)
    writer.append(RESULTS_P, _read(p_bytes))
    if failed.num_rows:
        writer.append(FAILED, failed)
    return households.num_rows + failed.num_rows


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
