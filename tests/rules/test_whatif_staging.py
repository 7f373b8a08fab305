"""What-if's snapshot of the registry is personal data: it is staged like a scan's folder, so what a killed what-if
leaves (a partial folder whose lock nobody holds) is removed by the next what-if, and a running one is left alone."""

from __future__ import annotations

from jiuzhu.files import LOCK, TEMPORARY_MARK, locked_folder
from jiuzhu.rules import whatif
from tests.rules.test_whatif import LOOKBACK, _registry

CHANGE = ["dibao.income.lookback_months=12"]


def killed(scratch):
    """What kill -9 leaves in the middle of a what-if: the partial snapshot and its lock file, held by nobody."""
    left = scratch / f"{whatif.SNAPSHOT}{TEMPORARY_MARK}dead0000"
    (left / "registry").mkdir(parents=True)
    (left / "registry" / "persons.parquet").write_bytes(b"PAR1 personal data")
    left.with_name(left.name + LOCK).write_text("4242\n")  # the pid of a process that is gone
    return left


def test_the_next_what_if_removes_what_a_killed_one_left_and_not_what_a_running_one_holds(tmp_path):
    engine, scratch = _registry(tmp_path, LOOKBACK), tmp_path / "tmp"
    left = killed(scratch)
    other = scratch / f"export.csv{TEMPORARY_MARK}1234"  # not a what-if's: never touched
    other.write_text("x")
    with locked_folder(scratch / whatif.SNAPSHOT) as running:  # another what-if, still writing
        report = whatif.run(CHANGE, "2025-08", engine=engine, scratch=scratch)
        assert report.cleaned == [left] and report.households == 2
        assert not left.exists() and not left.with_name(left.name + LOCK).exists()
        assert sorted(p.name for p in scratch.iterdir()) == sorted(
            [other.name, running.work.name, running.lock.name])  # this what-if's own snapshot is gone too
    assert sorted(p.name for p in scratch.iterdir()) == [other.name]


def test_clean_removes_abandoned_snapshots_only(tmp_path):
    left = killed(tmp_path)
    orphan_lock = tmp_path / f"{whatif.SNAPSHOT}{TEMPORARY_MARK}dead0001{LOCK}"  # killed before its folder
    orphan_lock.write_text("4243\n")
    with locked_folder(tmp_path / whatif.SNAPSHOT) as running:
        (running.work / "registry").mkdir()
        assert whatif.clean(tmp_path) == [left]
        assert running.work.exists() and running.lock.exists() and not orphan_lock.exists()
    assert list(tmp_path.iterdir()) == []
    assert whatif.clean(tmp_path / "nowhere") == []


def test_while_it_runs_the_snapshot_is_a_locked_partial_folder_for_the_owner_only(tmp_path, monkeypatch):
    engine, scratch = _registry(tmp_path, LOOKBACK), tmp_path / "tmp"
    seen = {}
    compare = whatif.compare

    def looking(pairs, *args, **kwargs):
        (work,) = [p for p in scratch.iterdir() if not p.name.endswith(LOCK)]
        seen.update(name=work.name, mode=work.stat().st_mode & 0o777, lock=work.with_name(work.name + LOCK).exists(),
                    cleaned=whatif.clean(scratch), held=work.exists())
        return compare(pairs, *args, **kwargs)

    monkeypatch.setattr(whatif, "compare", looking)
    whatif.run(CHANGE, "2025-08", engine=engine, scratch=scratch)
    assert seen["name"].startswith(whatif.SNAPSHOT + TEMPORARY_MARK)
    assert seen["mode"] == 0o700 and seen["lock"] and seen["cleaned"] == [] and seen["held"]
    assert list(scratch.iterdir()) == []
