"""The code follows the project's lint rules (pyproject.toml, [tool.ruff]): pyflakes, pycodestyle, import order,
bugbear. Run by the test command so that CI fails on a finding, not only a reviewer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing_in_src_tests_and_bench():
    run = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise",
                          "src", "tests", "bench"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
