"""Time what a scan's inputs thread does over every part of a snapshot: ``Population.prepare``, ``fingerprints`` and
``fetch`` (wall and CPU seconds of this process), as a scan cuts the parts.

    .venv/bin/python bench/prepare_parts.py bench/out/snap-500111-s1-p1000000-x4

The three are timed together because their split moved: since 2026-11-30 ``prepare`` hands the inputs to Arrow
itself and ``fetch`` costs nothing, so ``prepare`` alone is not comparable across versions. To compare two
versions side by side on the same machine and moment, run it alternately against a checkout of each (the path
of the module measured is printed):

    git worktree add /tmp/before <commit>
    PYTHONPATH=/tmp/before/src .venv/bin/python bench/prepare_parts.py SNAPSHOT
    .venv/bin/python bench/prepare_parts.py SNAPSHOT
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from jiuzhu.rules.inputs import population as inputs
from jiuzhu.rules.inputs.tables import CHUNK_HOUSEHOLDS


def _cpu() -> float:
    return time.process_time()  # every thread of this process: DuckDB's too


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", type=Path)
    parser.add_argument("--month", default="2025-08")
    parser.add_argument("--part-households", type=int, default=inputs.PART_HOUSEHOLDS)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--even", action="store_true", help="even parts (no smaller last parts, as before)")
    args = parser.parse_args()
    population = inputs.Population(args.snapshot, args.month, threads=args.threads)
    try:  # the scan's cut (smaller last parts, a chunk per worker at the end) where this version has it
        parts = population.parts(args.part_households,
                                 **({} if args.even else {"taper_to": CHUNK_HOUSEHOLDS * args.threads}))
    except TypeError:
        parts = population.parts(args.part_households)
    wall, cpu = {}, {}
    for part in parts:
        for name, step in (("prepare", lambda p=part: population.prepare(p)),
                           ("fingerprints", lambda: population.fingerprints("bench")),
                           ("fetch", population.fetch)):
            w, c = time.perf_counter(), _cpu()
            step()
            wall[name] = wall.get(name, 0.0) + time.perf_counter() - w
            cpu[name] = cpu.get(name, 0.0) + _cpu() - c
    steps = ", ".join(f"{k} {wall[k]:.2f} s / {cpu[k]:.2f} CPU-s" for k in wall)
    print(f"{sum(wall.values()):.2f} s, {sum(cpu.values()):.2f} CPU-s for {len(parts)} parts ({steps}; "
          f"{inputs.__file__})")


if __name__ == "__main__":
    main()
