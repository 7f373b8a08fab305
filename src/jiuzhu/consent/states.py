"""The states of a consent record as a transition table (like OpenSPP's ``VALID_STATUS_TRANSITIONS``).

    requested ─ give ──────▶ given ─ withdraw ─▶ withdrawn
        │ ─ refuse ─▶ refused   │ ─ expire ───▶ expired ─ renew ─▶ renewed
        │ ─ invalidate ─┐       │ ─ renew ────▶ renewed
        └───────────────┴──────▶ invalidated ◀─ invalidate (a correction: a new record replaces it)

refused, withdrawn, renewed and invalidated are final. "renew" is what happens to the old record when its
renewal (a new record, ``supersedes_id``) is given.
"""

from __future__ import annotations

from enum import StrEnum

from jiuzhu.errors import ConflictError
from jiuzhu.i18n import N_, t


class Status(StrEnum):
    requested = "requested"
    given = "given"
    refused = "refused"
    withdrawn = "withdrawn"
    expired = "expired"
    renewed = "renewed"
    invalidated = "invalidated"


class Event(StrEnum):
    give = "give"
    refuse = "refuse"
    withdraw = "withdraw"
    expire = "expire"
    renew = "renew"
    invalidate = "invalidate"


S, E = Status, Event
TRANSITIONS: dict[Status, dict[Event, Status]] = {
    S.requested: {E.give: S.given, E.refuse: S.refused, E.invalidate: S.invalidated},
    S.given: {E.withdraw: S.withdrawn, E.expire: S.expired, E.renew: S.renewed, E.invalidate: S.invalidated},
    S.expired: {E.renew: S.renewed},
}
FINAL = frozenset(s for s in Status if s not in TRANSITIONS)

STATUS_TITLES = {
    S.requested: N_("awaiting signature"), S.given: N_("given"), S.refused: N_("refused"),
    S.withdrawn: N_("withdrawn"), S.expired: N_("expired"), S.renewed: N_("renewed"),
    S.invalidated: N_("invalidated"),
}
EVENT_TITLES = {
    E.give: N_("give"), E.refuse: N_("refuse"), E.withdraw: N_("withdraw"), E.expire: N_("expire"),
    E.renew: N_("renew"), E.invalidate: N_("invalidate"),
}
NOT_ALLOWED_WORDS = N_("consent record {record} is {status}: cannot {event} it")


def status_title(status: str) -> str:
    return t(STATUS_TITLES[Status(status)])


# What a record is for, in a word (the 授权 tab's 用途, jiuzhu consent list), then its reference
PURPOSE_TITLES = {"application": N_("for the application"), "review": N_("for a review"),
                  "spot_check": N_("for a spot check")}


def purpose_title(kind: str, ref: str = "") -> str:
    """申请 dibao-2026-001, 复核 2027 …: the purpose in a word and its reference (an unknown kind as it is)."""
    word = t(PURPOSE_TITLES[kind]) if kind in PURPOSE_TITLES else kind
    return f"{word} {ref}".strip()


def allowed(status: str, event: str) -> bool:
    return Event(event) in TRANSITIONS.get(Status(status), {})


def next_status(status: str, event: str, *, record: str = "") -> Status:
    """The status after ``event``, or ``ConflictError`` naming the record when the table does not allow it."""
    found = TRANSITIONS.get(Status(status), {}).get(Event(event))
    if found is None:
        raise ConflictError(t(NOT_ALLOWED_WORDS, record=record, status=status_title(status),
                              event=t(EVENT_TITLES[Event(event)])))
    return found
