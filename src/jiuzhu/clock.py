"""Today's date, in one place: the bound of every "not in the future" check.

Tests that need another day monkeypatch ``today``; nothing else reads the system clock for validation.
"""

from __future__ import annotations

import datetime as dt


def today() -> dt.date:
    return dt.date.today()
