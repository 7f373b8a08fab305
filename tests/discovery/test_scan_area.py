"""A scan of an area lists and writes workbooks for the households of that area only (finding 1 of the newcomer
test: a township's scan listed living people of other townships as 享而不应, 'every member has died'), and an
area code's trailing zero pairs are levels (500000 is every household of 重庆)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select

from jiuzhu import migrate
from jiuzhu.db import make_engine, session_scope
from jiuzhu.discovery import flows
from jiuzhu.discovery.lists import NOT_ENTITLED
from jiuzhu.registry import models as m


@pytest.fixture
def registry(district, tmp_path):
    """A copy of the shared district's registry (the scans here are recorded in it) and its two largest
    townships."""
    engine, _ = district
    db = tmp_path / "registry.db"
    shutil.copy(engine.url.database, db)
    copy = make_engine(f"sqlite:///{db}")
    migrate.upgrade(copy)
    with session_scope(copy, write=False) as session:
        township = func.substr(m.Household.area_code, 1, 9)
        towns = [t for t, _ in session.execute(select(township, func.count()).group_by(township)
                                                .order_by(func.count().desc()).limit(2))]
    yield copy, towns
    copy.dispose()


def keys(findings) -> set[tuple]:
    return {(r["list"], r["programme"], r["household_id"], r["person_id"])
            for r in findings.select(["list", "programme", "household_id", "person_id"]).to_pylist()}


def enrolled_outside(engine, town: str) -> set[int]:
    with session_scope(engine, write=False) as session:
        return set(session.scalars(select(m.Enrolment.household_id).join(m.Household)
                                   .where(~m.Household.area_code.startswith(town))))


def test_a_townships_scan_lists_its_households_only_and_as_the_full_scan_does(registry, tmp_path):
    engine, (town, other) = registry
    scan = lambda **kw: flows.scan(engine, month="2025-08", home=tmp_path / "home", actor="t",  # noqa: E731
                                   workers=1, **kw)
    whole = scan(full=True)
    one = scan(area=town, workbooks="township")
    assert {r["area_code"][:9] for r in one.findings.to_pylist()} == {town}
    assert [p.name[:9] for p in one.workbooks] == [town]  # one workbook, the township's own
    # The township's lists are the full scan's lists of the township: nothing more, nothing less.
    assert keys(one.findings) == keys(whole.findings.filter(
        pq_starts(whole.findings, town)))
    outside = enrolled_outside(engine, town)
    assert outside, "the district must have enrolled households outside the township for this test to mean much"
    assert not outside & set(one.findings.column("household_id").to_pylist())
    died = [r for r in one.findings.to_pylist() if r["list"] == NOT_ENTITLED and r["failed"] is None]
    assert all(r["household_id"] not in outside for r in died)


def pq_starts(findings, town: str):
    import pyarrow.compute as pc

    return pc.starts_with(findings.column("area_code"), town)


def test_area_a_then_b_then_a_compares_each_with_its_own_area(registry, tmp_path):
    engine, (a, b) = registry
    scan = lambda area: flows.scan(engine, month="2025-08", home=tmp_path / "home", actor="t",  # noqa: E731
                                   workers=1, area=area)
    first, other, again = scan(a), scan(b), scan(a)
    assert first.findings.num_rows and other.findings.num_rows
    assert {r[:9] for r in other.findings.column("area_code").to_pylist()} == {b}
    assert again.previous_folder == first.folder  # not B's scan
    assert keys(again.findings) == keys(first.findings)
    assert set(again.findings.column("change").to_pylist()) == {"continuing"}
    assert again.resolved.num_rows == 0


def test_a_previous_scan_that_strayed_outside_its_area_resolves_nothing_there(registry, tmp_path):
    """A scan made before scans kept to their area listed other townships: the next scan of the area neither
    continues nor resolves those entries."""
    engine, (town, _) = registry
    home = tmp_path / "home"
    first = flows.scan(engine, month="2025-08", home=home, actor="t", workers=1, area=town)
    whole = flows.scan(engine, month="2025-08", home=tmp_path / "whole", actor="t", workers=1, snapshot=None,
                       full=True)
    shutil.copy(Path(whole.folder) / "findings.parquet", Path(first.folder) / "findings.parquet")  # the old lists
    again = flows.scan(engine, month="2025-08", home=home, actor="t", workers=1, area=town)
    assert again.previous_folder == first.folder
    assert again.resolved.num_rows == 0
    assert {r[:9] for r in again.findings.column("area_code").to_pylist()} == {town}


@pytest.mark.parametrize("area", ["500000", "500100", "500111"])
def test_a_province_or_city_code_covers_every_household_under_it(registry, tmp_path, area):
    """500000 (重庆市) is every 50…, 500100 every 5001… (大足 is 500111), a district its own."""
    engine, _ = registry
    with session_scope(engine, write=False) as session:
        households = session.scalar(select(func.count(m.Household.id)))
    assert flows.check_scan(engine, month="2025-08", area=area) == households
    outcome = flows.scan(engine, month="2025-08", home=tmp_path, actor="t", workers=1, area=area, snapshot=None)
    assert outcome.result.households == households
    assert pq.ParquetFile(Path(outcome.folder) / "results_households.parquet").metadata.num_rows == households


@pytest.mark.parametrize(("code", "expected"), [
    ("500000", "50"), ("500100", "5001"), ("500111", "500111"), ("500111119", "500111119"),
    ("500111000", "500111"), ("500111119000", "500111119"), ("500111119001", "500111119001"),
    ("500111119S01", "500111119S01"), ("110000", "11")])
def test_an_area_codes_trailing_zero_pairs_are_levels(code, expected):
    from jiuzhu.registry.areas import prefix, within

    assert prefix(code) == expected
    assert within("500111119S01", code) == "500111119S01".startswith(expected)
