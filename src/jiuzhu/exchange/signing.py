"""Signing requests and responses: RFC 9421 HTTP Message Signatures with Ed25519, and the body's Content-Digest
(RFC 9530, sha-256), through the maintained library ``http-message-signatures``.

A request signs ("@method" "@target-uri" "content-digest" "x-request-id") with created, expires, keyid, alg; a
response signs ("@status" "content-digest" "x-request-id"): the body through its digest, and the request id so
that an answer cannot be passed off as the answer to another request. The label is ``jz``.

``verify`` names the first thing wrong, as a department reports it (format.ERRORS): ``unknown_key``,
``signature_invalid`` (absent, malformed, a header changed), ``digest_mismatch`` (the body changed),
``stale_request`` (``created`` outside ±300 s of now, or ``expires`` past). Freshness is checked here, after
the signature, not by the library (its window is 5 s and its message is not a reason code).
"""

from __future__ import annotations

import base64
import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import http_sf
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import (
    ContentDigest,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    algorithms,
)
from http_message_signatures.exceptions import HTTPMessageSignaturesException

LABEL = "jz"
REQUEST_COMPONENTS = ("@method", "@target-uri", "content-digest", "x-request-id")
RESPONSE_COMPONENTS = ("@status", "content-digest", "x-request-id")
LIFETIME_SECONDS = 60  # a signature's expires: a retry re-signs, it never reuses an old signature
FRESHNESS_SECONDS = 300  # clocks of two offices differ; beyond ±5 minutes the request is refused as stale


@dataclass
class RequestMessage:
    """What the library reads of a request: method, absolute URL, headers (a plain dict it may write to)."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ResponseMessage:
    status_code: int
    headers: dict[str, str] = field(default_factory=dict)


class SignatureRefused(Exception):
    """A signature that does not hold; ``code`` is the exchange error code (format.ERRORS)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Verified:
    keyid: str
    created: int
    expires: int | None


class _Keys(HTTPSignatureKeyResolver):
    def __init__(self, public: Callable[[str], Ed25519PublicKey | None] | None = None,
                 private: Ed25519PrivateKey | None = None) -> None:
        self.public, self.private = public, private

    def resolve_public_key(self, key_id: str):
        return self.public(key_id) if self.public else None

    def resolve_private_key(self, key_id: str):
        return self.private


class _Verifier(HTTPMessageVerifier):
    # Freshness is ours (±FRESHNESS_SECONDS, reason stale_request), checked after the signature.
    def validate_created_and_expires(self, sig_input, max_age=None):
        return None


def content_digest(body: bytes) -> str:
    return ContentDigest.create(body)


def sign(message: RequestMessage | ResponseMessage, body: bytes, key: Ed25519PrivateKey, keyid: str, *,
         now: float | None = None, lifetime: int = LIFETIME_SECONDS) -> None:
    """Add Content-Digest, Signature-Input and Signature to ``message.headers`` (X-Request-Id must be there)."""
    created = dt.datetime.fromtimestamp(int(now if now is not None else time.time()), dt.timezone.utc)
    components = RESPONSE_COMPONENTS if isinstance(message, ResponseMessage) else REQUEST_COMPONENTS
    for name in [n for n in message.headers if n.lower() in ("content-digest", "signature", "signature-input")]:
        del message.headers[name]  # a retry re-signs the same body: old digest and signature go
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=_Keys(private=key))
    signer.sign(message, key_id=keyid, created=created, expires=created + dt.timedelta(seconds=lifetime),
                label=LABEL, covered_component_ids=components, body=body)


def signature_params(headers: Mapping[str, str]) -> dict:
    """The parameters of the ``jz`` signature (keyid, created, expires, alg), read before verifying it: the keyid
    says which key to use. SignatureRefused(signature_invalid) when absent or malformed."""
    lowered = {k.lower(): v for k, v in headers.items()}
    raw = lowered.get("signature-input")
    if not raw or "signature" not in lowered:
        raise SignatureRefused("signature_invalid", "no Signature-Input or Signature header")
    try:
        parsed = http_sf.parse(raw.encode("ascii"), tltype="dictionary")
    except (ValueError, UnicodeEncodeError) as exc:
        raise SignatureRefused("signature_invalid", f"malformed Signature-Input: {exc}") from None
    if LABEL not in parsed or not isinstance(parsed[LABEL][0], list):
        raise SignatureRefused("signature_invalid", f"no signature labelled {LABEL}")
    components, params = parsed[LABEL]
    return dict(params) | {"components": tuple(str(c[0]) for c in components)}


def verify(message: RequestMessage | ResponseMessage, body: bytes,
           public_key: Callable[[str], Ed25519PublicKey | None], *, now: float | None = None,
           freshness: int = FRESHNESS_SECONDS) -> Verified:
    """Check the ``jz`` signature and the body's digest; the first failure raises SignatureRefused(code)."""
    params = signature_params(message.headers)
    expected = RESPONSE_COMPONENTS if isinstance(message, ResponseMessage) else REQUEST_COMPONENTS
    if params["components"] != expected:
        raise SignatureRefused("signature_invalid", f"covers {params['components']}, not {expected}")
    keyid, created, expires = params.get("keyid"), params.get("created"), params.get("expires")
    if not isinstance(keyid, str) or type(created) is not int or (expires is not None and type(expires) is not int):
        raise SignatureRefused("signature_invalid", "keyid and created are required")
    if public_key(keyid) is None:
        raise SignatureRefused("unknown_key", f"key {keyid} is not known")
    verifier = _Verifier(signature_algorithm=algorithms.ED25519, key_resolver=_Keys(public=public_key))
    try:
        verifier.verify(message, expect_label=None, max_age=None)
    except (InvalidSignature, HTTPMessageSignaturesException) as exc:
        raise SignatureRefused("signature_invalid", str(exc)) from None
    digest = next((v for k, v in message.headers.items() if k.lower() == "content-digest"), "")
    try:
        ContentDigest.verify(digest, body)
    except (InvalidSignature, HTTPMessageSignaturesException) as exc:
        raise SignatureRefused("digest_mismatch", str(exc)) from None
    # Only a genuine request is told it is stale (retryable: re-signed): a forged one is told it is forged.
    moment = now if now is not None else time.time()
    if abs(moment - created) > freshness:
        raise SignatureRefused("stale_request", f"created {created} is more than {freshness} s from now")
    if expires is not None and moment > expires:
        raise SignatureRefused("stale_request", f"expired at {expires}")
    return Verified(keyid, created, expires)


def raw_public(key: Ed25519PublicKey) -> str:
    """The public key as JWK ``x`` (base64url of the 32 raw bytes): how sources.toml pins a department's key."""
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def public_from_raw(x: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)))
