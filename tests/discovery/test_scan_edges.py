"""A scan refuses what it cannot do before it writes anything, and an empty registry is an empty answer."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from jiuzhu import migrate
from jiuzhu.db import make_engine
from jiuzhu.discovery.scan import FAILED, RESULTS_H, run_scan
from jiuzhu.errors import JiuzhuError
from jiuzhu.registry.snapshot import export_registry


@pytest.fixture
def empty_snapshot(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    migrate.upgrade(engine)
    export_registry(engine, tmp_path / "snap")
    engine.dispose()
    return tmp_path / "snap"


def test_an_empty_registry_scans_to_nothing(empty_snapshot, tmp_path):
    run = run_scan(empty_snapshot, "2025-08", tmp_path / "out", workers=1)
    assert (run.households, run.persons, run.failed) == (0, 0, [])
    assert pq.read_table(tmp_path / "out" / RESULTS_H).num_rows == 0
    assert pq.read_table(tmp_path / "out" / FAILED).num_rows == 0


@pytest.mark.parametrize(("month", "area", "says"), [("2019-01", None, "no law is in force on 2019-01-01"),
                                                     ("2025-08", "5001x", "is not an area code")])
def test_a_month_before_the_law_or_a_bad_area_is_refused_before_anything_is_written(empty_snapshot, tmp_path,
                                                                                    month, area, says):
    with pytest.raises(JiuzhuError, match=says):
        run_scan(empty_snapshot, month, tmp_path / "out", workers=1, area=area)
    assert not (tmp_path / "out").exists()
