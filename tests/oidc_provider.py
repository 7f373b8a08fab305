"""A real OpenID Connect provider for the tests: ``oidc-provider-mock`` (built on Authlib's server) serving HTTP on
this machine's loopback from a thread, and a browser's part of the flow driven with httpx.

    with running_provider() as provider: ...
    provider.url                      the issuer (http://127.0.0.1:<port>)
    provider.set_claims(sub, claims)  what the provider says about ``sub`` (preferred_username …)
    provider.authorize(url, sub)      the person ``sub`` consents at the provider: the callback URL it sends back
    provider.tamper                   ``Tamper``: rewrites the ID token the token endpoint gives (tests of what the
                                      client verifies), inactive unless a test sets it

The provider accepts any client id, secret and redirect URI (it is a test provider), requires a nonce, and signs
ID tokens with its own RSA key, published at its ``jwks_uri``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
from joserfc import jwt
from joserfc.jwk import RSAKey

DISCOVERY = "/.well-known/openid-configuration"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Tamper:
    """WSGI middleware over the provider: when ``change`` is set, the ID token of each token answer gets its claims
    changed by it, and is either signed anew with a key of the test's (``resign``: published beside the
    provider's at ``/jwks``, so only the changed claim can be what is refused) or keeps its old signature (which
    then no longer matches). ``discovery``, when set, changes the discovery document."""

    app: Callable
    change: Callable[[dict], None] | None = None
    resign: bool = True
    discovery: Callable[[dict], None] | None = None
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "jiuzhu-test-key"}))

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO")
        changed = (self.change is not None and path in ("/oauth2/token", "/jwks")) or (
            self.discovery is not None and path == DISCOVERY)
        if not changed:
            return self.app(environ, start_response)
        answer: dict = {}

        def capture(status, headers, exc_info=None):
            answer.update(status=status, headers=headers)
            return lambda _data: None

        chunks = self.app(environ, capture)
        try:
            data = json.loads(b"".join(chunks))
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        if path == DISCOVERY:
            self.discovery(data)
        elif path == "/jwks":
            data["keys"].append(self.key.as_dict(private=False))
        elif "id_token" in data:
            data["id_token"] = self._tampered(data["id_token"])
        body = json.dumps(data).encode()
        headers = [(k, v) for k, v in answer["headers"] if k.lower() != "content-length"]
        start_response(answer["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def _tampered(self, token: str) -> str:
        header, payload, signature = token.split(".")
        claims = json.loads(_unb64(payload))
        self.change(claims)
        if not self.resign:
            return ".".join((header, _b64(json.dumps(claims).encode()), signature))
        return jwt.encode({"alg": "RS256", "kid": "jiuzhu-test-key"}, claims, self.key)


@dataclass
class RunningProvider:
    url: str
    tamper: Tamper

    def reset(self) -> None:
        self.tamper.change, self.tamper.resign, self.tamper.discovery = None, True, None

    def set_claims(self, sub: str, claims: dict) -> None:
        answer = httpx.put(f"{self.url}/users/{sub}", json=claims)
        assert answer.status_code == 204, answer.text

    def authorize(self, authorize_url: str, sub: str | None, *, deny: bool = False) -> str:
        """The person ``sub`` signs in at the provider and consents (or refuses, ``deny``): the address the
        provider sends the browser back to."""
        form = {"action": "deny"} if deny else {"sub": sub}
        answer = httpx.post(authorize_url, data=form)
        assert answer.status_code == 302, answer.text[:500]
        return answer.headers["location"]


@contextlib.contextmanager
def running_provider() -> Iterator[RunningProvider]:
    import oidc_provider_mock
    import werkzeug.serving

    app = oidc_provider_mock.app(require_nonce=True)
    tamper = Tamper(app.wsgi_app)
    app.wsgi_app = tamper
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield RunningProvider(url=f"http://127.0.0.1:{server.server_port}", tamper=tamper)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
