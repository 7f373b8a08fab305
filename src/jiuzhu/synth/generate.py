"""The generator: a synthetic district written chunk by chunk to a Parquet snapshot.

Layout of ``out_dir``::

    registry/<table>.parquet      the registry tables, exactly the DB columns, ids pre-assigned from 1
    departments/<source>.parquet  outside departments' raw records (the truth)
    truth/planted.parquet         households whose answer is known by construction, and the eligible not enrolled
    truth/differences.parquet     each planted difference between declared and department data
    manifest.json                 what was generated, with which parameters, files and counts

The work is in four parts: ``setting`` (what is fixed for the run), ``draw`` (random numbers → the arrays
of one chunk), ``registry_tables`` and ``department_files`` (those arrays → rows, numbered by
``numbering``, whose counters are the only state carried across chunks, so memory stays flat whatever
the size of the district), and ``enrol_by_rules`` (the last pass: the written registry evaluated with
jiuzhu.rules, every household not planted enrolled accordingly).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from jiuzhu.synth import limits, planted, registry_tables
from jiuzhu.synth.config import SynthConfig
from jiuzhu.synth.draw import draw_chunk
from jiuzhu.synth.enrol_by_rules import enrol_by_rules
from jiuzhu.synth.numbering import Numbering
from jiuzhu.synth.setting import Setting, month_list  # noqa: F401 (month_list: part of this module's API)
from jiuzhu.synth.writers import Writers, snapshot_schemas

TRUTH_KINDS = (*planted.KINDS, "unenrolled", "declared_differs", "deceased_still_paid")


@dataclass
class SynthSummary:
    households: int
    persons: int
    files: list[str]
    planted: dict[str, int]
    out_dir: Path | None = None
    counts: dict[str, int] = field(default_factory=dict)
    enrolments: dict = field(default_factory=dict)  # natural enrolments and 'unenrolled' per programme


def generate(district: str = "500111", households: int = 10_000, seed: int = 1, out_dir: Path = Path("var/synth"),
             month: str = "2025-08", months: int = 12, chunk_households: int = 20_000,
             progress: Callable[[int], None] | None = None, *, config: SynthConfig | None = None) -> SynthSummary:
    """Generate a synthetic district as a Parquet snapshot in ``out_dir`` (replaced if present).

    Refused before any work (``limits.SynthError``): a district outside Chongqing, a seed outside 0-99,
    more households than the seed's share of ID numbers can hold, a size or month count below 1."""
    limits.check(district, households, seed, months, chunk_households)
    cfg = config or SynthConfig()
    setting = Setting.create(district, seed, month, months, cfg)
    out_dir = Path(out_dir)
    for sub in ("registry", "departments", "truth"):
        if (out_dir / sub).exists():
            shutil.rmtree(out_dir / sub)
    (out_dir / "manifest.json").unlink(missing_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    numbering = Numbering(seed, len(setting.place.townships))
    writers = Writers(out_dir, snapshot_schemas())
    counts = dict.fromkeys(TRUTH_KINDS, 0)
    registry_tables.write_areas(writers, setting)
    done = index = 0
    try:
        while done < households:
            n = min(chunk_households, households - done)
            chunk = draw_chunk(setting, numbering.allocator, index, n)
            registry_tables.write_chunk(writers, setting, numbering, chunk)
            for _, kind, *_ in chunk.truth:
                counts[kind] += 1
            done += n
            index += 1
            if progress is not None:
                progress(done)
    finally:
        writers.close()
    enrolled = enrol_by_rules(out_dir, month, seed, cfg.take_up, cfg.death_share_enrolled)
    counts["unenrolled"] = sum(enrolled.unenrolled.values())
    counts["deceased_still_paid"] = enrolled.deaths
    return _finish(out_dir, setting, households, chunk_households, writers.rows, counts, enrolled)


def _finish(out_dir: Path, s: Setting, households: int, chunk_households: int, rows: dict[str, int],
            planted_counts: dict[str, int], enrolled) -> SynthSummary:
    """The manifest (no time stamp: the same arguments give the same bytes) and the summary."""
    counts = dict(rows)
    counts["registry/enrolments.parquet"] = enrolled.enrolments
    counts["truth/planted.parquet"] = enrolled.truth_rows
    counts["departments/deaths.parquet"] = enrolled.deaths
    counts["departments/funeral.parquet"] = enrolled.cremations
    counts["truth/differences.parquet"] += enrolled.deaths
    files = sorted(counts)
    manifest = {
        "generator": "jiuzhu.synth",
        "district": s.district,
        "district_name": s.place.name,
        "seed": s.seed,
        "households": households,
        "persons": counts["registry/persons.parquet"],
        "month": s.month,
        "months": len(s.months),
        "income_months": s.months,
        "reference_date": s.ref.isoformat(),
        "declared_on": s.declared_on.isoformat(),
        "chunk_households": chunk_households,
        "urban_share": s.urban_share,
        "parameters": s.rules.manifest(),
        "config": s.cfg.as_dict(),
        "planted": planted_counts,
        "enrolments": {"decided_by": "jiuzhu.rules", "take_up": s.cfg.take_up, **enrolled.as_dict()},
        "counts": counts,
        "files": [{"path": rel, "rows": counts[rel], "sha256": _sha256(out_dir / rel)} for rel in files],
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n",
                                           encoding="utf-8")
    return SynthSummary(households=households, persons=manifest["persons"], files=[*files, "manifest.json"],
                        planted=dict(planted_counts), out_dir=out_dir, counts=counts, enrolments=enrolled.as_dict())


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
