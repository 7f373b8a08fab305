"""What one verification asks, and of whom: per endpoint of the sources configuration, one request per chunk of at
most ``max_subjects`` members, each member with a fresh consent assertion for that kind of source.

    request_id(token, endpoint, chunk, generation)   the same on every resend (the department replays it)
    body(...)                                         the exact bytes posted, stored before anything is sent
    assertions_expire_before(body, moment)            a stored body too old to resend (its assertions expire)

Pure: the consent records and the household are read by the service; the keys and the catalogue by the caller.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jiuzhu.exchange import assertions
from jiuzhu.exchange import format as fmt
from jiuzhu.exchange.adapters import adapter_for
from jiuzhu.exchange.adapters.base import encode
from jiuzhu.exchange.sources import kind_of

CHINA = dt.timezone(dt.timedelta(hours=8))
NAMESPACE = uuid.UUID("6f3a1c2e-9b1d-4c57-8e0a-5d2f7b9c1e13")  # Jiuzhu's request ids (uuid5 under it)
PURPOSE_TITLES = {"application": "社会救助申请审核", "review": "社会救助定期复核", "spot_check": "社会救助抽查"}


@dataclass(frozen=True)
class Subject:
    """A member asked about: who, and the consent record relied on."""

    person_id: int
    id_number: str
    name: str
    consent_id: str
    role: str  # the record's signer: self, guardian, proxy
    valid_until: dt.date | None


@dataclass(frozen=True)
class Ask:
    """What the verification asks, the same for every endpoint."""

    requester: fmt.Requester
    purpose_kind: str
    purpose_ref: str
    legal_basis: str
    as_of: dt.date
    window_from: str
    window_to: str


def request_id(token: str, endpoint: str, chunk: int, generation: int) -> str:
    """Deterministic from the verification's random token: a resend carries the same id (and the same bytes)."""
    return str(uuid.uuid5(NAMESPACE, f"{token}:{endpoint}:{chunk}:{generation}"))


def chunks(subjects: Sequence[Subject], size: int) -> list[list[Subject]]:
    size = max(1, min(size, fmt.MAX_SUBJECTS))
    return [list(subjects[i:i + size]) for i in range(0, len(subjects), size)]


def body(ask: Ask, endpoint: str, rid: str, subjects: Sequence[Subject], *, key: Ed25519PrivateKey, kid: str,
         now: float | None = None, signed: dict | None = None, made: dict | None = None) -> bytes:
    """The request's bytes: each subject with an assertion for the endpoint's kind (its audience), its scope the
    kind's categories (the consent notice covers every source and category: consent/notices.py). ``signed``: a
    cache of assertions by (consent, kind) for one T1 — the 12 banks of a batch's wave share each member's bank
    assertion (the same audience and scope), signed once. ``made``: request id → the request as built (a batch
    reads its answers against it instead of parsing the stored bytes again)."""
    kind = kind_of(endpoint)
    purpose = fmt.Purpose(kind=ask.purpose_kind, reference=ask.purpose_ref or PURPOSE_TITLES[ask.purpose_kind],
                          legal_basis=ask.legal_basis[:200])
    people = [fmt.Subject(id_number=s.id_number, name=s.name, consent=_cached(signed, (s.consent_id, kind.kind),
                                                                              lambda s=s: _assertion(
                                                                                  ask, kind, s, key, kid, now)))
              for s in subjects]
    months = fmt.Months.model_validate({"from": ask.window_from, "to": ask.window_to})
    request = adapter_for(endpoint).request(request_id=rid, requester=ask.requester, purpose=purpose,
                                            as_of=ask.as_of, subjects=people, months=months)
    if made is not None:  # the request as built (what reading its answer needs), not parsed again from its bytes
        made[rid] = request
    return encode(request)


def _cached(cache: dict | None, key: tuple, make):
    if cache is None:
        return make()
    if key not in cache:
        cache[key] = make()
    return cache[key]


def _assertion(ask: Ask, kind, s: Subject, key: Ed25519PrivateKey, kid: str, now: float | None) -> str:
    until = None
    if s.valid_until is not None:  # valid through its last day, China time
        until = dt.datetime.combine(s.valid_until + dt.timedelta(days=1), dt.time(0), CHINA)
    consent = assertions.Consent(record_id=s.consent_id, id_number=s.id_number, categories=kind.categories,
                                 sources=(kind.kind,), purpose_kind=ask.purpose_kind, purpose_ref=ask.purpose_ref,
                                 role=s.role, valid_until=until)
    return assertions.issue(consent, audience=kind.kind, issuer=ask.requester.id, key=key, kid=kid, now=now)


def earliest_expiry(stored: str) -> int | None:
    """The earliest ``exp`` (Unix seconds) of the assertions in a stored body (read, not verified: ours)."""
    try:
        subjects = json.loads(stored)["subjects"]
        exps = [json.loads(_b64(s["consent"].split(".")[1]))["exp"] for s in subjects]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return min(exps) if exps else None


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
