"""``jiuzhu serve``: a real server on loopback answering the API; a taken port refused in one line; the demo's
accounts, one per role, able to sign in."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

from jiuzhu.cli.main import app as cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_taken_port_is_refused_in_one_chinese_line(tmp_path, monkeypatch):
    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    monkeypatch.setenv("JIUZHU_LANG", "zh")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert f"端口 {port} 已被占用" in result.output and "Traceback" not in result.output


def test_the_worker_runs_with_the_application_and_stops_with_it(tmp_path, monkeypatch):
    import threading

    from fastapi.testclient import TestClient

    from jiuzhu.api.app import create_app

    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    with TestClient(create_app()) as client:
        assert client.get("/api/v1/areas").status_code == 401
        assert [t for t in threading.enumerate() if t.name.startswith("jiuzhu-worker")]
    assert not [t for t in threading.enumerate() if t.name.startswith("jiuzhu-worker")]


@pytest.mark.parametrize("processes", [1, 2])
def test_serve_answers_on_loopback_until_stopped(tmp_path, processes):
    port = _free_port()
    env = {**os.environ, "JIUZHU_HOME": str(tmp_path), "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    env.pop("JIUZHU_DATABASE_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "jiuzhu.cli.main", "serve", "--port", str(port),
                               "--processes", str(processes)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        response = None
        for _ in range(300):
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                if server.poll() is not None:
                    break
                time.sleep(0.2)
        assert response is not None and response.status_code == 200, server.stdout and server.stdout.read()
        assert "/api/v1/households" in response.json()["paths"]
        nobody = httpx.get(f"http://127.0.0.1:{port}/api/v1/households", timeout=5)
        assert nobody.status_code == 401 and nobody.json()["code"] == "unauthenticated"
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in out and "Traceback" not in out


@pytest.mark.slow
def test_the_demo_prints_one_account_per_role_that_signs_in(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from jiuzhu.access import Role
    from jiuzhu.api.app import create_app

    monkeypatch.setenv("JIUZHU_HOME", str(tmp_path))
    monkeypatch.setenv("JIUZHU_LANG", "zh")
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(cli, ["demo", "--households", "30", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "演示账号" in result.output and "jiuzhu serve" in result.output
    from jiuzhu.accounts.service import DEMO_NAMES, demo_password

    client = TestClient(create_app(start_worker=False))
    for role, name in DEMO_NAMES.items():
        assert name in result.output and demo_password(role) in result.output
        response = client.post("/api/v1/session", json={"username": name, "password": demo_password(role)})
        assert response.status_code == 200 and response.json()["user"]["role"] == role.value
    worker = client.post("/api/v1/session", json={"username": DEMO_NAMES[Role.COMMUNITY_WORKER],
                                                  "password": demo_password(Role.COMMUNITY_WORKER)})
    client.headers["X-CSRF-Token"] = worker.json()["csrf_token"]
    found = client.get("/api/v1/households").json()
    assert found["total"] > 0  # the village the worker is bound to holds households of the demo
    with socket.socket() as taken:  # run again (idempotent), serving on a port in use: refused after the accounts
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        again = CliRunner().invoke(cli, ["demo", "--households", "30", "--serve", "--port", str(port)])
    assert again.exit_code == 2, again.output
    assert demo_password(Role.AUDITOR) in again.output and f"端口 {port} 已被占用" in again.output
