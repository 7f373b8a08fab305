"""The consent tests' households (铁山镇 and 高升镇), a movable today, members' authorizations given, and a
finished verification written as the runner leaves one (no simulator: the case takes a finished verification)."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest

from jiuzhu import clock
from jiuzhu.access import Principal, Role
from jiuzhu.casework import models as _casework_models  # noqa: F401  (registers the tables)
from jiuzhu.consent import service as consents
from jiuzhu.registry import models as rm
from jiuzhu.verification.models import Verification
from tests.api.conftest import api_any  # noqa: F401  (fixture)
from tests.consent.conftest import HH, OTHER, principal, sqlite_world, world  # noqa: F401  (fixtures)

MONTH = "2025-08"  # the example household's facts describe this month
START = dt.date(2026, 6, 1)  # a Monday of 2026 (a year with an official calendar)


class Today:
    def __init__(self, monkeypatch, day: dt.date) -> None:
        self.day = day
        monkeypatch.setattr(clock, "today", lambda: self.day)

    def set(self, day: dt.date) -> None:
        self.day = day

    def forward(self, days: int) -> dt.date:
        self.day += dt.timedelta(days=days)
        return self.day


@pytest.fixture
def today(monkeypatch) -> Today:
    return Today(monkeypatch, START)


@pytest.fixture
def worker() -> Principal:
    return principal(Role.TOWNSHIP_CASEWORKER)


@pytest.fixture
def approver() -> Principal:
    return principal(Role.TOWNSHIP_APPROVER)


def give_consents(session, who: Principal, purpose: consents.Purpose, on: dt.date, household_no: str = HH) -> None:
    made, skipped = consents.request_required(session, who, household_no=household_no, purpose=purpose, on=on)
    assert not skipped
    for r in made:
        consents.give(session, who, r.record_id, on=on)


def finished_verification(session, household_no: str = HH, status: str = "done") -> int:
    hh = session.query(rm.Household).filter_by(household_no=household_no).one()
    now = dt.datetime.now(dt.timezone.utc)
    v = Verification(token=secrets.token_hex(16), household_id=hh.id, household_no=household_no,
                     area_code=hh.area_code, purpose_kind="application", purpose_ref="", as_of=dt.date(2025, 8, 31),
                     window_from="2025-02", window_to="2025-07", requested_by="t", language="zh", status=status,
                     created_at=now, started_at=now, finished_at=now, attempts=1, declared={}, report={"sources": []},
                     report_sha256="0" * 64, complete=True)
    session.add(v)
    session.flush()
    return v.id
