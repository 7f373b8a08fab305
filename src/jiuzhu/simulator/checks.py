"""A department's checks of a request, in the order a department makes them (OpenG2P's verification service:
known party → key → signature → freshness → policy), each refusal with its exchange error code.

    read_body        JSON, the format string, the requester known        malformed, unsupported_format,
                                                                          unknown_requester
    check_signature  the key known (for that requester), RFC 9421        unknown_key, signature_invalid,
                     signature, Content-Digest, freshness                 digest_mismatch, stale_request
    validate         the subjects' count, the request's shape             too_many_subjects, malformed
    check_consent    per subject: the assertion's signature, time,        consent_invalid, consent_expired,
                     person, scope (this source, the asked categories),   subject_mismatch, consent_scope,
                     purpose                                              purpose_not_allowed
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from jiuzhu.exchange import assertions
from jiuzhu.exchange.format import FORMAT, QueryRequest, Subject
from jiuzhu.exchange.signing import RequestMessage, SignatureRefused, Verified, verify


class Refused(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class RequesterKey:
    requester: str | None  # the requester this key belongs to (None: any known requester)
    key: Ed25519PublicKey


def read_body(body: bytes, requesters: dict[str, RequesterKey]) -> dict:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused("malformed", f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise Refused("malformed", "not a JSON object")
    if data.get("format") != FORMAT:
        raise Refused("unsupported_format", f"format {data.get('format')!r}")
    requester = (data.get("requester") or {}).get("id") if isinstance(data.get("requester"), dict) else None
    known = {r.requester for r in requesters.values()}
    if not isinstance(requester, str) or (None not in known and requester not in known):
        raise Refused("unknown_requester", f"requester {requester!r}")
    return data


def check_signature(url: str, headers: dict[str, str], body: bytes, data: dict,
                    requesters: dict[str, RequesterKey]) -> Verified:
    requester = data["requester"]["id"]

    def key(kid: str) -> Ed25519PublicKey | None:
        found = requesters.get(kid)
        return found.key if found and found.requester in (None, requester) else None

    try:
        verified = verify(RequestMessage("POST", url, headers), body, key)
    except SignatureRefused as exc:
        raise Refused(exc.code, exc.detail) from None
    if headers.get("x-request-id") != data.get("request_id"):
        raise Refused("malformed", "X-Request-Id differs from the body's request_id")
    return verified


def validate(data: dict, max_subjects: int) -> QueryRequest:
    subjects = data.get("subjects")
    if isinstance(subjects, list) and len(subjects) > max_subjects:
        raise Refused("too_many_subjects", f"{len(subjects)} subjects, at most {max_subjects}")
    try:
        return QueryRequest.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise Refused("malformed", ".".join(str(p) for p in err["loc"]) + ": " + err["msg"]) from None


def check_consent(subject: Subject, request: QueryRequest, *, audience: str, categories: list[str],
                  requesters: dict[str, RequesterKey], allowed_purposes: tuple[str, ...]) -> dict:
    """The assertion's claims, or Refused with the assertion's failure code."""
    def key(kid: str) -> Ed25519PublicKey | None:
        found = requesters.get(kid)
        return found.key if found and found.requester in (None, request.requester.id) else None

    try:
        return assertions.verify(subject.consent, public_key=key, issuer=request.requester.id, audience=audience,
                                 id_number=subject.id_number, categories=categories,
                                 purpose_kind=request.purpose.kind, allowed_purposes=allowed_purposes)
    except assertions.AssertionRefused as exc:
        raise Refused(exc.code, exc.detail) from None
