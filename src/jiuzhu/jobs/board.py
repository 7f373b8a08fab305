"""The progress of the jobs this process runs, in memory: what the worker's heartbeat writes to the job's row
every second, readable at once by the same process's requests (on SQLite a ledger import holds the write lock
for its whole transaction, so the row's progress waits for it; the board does not)."""

from __future__ import annotations

import threading

_lock = threading.Lock()
_live: dict[int, tuple[float, str | None]] = {}


def post(job_id: int, progress: float, stage: str | None) -> None:
    with _lock:
        _live[job_id] = (progress, stage)


def read(job_id: int) -> tuple[float, str | None] | None:
    with _lock:
        return _live.get(job_id)


def remove(job_id: int) -> None:
    with _lock:
        _live.pop(job_id, None)
