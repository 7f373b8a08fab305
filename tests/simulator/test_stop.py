"""Stopping the simulator mid-request (issue 13, found by a newcomer): Ctrl-C (SIGINT) or SIGTERM while a
department holds a request ends it cleanly — exit 0, one line saying it stopped, no traceback on its output."""

from __future__ import annotations

import json
import signal
import threading
import time

import httpx
import pytest

from jiuzhu.exchange import keys
from jiuzhu.simulator.launch import launch
from tests.simulator.helpers import KID, OURS


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_while_a_request_hangs_is_one_line_and_exit_0(district, tmp_path, sig):
    jwks = tmp_path / "requester.jwks.json"
    jwks.write_text(json.dumps(keys.jwks({KID: OURS.public_key()})), encoding="utf-8")
    faults = tmp_path / "sim.toml"
    faults.write_text('[endpoint."tax"]\ntimeout_rate = 1.0\nhang_seconds = 30\n', encoding="utf-8")
    sim = launch(district, jwks, tmp_path / "state", config=faults, only=["tax"], env={"JIUZHU_LANG": "zh"})
    url = sim.ready["endpoints"]["tax"] + "/v1/query"
    held = threading.Thread(target=lambda: _post(url), daemon=True)
    held.start()
    time.sleep(1.0)  # the request reaches the department, which holds it (hang_seconds)
    assert held.is_alive()  # still held: the stop comes mid-request
    code = sim.stop(sig)
    output = sim.output()
    assert code == 0, output
    assert "Traceback" not in output and "CancelledError" not in output and "ERROR" not in output, output
    assert output.strip().splitlines()[-1].startswith("模拟器已停止"), output


def _post(url: str) -> None:
    try:
        httpx.post(url, content=b"{}", headers={"x-request-id": "held-1"}, timeout=40)
    except httpx.HTTPError:
        pass  # the server went away: what this test does


def test_a_stop_while_starting_is_the_same_one_line(monkeypatch, tmp_path):
    """Ctrl-C (or SIGTERM, read as Ctrl-C until the loop's handlers take over) while the district is read or the
    ports bound: the same line, no trace, the previous SIGTERM handling restored."""
    from jiuzhu.simulator import server

    def interrupted(_options):
        raise KeyboardInterrupt

    said = []
    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(server, "Simulator", interrupted)
    server.serve(server.Options(data=tmp_path, state=tmp_path, requesters=tmp_path,
                                on_stopped=lambda: said.append("stopped")))
    assert said == ["stopped"] and signal.getsignal(signal.SIGTERM) == before
