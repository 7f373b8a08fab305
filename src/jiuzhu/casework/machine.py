"""One state machine per case type (domain.md §5; ``transitions``): which action may follow which.

The machines say only *whether* an action may follow the case's state and *where* it leads; what an action needs
besides (every member's authorization, two staff at the visit, the 7 days of 公示 passed …) is the service's check.
A refused action raises ``ActionRefused`` and changes nothing (tests/casework/test_machine.py holds the law).

Application case (低保 and the others; 特困 is similar)::

    received ─accept→ accepted ─authorize→ authorized ─verify→ verified ─visit→ visited ─propose→ proposed
       └─ask_missing→ incomplete ─resubmit→ accepted          ┌──────────── object ←──────────┐
    proposed ─publish→ publicity ─approve→ approved ─enrol→ enrolled ─notify→ closed          │
                          └──────────────────────────────────────────────────────────────────┘→ reinvestigation
    reinvestigation ─verify→ verified / ─visit→ visited;  reject (from accepted … publicity) → rejected ─notify→ closed

Review case: opened ─authorize→ authorized ─verify→ verified ─propose→ proposed ─keep|adjust|stop→ continued |
adjusted | stopped ─enact→ enacted ─notify→ closed.
"""

from __future__ import annotations

from transitions import Machine, MachineError

from jiuzhu.errors import ConflictError
from jiuzhu.i18n import N_, t

INVESTIGATING = ["accepted", "authorized", "verified", "visited", "proposed", "publicity", "reinvestigation"]
APPLICATION = [
    ("accept", "received", "accepted"),
    ("ask_missing", "received", "incomplete"),
    ("resubmit", "incomplete", "accepted"),
    ("authorize", "accepted", "authorized"),
    ("verify", ["authorized", "reinvestigation"], "verified"),
    ("visit", ["verified", "reinvestigation"], "visited"),
    ("propose", "visited", "proposed"),
    ("publish", "proposed", "publicity"),
    ("object", "publicity", "reinvestigation"),
    ("approve", "publicity", "approved"),
    ("reject", INVESTIGATING, "rejected"),
    ("enrol", "approved", "enrolled"),
    ("notify", ["enrolled", "rejected"], "closed"),
]
REVIEW = [
    ("authorize", "opened", "authorized"),
    ("verify", "authorized", "verified"),
    ("propose", "verified", "proposed"),
    ("keep", "proposed", "continued"),
    ("adjust", "proposed", "adjusted"),
    ("stop", "proposed", "stopped"),
    ("enact", ["continued", "adjusted", "stopped"], "enacted"),
    ("notify", "enacted", "closed"),
]
TABLES = {"application": APPLICATION, "review": REVIEW}
INITIAL = {"application": "received", "review": "opened"}
FINAL = frozenset({"closed"})

STATE_TITLES = {
    "received": N_("received"), "incomplete": N_("incomplete: waiting for the missing papers"),
    "accepted": N_("accepted"), "authorized": N_("every member authorized"), "verified": N_("verified"),
    "visited": N_("home visit recorded"), "proposed": N_("decision proposed"), "publicity": N_("under public notice"),
    "reinvestigation": N_("re-investigation after an objection"), "approved": N_("approved"),
    "rejected": N_("rejected"), "enrolled": N_("enrolled in the programme"), "closed": N_("closed"),
    "opened": N_("review opened"),
    "continued": N_("to continue"), "adjusted": N_("to adjust"), "stopped": N_("to stop"),
    "enacted": N_("enrolments changed"),
}
ACTION_TITLES = {
    "file": N_("filed"), "accept": N_("accepted as complete"), "ask_missing": N_("notice of what is missing"),
    "resubmit": N_("missing papers handed in"), "authorize": N_("authorizations checked"),
    "verify": N_("verification linked"), "visit": N_("home visit recorded"), "propose": N_("decision proposed"),
    "publish": N_("posted for public notice"), "object": N_("objection recorded"), "approve": N_("approved"),
    "reject": N_("rejected"), "enrol": N_("enrol in the programme"), "notify": N_("notice sent to the resident"),
    "keep": N_("decided to continue"), "adjust": N_("decided to adjust"), "stop": N_("decided to stop"),
    "enact": N_("enrolments changed"), "special": N_("special case: 45 working days"), "open": N_("review opened"),
    "start_verification": N_("verification asked for"),
    "check": N_("completeness check"), "decide": N_("decide the review"),
}
KIND_TITLES = {"application": N_("application case"), "review": N_("review case")}
# The machines' triggers as a person asks for them (``actions.ACTIONS``): one completeness check accepts the file or
# sends the notice of what is missing; one decision of a review keeps, adjusts or stops.
ASKED_AS = {"accept": "check", "ask_missing": "check", "keep": "decide", "adjust": "decide", "stop": "decide"}
REFUSED = N_("case {case}: {action} is not possible while the case is {state} (possible now: {allowed})")


class ActionRefused(ConflictError):
    """The action may not follow the case's state: nothing changed."""

    code = "action_refused"


class _Holder:
    """What ``transitions`` moves: only the state."""

    def __init__(self, state: str) -> None:
        self.state = state


def _machine(kind: str, state: str) -> _Holder:
    holder = _Holder(state)
    Machine(model=holder, states=sorted(STATE_TITLES), initial=state, auto_transitions=False,
            transitions=[{"trigger": a, "source": s, "dest": d} for a, s, d in TABLES[kind]])
    return holder


def allowed(kind: str, state: str) -> list[str]:
    """The actions that may follow ``state`` in a case of ``kind``, in the table's order."""
    holder = _machine(kind, state)
    return [a for a in dict.fromkeys(a for a, _, _ in TABLES[kind]) if holder.may_trigger(a)]


def next_state(kind: str, state: str, action: str, case_no: str = "") -> str:
    """Where ``action`` leads from ``state``; ``ActionRefused`` if it may not follow it."""
    holder = _machine(kind, state)
    try:
        if action not in {a for a, _, _ in TABLES[kind]} or not holder.trigger(action):
            raise MachineError(action)
    except MachineError:
        raise ActionRefused(t(REFUSED, case=case_no, action=action_title(action), state=state_title(state),
                              allowed=t(", ").join(action_title(a) for a in allowed(kind, state)) or "-")) from None
    return holder.state


def next_actions(kind: str, state: str) -> list[str]:
    """What may be asked for now, by the names the CLI and the API take (``check``, ``decide`` …), in order; with
    the steps that change no state: asking the departments, and marking an application case special."""
    names = [ASKED_AS.get(a, a) for a in allowed(kind, state)]
    if state in ("authorized", "reinvestigation"):
        names.append("start_verification")
    if kind == "application" and state not in ("rejected", "enrolled", "closed"):
        names.append("special")
    return list(dict.fromkeys(names))


def kind_title(kind: str) -> str:
    return t(KIND_TITLES[kind]) if kind in KIND_TITLES else kind


def state_title(state: str) -> str:
    return t(STATE_TITLES[state]) if state in STATE_TITLES else state


def action_title(action: str) -> str:
    return t(ACTION_TITLES[action]) if action in ACTION_TITLES else action
