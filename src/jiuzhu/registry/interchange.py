"""Import and export of households in the JSON interchange format.

A file is either one JSON document (one household, or a list of households) or
JSON Lines (one household per line, ``.jsonl``). Import keeps the good
households and reports the bad ones; each household is stored in its own
savepoint, so one that fails in the database leaves nothing half-written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.errors import JiuzhuError, RecordError, RecordErrors
from jiuzhu.registry import models as m
from jiuzhu.registry import service


@dataclass
class ImportReport:
    stored: list[str] = field(default_factory=list)
    rejected: list[RecordError] = field(default_factory=list)

    @property
    def rejected_households(self) -> int:
        return len({e.record for e in self.rejected})


def read_documents(path: Path) -> Iterator[tuple[str, object]]:
    """(record label, parsed JSON or the RecordError saying why it is not JSON) per household."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                yield f"{path.name} line {number}", _loads(line, f"{path.name} line {number}")
        return
    data = _loads(text, path.name)
    items = data if isinstance(data, list) else [data]
    for index, item in enumerate(items):
        yield (f"{path.name} item {index}" if isinstance(data, list) else path.name), item


def _loads(text: str, record: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        return RecordError(record, f"column {exc.colno}", f"not valid JSON: {exc.msg}")


def import_households(session: Session, path: Path, *, actor: str, reason: str) -> ImportReport:
    report = ImportReport()
    for record, data in read_documents(path):
        if isinstance(data, RecordError):
            report.rejected.append(data)
            continue
        if isinstance(data, dict) and isinstance(data.get("household_no"), str):
            record = f"{record} (household {data['household_no']})"
        try:
            doc = service.parse_household(data, record=record)
            with session.begin_nested():
                service.put_household(session, doc, actor=actor, reason=reason)
        except RecordErrors as exc:
            report.rejected.extend(exc.errors)
        except RecordError as exc:
            report.rejected.append(RecordError(record, exc.field, exc.reason))
        except JiuzhuError as exc:
            report.rejected.append(RecordError(record, "(household)", exc.message))
        else:
            report.stored.append(doc.household_no)
    return report


def export_households(session: Session, path: Path, *, actor: str, area_code: str | None = None,
                      batch: int = 500) -> int:
    """Write every household (of an area, if given) as JSON Lines; returns the count.

    The interchange file is complete personal data: the export is logged.
    """
    query = select(m.Household).order_by(m.Household.household_no)
    if area_code:
        query = query.where(m.Household.area_code.startswith(area_code))
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for chunk in session.scalars(query).partitions(batch):
            for doc in service.households_docs(session, list(chunk)):
                out.write(doc.model_dump_json(exclude_none=False) + "\n")
                count += 1
    service.log_access(session, actor=actor, action="export",
                       subject=f"json export of {count} households, area {area_code or 'all'}", unmasked=True)
    return count
