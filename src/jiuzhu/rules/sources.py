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
    """Household documents from a JSON or JSON Lines file; any invalid record stops with its errors."""
    batch: list[s.Household] = []
    errors = []
    for record, data in interchange.read_documents(path):
        try:
            batch.append(service.parse_household(data, record=record))
        except RecordErrors as exc:
            errors += exc.errors
        if len(batch) == chunk:
            yield batch
            batch = []
    if errors:
        raise RecordErrors(errors)
    if batch:
        yield batch


def registry_frames(engine, month: str, folder: Path, *, area_code: str | None = None, chunk: int = 80_000,
                    system=None) -> Iterator:
    """Rules input frames for the whole registry (prepared with ``system``'s parameters), through a Parquet
    snapshot in ``folder`` and DuckDB (the scan's path): fast for large registries, where building documents
    household by household is not. What-if uses ``rules.whatif.run``, which prepares one frame per system."""
    from jiuzhu.registry.snapshot import export_registry
    from jiuzhu.rules.batch import frame_from_tables
    from jiuzhu.rules.inputs.population import Scope, chunks

    export_registry(engine, folder)
    for persons, households in chunks(folder, month, Scope(area=area_code), system=system, chunk_households=chunk):
        yield frame_from_tables(persons, households, month)
