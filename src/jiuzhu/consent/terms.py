"""The terms of a consent record: what the person agreed to, frozen once decided, and their SHA-256.

``terms_sha256`` = SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8, as the audit chain's rows) of
the terms: anyone holding the record can recompute it, and a receipt quotes it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

TERMS = ("record_id", "person_id", "household_id", "signer_role", "signer_person_id", "signer_name",
         "signer_id_number", "signer_relation", "capacity_basis", "authority_document", "proxy_reason",
         "controller_code", "controller_name", "purpose_kind", "purpose_ref", "legal_basis", "categories", "sources",
         "notice_version", "notice_sha256", "method", "valid_from", "valid_until", "supersedes_id")


def terms_of(record: Any) -> dict[str, Any]:
    """The record's terms as plain values (dates as ISO text)."""
    out = {}
    for name in TERMS:
        value = getattr(record, name)
        out[name] = value.isoformat() if isinstance(value, dt.date) else value
    return out


def canonical(terms: dict[str, Any]) -> bytes:
    return json.dumps(terms, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def terms_sha256(record: Any) -> str:
    return hashlib.sha256(canonical(terms_of(record))).hexdigest()
