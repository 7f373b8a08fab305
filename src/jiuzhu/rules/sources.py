"""Where households for evaluation come from: the registry database or an interchange file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.errors import RecordErrors
from jiuzhu.registry import interchange, service
from jiuzhu.registry import models as m
from jiuzhu.registry import schemas as s


def registry_households(session: Session, *, area_code: str | None = None, chunk: int = 1000
                        ) -> Iterator[list[s.Household]]:
    """Household documents from the registry, ``chunk`` at a time, in household-number order."""
    query = select(m.Household).order_by(m.Household.id)
    if area_code:
        query = query.where(m.Household.area_code.startswith(area_code))
    for part in session.scalars(query).partitions(chunk):
        yield service.households_docs(session, list(part))


def file_households(path: Path, *, chunk: int = 1000) -> Iterator[list[s.Household]]:
    """Household documents from a JSON or JSON Lines file; any invalid record stops with its errors (each naming
    the record, its household and the field)."""
    interchange.check_file(path)
    batch: list[s.Household] = []
    errors = []
    for record, data in interchange.read_documents(path):
        try:
            batch.append(interchange.parse_record(record, data)[1])
        except RecordErrors as exc:
            errors += exc.errors
        if len(batch) == chunk:
            yield batch
            batch = []
    if errors:
        raise RecordErrors(errors)
    if batch:
        yield batch
