"""Consent assertions: a compact JWS (Ed25519, RFC 9864's fully specified name for EdDSA over Ed25519; joserfc)
signed with the requester's key, one per subject and source, carried in each request's subject.

Claims: ``cid`` (the consent record id, CR-…), ``sub`` ("sha256:" + hex of the ID number: the assertion names
nobody in clear), ``iss`` (the requester), ``aud`` (the kind of source asked, e.g. bank), ``scope`` {categories,
sources}, ``pur`` {kind, ref}, ``role`` (self/guardian/proxy), ``iat``, ``nbf``, ``exp``. Short-lived on purpose
(at most 10 minutes, never past the record's validity): a department checks it offline, and a withdrawal is felt
within minutes even there; Jiuzhu checks the record itself before every send.

The consent records are the ``consent`` capability's; this module only writes and checks the assertion.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

ALG = "Ed25519"
LIFETIME_SECONDS = 600
LEEWAY_SECONDS = 30  # clocks differ a little between offices


def subject_hash(id_number: str) -> str:
    return "sha256:" + hashlib.sha256(id_number.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Consent:
    """What a consent record allows, as the assertion carries it."""

    record_id: str
    id_number: str
    categories: tuple[str, ...]
    sources: tuple[str, ...]
    purpose_kind: str
    purpose_ref: str
    role: str = "self"
    valid_until: dt.datetime | None = None


class AssertionRefused(Exception):
    """``code``: consent_invalid, consent_expired, consent_scope, subject_mismatch, purpose_not_allowed."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def issue(consent: Consent, *, audience: str, issuer: str, key: Ed25519PrivateKey, kid: str,
          now: float | None = None, lifetime: int = LIFETIME_SECONDS) -> str:
    """The assertion of ``consent`` for the source ``audience``, valid ``lifetime`` seconds at most."""
    iat = int(now if now is not None else time.time())
    exp = iat + lifetime
    if consent.valid_until is not None:
        exp = min(exp, int(consent.valid_until.timestamp()))
    claims = {"cid": consent.record_id, "sub": subject_hash(consent.id_number), "iss": issuer, "aud": audience,
              "scope": {"categories": list(consent.categories), "sources": list(consent.sources)},
              "pur": {"kind": consent.purpose_kind, "ref": consent.purpose_ref}, "role": consent.role,
              "iat": iat, "nbf": iat, "exp": exp}
    return jwt.encode({"alg": ALG, "kid": kid}, claims, _signing_key(key), registry=_registry())


# A batch signs thousands of assertions with one key: joserfc's per-call set-up (a registry built from the
# algorithm names, the key imported into a JWK) is done once, not per assertion; the signing is joserfc's own.
@lru_cache(maxsize=1)
def _registry() -> jws.JWSRegistry:
    return jws.JWSRegistry(algorithms=[ALG])


@lru_cache(maxsize=16)
def _signing_key(key: Ed25519PrivateKey) -> OKPKey:
    """``key`` as joserfc's JWK, imported once per key object (a key is hashed by identity: never a copy of
    another's)."""
    return OKPKey.import_key(key)


def verify(token: str, *, public_key: Callable[[str], Ed25519PublicKey | None], issuer: str, audience: str,
           id_number: str, categories: Iterable[str], purpose_kind: str, allowed_purposes: Iterable[str],
           now: float | None = None) -> dict:
    """The claims of ``token`` if it lets ``issuer`` ask ``audience`` about ``id_number`` for ``categories``;
    else AssertionRefused naming the first failure (the department's order: signature, time, person, scope,
    purpose)."""
    try:
        header = jws.extract_compact(token.encode("ascii")).headers()
    except (JoseError, ValueError, UnicodeEncodeError) as exc:
        raise AssertionRefused("consent_invalid", f"not a compact JWS: {exc}") from None
    kid = header.get("kid")
    key = public_key(kid) if isinstance(kid, str) else None
    if key is None or header.get("alg") != ALG:
        raise AssertionRefused("consent_invalid", f"unknown key {kid!r} or algorithm {header.get('alg')!r}")
    try:
        claims = json.loads(_signed_claims(token, key.public_bytes(Encoding.Raw, PublicFormat.Raw)))
    except (JoseError, ValueError) as exc:
        raise AssertionRefused("consent_invalid", f"signature: {exc}") from None
    _check_claims(claims, issuer=issuer, now=now)
    if claims.get("sub") != subject_hash(id_number):
        raise AssertionRefused("subject_mismatch", "the assertion is for another person")
    scope = claims.get("scope") or {}
    missing = set(categories) - set(scope.get("categories") or ())
    if claims.get("aud") != audience or audience not in (scope.get("sources") or ()) or missing:
        raise AssertionRefused("consent_scope", f"audience {claims.get('aud')!r}, categories missing {sorted(missing)}")
    kind = (claims.get("pur") or {}).get("kind")
    if kind != purpose_kind or kind not in set(allowed_purposes):
        raise AssertionRefused("purpose_not_allowed", f"purpose {kind!r}")
    return claims


@lru_cache(maxsize=50_000)
def _signed_claims(token: str, public_raw: bytes) -> str:
    """The claims (JSON) of ``token`` whose signature ``public_raw`` verified. Kept: the same assertion goes to
    every bank of a request's subjects, and again on a retry, and a signature that held once holds again (time,
    person and scope are checked on every use)."""
    key = OKPKey.import_key(Ed25519PublicKey.from_public_bytes(public_raw))
    return json.dumps(jwt.decode(token, key, algorithms=[ALG]).claims)


def _check_claims(claims: dict, *, issuer: str, now: float | None) -> None:
    required = ("cid", "sub", "iss", "aud", "scope", "pur", "iat", "nbf", "exp")
    if any(name not in claims for name in required) or not all(
            isinstance(claims[n], int) and not isinstance(claims[n], bool) for n in ("iat", "nbf", "exp")):
        raise AssertionRefused("consent_invalid", "claims missing or malformed")
    if claims["iss"] != issuer:
        raise AssertionRefused("consent_invalid", f"issued by {claims['iss']!r}, not the requester")
    moment = now if now is not None else time.time()
    if moment > claims["exp"] + LEEWAY_SECONDS:
        raise AssertionRefused("consent_expired", f"expired at {claims['exp']}")
    if moment < claims["nbf"] - LEEWAY_SECONDS:
        raise AssertionRefused("consent_expired", f"not valid before {claims['nbf']}")
