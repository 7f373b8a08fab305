"""The sources catalogue against the synthetic district and the departments' record format."""

from __future__ import annotations

from jiuzhu.exchange.adapters import ADAPTERS, adapter_for
from jiuzhu.exchange.format import UNITS
from jiuzhu.exchange.records import DEPARTMENT_SCHEMAS
from jiuzhu.exchange.sources import INSTITUTIONS, KINDS, REF_KINDS, catalogue, kind_of
from jiuzhu.synth import economy


def test_the_institutions_are_the_synthetic_districts():
    assert sorted(INSTITUTIONS["bank"][1].values()) == sorted(economy.BANKS)
    assert sorted(INSTITUTIONS["insurer"][1].values()) == sorted(economy.INSURERS)
    assert sorted(INSTITUTIONS["securities"][1].values()) == sorted(economy.SECURITIES_FIRMS)
    for kind, (column, _names) in INSTITUTIONS.items():
        assert column in DEPARTMENT_SCHEMAS[KINDS[kind].records].names


def test_37_endpoints_each_with_an_adapter_and_known_units():
    endpoints = catalogue()
    assert len(endpoints) == 16 + 12 + 5 + 4
    for name, spec in endpoints.items():
        assert kind_of(name) is spec.kind and adapter_for(name).kind is spec.kind
        assert all(i.unit in UNITS for i in spec.kind.items)
    assert set(ADAPTERS) == set(KINDS)


def test_a_kind_with_records_names_a_known_records_file_and_its_key_column():
    for kind, adapter in ADAPTERS.items():
        records = KINDS[kind].records
        if adapter.to_items is not None:
            assert records in DEPARTMENT_SCHEMAS, kind
            assert adapter.key in DEPARTMENT_SCHEMAS[records].names, kind


def test_a_record_without_a_value_gives_no_item_never_a_zero():
    import datetime as dt

    row = {"id_number": "500111198703124518", "name": "张伟", "month": "2025-07", "scheme": "城镇职工",
           "amount_fen": 300000, "central_basic_fen": None}
    items = adapter_for("hrss.pensions").items([row], as_of=dt.date(2025, 8, 31), months=None,
                                                categories=["income"])
    assert [(i.item, i.value, i.as_of) for i in items] == [("pension", 300000, dt.date(2025, 7, 31))]


def test_every_kind_answers_from_its_own_records_file():
    # Since the synthetic district has a file for every source, no kind answers none for want of records.
    for kind, adapter in ADAPTERS.items():
        assert adapter.to_items is not None and KINDS[kind].records in DEPARTMENT_SCHEMAS, kind
    assert KINDS["civil_affairs.funeral"].records == "funeral"  # the funeral homes' file, not public security's


def test_the_docs_sources_table_lists_each_kinds_items_and_records_file():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "exchange.md").read_text(encoding="utf-8")
    for kind in KINDS.values():
        shown = kind.kind if kind.kind not in INSTITUTIONS else f"{kind.kind}.<code>"
        row = next((line for line in doc.splitlines() if line.startswith(f"| `{shown}`")), None)
        assert row, kind.kind
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[-1].split()[0] == kind.records, kind.kind
        for item in kind.items:
            assert item.name.split(".")[-1] in cells[2], (kind.kind, item.name)
            assert item.unit in cells[2], (kind.kind, item.name)


def test_each_ref_is_of_a_known_kind_and_the_spouse_is_an_id_number():
    assert {i.ref for k in KINDS.values() for i in k.items} <= {None, *REF_KINDS}
    assert KINDS["civil_affairs.marriage"].item("marital_status").ref == "id_number"  # masked as an ID number
