"""The platform's sources configuration, ``<home>/exchange/sources.toml`` (stdlib tomllib): who we are as a
requester, and per endpoint its URL, its department's pinned public keys, time-outs, attempts, limits.

    [requester]  id, name, key_id
    [defaults]   timeout = { connect = 0.5, read = 2.0 }, deadline_seconds, attempts, backoff = { initial, max },
                 breaker = { failures, window_seconds, open_seconds }, rate_limit = { per_second },
                 max_in_flight, max_subjects
    [endpoint."bank.cqrcb"]  url, department_keys = { "<kid>" = "<Ed25519 x, base64url>" }, any default overridden

Retries, back-off, the breaker and the rate limit are the orchestration's (verification/); their settings are
read here so that one file configures a source.
"""

from __future__ import annotations

import binascii
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from jiuzhu.config import get_settings
from jiuzhu.errors import ConfigurationError
from jiuzhu.exchange import reading
from jiuzhu.exchange.signing import public_from_raw
from jiuzhu.exchange.sources import kind_of
from jiuzhu.i18n import N_, t

DEFAULTS: dict = {
    "timeout": {"connect": 0.5, "read": 2.0},
    "deadline_seconds": 6.0,
    "attempts": 3,
    "backoff": {"initial": 0.1, "max": 1.0},
    "breaker": {"failures": 5, "window_seconds": 30.0, "open_seconds": 15.0},
    "rate_limit": {"per_second": 40.0},
    "max_in_flight": 16,
    "max_subjects": 100,
}


@dataclass(frozen=True)
class Requester:
    id: str
    name: str
    key_id: str


@dataclass(frozen=True)
class Endpoint:
    endpoint: str
    kind: str
    url: str
    department_keys: dict[str, Ed25519PublicKey] = field(default_factory=dict, compare=False)
    connect_timeout: float = 0.5
    read_timeout: float = 2.0
    deadline_seconds: float = 6.0
    attempts: int = 3
    backoff_initial: float = 0.1
    backoff_max: float = 1.0
    breaker_failures: int = 5
    breaker_window_seconds: float = 30.0
    breaker_open_seconds: float = 15.0
    rate_per_second: float = 40.0
    max_in_flight: int = 16
    max_subjects: int = 100

    def department_key(self, kid: str) -> Ed25519PublicKey | None:
        return self.department_keys.get(kid)


@dataclass(frozen=True)
class SourcesConfig:
    requester: Requester
    endpoints: dict[str, Endpoint]
    path: Path | None = None


def default_path() -> Path:
    return get_settings(strict=False).home / "exchange" / "sources.toml"


def load(path: Path | None = None) -> SourcesConfig:
    path = path or default_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(t("no sources configuration at {path} (see docs/exchange.md)", path=path)) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(t("cannot read {path}: {cause}", path=path, cause=reading.cause(exc))) from None
    return parse(data, path)


def parse(data: dict, path: Path | None = None) -> SourcesConfig:
    where = str(path or "sources.toml")
    unknown = set(data) - {"requester", "defaults", "endpoint"}
    if unknown:
        raise ConfigurationError(t(UNKNOWN_TABLES, path=where, names=", ".join(sorted(unknown))))
    req = _table(data.get("requester"), where, "requester")
    if not all(isinstance(req.get(k), str) and req.get(k) for k in ("id", "name", "key_id")):
        raise ConfigurationError(t("{path}: [requester] needs id, name and key_id", path=where))
    if set(req) - {"id", "name", "key_id"}:
        raise ConfigurationError(t("{path}: [{table}] has unknown settings: {names}", path=where, table="requester",
                                   names=", ".join(sorted(set(req) - {"id", "name", "key_id"}))))
    defaults = _merge(DEFAULTS, _table(data.get("defaults"), where, "defaults"), where, "defaults")
    endpoints = {}
    for name, table in _table(data.get("endpoint"), where, "endpoint").items():
        table = _table(table, where, f"endpoint.{name}")
        endpoints[name] = _endpoint(name, _merge(defaults, table, where, f"endpoint.{name}"), where)
    return SourcesConfig(Requester(req["id"], req["name"], req["key_id"]), endpoints, path)


UNKNOWN_TABLES = N_("{path}: unknown tables: {names} (known: [requester], [defaults], [endpoint.\"…\"])")
NOT_A_TABLE = N_("{path}: [{table}] must be a table of settings")
NOT_INLINE_TABLE = N_("{path}: [{table}] {name} must be a table like {example}")
UNKNOWN_KEYS = N_("{path}: [{table}] {name} has unknown keys: {names} (known: {known})")
NOT_A_NUMBER = N_("{path}: [{table}] {name} = {value}: give a number above 0")
NOT_A_COUNT = N_("{path}: [{table}] {name} = {value}: give a whole number, 1 or more")
BAD_KEY = N_("{path}: [{table}] department_keys {kid}: not an Ed25519 public key (32 bytes, base64url)")
# Settings counted in whole numbers (the others are seconds or rates, any number above 0).
COUNTS = frozenset({"attempts", "max_in_flight", "max_subjects", "breaker.failures"})


def _table(value, where: str, table: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigurationError(t(NOT_A_TABLE, path=where, table=table))
    return value


def _merge(base: dict, over: dict, where: str, table: str) -> dict:
    """``over``'s settings on ``base``, each checked: known (inline tables' keys too), a table where one is due, a
    number above 0 (a whole one for counts) — refused by name, with the file and the table, never accepted."""
    known = set(DEFAULTS) | ({"url", "kind", "department_keys"} if table.startswith("endpoint.") else set())
    unknown = set(over) - known
    if unknown:
        raise ConfigurationError(t("{path}: [{table}] has unknown settings: {names}", path=where, table=table,
                                   names=", ".join(sorted(unknown))))
    out = dict(base)
    for k, v in over.items():
        if k in ("url", "kind", "department_keys"):
            out[k] = v
        elif isinstance(DEFAULTS[k], dict):
            out[k] = base[k] | _inline(k, v, where, table)
        else:
            out[k] = _number(k, v, where, table)
    return out


def _inline(name: str, value, where: str, table: str) -> dict:
    keys = DEFAULTS[name]
    if not isinstance(value, dict):
        example = "{ " + ", ".join(f"{k} = {v}" for k, v in keys.items()) + " }"
        raise ConfigurationError(t(NOT_INLINE_TABLE, path=where, table=table, name=name, example=example))
    unknown = set(value) - set(keys)
    if unknown:
        raise ConfigurationError(t(UNKNOWN_KEYS, path=where, table=table, name=name,
                                   names=", ".join(sorted(unknown)), known=", ".join(keys)))
    return {k: _number(f"{name}.{k}", v, where, table) for k, v in value.items()}


def _number(name: str, value, where: str, table: str) -> float | int:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if name in COUNTS:
        if not (number and value == int(value) and value >= 1):
            raise ConfigurationError(t(NOT_A_COUNT, path=where, table=table, name=name, value=value))
        return int(value)
    if not (number and value > 0):
        raise ConfigurationError(t(NOT_A_NUMBER, path=where, table=table, name=name, value=value))
    return value


def _endpoint(name: str, s: dict, where: str) -> Endpoint:
    try:
        kind = kind_of(name).kind
    except KeyError:
        raise ConfigurationError(t("{path}: unknown endpoint {endpoint}", path=where, endpoint=name)) from None
    if s.get("kind", kind) != kind or not isinstance(s.get("url"), str) or not s["url"].startswith(("http://",
                                                                                                     "https://")):
        raise ConfigurationError(t("{path}: endpoint {endpoint} needs url = \"http(s)://…\" (kind {kind})",
                                   path=where, endpoint=name, kind=kind))
    return Endpoint(
        endpoint=name, kind=kind, url=s["url"].rstrip("/"), department_keys=_keys(s, where, f"endpoint.{name}"),
        connect_timeout=float(s["timeout"]["connect"]), read_timeout=float(s["timeout"]["read"]),
        deadline_seconds=float(s["deadline_seconds"]), attempts=int(s["attempts"]),
        backoff_initial=float(s["backoff"]["initial"]), backoff_max=float(s["backoff"]["max"]),
        breaker_failures=int(s["breaker"]["failures"]),
        breaker_window_seconds=float(s["breaker"]["window_seconds"]),
        breaker_open_seconds=float(s["breaker"]["open_seconds"]),
        rate_per_second=float(s["rate_limit"]["per_second"]), max_in_flight=int(s["max_in_flight"]),
        max_subjects=int(s["max_subjects"]))


def _keys(s: dict, where: str, table: str) -> dict[str, Ed25519PublicKey]:
    given = s.get("department_keys") or {}
    if not isinstance(given, dict):
        raise ConfigurationError(t(NOT_INLINE_TABLE, path=where, table=table, name="department_keys",
                                   example='{ "<kid>" = "<x>" }'))
    out = {}
    for kid, x in given.items():
        try:
            out[kid] = public_from_raw(x)
        except (TypeError, ValueError, binascii.Error):
            raise ConfigurationError(t(BAD_KEY, path=where, table=table, kid=kid)) from None
    return out


def render(requester: Requester, endpoints: dict[str, tuple[str, dict[str, str]]],
           defaults: dict | None = None) -> str:
    """sources.toml text for ``endpoints`` (name → (url, {kid: x})): what the simulator's --write-sources writes."""
    lines = ["# Jiuzhu's sources (docs/exchange.md): who we are, and where each department answers.",
             "[requester]", f"id = {_q(requester.id)}", f"name = {_q(requester.name)}",
             f"key_id = {_q(requester.key_id)}", "", "[defaults]"]
    for k, v in (defaults or DEFAULTS).items():
        lines.append(f"{k} = {_value(v)}")
    for name, (url, keys) in endpoints.items():
        lines += ["", f"[endpoint.{_q(name)}]", f"url = {_q(url)}",
                  "department_keys = { " + ", ".join(f"{_q(k)} = {_q(x)}" for k, x in keys.items()) + " }"]
    return "\n".join(lines) + "\n"


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value(v) -> str:
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return _q(v)
    return repr(v)
