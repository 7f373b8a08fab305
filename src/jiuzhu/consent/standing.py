"""Where a member stands for one purpose on a day, read from their consent records (pure: no database).

A member's standing for a purpose (kind + reference) is read from the records **of that purpose** first:

- ``valid``: a given record of an acceptable signer, valid on the day (the latest such);
- else the latest record that ended a consent — ``refused``, ``withdrawn`` or ``expired`` — says why not, and
  keeps saying it until a new record of the purpose is *given*: a new request waiting does not hide a withdrawal
  (the member said no; a request is only the office asking again);
- else ``missing`` (or ``guardian_missing`` for a minor): no record, or only a request waiting.

Only when the purpose has no decided record of its own does another purpose's record count, and only where the
notice and the law say so: the notice (notices.py, version 2026-01) asks for the application, *its periodic
reviews and spot checks*, so an application's consent covers a review or spot check while the parameter
``covers_reviews`` holds (domain.md §6, open). The standing then names the record it was read from
(``covered_by``), so the faces say it ("已授权（申请时的授权…）") instead of covering silently. A review's own
withdrawal or refusal is never covered by an application's consent, given before or after it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from jiuzhu.consent import required as req

ENDED = ("refused", "withdrawn", "expired")
COVERING = {"review": "application", "spot_check": "application"}  # the purpose whose consent may cover another


class Record(Protocol):
    record_id: str
    status: str
    purpose_kind: str
    purpose_ref: str
    signer_role: str
    capacity_basis: str | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    decided_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    ended_at: dt.datetime | None


@dataclass(frozen=True)
class Standing:
    state: str  # valid, missing, guardian_missing, refused, withdrawn, expired
    record: Record | None  # the record the state is read from (a waiting request when missing)
    waiting: Record | None  # a request of this purpose waiting for a signature
    covered_by: Record | None = None  # the record of another purpose read for this one (an application's)


def effective_status(rec: Record, on: dt.date) -> str:
    """The status on ``on``: a given record past its last valid day is expired even before that is written."""
    if rec.status == "given" and rec.valid_until is not None and rec.valid_until < on:
        return "expired"
    return str(rec.status)


def acceptable(rec: Record, need: req.Requirement) -> bool:
    """A minor's record is a guardian's; an adult's is their own, a written proxy's, or a guardian's for an adult
    without (full) capacity."""
    if need.role == "guardian":
        return rec.signer_role == "guardian"
    return rec.signer_role != "guardian" or rec.capacity_basis != "minor"


def standing(records: list[Record], need: req.Requirement, kind: str, ref: str, on: dt.date, *,
             covers: bool) -> Standing:
    """``records``: the member's records (any purpose), oldest first; ``covers``: the parameter covers_reviews."""
    own = [r for r in records if r.purpose_kind == kind and r.purpose_ref == ref]
    waiting = next((r for r in reversed(own) if r.status == "requested"), None)
    state, rec = _read(own, need, on)
    if state is None and covers and kind in COVERING:
        state, rec = _read([r for r in records if r.purpose_kind == COVERING[kind]], need, on)
        if state is not None:
            return Standing(state, rec, waiting, covered_by=rec)
    if state is None:
        return Standing("guardian_missing" if need.role == "guardian" else "missing", waiting, waiting)
    return Standing(state, rec, waiting)


def _read(records: list[Record], need: req.Requirement, on: dt.date) -> tuple[str | None, Record | None]:
    for r in reversed(records):
        if (effective_status(r, on) == "given" and acceptable(r, need) and r.valid_from is not None
                and r.valid_from <= on):
            return "valid", r
    ended = [r for r in records if effective_status(r, on) in ENDED]
    if not ended:
        return None, None
    latest = max(ended, key=lambda r: _ended_at(r, on))
    return effective_status(latest, on), latest


def _ended_at(rec: Record, on: dt.date) -> dt.datetime:
    """When the record stopped counting: the withdrawal, the written end, the refusal, or its last valid day."""
    moment = rec.withdrawn_at or rec.ended_at or (rec.decided_at if rec.status == "refused" else None)
    if moment is None and rec.valid_until is not None:
        moment = dt.datetime.combine(rec.valid_until + dt.timedelta(days=1), dt.time(), dt.timezone.utc)
    moment = moment or dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
