"""Ed25519 keys of the exchange: ours (the requester's: signs requests and consent assertions) and the
departments' (pinned by key id in sources.toml, or served by a department as JWKS).

A private key is a PEM file ``<folder>/<kid>.pem`` (default folder ``<home>/exchange/keys``), mode 0600 from the
start and linked into place once complete, as ``jiuzhu.keys`` writes the installation's secret: never readable by
others, never half-written, and if two processes create it at once, the first one's is the key.
"""

from __future__ import annotations

import binascii
import json
import os
import re
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from jiuzhu.config import get_settings
from jiuzhu.errors import ConfigurationError
from jiuzhu.exchange import reading
from jiuzhu.exchange.signing import public_from_raw, raw_public
from jiuzhu.i18n import N_, t

KID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def folder() -> Path:
    return get_settings(strict=False).home / "exchange" / "keys"


def _path(where: Path, kid: str) -> Path:
    if not KID.match(kid):
        raise ConfigurationError(t("key id {kid}: use letters, digits, '.', '_' or '-' (at most 64)", kid=kid))
    return where / f"{kid}.pem"


def load_or_create(kid: str, where: Path | None = None) -> Ed25519PrivateKey:
    """The private key ``kid``, created on first use."""
    path = _path(where or folder(), kid)
    try:
        return load(kid, where)
    except FileNotFoundError:
        pass
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process wrote it first: theirs is the key
    except OSError as exc:
        raise ConfigurationError(t("cannot create the key file {path}: {cause}", path=path,
                                   cause=reading.cause(exc))) from None
    finally:
        temporary.unlink(missing_ok=True)
    return load(kid, where)


def load(kid: str, where: Path | None = None) -> Ed25519PrivateKey:
    """The private key ``kid``; FileNotFoundError if it was never created."""
    path = _path(where or folder(), kid)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:  # a folder in its place, no permission …: said, not a trace
        raise ConfigurationError(t("cannot read {path}: {cause}", path=path, cause=reading.cause(exc))) from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise ConfigurationError(t(DAMAGED, path=path)) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(t("the key file {path} does not hold an Ed25519 key", path=path))
    return key


def jwk(key: Ed25519PublicKey, kid: str) -> dict:
    return {"kty": "OKP", "crv": "Ed25519", "x": raw_public(key), "kid": kid, "use": "sig", "alg": "Ed25519"}


def jwks(keys: dict[str, Ed25519PublicKey], requester: str | None = None) -> dict:
    """The JWKS of ``keys``; ``requester`` adds who they belong to (what a department checks: see ``owners``)."""
    extra = {"requester": requester} if requester else {}
    return {"keys": [jwk(k, kid) | extra for kid, k in keys.items()]}


def read_jwks(data: dict) -> dict[str, Ed25519PublicKey]:
    """kid → public key of a JWKS document (Ed25519 keys only; others are not ours to use)."""
    out = {}
    for entry in data.get("keys", []):
        if entry.get("kty") == "OKP" and entry.get("crv") == "Ed25519" and entry.get("kid") and entry.get("x"):
            out[entry["kid"]] = public_from_raw(entry["x"])
    return out


def owners(data: dict) -> dict[str, str | None]:
    """kid → the requester a key belongs to, from the keys' non-standard ``requester`` member (RFC 7517 §4
    allows members of one's own): a department that knows it refuses that key for any other requester."""
    return {e["kid"]: e.get("requester") for e in data.get("keys", []) if isinstance(e, dict) and e.get("kid")}


DAMAGED = N_("the key file {path} is damaged: it is not a private key in PEM (make a new one, or restore it from "
             "the backup)")
NOT_JWKS = N_("it is not a key set (JWKS): a JSON object with a list \"keys\" (jiuzhu exchange key writes one)")
BAD_JWK = N_("key {kid} is not an Ed25519 public key (x: 32 bytes, base64url)")


def read_jwks_document(path: Path) -> dict:
    """The JWKS at ``path``, checked: a missing, unreadable, not-JSON or not-JWKS file, or a key that is not one,
    is one line in the reader's words."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ConfigurationError(t(CANNOT_READ_SET, path=path, cause=reading.cause(exc))) from None
    if not isinstance(data, dict) or not isinstance(data.get("keys", []), list) or \
            not all(isinstance(e, dict) for e in data.get("keys", [])):
        raise ConfigurationError(t(CANNOT_READ_SET, path=path, cause=t(NOT_JWKS)))
    for entry in data.get("keys", []):
        try:
            read_jwks({"keys": [entry]})
        except (TypeError, ValueError, binascii.Error):
            raise ConfigurationError(t(CANNOT_READ_SET, path=path,
                                       cause=t(BAD_JWK, kid=entry.get("kid", "?")))) from None
    return data


CANNOT_READ_SET = N_("cannot read the key set {path}: {cause}")


def read_jwks_file(path: Path) -> dict[str, Ed25519PublicKey]:
    return read_jwks(read_jwks_document(path))
