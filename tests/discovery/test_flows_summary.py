"""What a face prints after a scan: totals with their labels, counts, failed households, empty results said."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import re

import pytest
from sqlalchemy import select

from jiuzhu.db import session_scope
from jiuzhu.discovery import flows, service
from jiuzhu.discovery.lists import ENTITLED
from jiuzhu.discovery.models import ScanRun
from jiuzhu.i18n import use_language
from jiuzhu.registry import service as registry
from tests.conftest import FIELD_TEST_1


def put(engine, *docs: dict) -> None:
    with session_scope(engine) as session:
        for data in docs:
            registry.put_household(session, registry.parse_household(data, record="x"), actor="t", reason="t")


@pytest.fixture
def field(sqlite_engine):
    put(sqlite_engine, *json.loads((FIELD_TEST_1 / "households-head-died.json").read_text(encoding="utf-8")))
    return sqlite_engine


def well_off(example_data: dict) -> dict:
    data = copy.deepcopy(example_data)
    for member in data["members"]:
        member["incomes"] = [{"month": f"2025-{m:02d}", "wages": "30000.00"} for m in range(1, 8)]
        member.pop("disability", None)
    data["enrolments"] = []
    return data


def test_the_totals_carry_chinese_labels_money_with_separators_and_the_counts(field, tmp_path, zh):
    outcome = flows.scan(field, month="2025-08", home=tmp_path, actor="t", workers=1, workbooks="township")
    s = flows.summarise(outcome)
    assert s.headers == ("名单", "救助项目", "条数", "月救助金额（元）")
    assert {(r["list_label"], r["programme_label"], r["entries"], r["amount_fen"]) for r in s.rows} == {
        ("应享未享", "最低生活保障", 1, 136000), ("享而不应", "重度残疾人护理补贴", 1, 11000)}
    assert (s.households, s.persons, s.mode, s.new, s.resolved, s.empty) == (2, 4, "full", None, None, False)
    assert s.lines[0].startswith("已排查 2025年8月 的 2 户、4 人") and str(outcome.folder) in s.lines[0]
    assert s.lines[-1] == f"已生成 1 份入户核查工作簿，位于 {outcome.folder / 'workbooks'}"
    assert not [line for line in s.lines if re.search("[A-Za-z]", re.sub(r"/\S+", "", line))]  # no English

    again = flows.summarise(flows.scan(field, month="2025-08", home=tmp_path, actor="t", workers=1))
    assert (again.mode, again.new, again.resolved, again.evaluated, again.reused) == ("incremental", 0, 0, 0, 2)
    assert "增量排查：重新测算 0 户，2 户与上次排查相比无变化" in again.lines
    assert "与上次排查相比：新增 0 条，已解决 0 条" in again.lines


def test_the_summary_carries_the_area_scanned_and_plain_values(field, tmp_path):
    s = flows.summarise(flows.scan(field, month="2025-08", home=tmp_path, actor="t", workers=1, area="500111"))
    assert s.rows[0] == {"list": "enrolled_not_entitled", "list_label": "enrolled, no longer entitled (享而不应)",
                         "programme": "disability_care",
                         "programme_label": "Care subsidy for severely disabled people",
                         "entries": 1, "amount_fen": 11000}
    assert (s.month, s.area, s.mode, s.failed, s.cleaned, s.workbooks) == ("2025-08", "500111", "full", [], [], [])


def test_an_empty_result_says_so(sqlite_engine, tmp_path, example_data, zh):
    put(sqlite_engine, well_off(example_data))
    outcome = flows.scan(sqlite_engine, month="2025-08", home=tmp_path, actor="t", workers=1, workbooks="township")
    s = flows.summarise(outcome)
    assert s.empty and s.rows == [] and outcome.findings.num_rows == 0 and s.workbooks == []
    assert "本次排查无应享未享、享而不应记录" in s.lines
    with use_language("en"):
        assert "the scan found nobody entitled but not enrolled, and nobody enrolled but no longer entitled" in \
            flows.summarise(outcome).lines


def test_households_the_rules_could_not_evaluate_are_shown_and_recorded(field, tmp_path, monkeypatch):
    real = flows.run_scan
    failure = {"household_no": "T05-000001", "reason": "INT32 out of range"}

    def with_failures(*a, **kw):
        stats = real(*a, **kw)
        return dataclasses.replace(stats, failed=[failure])

    monkeypatch.setattr(flows, "run_scan", with_failures)
    outcome = flows.scan(field, month="2025-08", home=tmp_path, actor="t", workers=1)
    s = flows.summarise(outcome)
    assert s.failed == [failure]
    assert "1 households could not be evaluated by the rules and are on neither list" in s.lines
    with session_scope(field) as session:
        assert session.scalar(select(ScanRun.failed)) == 1


def test_a_run_without_a_failure_count_records_unknown_not_zero(field, tmp_path):
    outcome = flows.scan(field, month="2025-08", home=tmp_path, actor="t", workers=1)
    with session_scope(field) as session:
        run = session.get(ScanRun, outcome.run_id)
        expected = None if not hasattr(outcome.result, "failed") else len(outcome.result.failed)
        assert run.failed == expected
        again = service.record_run(session, dataclasses.replace(outcome.result), outcome.findings,
                                   outcome.resolved, actor="t", area_code=None, previous=None,
                                   started_at=dt.datetime.now(dt.timezone.utc))
        assert again.folder == str(outcome.folder)  # without a folder given: the scan's own
    assert {r["list"] for r in outcome.findings.to_pylist()} >= {ENTITLED}
