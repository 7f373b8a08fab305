"""Waking the runner when a request has queued a verification (after its commit), instead of its next poll."""

from __future__ import annotations

import threading
from collections.abc import Callable

_lock = threading.Lock()
_listeners: list[Callable[[], None]] = []


def listen(callback: Callable[[], None]) -> None:
    with _lock:
        _listeners.append(callback)


def forget(callback: Callable[[], None]) -> None:
    with _lock:
        if callback in _listeners:
            _listeners.remove(callback)


def wake() -> None:
    with _lock:
        listeners = list(_listeners)
    for callback in listeners:
        callback()
