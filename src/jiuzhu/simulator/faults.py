"""Faults, per endpoint: from the TOML given with --config (``[defaults]`` then ``[endpoint."tax"]`` …) and
changed at run time through the admin route ``POST /_sim/config``.

    latency_ms   { median, p95, min, max }: lognormal, clipped (0: answers at once)
    error_rate   share of requests answered 503 unavailable with Retry-After
    timeout_rate share held ``hang_seconds`` before a 504 (past the client's time-out)
    rate_limit   { per_second, burst }: a token bucket; over it, 429 with Retry-After (0: no limit)
    max_subjects more subjects in one request: 400 too_many_subjects
    stale        { share, days }: share of answers whose as-of dates lie ``days`` back
    down         the port is closed: connections are refused
    allowed_purposes  the purposes this department answers for (else purpose_not_allowed)

Each request's draws come from (seed, endpoint, request id, n-th arrival of that id): a run repeats exactly, and
a retry of the same request draws anew.
"""

from __future__ import annotations

import hashlib
import math
import random
import time
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from jiuzhu.errors import ConfigurationError
from jiuzhu.exchange import reading
from jiuzhu.i18n import t

Z95 = 1.6448536269514722  # the standard normal's 95th percentile


@dataclass(frozen=True)
class Faults:
    latency_ms: dict = field(default_factory=lambda: {"median": 0.0, "p95": 0.0, "min": 0.0, "max": 0.0})
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    hang_seconds: float = 30.0
    rate_limit: dict = field(default_factory=lambda: {"per_second": 0.0, "burst": 0.0})
    max_subjects: int = 100
    stale: dict = field(default_factory=lambda: {"share": 0.0, "days": 0})
    down: bool = False
    allowed_purposes: tuple = ("application", "review", "spot_check")

    def merged(self, changes: dict, where: str = "config") -> Faults:
        names = {f.name for f in fields(self)}
        unknown = set(changes) - names
        if unknown:
            raise ConfigurationError(t("{path}: unknown fault settings: {names}", path=where,
                                       names=", ".join(sorted(unknown))))
        values = {}
        for k, v in changes.items():
            old = getattr(self, k)
            if not _fits(old, v):
                raise ConfigurationError(t("{path}: fault setting {name} = {value} is not a {kind}", path=where,
                                           name=k, value=v, kind=_kind(old)))
            values[k] = old | v if isinstance(old, dict) else (tuple(v) if isinstance(old, tuple) else v)
        return replace(self, **values)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)} | {"allowed_purposes": list(
            self.allowed_purposes)}


def _number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and v >= 0


def _fits(old, new) -> bool:
    """Whether ``new`` may replace ``old``: the same kind of value (a misspelt or wrong setting is refused when
    given, not when a request trips over it)."""
    if isinstance(old, bool):
        return isinstance(new, bool)
    if isinstance(old, dict):
        return isinstance(new, dict) and set(new) <= set(old) and all(_number(v) for v in new.values())
    if isinstance(old, tuple):
        return isinstance(new, list | tuple) and all(isinstance(v, str) for v in new)
    return _number(new)


def _kind(old) -> str:
    if isinstance(old, bool):
        return t("true or false")
    if isinstance(old, dict):
        return t("table of numbers ≥ 0 like {example}", example="{ " + ", ".join(f"{k} = …" for k in old) + " }")
    return t("list of names") if isinstance(old, tuple) else t("number ≥ 0")


def load(path: Path | None, endpoints: list[str]) -> dict[str, Faults]:
    data = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigurationError(t("cannot read {path}: {cause}", path=path, cause=reading.cause(exc))) from None
    return configure({}, data, endpoints, str(path))


def configure(current: dict[str, Faults], data: dict, endpoints: list[str], where: str = "config") -> dict[str, Faults]:
    """``current`` changed by ``data`` ({defaults: {...}, endpoint: {name: {...}}}): defaults apply to every
    endpoint, then each endpoint's own table."""
    unknown = set(data.get("endpoint") or {}) - set(endpoints)
    if unknown or set(data) - {"defaults", "endpoint"}:
        raise ConfigurationError(t("{path}: unknown endpoints or tables: {names}", path=where,
                                   names=", ".join(sorted(unknown | (set(data) - {"defaults", "endpoint"})))))
    out = {}
    for name in endpoints:
        faults = current.get(name, Faults()).merged(data.get("defaults") or {}, where)
        out[name] = faults.merged((data.get("endpoint") or {}).get(name) or {}, where)
    return out


def draw(seed: int, endpoint: str, request_id: str, arrival: int) -> random.Random:
    digest = hashlib.sha256(f"{seed}:{endpoint}:{request_id}:{arrival}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def latency_seconds(faults: Faults, rng: random.Random) -> float:
    lat = faults.latency_ms
    median, p95 = float(lat.get("median", 0)), float(lat.get("p95", 0))
    if median <= 0:
        return 0.0
    sigma = math.log(p95 / median) / Z95 if p95 > median else 0.0
    ms = median * math.exp(rng.gauss(0.0, sigma))
    return min(max(ms, float(lat.get("min", 0))), float(lat.get("max", ms)) or ms) / 1000.0


class TokenBucket:
    """``per_second`` tokens a second, at most ``burst`` held (burst 0: one second's worth)."""

    def __init__(self, per_second: float, burst: float, clock=time.monotonic) -> None:
        self.rate, self.capacity = per_second, max(burst or per_second, 1.0)
        self.tokens, self.clock = self.capacity, clock
        self.last = clock()

    def take(self) -> float:
        """0 if a token was taken, else the seconds until one will be there."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate
