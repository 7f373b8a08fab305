"""Integrity under concurrency (issue 14, item 5): requests at the same moment, on SQLite and on PostgreSQL — two
approvers give one approval, two preparations one payroll, two re-issues one; and a process killed between writing
a bank file and recording it leaves nothing that a rerun cannot finish."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from sqlalchemy import func, select

from jiuzhu.access import Principal, Role
from jiuzhu.db import session_scope
from jiuzhu.errors import ConflictError
from jiuzhu.payroll import service
from jiuzhu.payroll.models import Payroll, PayrollFile, PayrollLine
from tests.concurrency import together
from tests.payroll.conftest import CHECKER, MAKER, add_account, close_accounts

N = 4
APPROVERS = [Principal(username=f"approver{k}", role=Role.TOWNSHIP_APPROVER, area_code="500111",
                       area_prefixes=("500111",)) for k in range(N)]


def _prepare(engine, month="2025-06", who=MAKER):
    with session_scope(engine) as session:
        return service.prepare(session, who, programme="dibao", area="500111", month=month).payroll_no


def test_approvers_at_once_give_one_approval(district):
    engine, _, _ = district
    no = _prepare(engine)

    def approve(k):
        with session_scope(engine) as session:
            return service.approve(session, APPROVERS[k], no).approved_by

    results, errors = together(N, approve)
    assert len([r for r in results if r]) == 1
    assert len(errors) == N - 1 and all(isinstance(e, ConflictError) for e in errors)
    with session_scope(engine) as session:
        assert session.scalar(select(Payroll.approved_by)) in {p.username for p in APPROVERS}


def test_preparations_at_once_pay_each_household_month_once(district):
    engine, _, _ = district
    areas = ["500111", "500111119", "500111", "500111001"]

    def prepare(k):
        with session_scope(engine) as session:
            return service.prepare(session, MAKER, programme="dibao", area=areas[k], month="2025-06").payroll_no

    _, errors = together(N, prepare)
    assert errors and all(isinstance(e, ConflictError) for e in errors)
    with session_scope(engine) as session:
        slots = session.execute(select(PayrollLine.beneficiary, func.count()).where(PayrollLine.status == "pending")
                                .group_by(PayrollLine.beneficiary)).all()
    assert len(slots) == 3 and {n for _, n in slots} == {1}


def test_reissues_at_once_give_one(district, tmp_path):
    engine, _, heads = district
    no = _prepare(engine)
    with session_scope(engine) as session:
        service.approve(session, CHECKER, no)
    with session_scope(engine) as session:
        service.write_files(session, MAKER, no, tmp_path, reason="test")
    with session_scope(engine) as session:
        service.import_return(session, MAKER, no, "cqrcb", "1|6221000000000000103|王德福|612.40|9|户名不符\r\n"
                              "合计|1|612.40".encode("gbk"), "back.txt")
    close_accounts(engine, heads[2])
    add_account(engine, heads[2], "6231000000000000301", opened="2025-07-16")

    def reissue(k):
        with session_scope(engine) as session:
            return service.reissue(session, MAKER, no, reason=f"换卡{k}").payroll_no

    results, errors = together(N, reissue)
    assert len([r for r in results if r]) == 1
    assert all(isinstance(e, ConflictError) for e in errors)
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).where(PayrollLine.reissue_of.is_not(None))) == 1


KILLED_AFTER_WRITING = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from jiuzhu import files
    from jiuzhu.access import Principal, Role
    from jiuzhu.db import make_engine, session_scope
    from jiuzhu.payroll import service

    real = files.atomic_output
    import contextlib

    @contextlib.contextmanager
    def then_killed(path):
        with real(path) as tmp:
            yield tmp
        os._exit(9)  # the file is complete under its name; nothing is recorded yet

    service.atomic_output = then_killed
    who = Principal(username="maker", role=Role.TOWNSHIP_APPROVER, area_code="500111", area_prefixes=("500111",))
    with session_scope(make_engine(sys.argv[1])) as session:
        service.write_files(session, who, sys.argv[2], Path(sys.argv[3]), reason="crash test")
""")


def test_a_process_killed_after_writing_the_file_before_recording_it_is_rerun_safely(district, tmp_path):
    engine, _, _ = district
    tmp_path = tmp_path / "files"
    no = _prepare(engine)
    with session_scope(engine) as session:
        service.approve(session, CHECKER, no)
    url = engine.url.render_as_string(hide_password=False)
    run = subprocess.run([sys.executable, "-c", KILLED_AFTER_WRITING, url, no, str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 9, run.stderr
    killed = (tmp_path / f"{no}_cqrcb.txt").read_bytes()
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(PayrollFile)) == 0
        assert session.scalar(select(func.count()).where(PayrollLine.file_id.is_not(None))) == 0
    with session_scope(engine) as session:
        service.write_files(session, MAKER, no, tmp_path, reason="rerun")
    assert (tmp_path / f"{no}_cqrcb.txt").read_bytes() == killed  # the same file: an upload of either pays once
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(PayrollFile)) == 1
        assert session.scalar(select(func.count()).where(PayrollLine.file_seq.is_not(None))) == 3
    assert not [p for p in tmp_path.iterdir() if p.name != f"{no}_cqrcb.txt"]  # no temporary file left
