"""One entry for every action on a case, by name (what the CLI's ``jiuzhu case act`` and the API's
``POST /cases/{no}/actions/{action}`` call): the fields an action does not take are refused, naming them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from jiuzhu.access import Principal
from jiuzhu.casework import machine, reviews, service, steps, words
from jiuzhu.casework.models import Case
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import N_, t
from jiuzhu.text import check_text

ACTIONS = {
    "check": (steps.check_complete, {"missing"}),
    "resubmit": (steps.resubmit, set()),
    "authorize": (steps.authorize, set()),
    "start_verification": (steps.start_verification, {"as_of"}),
    "verify": (steps.link_verification, {"verification_id"}),
    "visit": (steps.visit, {"staff", "note", "visited_on"}),
    "propose": (None, {"note", "taper_from"}),
    "publish": (steps.publish, set()),
    "object": (steps.object_, {"objection", "raised_by"}),
    "approve": (steps.approve, {"reasons", "programmes"}),
    "reject": (steps.reject, {"reasons"}),
    "special": (steps.special, {"reason"}),
    "enrol": (steps.enrol, set()),
    "decide": (reviews.decide, {"outcome", "reasons"}),
    "enact": (reviews.enact, set()),
    "notify": (steps.notify, set()),
}
DECISIONS = ("approve", "reject", "decide")  # cases.decide: the API takes them apart (POST …/decisions/{decision})
UNKNOWN_ACTION = N_("unknown action '{action}': use one of {actions}")
NOT_TAKEN = N_("action {action} does not take {fields}")
NEEDED = N_("action {action} needs {field}")
REQUIRED = {"verify": "verification_id", "object": "objection", "reject": "reasons", "special": "reason",
            "decide": "outcome", "visit": "staff"}


# The free texts an action takes, with their declared lengths; written reasons may have several lines.
TEXTS = {"reasons": (2000, True), "note": (2000, True), "objection": (2000, True), "raised_by": (60, False),
         "reason": (200, False), "missing": (200, False), "staff": (60, False)}


def _texts_checked(given: dict) -> dict:
    """Every free text of an action checked (``jiuzhu.text``): no control character reaches a notice."""
    for name, (most, lines) in TEXTS.items():
        if isinstance(given.get(name), str):
            given[name] = _checked(given[name], name, most, lines)
        elif isinstance(given.get(name), list):
            given[name] = [_checked(v, name, most, lines) for v in given[name]]
    return given


def _checked(value: str, name: str, most: int, lines: bool) -> str:
    """One text checked, the message naming the field by its title (书面理由), the error's field its code."""
    try:
        return check_text(value, words.field_title(name), most=most, lines=lines)
    except JiuzhuError as exc:
        exc.field = name
        raise


def act(session: Session, principal: Principal, case_no: str, action: str, *, expected_version: int | None = None,
        deciding: bool | None = None, **fields) -> Case:
    """Do ``action`` on the case with ``fields`` (None values are left out). ``deciding``: True for the decisions
    only, False for every other action only, None for all (the CLI's operator)."""
    names = [a for a in ACTIONS if deciding is None or (a in DECISIONS) == deciding]
    if action not in names:
        raise JiuzhuError(t(UNKNOWN_ACTION, action=action, actions=words.choices(
            {a: machine.ACTION_TITLES[a] for a in names})), field="action")
    func, takes = ACTIONS[action]
    given = _texts_checked({k: v for k, v in fields.items() if v is not None})
    extra = sorted(set(given) - takes)
    if extra:
        raise JiuzhuError(t(NOT_TAKEN, action=action, fields=t(", ").join(map(words.field_title, extra))),
                          field=extra[0])
    need = REQUIRED.get(action)
    if need and need not in given:
        raise JiuzhuError(t(NEEDED, action=action, field=words.field_title(need)), field=need)
    if action == "propose":
        case = service.get_case(session, principal, case_no)
        if case.kind == "review":
            given.pop("note", None)
            return reviews.propose(session, principal, case_no, expected_version=expected_version, **given)
        if "taper_from" in given:  # the taper is a review's: an application has no enrolment to taper
            raise JiuzhuError(t(NOT_TAKEN, action=action, fields=words.field_title("taper_from")),
                              field="taper_from")
        return steps.propose(session, principal, case_no, expected_version=expected_version, **given)
    if action == "verify":
        return func(session, principal, case_no, given.pop("verification_id"), expected_version=expected_version)
    return func(session, principal, case_no, expected_version=expected_version, **given)
