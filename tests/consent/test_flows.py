"""Signed paper forms in bulk: good rows stored (request + decision on paper), bad rows reported, nothing of them
left behind."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from jiuzhu.consent import flows, service
from jiuzhu.consent.models import ConsentRecord
from jiuzhu.consent.service import Purpose
from jiuzhu.db import session_scope
from tests.consent.conftest import ADULT_CHILD, EXCLUDED, HEAD, HH, MINOR, SPOUSE

ROWS = [
    {"household_no": HH, "id_number": HEAD, "signed_on": "2026-05-20", "form": "scan/0001.pdf"},
    {"household_no": HH, "id_number": SPOUSE, "signed_on": "2026-05-20", "form": "scan/0002.pdf",
     "decision": "refused"},
    {"household_no": HH, "id_number": ADULT_CHILD, "signed_on": "2026-05-20", "form": "scan/0003.pdf",
     "signer_role": "proxy", "signer_id_number": HEAD, "proxy_reason": "在外务工，书面委托父亲",
     "authority_document": "委托书-0003"},
    {"household_no": HH, "id_number": MINOR, "signed_on": "2026-05-20", "form": "scan/0004.pdf"},
    {"household_no": HH, "id_number": EXCLUDED, "signed_on": "2026-05-20", "form": "scan/0005.pdf"},  # excluded
    {"household_no": HH, "id_number": HEAD, "signed_on": "2026-13-01", "form": "x"},  # not a day
    {"household_no": HH, "id_number": HEAD, "signed_on": "", "form": "x"},  # empty
    {"household_no": "500111119-404", "id_number": HEAD, "signed_on": "2026-05-20", "form": "x"},
    {"household_no": HH, "id_number": HEAD, "signed_on": "2026-05-20", "form": "x", "purpose_kind": "lottery"},
]


def test_good_rows_stored_bad_rows_reported(world, caseworker):
    with session_scope(world) as session:
        done = flows.import_paper_forms(session, caseworker, ROWS)
    assert len(done.record_ids) == 4
    assert [(e.record, e.field) for e in done.errors] == [
        ("row 6", "id_number"), ("row 7", "signed_on"), ("row 8", "signed_on"), ("row 9", "household_no"),
        ("row 10", "purpose_kind")]
    with session_scope(world) as session:
        assert session.scalar(select(func.count()).select_from(ConsentRecord)) == 4
        states = {m.name: m.state for m in service.check_required(session, HH, Purpose("application"),
                                                                   dt.date(2026, 6, 1))}
        assert states == {"王德福": "valid", "李秀英": "refused", "王浩": "valid", "王小雨": "valid"}
        rec = session.scalars(select(ConsentRecord).where(ConsentRecord.signer_role == "proxy")).one()
        assert rec.method == "paper" and rec.valid_from == dt.date(2026, 5, 20)
        assert rec.evidence[-1]["form"] == "scan/0003.pdf"


def test_the_same_rows_imported_again_are_already_there_not_errors(world, caseworker):
    good = ROWS[:4]
    with session_scope(world) as session:
        first = flows.import_paper_forms(session, caseworker, good)
    with session_scope(world) as session:
        again = flows.import_paper_forms(session, caseworker, good)
    assert len(first.record_ids) == 4 and not first.errors
    assert again.record_ids == [] and again.errors == [] and sorted(again.already) == sorted(first.record_ids)
    # the proxy named otherwise, or another form: no repeat — the service refuses it as a conflict
    changed = [{**ROWS[2], "signer_role": "guardian"}, {**ROWS[0], "form": "scan/other.pdf"}]
    with session_scope(world) as session:
        conflicting = flows.import_paper_forms(session, caseworker, changed)
    assert conflicting.already == [] and len(conflicting.errors) == 2
    with session_scope(world) as session:
        assert session.scalar(select(func.count()).select_from(ConsentRecord)) == 4
