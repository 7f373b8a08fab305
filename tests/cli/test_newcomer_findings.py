"""Findings of the newcomer test (notes/newcomer.md): demo --fresh, history in Chinese, counted income, pipes."""

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("command", [["info"], ["schema"]])  # a Rich table / typer.echo
def test_a_reader_that_stops_reading_ends_the_command_quietly_with_exit_0(tmp_path, command):
    # `jiuzhu summary | head -1`: the reader closes the pipe before the command writes (finding 13)
    env = {**os.environ, "JIUZHU_HOME": str(tmp_path), "JIUZHU_LANG": "zh"}
    child = subprocess.Popen([sys.executable, "-c", "from jiuzhu.cli.main import app; app()", *command],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    child.stdout.close()  # long before the interpreter has started: every write meets a closed pipe
    _, err = child.communicate(timeout=120)
    assert (child.returncode, err.decode()) == (0, "")
