"""Time ``rules.inputs.population.Population.prepare`` alone over every part of a snapshot, as a scan prepares them.

    .venv/bin/python bench/prepare_parts.py bench/out/snap-500111-s1-p1000000-x4

To compare two versions of the inputs side by side on the same machine and moment, run it alternately
against a checkout of each (the path of the module measured is printed):

    git worktree add /tmp/before <commit>
    PYTHONPATH=/tmp/before/src .venv/bin/python bench/prepare_parts.py SNAPSHOT
    .venv/bin/python bench/prepare_parts.py SNAPSHOT
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from jiuzhu.rules.inputs import population as inputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", type=Path)
    parser.add_argument("--month", default="2025-08")
    parser.add_argument("--part-households", type=int, default=400_000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    population = inputs.Population(args.snapshot, args.month, threads=args.threads)
    parts = population.parts(args.part_households)
    started = time.perf_counter()
    for part in parts:
        population.prepare(part)
    print(f"{time.perf_counter() - started:.2f} s for {len(parts)} parts ({inputs.__file__})")


if __name__ == "__main__":
    main()
