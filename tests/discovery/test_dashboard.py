"""工作台's latest scan: the newest run that covers the account's whole area, not the newest that touches it."""

from __future__ import annotations

import datetime as dt

from jiuzhu.access import Principal, Role
from jiuzhu.db import session_scope
from jiuzhu.discovery.dashboard import latest_run
from jiuzhu.discovery.models import ScanRun


def _run(session, area: str | None) -> int:
    run = ScanRun(month="2025-08", area_code=area, started_at=dt.datetime.now(dt.timezone.utc), seconds=1.0,
                  actor="t", households=1, persons=1, evaluated=1, folder="/nowhere")
    session.add(run)
    session.flush()
    return run.id


def test_a_townships_scan_after_the_districts_leaves_the_district_its_own(sqlite_engine):
    officer = Principal("o", Role.DISTRICT_OFFICER, "500111", ("500111",))
    caseworker = Principal("c", Role.TOWNSHIP_CASEWORKER, "500111112", ("500111112",))
    other = Principal("x", Role.TOWNSHIP_CASEWORKER, "500111119", ("500111119",))
    with session_scope(sqlite_engine) as session:
        district = _run(session, "500111")
        township = _run(session, "500111112")  # newer, one township's
        assert latest_run(session, officer).id == district  # the newcomer saw 金山镇's figures as the district's
        assert latest_run(session, caseworker).id == township
        assert latest_run(session, other).id == district  # the district's run covers it; the other's does not
        everywhere = _run(session, None)
        assert latest_run(session, officer).id == everywhere
