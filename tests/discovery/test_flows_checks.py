"""A scan checks what it is given before any work: one line each, nothing written (no folder at all)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jiuzhu.db import session_scope
from jiuzhu.discovery import flows
from jiuzhu.errors import JiuzhuError
from jiuzhu.registry import service
from jiuzhu.registry.parquet import registry_schema
from jiuzhu.rules import law
from jiuzhu.rules.explain import evaluate


@pytest.fixture
def one_household(sqlite_engine, example_data):
    """A registry holding the example household, in 铁山镇 (500111119) of 大足区."""
    with session_scope(sqlite_engine) as session:
        service.put_household(session, service.parse_household(example_data, record="x"), actor="t", reason="t")
    return sqlite_engine


def refused(engine, home, **kw) -> str:
    with pytest.raises(JiuzhuError) as caught:
        flows.scan(engine, home=home, actor="t", workers=1, **({"month": "2025-08"} | kw))
    assert not (home / flows.SCANS).exists(), "a refused scan must leave nothing behind"
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_an_empty_registry_is_refused_before_any_folder(sqlite_engine, tmp_path):
    assert refused(sqlite_engine, tmp_path) == ("the registry holds no household: import households (jiuzhu import) "
                                                "or load a district (jiuzhu load) first")


def test_an_empty_registry_is_refused_in_chinese(sqlite_engine, tmp_path, zh):
    assert refused(sqlite_engine, tmp_path).startswith("登记库里还没有户：请先导入户（jiuzhu import）")


def test_an_area_without_households_is_refused_by_name(one_household, tmp_path):
    assert refused(one_household, tmp_path, area="500103") == (
        "the registry holds no household in area 500103 (渝中区): import or load its households first")


@pytest.mark.parametrize("area", ["abc", "5001", "5001111190", "500111119S2", "500111 ", ""])
def test_a_malformed_area_is_refused(one_household, tmp_path, area):
    assert refused(one_household, tmp_path, area=area).startswith(f"area '{area}' is not an area code")


@pytest.mark.parametrize("area", ["999999", "500111999"])
def test_an_unknown_area_is_refused(one_household, tmp_path, area):
    assert refused(one_household, tmp_path, area=area).startswith(f"{area} is not an area code: neither an official")


def test_a_synthetic_community_is_an_area_code_like_any(one_household, tmp_path):
    """The one syntax of an area code (registry.areas.check_code) takes a synthetic community's code."""
    assert refused(one_household, tmp_path, area="500111119S02").startswith("500111119S02 is not an area code: "
                                                                             "neither an official")


@pytest.mark.parametrize("month", ["2025-13", "2025-00", "2025-8", "August", "2025-08-01", "25-08", ""])
def test_a_malformed_month_is_refused(one_household, tmp_path, month):
    assert refused(one_household, tmp_path, month=month).startswith(f"month '{month}' is not a month")


def test_a_malformed_month_is_refused_in_chinese(one_household, tmp_path, zh):
    assert refused(one_household, tmp_path, month="2025-13") == "月份“2025-13”不是有效月份：请写成 YYYY-MM，如 2025-08"


def test_a_month_before_the_rules_in_force_is_refused(one_household, tmp_path):
    first = law.in_force_from()
    year, month = int(first[:4]), int(first[5:])
    before = f"{year}-{month - 1:02d}" if month > 1 else f"{year - 1}-12"
    assert refused(one_household, tmp_path, month=before) == (
        f"month {before} is before the rules in force ({first}): choose {first} or a later month")
    assert refused(one_household, tmp_path, month="1999-01").startswith("month 1999-01 is before")


def test_the_rules_in_force_from_is_the_first_month_they_can_decide(example_data):
    """The law of the check: the rules decide the example household in the first month, not in the one before."""
    first = law.in_force_from()
    assert "2018-01" < first <= "2025-08"
    doc = service.parse_household(example_data, record="x")
    assert evaluate([doc], first, lang="en")[0]["programmes"]
    year, month = int(first[:4]), int(first[5:])
    before = f"{year}-{month - 1:02d}" if month > 1 else f"{year - 1}-12"
    with pytest.raises(JiuzhuError, match=f"month {before} is before the rules in force"):
        evaluate([doc], before, lang="en")  # refused by the one check (law.check_month), not by OpenFisca


@pytest.mark.parametrize("by", ["village", "Township", ""])
def test_an_unknown_workbook_grouping_is_refused_before_the_scan(one_household, tmp_path, by):
    assert refused(one_household, tmp_path, workbooks=by).startswith(f"workbooks by '{by}': choose township")


def test_a_missing_snapshot_is_refused(one_household, tmp_path):
    assert refused(one_household, tmp_path, snapshot=tmp_path / "nowhere") == f"{tmp_path / 'nowhere'}: no such folder"


def test_a_folder_that_is_no_snapshot_is_refused_naming_what_it_lacks(one_household, tmp_path):
    (tmp_path / "snap" / "registry").mkdir(parents=True)
    assert refused(one_household, tmp_path, snapshot=tmp_path / "snap").endswith("(it has no registry/persons.parquet)")


def test_an_empty_snapshot_is_refused(one_household, tmp_path):
    folder = tmp_path / "snap" / "registry"
    folder.mkdir(parents=True)
    for table in ("households", "persons"):
        pq.write_table(pa.Table.from_pylist([], schema=registry_schema(table)), folder / f"{table}.parquet")
    assert refused(one_household, tmp_path, snapshot=tmp_path / "snap").startswith("the registry holds no household")


def test_the_checks_pass_a_good_request(one_household):
    for area in ("500111119", "500111", None):
        assert flows.check_scan(one_household, month="2025-08", area=area, workbooks="community") == 1
    assert flows.check_scan(one_household, month=law.in_force_from()) == 1


def test_an_empty_registry_is_refused_on_both_backends(engine, tmp_path):
    assert refused(engine, tmp_path).startswith("the registry holds no household")


def test_a_scan_runs_on_both_backends_once_a_household_is_there(engine, tmp_path, example_data):
    with session_scope(engine) as session:
        service.put_household(session, service.parse_household(example_data, record="x"), actor="t", reason="t")
    outcome = flows.scan(engine, month="2025-08", home=tmp_path, actor="t", workers=1, area="500111119")
    assert outcome.run_id is not None and outcome.result.households == 1
    assert [p.name for p in (tmp_path / flows.SCANS).iterdir()] == [outcome.folder.name]
