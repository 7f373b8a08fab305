"""``built_once``: a function of no arguments computed once per process, safely under threads.

``functools.lru_cache`` lets two threads that miss the cache at the same moment both compute: for the rules'
tax-benefit system that is two builds side by side, and OpenFisca's loader (``ast.parse`` of every variable
file) is not safe to run in two threads at once — the web application's first concurrent requests failed with
"SystemError: AST constructor recursion depth mismatch". Here the first caller computes while the others wait.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

T = TypeVar("T")
_UNSET = object()


def built_once(build: Callable[[], T]) -> Callable[[], T]:
    """``build()`` computed at the first call, under a lock; later calls return that value without locking.
    ``.cache_clear()`` forgets it (tests)."""
    lock = threading.Lock()
    value: list = [_UNSET]

    @wraps(build)
    def get() -> T:
        if value[0] is _UNSET:
            with lock:
                if value[0] is _UNSET:
                    value[0] = build()
        return value[0]

    def cache_clear() -> None:
        with lock:
            value[0] = _UNSET

    get.cache_clear = cache_clear  # type: ignore[attr-defined]
    return get
