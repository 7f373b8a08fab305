"""Every file the code reads at run time ships in the package: a YAML parameter or a template missing from
``package-data`` works from a checkout and fails in an installed wheel (consent's parameters did)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "jiuzhu"
# Read from the checkout only, never by the installed code: the rules' YAML tests (run by tests/rules/test_yaml_suite).
NOT_SHIPPED = ("rules/tests/",)


def test_every_data_file_is_package_data():
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["jiuzhu"]
    shipped = {p for pattern in patterns for p in PACKAGE.glob(pattern) if p.is_file()}
    data = {p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")
            and "__pycache__" not in p.parts}
    missing = sorted(str(p.relative_to(PACKAGE)) for p in data - shipped
                     if not str(p.relative_to(PACKAGE)).startswith(NOT_SHIPPED))
    assert not missing, f"add to [tool.setuptools.package-data] in pyproject.toml: {missing}"
