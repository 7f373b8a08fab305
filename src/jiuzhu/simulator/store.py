"""The departments' records, read once from ``<data>/departments/<records>.parquet`` (exchange.records'
schemas) and indexed by the subject's ID number; banks, insurers and securities firms split by institution.
Only the departments' files are read: never the registry or the truth of the synthetic district."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq

from jiuzhu.errors import ConfigurationError
from jiuzhu.exchange import reading
from jiuzhu.exchange.adapters import adapter_for
from jiuzhu.exchange.records import DEPARTMENT_SCHEMAS
from jiuzhu.exchange.sources import INSTITUTIONS, EndpointSpec
from jiuzhu.i18n import N_, t

NOT_RECORDS = N_("{path} is not the district's {records} records (a Parquet file with their columns): write the "
                 "district again with jiuzhu synth")


class Store:
    def __init__(self, data: Path) -> None:
        self.folder = Path(data) / "departments"
        # A mistyped folder must not serve "no record" for everyone: a verification would read as complete with
        # nothing owned. Only a district missing some files (an older one) answers none for those.
        if not self.folder.is_dir():
            raise ConfigurationError(t("{path} holds no departments' records (no folder {folder}): give the "
                                       "folder a synthetic district was written to (jiuzhu synth --out)",
                                       path=data, folder=self.folder))
        self._tables: dict[str, list[dict]] = {}
        self.missing: set[str] = set()

    def _rows(self, records: str) -> list[dict]:
        if records not in self._tables:
            path = self.folder / f"{records}.parquet"
            if not path.exists() or records not in DEPARTMENT_SCHEMAS:
                self.missing.add(records)
                self._tables[records] = []
            else:
                try:
                    schema = DEPARTMENT_SCHEMAS[records]
                    table = pq.read_table(path, columns=schema.names).cast(schema)
                except OSError as exc:
                    raise ConfigurationError(t("cannot read {path}: {cause}", path=path,
                                               cause=reading.cause(exc))) from None
                except ValueError:  # pyarrow's ArrowInvalid: not Parquet, or not these records' columns
                    raise ConfigurationError(t(NOT_RECORDS, path=path, records=records)) from None
                self._tables[records] = table.to_pylist()
        return self._tables[records]

    def index(self, spec: EndpointSpec) -> dict[str, list[dict]]:
        """ID number → the endpoint's records about that person (empty when the district has none)."""
        out: dict[str, list[dict]] = defaultdict(list)
        records, adapter = spec.kind.records, adapter_for(spec.endpoint)
        if records is None or adapter.to_items is None:
            return out
        column = INSTITUTIONS[spec.kind.kind][0] if spec.institution else None
        for row in self._rows(records):
            if column is None or row[column] == spec.institution:
                out[row[adapter.key]].append(row)
        return out
