"""Worklists on screen: scoped to the principal's area, filtered, ranked as the workbooks, masked, with the outcome
of each visit (who, when, note) carried to the next scan."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from jiuzhu.access import Role
from jiuzhu.db import session_scope
from jiuzhu.discovery import flows, worklists
from jiuzhu.discovery.models import Finding
from jiuzhu.errors import ForbiddenError, JiuzhuError, NotFoundError
from tests.jobs import district
from tests.jobs.district import MONTH, principal

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """(engine, home, run id) of the small district after a scan with township workbooks."""
    root = tmp_path_factory.mktemp("worklists")
    engine = district.copy(district.build(root / "build"), root / "home")
    outcome = flows.scan(engine, month=MONTH, home=root / "home", actor="scanner", workbooks="township", workers=1)
    yield engine, root / "home", outcome.run_id
    engine.dispose()


def township_with_entries(engine, run_id) -> str:
    with session_scope(engine, write=False) as session:
        return session.scalars(select(Finding.township).where(Finding.run_id == run_id, Finding.list ==
                                                              "entitled_not_enrolled")
                               .group_by(Finding.township).order_by(Finding.township)).first()


def everything(engine, who, kind="unclaimed", **filters):
    with session_scope(engine) as session:
        first = worklists.list_entries(session, who, kind=kind, per_page=200, **filters)
        items = list(first.items)
        page = 2
        while len(items) < first.total:
            items += worklists.list_entries(session, who, kind=kind, per_page=200, page=page, **filters).items
            page += 1
        return first, items


def test_a_township_sees_its_own_entries_only_ranked_as_the_workbooks(scanned):
    engine, _, run_id = scanned
    township = township_with_entries(engine, run_id)
    page, items = everything(engine, principal(Role.TOWNSHIP_CASEWORKER, township))
    assert page.run_id == run_id and page.month == MONTH and items
    assert all(e.area_code.startswith(township) for e in items)
    with session_scope(engine, write=False) as session:
        stored = session.scalars(select(Finding).where(
            Finding.run_id == run_id, Finding.list == "entitled_not_enrolled", Finding.township == township,
            Finding.change != "resolved")).all()
        assert sorted(e.id for e in items) == sorted(f.id for f in stored)
        assert [e.rank for e in items] == sorted(f.rank for f in stored)  # the workbooks' order
    _, whole = everything(engine, principal(Role.DISTRICT_OFFICER, "500111"))
    assert len(whole) > len(items)
    assert [(e.township, e.rank) for e in whole] == sorted((e.township, e.rank) for e in whole)


def test_identifiers_are_masked(scanned):
    engine, _, run_id = scanned
    _, items = everything(engine, principal(Role.DISTRICT_OFFICER, "500111"))
    ids = [e.id_number for e in items if e.id_number]
    phones = [e.contact_phone for e in items if e.contact_phone]
    assert ids and all("*" in i and len(i) == 18 for i in ids)
    assert all("*" in p for p in phones)


def test_filters_by_area_programme_and_outcome(scanned):
    engine, _, run_id = scanned
    who = principal(Role.DISTRICT_OFFICER, "500111")
    _, items = everything(engine, who)
    programme = items[0].programme
    _, by_programme = everything(engine, who, programme=programme)
    assert by_programme and {e.programme for e in by_programme} == {programme}
    village = items[0].area_code
    _, by_area = everything(engine, who, area=village)
    assert by_area and all(e.area_code.startswith(village) for e in by_area)
    with pytest.raises(JiuzhuError) as bad:
        everything(engine, who, programme="nonsense")
    assert bad.value.field == "programme"


def test_an_outcome_is_recorded_inside_the_area_and_shown_with_who_and_when(scanned, zh):
    engine, _, run_id = scanned
    township = township_with_entries(engine, run_id)
    worker = principal(Role.COMMUNITY_WORKER, township, name="li")
    _, items = everything(engine, worker)
    entry = items[0]
    with session_scope(engine) as session:
        saved = worklists.record_outcome(session, worker, entry.id, outcome="visited", note="  家中无人，留了联系卡 ")
    assert saved.actor == "li" and saved.note == "家中无人，留了联系卡" and saved.label == "已走访"
    with session_scope(engine) as session:
        worklists.record_outcome(session, worker, entry.id, outcome="applied", note=None)
    _, again = everything(engine, worker)
    shown = next(e for e in again if e.id == entry.id).outcome
    assert shown.outcome == "applied" and shown.label == "已申请" and shown.actor == "li" and shown.at is not None
    _, applied = everything(engine, worker, outcome="applied")
    assert [e.id for e in applied] == [entry.id]
    _, untouched = everything(engine, worker, outcome="none")
    assert entry.id not in {e.id for e in untouched} and len(untouched) == len(items) - 1
    with session_scope(engine, write=False) as session:
        history = worklists.outcomes_of(session, worker, entry.id)
    assert [o.outcome for o in history] == ["applied", "visited"]


def test_an_entry_outside_the_area_is_not_found_and_bad_outcomes_are_refused(scanned, zh):
    engine, _, run_id = scanned
    township = township_with_entries(engine, run_id)
    _, items = everything(engine, principal(Role.DISTRICT_OFFICER, "500111"))
    elsewhere = next(e for e in items if not e.area_code.startswith(township))
    mine = next(e for e in items if e.area_code.startswith(township))
    worker = principal(Role.COMMUNITY_WORKER, township)
    with session_scope(engine) as session, pytest.raises(NotFoundError):
        worklists.record_outcome(session, worker, elsewhere.id, outcome="visited")
    with session_scope(engine) as session, pytest.raises(NotFoundError):
        worklists.record_outcome(session, worker, 10**9, outcome="visited")
    with session_scope(engine) as session, pytest.raises(JiuzhuError) as bad:
        worklists.record_outcome(session, worker, mine.id, outcome="maybe")
    assert bad.value.field == "outcome" and CJK.search(bad.value.message) and "visited" in bad.value.message
    with session_scope(engine) as session, pytest.raises(JiuzhuError) as long:
        worklists.record_outcome(session, worker, mine.id, outcome="visited", note="字" * 501)
    assert long.value.field == "note"
    with session_scope(engine) as session, pytest.raises(ForbiddenError):  # an auditor records no visit
        worklists.record_outcome(session, principal(Role.AUDITOR, township), mine.id, outcome="visited")


def test_summary_by_township_adds_up_to_the_lists(scanned):
    engine, _, run_id = scanned
    who = principal(Role.DISTRICT_OFFICER, "500111")
    _, unclaimed = everything(engine, who)
    _, ineligible = everything(engine, who, kind="ineligible")
    with session_scope(engine, write=False) as session:
        rows = worklists.summary_by_township(session, who)
    assert sum(r.unclaimed for r in rows) == len(unclaimed)
    assert sum(r.ineligible for r in rows) == len(ineligible)
    assert sum(r.unclaimed_fen for r in rows) == sum(e.amount_fen for e in unclaimed)
    assert all(r.name and r.name != r.township for r in rows)


def test_runs_and_workbooks_are_offered_inside_the_area(scanned):
    engine, _, run_id = scanned
    township = township_with_entries(engine, run_id)
    who = principal(Role.TOWNSHIP_CASEWORKER, township)
    with session_scope(engine) as session:
        runs = worklists.list_runs(session, who)
        assert runs[0].id == run_id and runs[0].workbooks == [township]
        path = worklists.workbook_path(session, who, run_id, township)
        assert path.is_file() and path.name.startswith(township)
        other = next(c for c in worklists.list_runs(session, principal(Role.DISTRICT_OFFICER, "500111"))[0].workbooks
                     if c != township)
        with pytest.raises(NotFoundError):
            worklists.workbook_path(session, who, run_id, other)


def test_the_latest_outcome_follows_the_entry_to_the_next_scan(scanned):
    engine, home, run_id = scanned
    township = township_with_entries(engine, run_id)
    worker = principal(Role.COMMUNITY_WORKER, township)
    _, items = everything(engine, worker)
    with session_scope(engine) as session:
        worklists.record_outcome(session, worker, items[-1].id, outcome="declined", note="不愿申请")
    second = flows.scan(engine, month=MONTH, home=home, actor="scanner", workers=1)
    page, later = everything(engine, worker)
    assert page.run_id == second.run_id != run_id
    same = next(e for e in later if (e.household_no, e.programme, e.name) ==
                (items[-1].household_no, items[-1].programme, items[-1].name))
    assert same.id != items[-1].id and same.outcome.outcome == "declined" and same.outcome.note == "不愿申请"


def test_positions_number_the_list_as_asked_without_a_gap_across_pages_and_filters(scanned):
    """``position`` is the entry's number in the list asked for (1, 2, 3 … across pages), whatever the filters;
    ``rank`` stays the township workbook's 排名."""
    engine, _home, _run = scanned
    who = principal(Role.DISTRICT_OFFICER, district.DISTRICT)
    with session_scope(engine) as session:
        for filters in ({}, {"programme": "dibao"}):
            whole = worklists.list_entries(session, who, kind="unclaimed", per_page=200, **filters)
            paged = [e for page in range(1, whole.total // 3 + 2) for e in worklists.list_entries(
                session, who, kind="unclaimed", per_page=3, page=page, **filters).items]
            assert [e.position for e in paged] == list(range(1, whole.total + 1))
            assert [(e.id, e.rank) for e in paged] == [(e.id, e.rank) for e in whole.items]
