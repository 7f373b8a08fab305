"""A synthetic district for development, tests and benchmarks (only synthetic people).

``generate(district="500111", households=10_000, seed=7, out_dir=Path("var/synth"), month="2025-08",
months=12, chunk_households=20_000, progress=None)`` writes a Parquet snapshot (registry tables,
departments' raw records, planted truth, manifest) and returns a ``SynthSummary``.
See docs/synthetic-data.md.
"""

from jiuzhu.synth.config import SynthConfig
from jiuzhu.synth.generate import SynthSummary, generate

__all__ = ["SynthConfig", "SynthSummary", "generate"]
