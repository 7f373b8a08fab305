"""docs/consent.md keeps up with the code: the transition table, the open figures and the CLI's commands."""

from __future__ import annotations

from jiuzhu.cli.main import consent_app
from jiuzhu.consent import parameters
from jiuzhu.consent.states import FINAL, TRANSITIONS
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "consent.md").read_text(encoding="utf-8")


def test_every_open_figure_is_listed():
    open_ = parameters.needs_confirmation()
    assert {p["name"] for p in open_} >= {"consent/validity_months", "consent/covers_reviews"}
    for p in open_:
        row = next(line for line in DOC.splitlines() if line.startswith(f"| `{p['name']}` |"))
        assert f"| {str(p['value']).lower()} |" in row.lower() and p["date"] in row and "needs_confirmation" in row


def test_the_states_table_is_the_code():
    for source, moves in TRANSITIONS.items():
        row = next(line for line in DOC.splitlines() if line.startswith(f"| {source} |"))
        for to in moves.values():
            assert f"**{to}**" in row, (source, to)
    final = next(line for line in DOC.splitlines() if line.endswith("| final |"))
    assert all(s in final for s in FINAL)


def test_every_command_is_documented():
    for command in consent_app.registered_commands:
        assert f"jiuzhu consent {command.name} " in DOC, command.name
