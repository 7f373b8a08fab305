"""``simulator.launch``: the one way tests and benchmarks start the simulator — ready information once it answers,
a failure that says why (its own output), a previous run's ready.json never taken for this one's."""

from __future__ import annotations

import json

import pytest

from jiuzhu.simulator.launch import SimulatorFailed, launch


def test_a_simulator_that_cannot_start_is_a_failure_with_its_output(tmp_path):
    (tmp_path / "keys.json").write_text("{broken", encoding="utf-8")
    state = tmp_path / "state"
    state.mkdir()
    (state / "ready.json").write_text(json.dumps({"admin": "http://127.0.0.1:9"}), encoding="utf-8")  # stale
    with pytest.raises(SimulatorFailed) as exc:
        launch(tmp_path, tmp_path / "keys.json", state, timeout=60)
    assert "keys.json" in str(exc.value)
    assert not (state / "ready.json").exists()


def test_it_starts_answers_and_stops(district, tmp_path):
    from jiuzhu.exchange import keys
    from tests.simulator.helpers import KID, OURS

    jwks = tmp_path / "requester.jwks.json"
    jwks.write_text(json.dumps(keys.jwks({KID: OURS.public_key()})), encoding="utf-8")
    with launch(district, jwks, tmp_path / "state", sources=tmp_path / "sources.toml", only=["tax", "bank.cqbank"]
                ) as sim:
        assert set(sim.ready["endpoints"]) == {"tax", "bank.cqbank"}
        assert sim.admin("GET", "/_sim/config").status_code == 200
        assert (tmp_path / "sources.toml").exists()
    assert sim.process.returncode == 0
