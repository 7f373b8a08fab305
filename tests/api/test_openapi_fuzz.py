"""Schemathesis over the published OpenAPI document: requests generated from it (valid and invalid), sent in
process (ASGI) as a signed-in district officer with the CSRF header, never answer with a server error (5xx).

The registry is the authorization matrix's small world (four households, a scan, the six roles' accounts), so
generated paths and queries reach real records as well as missing ones. Each operation gets a bounded number of
examples (``EXAMPLES``), derandomized so that CI runs the same requests every time; the whole test takes a couple
of minutes on the 2-core machine.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
import requests
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings

from jiuzhu.access import Role
from tests.api.test_authorization_matrix import PASSWORD, PREFIX, World, build_world, username

EXAMPLES = 25


@pytest.fixture(scope="module")
def fuzz_world(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        world = build_world(tmp_path_factory.mktemp("fuzz-home"), patch)
        yield world
        world.engine.dispose()


def _sign_in(app, session: requests.Session) -> requests.Session:
    """Put the district officer's new session cookie and CSRF token on ``session``."""
    client = TestClient(app)
    answer = client.post(f"{PREFIX}/session", json={"username": username(Role.DISTRICT_OFFICER),
                                                    "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    session.cookies.clear()
    session.cookies.update(dict(client.cookies))
    session.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return session


@pytest.fixture(scope="module")
def officer_session(fuzz_world: World) -> requests.Session:
    """What each generated request carries: the district officer's session cookie and CSRF token."""
    session = _sign_in(fuzz_world.app, requests.Session())
    session.resign = lambda: _sign_in(fuzz_world.app, session)  # after a generated sign-out, which ends it
    return session


@pytest.fixture(scope="module")
def api_schema(fuzz_world):
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_world.app)


def test_no_generated_request_is_a_server_error(api_schema, officer_session):
    """Every operation of the document, each with ``EXAMPLES`` generated requests; every server error is
    collected (one line each: the request to replay, the answer) rather than stopping at the first."""
    failures: dict[str, str] = {}
    answered: dict[str, set[int]] = defaultdict(set)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15, [op.label for op in operations]  # the document lists the API, not a part

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        def fuzz(case):
            answer = case.call(session=officer_session)
            answered[case.operation.label].add(answer.status_code)
            if case.operation.label == "DELETE /api/v1/session" and answer.status_code == 204:
                officer_session.resign()  # signing out ended every session of the account: sign in anew
            if answer.status_code >= 500:
                failures.setdefault(case.operation.label, f"{answer.status_code} {answer.text[:300]}\n    replay: "
                                                     f"{case.as_curl_command()}")

        fuzz()
    assert not failures, "\n".join(f"{label}: {why}" for label, why in failures.items())
    # signed in for real: past the sign-in check everywhere (only signing in with made-up names is refused 401)
    assert [label for label, statuses in answered.items() if statuses == {401}] == ["POST /api/v1/session"], \
        dict(answered)
    assert sum(any(200 <= s < 300 for s in statuses) for statuses in answered.values()) >= 4, dict(answered)
