"""A copy of the page tests' district for the casework and payroll pages (their cases, payrolls and accounts must
not change the figures the other page tests read), and the helpers those tests share."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jiuzhu import clock
from jiuzhu.access import Principal, Role
from jiuzhu.db import make_engine, session_scope
from tests.web.conftest import TOWNSHIP, District, sign_in

FULL_ID = re.compile(r"(?<![0-9*])\d{17}[\dX](?![0-9*])")  # an ID number in full (a masked one has stars)
TODAY = dt.date(2026, 6, 1)  # a Monday of a year with an official calendar


@pytest.fixture(scope="module")
def office(district: District, tmp_path_factory):
    """(the application over a copy of the district, its engine): cases and payrolls are made in the copy."""
    from jiuzhu.web.app import create_application

    home = tmp_path_factory.mktemp("office")
    shutil.copy(district.url.removeprefix("sqlite:///"), home / "jiuzhu.db")
    copy = replace(district, home=home, url=f"sqlite:///{home / 'jiuzhu.db'}")
    engine = make_engine(copy.url)
    yield create_application(copy.settings(), start_worker=False), engine
    engine.dispose()


@pytest.fixture
def today(monkeypatch):
    """The bureau's today, movable (公示 lasts 7 days)."""
    day = {"now": TODAY}
    monkeypatch.setattr(clock, "today", lambda: day["now"])
    return day


def client_for(office, username: str) -> TestClient:
    client = TestClient(office[0], follow_redirects=False)
    client.__enter__()
    return sign_in(client, username)


def operator(area: str = TOWNSHIP) -> Principal:
    return Principal(username="web-test", role=Role.TOWNSHIP_APPROVER, area_code=area, area_prefixes=(area,))


def household_in(engine, area: str = TOWNSHIP, skip: int = 0) -> str:
    from jiuzhu.registry import models as rm

    with session_scope(engine, write=False) as session:
        return session.scalars(select(rm.Household.household_no).where(rm.Household.area_code.startswith(area))
                               .order_by(rm.Household.household_no).offset(skip).limit(1)).one()


def entitled_household(engine, area: str = TOWNSHIP) -> tuple[str, str]:
    """(household, programme): the household receives the programme and the scan found nothing to question (the
    rules grant it again; a grant does not enrol it twice)."""
    from jiuzhu.discovery.lists import NOT_ENTITLED
    from jiuzhu.discovery.models import Finding
    from jiuzhu.registry import models as rm

    questioned = select(Finding.household_id).where(Finding.list == NOT_ENTITLED)
    with session_scope(engine, write=False) as session:
        return tuple(session.execute(
            select(rm.Household.household_no, rm.Enrolment.programme)
            .join(rm.Enrolment, rm.Enrolment.household_id == rm.Household.id)
            .where(rm.Enrolment.programme == "dibao", rm.Household.area_code.startswith(area),
                   rm.Household.id.not_in(questioned))
            .order_by(rm.Household.household_no).limit(1)).one())
