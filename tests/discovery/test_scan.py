"""The population scan finds the planted households, equals the reference inputs, and its incremental
mode equals a full scan."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiuzhu.db import session_scope
from jiuzhu.discovery import lists
from jiuzhu.discovery.flows import scan
from jiuzhu.discovery.scan import RESULTS_H, RESULTS_P, run_scan
from jiuzhu.registry import service
from tests.factories import households
from tests.rules.test_inputs_twins import store_and_compare


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.lists(households(), min_size=1, max_size=5),
       month=st.sampled_from(["2025-06", "2025-08", "2026-01"]))
def test_duckdb_inputs_equal_the_reference_inputs(tmp_path_factory, raw, month):
    """The scan's inputs (SQL over the registry's snapshot) equal the reference (Python over the stored documents)."""
    store_and_compare(tmp_path_factory.mktemp("eq"), raw, month)


def test_the_scan_finds_every_planted_household_and_no_boundary_false_positive(district, tmp_path):
    engine, snapshot = district
    outcome = scan(engine, month="2025-08", home=tmp_path, actor="test")
    planted = pq.read_table(snapshot / "truth" / "planted.parquet").to_pylist()
    rows = outcome.findings.to_pylist()
    entitled = {r["household_no"] for r in rows if r["list"] == lists.ENTITLED and r["programme"] == "dibao"}
    not_entitled = {r["household_no"] for r in rows if r["list"] == lists.NOT_ENTITLED and r["programme"] == "dibao"}
    by_kind: dict[str, set[str]] = {}
    for t in planted:
        by_kind.setdefault(t["kind"], set()).add(t["household_no"])
    assert by_kind["entitled_unenrolled"] and by_kind["entitled_unenrolled"] <= entitled
    assert by_kind["enrolled_not_entitled"] and by_kind["enrolled_not_entitled"] <= not_entitled
    assert by_kind["boundary_fen_below"] <= entitled
    assert not (by_kind["boundary_on_line"] & (entitled | not_entitled))
    reasons = {r["household_no"]: r["reason"] for r in rows
               if r["list"] == lists.NOT_ENTITLED and r["programme"] == "dibao"}
    details = {t["household_no"]: t["detail"] for t in planted if t["kind"] == "enrolled_not_entitled"}
    for household_no, detail in details.items():
        expected = {"wages": "家庭人均收入不低于低保标准", "car": "有机动车", "deposits": "人均金融资产超过限额"}
        condition = detail.split(":")[0].removeprefix("condition=")
        assert expected[condition] in reasons[household_no], (household_no, reasons[household_no])


def test_an_incremental_scan_equals_a_full_scan(district, tmp_path):
    engine, _ = district
    first = scan(engine, month="2025-08", home=tmp_path, actor="test")
    # Change some households: a raise for one, a car for another, a new member's income for a third.
    with session_scope(engine) as session:
        nos = [r["household_no"] for r in first.findings.to_pylist()][:3]
        for i, no in enumerate(nos):
            data = service.household_doc(session, service.get_household(session, no)).model_dump(mode="json")
            member = data["members"][0]
            if i == 0:
                member["incomes"] = [dict(m, wages="9000.00") for m in member["incomes"]] or \
                    [{"month": "2025-07", "wages": "9000.00"}]
            elif i == 1:
                member["vehicles"].append({"kind": "car", "plate": None, "value": "60000.00",
                                           "mobility_for_disabled": False})
            else:
                member["financial_assets"].append({"kind": "deposit", "institution": "银行", "amount": "900000.00",
                                                   "as_of": "2025-07-31"})
            service.put_household(session, service.parse_household(data, record=no), actor="t", reason="change")
    incremental = scan(engine, month="2025-08", home=tmp_path, actor="test")
    full = scan(engine, month="2025-08", home=tmp_path, actor="test", full=True)
    assert incremental.previous_folder is not None
    assert 1 <= incremental.result.evaluated_households <= 3
    inc = incremental.result
    assert inc.reused_households == inc.households - inc.evaluated_households
    for name, key in ((RESULTS_H, ["household_id"]), (RESULTS_P, ["person_id"])):
        a = pq.read_table(incremental.folder / name).sort_by([(k, "ascending") for k in key])
        b = pq.read_table(full.folder / name).sort_by([(k, "ascending") for k in key])
        assert a.cast(b.schema).equals(b), name  # the merged file is nullable, values must be equal
    changed = {r["household_no"] for r in incremental.findings.to_pylist() if r["change"] == "new"}
    resolved = {r["household_no"] for r in incremental.resolved.to_pylist()}
    assert changed | resolved, "the changes must show up as new or resolved entries"


def test_a_scan_of_one_township_covers_only_it(district, tmp_path):
    _, snapshot = district
    run = run_scan(snapshot, "2025-08", tmp_path / "one", area="500111119")
    table = pq.read_table(tmp_path / "one" / RESULTS_H)
    assert run.households == table.num_rows > 0
    assert all(code.startswith("500111119") for code in table.column("area_code").to_pylist())
    assert json.loads((tmp_path / "one" / "scan.json").read_text())["area"] == "500111119"


def test_scanning_in_many_parts_and_chunks_equals_one_pass(district, tmp_path):
    _, snapshot = district
    one = run_scan(snapshot, "2025-08", tmp_path / "one", workers=1)
    many = run_scan(snapshot, "2025-08", tmp_path / "many", workers=2, part_households=300, chunk_households=97)
    assert (one.households, one.persons) == (many.households, many.persons)
    for name, key in ((RESULTS_H, "household_id"), (RESULTS_P, "person_id")):
        a = pq.read_table(tmp_path / "one" / name).sort_by(key)
        b = pq.read_table(tmp_path / "many" / name).sort_by(key)
        assert a.equals(b), name


def test_fingerprints_do_not_depend_on_row_numbers(district, tmp_path):
    import shutil

    import pyarrow.compute as pc

    _, snapshot = district
    first = run_scan(snapshot, "2025-08", tmp_path / "first")
    copy_dir = tmp_path / "snap"
    shutil.copytree(snapshot / "registry", copy_dir / "registry")
    households = pq.read_table(copy_dir / "registry" / "households.parquet")
    lowest = pc.min(households.column("id")).as_py()
    pq.write_table(households.filter(pc.not_equal(households.column("id"), lowest)),
                   copy_dir / "registry" / "households.parquet")
    second = run_scan(copy_dir, "2025-08", tmp_path / "second", previous=tmp_path / "first")
    # Every remaining household moved up one row, and none needs evaluating again.
    assert second.households == first.households - 1
    assert (second.evaluated_households, second.reused_households) == (0, second.households)
