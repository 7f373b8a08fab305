"""The README's tour, line by line, as a newcomer runs it right after the demo (here ``jiuzhu demo --households
300`` in a temporary home): every command exits 0, without a traceback, and every table is in Chinese unless the
line asks for English. The tour's lines are read from README.md, so the README cannot drift from what works."""

from __future__ import annotations

import re
import shlex

import pytest
from typer.testing import CliRunner

from jiuzhu.cli.main import app
from tests.conftest import ROOT

ACTIVATE = "source .venv/bin/activate"
MKDIR = "mkdir -p "


def tour_lines() -> list[str]:
    """The lines of the bash block under '## A tour' in README.md."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## A tour", 1)[1]
    block = section.split("```bash", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.strip().splitlines() if line.strip()]


def _params() -> list:
    out = []
    for line in tour_lines():
        if line == ACTIVATE or line.startswith(MKDIR):
            continue
        out.append(pytest.param(line, id=shlex.split(line, comments=True)[1]))
    return out


def test_the_tour_is_only_jiuzhu_commands():
    lines = tour_lines()
    assert lines[0] == ACTIVATE and len(lines) > 10
    assert all(line.startswith(("jiuzhu ", MKDIR)) for line in lines[1:]), lines


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A folder standing for the clone (its docs/), a fresh home, and the demo run in it."""
    folder = tmp_path_factory.mktemp("clone")
    (folder / "docs").symlink_to(ROOT / "docs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JIUZHU_HOME", str(folder / "home"))
        mp.delenv("JIUZHU_DATABASE_URL", raising=False)
        mp.delenv("JIUZHU_LANG", raising=False)  # what a newcomer gets: Chinese
        mp.setenv("COLUMNS", "200")
        mp.chdir(folder)
        result = CliRunner().invoke(app, ["demo", "--households", "300"])
        assert result.exit_code == 0, result.output
        for line in tour_lines():  # the folders the tour makes before its commands write into them
            if line.startswith(MKDIR):
                (folder / shlex.split(line, comments=True)[2]).mkdir(parents=True, exist_ok=True)
        yield folder


def test_the_example_household_is_not_a_synthetic_one(clone):
    result = CliRunner().invoke(app, ["household", "show", "500111119-000001"])
    assert result.exit_code == 2, result.output


@pytest.mark.slow
@pytest.mark.parametrize("line", _params())
def test_a_line_of_the_tour(line, clone):
    args = shlex.split(line, comments=True)[1:]
    result = CliRunner().invoke(app, args)
    out = result.output
    assert result.exit_code == 0 and "Traceback" not in out, out
    if "--lang" not in args and "--json" not in args:
        headers = [row for row in out.splitlines() if row.startswith("┃")]
        assert all(not re.search(r"\b[a-z]{3,}\b", h) for h in headers), f"an English table: {headers}"
