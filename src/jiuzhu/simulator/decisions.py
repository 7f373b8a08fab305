"""The decision log: one JSON line per request a department decided (permit or deny, with its reason), as a real
department keeps for its own audit — ``<state>/decisions.jsonl``, and the recent ones in memory for the admin
route ``GET /_sim/decisions?since=N``."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path


class DecisionLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._rows: list[dict] = []
        self._lock = threading.Lock()
        self._file = path.open("a", encoding="utf-8")

    def write(self, **row) -> dict:
        row = {"seq": 0, "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")} | row
        with self._lock:
            row["seq"] = len(self._rows) + 1
            self._rows.append(row)
            self._file.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            self._file.flush()
        return row

    def since(self, seq: int = 0) -> list[dict]:
        with self._lock:
            return self._rows[seq:]

    def close(self) -> None:
        self._file.close()
