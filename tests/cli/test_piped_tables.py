"""A table printed into a pipe or a file (not a terminal) keeps each row on one line: the demo's accounts, whose
passwords an operator copies, were folded at 80 columns (newcomer finding)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from jiuzhu.cli.main import app


@pytest.fixture
def narrow(tmp_path, monkeypatch, zh):
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    monkeypatch.delenv("JIUZHU_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "60")  # a narrow pipe: Rich would fold every long cell
    return tmp_path


def test_each_demo_account_is_one_line_with_its_password_when_piped(narrow):
    from jiuzhu.access import Role

    result = CliRunner().invoke(app, ["demo", "--households", "5", "--no-serve"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    names = {Role.COMMUNITY_WORKER: "demo.worker", Role.TOWNSHIP_CASEWORKER: "demo.caseworker",
             Role.TOWNSHIP_APPROVER: "demo.approver", Role.DISTRICT_OFFICER: "demo.officer",
             Role.AUDITOR: "demo.auditor", Role.ADMINISTRATOR: "demo.admin"}
    for role, username in names.items():
        found = [line for line in lines if f"demo-{role.value}-2026" in line]
        assert len(found) == 1 and username in found[0], (role, result.output[-3000:])


def test_the_console_s_width_is_put_back_after_a_wide_table(narrow):
    from rich.table import Table

    from jiuzhu.cli import output

    table = Table()
    table.add_column("x", overflow="fold")
    table.add_row("y" * 200)
    width = output.console.width
    output.print_table(table, "none")
    assert output.console.width == width  # put back after a wide table
