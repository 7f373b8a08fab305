"""Digitising a township's signed paper forms in bulk (``jiuzhu consent import FILE.csv``): each row is a request
and its decision, ``method = paper``, valid from the day it was signed.

A batch keeps the good rows and reports the bad, each as ``row N: field: reason`` (one savepoint per row: a bad row
leaves nothing behind). Columns (docs/consent.md): household_no, id_number, signed_on, form, and optionally
purpose_kind, purpose_ref, signer_role, signer_id_number, signer_name, signer_relation, capacity_basis,
authority_document, proxy_reason, decision (given, the default, or refused).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from jiuzhu import clock
from jiuzhu.access import Permission, Principal
from jiuzhu.consent import service
from jiuzhu.consent.service import Purpose
from jiuzhu.errors import ConflictError, JiuzhuError, NotFoundError, RecordError
from jiuzhu.i18n import N_, t

REQUIRED = ("household_no", "id_number", "signed_on", "form")
COLUMNS = (*REQUIRED, "purpose_kind", "purpose_ref", "signer_role", "signer_id_number", "signer_name",
           "signer_relation", "capacity_basis", "authority_document", "proxy_reason", "decision")
ROW = N_("row {n}")
MISSING = N_("is empty: every row needs it")
BAD_DAY = N_("'{value}' is not a day (YYYY-MM-DD)")
FUTURE_DAY = N_("{value} is in the future")
BAD_DECISION = N_("'{value}': use given or refused")
MISSING_COLUMNS = N_("the file has no column {columns}: its first row names the columns ({expected})")


class RecordErrorAt(Exception):
    """A column of the row at fault (the row number is added by the caller)."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


@dataclass
class PaperImport:
    record_ids: list[str] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # rows identical to a record already imported: its record ID


class AlreadyImported(Exception):  # noqa: N818 - not an error: the row is there already
    def __init__(self, record_id: str) -> None:
        super().__init__(record_id)
        self.record_id = record_id


def check_columns(header: Iterable[str]) -> None:
    """Every required column there, and no column the import does not know: a misspelt optional column
    (signer_relaton …) was read as absent and its values dropped silently."""
    header = [h for h in header if h]
    missing = [c for c in REQUIRED if c not in set(header)]
    if missing:
        raise JiuzhuError(t(MISSING_COLUMNS, columns=", ".join(missing), expected=", ".join(COLUMNS)))
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise JiuzhuError(t(UNKNOWN_COLUMNS, columns=", ".join(unknown), expected=", ".join(COLUMNS)))


UNKNOWN_COLUMNS = N_("the file has columns the import does not know: {columns} (check their spelling; the columns "
                     "are {expected})")


def import_paper_forms(session: Session, principal: Principal, rows: Iterable[dict[str, str]], *,
                       first_row: int = 2) -> PaperImport:
    """Each row a request and its decision on paper; ``first_row``: the number of the first data row (2 in a CSV
    file whose first line names the columns)."""
    principal.require(Permission.CONSENT_MANAGE)
    done = PaperImport()
    for n, row in enumerate(rows, start=first_row):
        try:
            with session.begin_nested():
                done.record_ids.append(_one(session, principal, {k: (v or "").strip() for k, v in row.items()}))
        except AlreadyImported as exc:  # the same file run again: each form is counted once, never an error
            done.already.append(exc.record_id)
        except JiuzhuError as exc:
            done.errors.append(exc if isinstance(exc, RecordError)
                               else RecordError(t(ROW, n=n), _field(exc), exc.message))
        except RecordErrorAt as exc:
            done.errors.append(RecordError(t(ROW, n=n), exc.column, exc.reason))
    return done


# The service's names of inputs that are columns of other names here.
_COLUMN = {"member": "id_number", "purpose": "purpose_kind", "signer": "signer_id_number"}


def _field(exc: JiuzhuError) -> str:
    """The column at fault: the service's field renamed, else the column its kind of refusal is about — a household
    not found is the row's household_no, a record already live for the purpose its id_number (never "-")."""
    if exc.field:
        return _COLUMN.get(exc.field, exc.field)
    if isinstance(exc, NotFoundError):
        return "household_no"
    if isinstance(exc, ConflictError):
        return "id_number"
    return "-"


def _one(session: Session, principal: Principal, row: dict[str, str]) -> str:
    for column in REQUIRED:
        if not row.get(column):
            raise RecordErrorAt(column, t(MISSING))
    signed_on = _day(row["signed_on"])
    decision = row.get("decision") or "given"
    if decision not in ("given", "refused"):
        raise RecordErrorAt("decision", t(BAD_DECISION, value=decision))
    signer = row.get("signer_id_number") or None
    named = bool(row.get("signer_name"))
    same = _same_record(session, row, signed_on, decision)
    if same is not None:
        raise AlreadyImported(same)
    view = service.request(
        session, principal, household_no=row["household_no"], member=row["id_number"],
        purpose=Purpose(row.get("purpose_kind") or "application", row.get("purpose_ref") or ""),
        signer_role=row.get("signer_role") or None, signer=None if named else signer,
        signer_name=row.get("signer_name") or None, signer_id_number=signer if named else None,
        signer_relation=row.get("signer_relation") or None, capacity_basis=row.get("capacity_basis") or None,
        authority_document=row.get("authority_document") or None, proxy_reason=row.get("proxy_reason") or None,
        on=signed_on)
    evidence = {"form": row["form"], "signed_on": signed_on.isoformat(), "imported": True}
    if decision == "given":
        service.give(session, principal, view.record_id, method="paper", evidence=evidence, on=signed_on)
    else:
        service.refuse(session, principal, view.record_id, method="paper", evidence=evidence)
    return view.record_id


def _same_record(session: Session, row: dict[str, str], signed_on: dt.date, decision: str) -> str | None:
    """The record ID of a record identical to the row — the same member, purpose, reference, signer and form,
    decided the same way on the same day — when the file was imported before; else None. A row that differs in
    any of these (another form for a member already authorized …) is no repeat: the service refuses it as usual."""
    from sqlalchemy import select

    from jiuzhu.consent.models import ConsentRecord
    from jiuzhu.registry import models as rm

    person = session.scalars(select(rm.Person).where(rm.Person.id_number == row["id_number"].upper())).first()
    if person is None:
        return None
    records = session.scalars(select(ConsentRecord).where(
        ConsentRecord.person_id == person.id, ConsentRecord.method == "paper",
        ConsentRecord.purpose_kind == (row.get("purpose_kind") or "application"),
        ConsentRecord.purpose_ref == (row.get("purpose_ref") or ""))).all()
    event = "give" if decision == "given" else "refuse"
    for rec in records:
        if rec.status != "invalidated" and _same_signer(session, rec, row) and any(
                e.get("imported") and e.get("form") == row["form"] and e.get("signed_on") == signed_on.isoformat()
                and e.get("event") == event for e in rec.evidence or []):
            return rec.record_id
    return None


def _same_signer(session: Session, rec, row: dict[str, str]) -> bool:
    """The row's signer (when it names one) is the record's: its role, its ID number."""
    from jiuzhu.registry import models as rm

    if row.get("signer_role") and row["signer_role"] != rec.signer_role:
        return False
    signer = (row.get("signer_id_number") or "").upper()
    if not signer:
        return True
    person = session.get(rm.Person, rec.signer_person_id) if rec.signer_person_id else None
    return signer in {(rec.signer_id_number or "").upper(), (person.id_number if person else "").upper()}


def _day(value: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise RecordErrorAt("signed_on", t(BAD_DAY, value=value)) from None
    if day > clock.today():
        raise RecordErrorAt("signed_on", t(FUTURE_DAY, value=value))
    return day
