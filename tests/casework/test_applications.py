"""A 应享未享 entry turned into an application in one step (the entry marked applied, never twice); numbers
readable and unique when many are filed at once (PostgreSQL too)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from jiuzhu.casework import applications
from jiuzhu.casework.models import Application, Case
from jiuzhu.db import session_scope
from jiuzhu.discovery import worklists
from jiuzhu.discovery.models import Finding, ScanRun
from jiuzhu.errors import ConflictError, JiuzhuError, NotFoundError
from jiuzhu.registry import models as rm
from tests.casework.conftest import MONTH, principal
from tests.concurrency import together
from tests.consent.conftest import HH, OTHER


def entry(session, household_no: str = HH, list_: str = "entitled_not_enrolled", programme: str = "dibao") -> int:
    hh = session.scalars(select(rm.Household).where(rm.Household.household_no == household_no)).one()
    run = ScanRun(month=MONTH, area_code=None, started_at=dt.datetime.now(dt.timezone.utc), seconds=1.0, actor="t",
                  households=2, persons=6, evaluated=2, folder="/tmp/none")
    session.add(run)
    session.flush()
    f = Finding(run_id=run.id, list=list_, programme=programme, township=hh.area_code[:9], area_code=hh.area_code,
                household_id=hh.id, amount_fen=282000, failed_mask=0, reason="", since=MONTH, change="new", rank=1)
    session.add(f)
    session.flush()
    return f.id


def test_an_entry_becomes_an_application_in_one_step_once(world, worker, today):
    with session_scope(world) as session:
        entry_id = entry(session)
        app, case = applications.from_entry(session, worker, entry_id, month=MONTH)
        assert (app.channel, app.finding_id, app.programmes, case.state) == ("outreach", entry_id, ["dibao"],
                                                                             "received")
        outcome = worklists.outcomes_of(session, worker, entry_id)[0]
        assert (outcome.outcome, outcome.note) == ("applied", app.application_no)
        with pytest.raises(ConflictError, match="already turned into application"):
            applications.from_entry(session, worker, entry_id, month=MONTH)


def test_an_entry_with_another_household_or_programme_typed_is_refused_not_silently_replaced(world, worker, today):
    with session_scope(world) as session:
        entry_id = entry(session)
        with pytest.raises(JiuzhuError, match=OTHER) as e:  # the tryout's: another household typed with --entry
            applications.from_entry(session, worker, entry_id, month=MONTH, household_no=OTHER)
        assert e.value.field == "household_no"
        with pytest.raises(JiuzhuError) as e:
            applications.from_entry(session, worker, entry_id, month=MONTH, programmes=["margin"])
        assert e.value.field == "programmes"
        assert session.scalar(select(Application.id).where(Application.finding_id == entry_id)) is None
        app, _ = applications.from_entry(session, worker, entry_id, month=MONTH, household_no=HH, programmes=["低保"])
        assert app.programmes == ["dibao"]


def test_an_entry_of_the_other_list_or_area_is_refused(world, worker, today):
    with session_scope(world) as session:
        ineligible = entry(session, list_="enrolled_not_entitled")
        with pytest.raises(JiuzhuError, match="应享未享") as e:
            applications.from_entry(session, worker, ineligible, month=MONTH)
        assert e.value.field == "entry"
        elsewhere = entry(session, household_no=OTHER)
        with pytest.raises(NotFoundError):
            applications.from_entry(session, worker, elsewhere, month=MONTH)


def test_numbers_are_readable_and_unique_when_filed_at_once(world, today, example_data):
    workers = [principal() for _ in range(4)]
    programmes = ["dibao", "margin", "temporary", "rigid_spending"]

    def work(k):
        with session_scope(world) as session:
            return applications.file(session, workers[k], household_no=HH, programmes=[programmes[k]],
                                     channel="office", month=MONTH)[0].application_no

    numbers, errors = together(4, work)
    assert not errors, errors
    assert sorted(numbers) == [f"A-20260601-500111119-000{k}" for k in range(1, 5)]
    with session_scope(world) as session:
        assert len(set(session.scalars(select(Case.case_no)))) == 4
        assert session.scalar(select(Application.id).where(Application.application_no == numbers[0]))


def test_two_filings_for_the_same_programme_at_once_open_one_case(world, today):
    workers = [principal() for _ in range(2)]

    def work(k):
        with session_scope(world) as session:
            return applications.file(session, workers[k], household_no=HH, programmes=["dibao"], channel="office",
                                     month=MONTH)[0].application_no

    numbers, errors = together(2, work)
    assert len(errors) == 1 and isinstance(errors[0], ConflictError), errors
    with session_scope(world) as session:
        assert len(session.scalars(select(Case)).all()) == 1
