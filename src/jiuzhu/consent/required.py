"""Who must authorize the verification of a household on a date (pure: no database).

Every member who is **present** (born and alive on the date) and **counted** (共同生活家庭成员; an excluded member
— in prison, missing … — is not looked up, so signs nothing) authorizes for themself:

- an adult (18 or older, 《民法典》第十七条) personally (``self``), or by a written proxy with the reason they
  cannot sign (``proxy``, 书面委托, domain.md §6), or through a guardian when the caseworker records that the adult
  has no or limited capacity (``guardian`` with its basis and document, 《民法典》第二十一条、第二十二条);
- a minor through a guardian (``guardian``, basis ``minor``, 《民法典》第二十七条): by default a present adult member
  the household's relations make certainly a parent (``guardian_candidates``), else one the caseworker names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

ADULT_AGE = 18  # 成年 (《民法典》第十七条); the same figure as rules.inputs.facts.ADULT_AGE (rules is above us)

# What a member's relation to the head says about who is certainly their parent, by the parent's relation to the
# head (the rules' KINSHIP table, certain parent pairs only: a grandchild's parent is not certain from it).
CERTAIN_PARENTS: dict[str, tuple[str, ...]] = {
    "child": ("head", "spouse"),
    "head": ("parent",),
    "sibling": ("parent",),
}


@dataclass(frozen=True)
class MemberFacts:
    """What the rule needs of a member (built from the registry's rows by the service)."""

    person_id: int
    name: str
    relation: str
    birth_date: dt.date | None
    death_date: dt.date | None
    counted: bool
    position: int = 0


@dataclass(frozen=True)
class Requirement:
    """One member who must authorize: ``role`` is who signs by default (``self`` or ``guardian``)."""

    member: MemberFacts
    role: str
    capacity_basis: str | None  # "minor" for a minor; None for an adult (a caseworker may record another)


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def is_adult(member: MemberFacts, on: dt.date) -> bool:
    """Unknown birth date: treated as an adult, who must sign personally (the stricter reading)."""
    return member.birth_date is None or age_on(member.birth_date, on) >= ADULT_AGE


def present(member: MemberFacts, on: dt.date) -> bool:
    born = member.birth_date is None or member.birth_date <= on
    return born and not (member.death_date and member.death_date <= on)


def required(members: list[MemberFacts], on: dt.date) -> list[Requirement]:
    """The members who must authorize on ``on``, in member order."""
    out = []
    for m in sorted(members, key=lambda m: m.position):
        if not (m.counted and present(m, on)):
            continue
        out.append(Requirement(m, "self", None) if is_adult(m, on) else Requirement(m, "guardian", "minor"))
    return out


def guardian_candidates(members: list[MemberFacts], minor: MemberFacts, on: dt.date) -> list[MemberFacts]:
    """Present adult members certainly a parent of ``minor`` (head and spouse for a child of the head …)."""
    parents = CERTAIN_PARENTS.get(minor.relation, ())
    return [m for m in sorted(members, key=lambda m: m.position)
            if m.person_id != minor.person_id and m.relation in parents and present(m, on) and is_adult(m, on)]
