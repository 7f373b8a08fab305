"""Schemathesis over the published OpenAPI document: requests generated from it (valid and invalid), sent in
process (ASGI) as a signed-in district officer with the CSRF header, never answer with a server error (5xx).

The registry is the authorization matrix's small world (four households, a scan, the six roles' accounts), so
generated paths and queries reach real records as well as missing ones. Each operation gets a bounded number of
examples (``EXAMPLES``), derandomized so that CI runs the same requests every time; the whole test takes a couple
of minutes on the 2-core machine.
"""

from __future__ import annotations

import pytest
import requests
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from jiuzhu.access import Role
from tests.api.test_authorization_matrix import PASSWORD, PREFIX, World, build_world, username

EXAMPLES = 12


@pytest.fixture(scope="module")
def fuzz_world(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        world = build_world(tmp_path_factory.mktemp("fuzz-home"), patch)
        yield world
        world.engine.dispose()


@pytest.fixture(scope="module")
def officer_session(fuzz_world: World) -> requests.Session:
    """What each generated request carries: the district officer's session cookie and CSRF token."""
    client = TestClient(fuzz_world.app)
    answer = client.post(f"{PREFIX}/session", json={"username": username(Role.DISTRICT_OFFICER),
                                                    "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    session = requests.Session()
    session.cookies.update(dict(client.cookies))
    session.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return session


@pytest.fixture(scope="module")
def api_schema(fuzz_world):
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_world.app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_generated_request_is_a_server_error(case, officer_session):
    case.call_and_validate(session=officer_session, checks=[not_a_server_error])
