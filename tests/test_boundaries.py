"""The floor plan holds: imports only point down (faces → capabilities → core; flows → services → models), the
departments' format knows no registry, only faces import the synthetic district, capabilities know no web framework.

The contracts are in `.importlinter` (import-linter, which reads the import graph with grimp); docs/architecture.md
draws them."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_import_contract_is_kept():
    code = ("import sys; from importlinter.cli import lint_imports; "
            f"sys.exit(lint_imports(config_filename={str(ROOT / '.importlinter')!r}, no_cache=True, no_logo=True))")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def test_the_contracts_cover_the_issue_s_boundaries():
    """A contract removed from the file would silently drop a boundary: the ones the floor plan needs are there."""
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    forbidden = {(src.strip(), dst.strip())
                 for name in config.sections() if config[name].get("type") == "forbidden"
                 for src in config[name]["source_modules"].split() for dst in config[name]["forbidden_modules"].split()}
    assert ("jiuzhu.exchange", "jiuzhu.registry") in forbidden
    assert {("jiuzhu.rules", "jiuzhu.synth"), ("jiuzhu.discovery", "jiuzhu.synth"),
            ("jiuzhu.registry", "jiuzhu.synth")} <= forbidden
    assert {("jiuzhu.rules", "fastapi"), ("jiuzhu.discovery", "fastapi")} <= forbidden
    assert ("jiuzhu.cli", "jiuzhu.registry.models") in forbidden  # faces call services, never query models
    layers = config["importlinter:contract:capabilities-in-layers"]["layers"].split()
    # cli on top; rules below discovery (rules imports neither discovery nor synth)
    assert layers[0] == "jiuzhu.cli" and layers.index("jiuzhu.rules") > layers.index("jiuzhu.discovery")


def test_every_package_is_placed_in_the_floor_plan():
    """A new package (consent, verification, the simulator came this way) is in the layers, or held by a contract of
    its own: otherwise no contract says which way its imports may go."""
    text = (ROOT / ".importlinter").read_text(encoding="utf-8")
    config = configparser.ConfigParser()
    config.read_string(text)
    layered = set(config["importlinter:contract:capabilities-in-layers"]["layers"].replace("|", " ").split())
    sources = {m for name in config.sections() for m in config[name].get("source_modules", "").split()}
    packages = {f"jiuzhu.{p.name}" for p in (ROOT / "src" / "jiuzhu").iterdir()
                if (p / "__init__.py").exists() and p.name not in ("locale", "migrations")}
    assert packages - layered - sources == set()
