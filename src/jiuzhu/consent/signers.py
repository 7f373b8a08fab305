"""Who signs a consent record, checked against domain.md §6 (pure over the household's members as read).

``needed`` finds the member among those who must authorize; ``signer`` settles who signs for them: the member
(``self``), a guardian (a minor's by default the parent the relations make certain; an adult's only with the basis
— no or limited capacity — and its document) or a written proxy (only with its reason).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jiuzhu.consent import parameters
from jiuzhu.consent import required as req
from jiuzhu.consent.models import CAPACITY
from jiuzhu.errors import JiuzhuError
from jiuzhu.i18n import N_, t
from jiuzhu.registry import models as rm
from jiuzhu.registry.privacy import mask_id
from jiuzhu.registry.validation import check_id_number


def needed(facts: list[tuple[req.MemberFacts, rm.Person]], member: str, on: dt.date) -> req.Requirement:
    found = [f for f, p in facts if p.id_number == member.strip().upper()]
    if not found:
        raise JiuzhuError(t(NOT_A_MEMBER, member=mask_id(member)), field="member")
    needs = {r.member.person_id: r for r in req.required([f for f, _ in facts], on)}
    if found[0].person_id not in needs:
        raise JiuzhuError(t(NOT_REQUIRED, name=found[0].name), field="member")
    return needs[found[0].person_id]


NOT_A_MEMBER = N_("{member} is not a member of this household")
NOT_REQUIRED = N_("{name} is not counted in the household or not alive: no authorization is needed")


@dataclass(frozen=True)
class Signer:
    """Who signs a record, checked."""

    role: str
    person_id: int | None
    name: str
    id_number: str | None
    relation: str | None
    capacity_basis: str | None
    document: str | None
    proxy_reason: str | None


def signer(facts, need: req.Requirement, on: dt.date, *, role: str, signer: str | None, name: str | None,
            id_number: str | None, relation: str | None, capacity_basis: str | None, document: str | None,
            proxy_reason: str | None) -> Signer:
    """Who signs for ``need``, checked against domain.md §6: a minor through a guardian; a proxy only in writing
    with its reason; a guardian for an adult only with the basis (no or limited capacity) and its document."""
    people = {p.id_number: (f, p) for f, p in facts}
    subject = need.member
    if role not in ("self", "guardian", "proxy"):
        raise JiuzhuError(t(BAD_ROLE, role=role), field="signer_role")
    if need.role == "guardian" and role != "guardian":
        raise JiuzhuError(t(MINOR_NEEDS_GUARDIAN, name=subject.name), field="signer_role")
    _refuse_contradictions(subject, role, need, signer=signer, name=name, id_number=id_number, relation=relation,
                           capacity_basis=capacity_basis, document=document, proxy_reason=proxy_reason)
    if role == "self":
        person = people_by_id(facts, subject.person_id)
        return Signer("self", subject.person_id, subject.name, person.id_number, None, None, None, None)
    if role == "proxy":
        if not (proxy_reason or "").strip():
            raise JiuzhuError(t(PROXY_NEEDS_REASON, name=subject.name), field="proxy_reason")
        if not parameters.value("proxy_allowed_with_reason", on):
            raise JiuzhuError(t(PROXY_NOT_ALLOWED), field="signer_role")
        if not (document or "").strip():
            raise JiuzhuError(t(PROXY_NEEDS_DOCUMENT, name=subject.name), field="authority_document")
        capacity_basis = None  # refused above when given: "" is none
    else:
        capacity_basis = "minor" if need.role == "guardian" else capacity_basis
        if capacity_basis not in CAPACITY or capacity_basis == "minor" and need.role != "guardian":
            raise JiuzhuError(t(GUARDIAN_NEEDS_BASIS, name=subject.name), field="capacity_basis")
        if capacity_basis != "minor" and not (document or "").strip():
            raise JiuzhuError(t(GUARDIAN_NEEDS_DOCUMENT, name=subject.name), field="authority_document")
        if signer is None and not name and capacity_basis == "minor":
            signer, relation = _default_guardian(facts, subject, on), relation or "parent"
    who = _who(people, subject, signer=signer, name=name, id_number=id_number,
               relation=(relation or "").strip()[:20] or None)
    return Signer(role, *who, capacity_basis, (document or "").strip() or None,
                   (proxy_reason or "").strip() or None if role == "proxy" else None)


def _given(value: str | None) -> bool:
    return bool((value or "").strip())


def _refuse_contradictions(subject: req.MemberFacts, role: str, need: req.Requirement, **given: str | None) -> None:
    """What was given must fit the role; nothing given is silently dropped (a newcomer's --capacity with self, a
    reason with a guardian, a member and a name both as the signer were stored without them)."""
    if role == "self":
        extra = next((k for k, v in given.items() if _given(v)), None)
        if extra:
            raise JiuzhuError(t(NOT_FOR_SELF, name=subject.name), field=_FIELD.get(extra, extra))
        return
    if _given(given["signer"]) and (_given(given["name"]) or _given(given["id_number"])):
        raise JiuzhuError(t(SIGNER_TWICE), field="signer_name")
    if role == "proxy" and _given(given["capacity_basis"]):
        raise JiuzhuError(t(PROXY_NO_CAPACITY), field="capacity_basis")
    if role == "guardian" and _given(given["proxy_reason"]):
        raise JiuzhuError(t(GUARDIAN_NO_REASON), field="proxy_reason")
    if need.role == "guardian" and given["capacity_basis"] not in (None, "", "minor"):
        raise JiuzhuError(t(MINOR_NO_CAPACITY, name=subject.name), field="capacity_basis")


# The service's names of the inputs checked above (the faces rename them to their options or columns).
_FIELD = {"name": "signer_name", "id_number": "signer_id_number", "relation": "signer_relation",
          "document": "authority_document"}
NOT_FOR_SELF = N_("{name} signs personally (signer role self): a signer, relation, capacity basis, document or "
                  "proxy reason is for a guardian or a proxy; leave it out or choose that role")
SIGNER_TWICE = N_("name the signer once: a member of the household (their ID number) or a name with an ID number, "
                  "not both")
PROXY_NO_CAPACITY = N_("a proxy signs with a written authorization and its reason, not a capacity basis: for an "
                       "adult without capacity the guardian signs (signer role guardian)")
GUARDIAN_NO_REASON = N_("a proxy reason is for a written proxy (signer role proxy); a guardian signs with the "
                        "capacity basis and its document")
MINOR_NO_CAPACITY = N_("{name} is a minor: their guardian signs because of their age; leave the capacity basis out")
PROXY_NEEDS_DOCUMENT = N_("a proxy signs for {name} only with the written authorization (书面委托): give its number "
                          "or reference")
BAD_ROLE = N_("unknown signer role '{role}': use self, guardian or proxy")
MINOR_NEEDS_GUARDIAN = N_("{name} is a minor: a guardian signs for them (signer role guardian)")
PROXY_NEEDS_REASON = N_("a proxy signs for {name} only with a written authorization and its reason: give the reason")
PROXY_NOT_ALLOWED = N_("signing by proxy is not allowed on this date")
GUARDIAN_NEEDS_BASIS = N_("a guardian signs for the adult {name} only when they have no or limited capacity: give "
                          "the basis (no_capacity or limited_capacity)")
GUARDIAN_NEEDS_DOCUMENT = N_("a guardian signs for the adult {name} only with the guardianship document: give its "
                             "number or reference")
NO_GUARDIAN = N_("{name} is a minor and no parent of theirs is certain from the household: name the guardian")
SIGNER_NEEDED = N_("name who signs for {name}: a member of the household, or a name and an ID number")
SIGNER_IS_SUBJECT = N_("{name} cannot be their own guardian or proxy")


def people_by_id(facts, person_id: int) -> rm.Person:
    return next(p for f, p in facts if p.id == person_id)


def _default_guardian(facts, subject: req.MemberFacts, on: dt.date) -> str:
    candidates = req.guardian_candidates([f for f, _ in facts], subject, on)
    if not candidates:
        raise JiuzhuError(t(NO_GUARDIAN, name=subject.name), field="signer")
    return people_by_id(facts, candidates[0].person_id).id_number


def _who(people, subject: req.MemberFacts, *, signer, name, id_number, relation):
    """(person id, name, ID number, relation) of a guardian or proxy: a member by ID number, or named."""
    if signer is not None:
        found = people.get(signer.strip().upper())
        if found is None:
            raise JiuzhuError(t(NOT_A_MEMBER, member=mask_id(signer)), field="signer")
        f, p = found
        if f.person_id == subject.person_id:
            raise JiuzhuError(t(SIGNER_IS_SUBJECT, name=subject.name), field="signer")
        return p.id, p.name, p.id_number, relation
    if not (name or "").strip() or not (id_number or "").strip():
        raise JiuzhuError(t(SIGNER_NEEDED, name=subject.name), field="signer")
    try:
        checked = check_id_number(id_number.strip())
    except ValueError as exc:
        raise JiuzhuError(str(exc), field="signer_id_number") from None
    return None, name.strip()[:40], checked, relation
