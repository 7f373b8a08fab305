"""Households for evaluation from an interchange file (the registry is read through a Parquet snapshot:
``rules.inputs.population``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from jiuzhu.errors import RecordErrors
from jiuzhu.registry import interchange
from jiuzhu.registry import schemas as s


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
