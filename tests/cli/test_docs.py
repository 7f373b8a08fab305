"""The operations guide and the README keep up with the command line: every setting, exit code and --json
schema is documented (a setting or code added without its documentation fails here)."""

from __future__ import annotations

import re

from jiuzhu import config
from jiuzhu.cli.context import ExitCode
from jiuzhu.cli.documents import DOCUMENTS
from tests.conftest import ROOT

OPERATIONS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    settings = set(re.findall(r"JIUZHU_[A-Z_]+", config.__doc__))
    assert len(settings) >= 5
    for name in settings:
        assert f"`{name}`" in OPERATIONS and f"`{name}`" in README, name


def test_every_exit_code_is_documented():
    table = OPERATIONS.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    for code in ExitCode:
        assert re.search(rf"^\| {code.value} \|", table, re.M), code
        assert f"{code.value} " in README, code


def test_every_json_schema_is_documented():
    for name in DOCUMENTS:
        assert f"docs/schema/cli/{name}.schema.json" in OPERATIONS, name
