"""The registry enrolments a case starts or ends, written through the household's document
(``registry.service.put_household``): every value that changes is a row of the registry's change log, with the
case as its reason, and the document's own checks hold (an enrolment starts at most 62 days ahead, a taper only on
低保 …). The registry replaces a household's enrolment rows whenever its document is stored, so a case keeps what it
did by programme and person (``case_enrolments``), not by row id: UNIQUE (case, programme, person, effect), what a
rerun reads to do nothing twice."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.access import Principal
from jiuzhu.casework.models import Case, CaseEnrolment
from jiuzhu.i18n import N_, t
from jiuzhu.money import fen_to_yuan, yuan_to_fen
from jiuzhu.registry import models as rm
from jiuzhu.registry import service as registry

REASON = N_("case {case}: {what}")


def document(session: Session, case: Case) -> dict:
    """The household's document as the registry holds it now (JSON values, identifiers in full)."""
    return registry.household_doc(session, session.get(rm.Household, case.household_id)).model_dump(mode="json")


def save(session: Session, principal: Principal, case: Case, data: dict, what: str) -> None:
    """Store the changed document: the registry logs each value changed, the case named as the reason."""
    doc = registry.parse_household(data, record=case.case_no)
    registry.put_household(session, doc, actor=principal.username, reason=t(REASON, case=case.case_no, what=what))


def running(data: dict, programme: str, id_number: str | None, on: dt.date) -> list[dict]:
    """The document's enrolments of ``programme`` (and person) still running on ``on``."""
    return [e for e in data.get("enrolments", [])
            if e["programme"] == programme and e.get("id_number") == id_number
            and (not e.get("end_date") or dt.date.fromisoformat(e["end_date"]) >= on)]


def entry(programme: str, id_number: str | None, fen: int, start: dt.date, reviewed: dt.date | None,
          taper_from: str | None) -> dict:
    return {"programme": programme, "id_number": id_number, "monthly_amount": f"{fen_to_yuan(int(fen)):.2f}",
            "start_date": start.isoformat(), "end_date": None,
            "last_review": reviewed.isoformat() if reviewed else None,
            "taper_from": taper_from if programme == "dibao" else None}


def fen_of(e: dict) -> int:
    return yuan_to_fen(e["monthly_amount"])


def person_key(session: Session, id_number: str | None) -> str:
    if id_number is None:
        return "-"
    return str(session.scalar(select(rm.Person.id).where(rm.Person.id_number == id_number)))


def linked(session: Session, case: Case, programme: str, key: str, effect: str) -> bool:
    return session.scalar(select(CaseEnrolment.id).where(
        CaseEnrolment.case_id == case.id, CaseEnrolment.programme == programme, CaseEnrolment.person_key == key,
        CaseEnrolment.effect == effect)) is not None


def link(session: Session, case: Case, programme: str, key: str, effect: str, day: dt.date, fen: int) -> None:
    session.add(CaseEnrolment(case_id=case.id, programme=programme, person_key=key, effect=effect, day=day,
                              monthly_amount_fen=int(fen)))
    session.flush()
