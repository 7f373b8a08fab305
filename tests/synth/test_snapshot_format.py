"""The snapshot's registry files carry exactly the database columns; the manifest tells the truth."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq

from jiuzhu.db import Base
from jiuzhu.exchange.records import DEPARTMENT_SCHEMAS
from jiuzhu.registry import models  # noqa: F401  (registers the tables)
from jiuzhu.registry.parquet import REGISTRY_TABLES


def test_registry_files_have_exactly_the_db_columns_with_fen_and_date32(snapshot):
    out, _ = snapshot
    for table in REGISTRY_TABLES:
        schema = pq.read_schema(out / "registry" / f"{table}.parquet")
        assert schema.names == [c.name for c in Base.metadata.tables[table].columns], table
        for field in schema:
            if field.name.endswith("_fen") or field.name in ("wages", "pension"):
                assert field.type == pa.int64()
            if field.name in ("birth_date", "start_date", "as_of", "declared_on"):
                assert field.type == pa.date32()


def test_ids_are_pre_assigned_from_one_and_references_resolve(snapshot):
    out, _ = snapshot

    def read(t, cols):
        return pq.read_table(out / "registry" / f"{t}.parquet", columns=cols).to_pydict()

    households = read("households", ["id"])["id"]
    persons = read("persons", ["id"])["id"]
    assert households == list(range(1, len(households) + 1))
    assert persons == list(range(1, len(persons) + 1))
    members = read("members", ["person_id", "household_id"])
    assert sorted(members["person_id"]) == persons and set(members["household_id"]) == set(households)
    for t in ("financial_assets", "vehicles", "real_estate", "businesses", "supporters", "rigid_spending",
              "enrolments"):
        d = read(t, ["id", "person_id"])
        assert d["id"] == list(range(1, len(d["id"]) + 1)), t
        assert {p for p in d["person_id"] if p is not None} <= set(persons), t


def test_manifest_lists_parameters_files_and_counts(snapshot):
    out, summary = snapshot
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["district"] == "500111" and manifest["district_name"] == "大足区"
    assert manifest["seed"] == 5 and manifest["households"] == 5_000 and manifest["persons"] == summary.persons
    assert manifest["parameters"]["dibao.line.urban"] == "770" and manifest["parameters"]["dibao.line.rural"] == "630"
    assert len(manifest["income_months"]) == 12 and manifest["income_months"][-1] == "2025-08"
    for entry in manifest["files"]:
        assert pq.ParquetFile(out / entry["path"]).metadata.num_rows == entry["rows"]
    listed = {e["path"] for e in manifest["files"]}
    assert listed == ({f"registry/{t}.parquet" for t in REGISTRY_TABLES}
                      | {f"departments/{d}.parquet" for d in DEPARTMENT_SCHEMAS}
                      | {"truth/planted.parquet", "truth/differences.parquet"})
    assert summary.planted == manifest["planted"]
