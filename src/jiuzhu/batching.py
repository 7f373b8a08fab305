"""``Combiner``: calls that arrive while another is at work are done together, as one call of a batch function.

Group commit, generalised. The web application's threads each want one small thing — their audit rows written,
one household evaluated — whose cost is mostly fixed (a transaction and the head's lock; a run of the rules over
every variable). Under load, a thread that finds the work busy queues its item; the next thread to find it free
takes every queued item (up to ``max_items``) and does them in one call; each caller returns its own result, or
raises its own error. Alone, a call is done at once, as if there were no combiner. No thread of its own: the work
is done by a waiting caller's thread, so there is nothing to start or stop.

If the batch function raises for a batch of several, each item is done again alone, so that one item's fault is
that item's error only (an item that fails alone fails its caller).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Combiner(Generic[T, R]):
    """``combiner(item)`` → ``many([item, …])[i]`` for this caller's item, done with the others queued meanwhile.

    ``many(items)`` must return one result per item, in order, and give each item the result it would give it
    alone (the law the callers' tests hold: batch = single). ``size(item)``: how much an item weighs against
    ``max_items`` (1 each by default); an item heavier than ``max_items`` is done alone."""

    def __init__(self, many: Callable[[list[T]], Sequence[R]], *, max_items: int = 64,
                 size: Callable[[T], int] = lambda item: 1) -> None:
        self.many, self.max_items, self.size = many, max_items, size
        self._lock = threading.Lock()
        self._queue: list[_Call] = []
        self._busy = False
        self.batches = 0  # how many calls of ``many`` (tests and benchmarks read it)

    def __call__(self, item: T) -> R:
        mine = _Call(item)
        with self._lock:
            self._queue.append(mine)
            lead = not self._busy
            self._busy = True
        if not lead:
            # Each caller waits on its own event: a batch's end wakes its callers and the next leader only, not
            # every waiting thread (forty threads woken for each batch fought the batch's own thread for the GIL).
            mine.wake.wait()
        if not mine.done:  # woken to lead: do the queue's next batch(es) until this caller's item is done
            self._lead(mine)
        if mine.error is not None:
            raise mine.error
        return mine.result

    def _lead(self, mine: _Call) -> None:
        """Do batches from the queue's front until ``mine`` is done; then hand the lead to the next caller queued
        (woken to lead), or leave the combiner free."""
        while not mine.done:
            with self._lock:
                batch = self._take()
            try:
                self._run(batch)
            finally:
                for call in batch:
                    call.wake.set()
                if mine.done:
                    with self._lock:
                        if self._queue:
                            self._queue[0].wake.set()  # not done: it leads from here
                        else:
                            self._busy = False

    def _take(self) -> list[_Call]:
        batch, weight = [], 0
        while self._queue:
            next_weight = self.size(self._queue[0].item)
            if batch and weight + next_weight > self.max_items:
                break
            batch.append(self._queue.pop(0))
            weight += next_weight
        return batch

    def _run(self, batch: list[_Call]) -> None:
        self.batches += 1
        try:
            results = list(self.many([call.item for call in batch]))
            if len(results) != len(batch):
                raise RuntimeError(f"{self.many!r} returned {len(results)} results for {len(batch)} items")
        except Exception as exc:  # noqa: BLE001 - given to its callers below
            if len(batch) == 1:
                batch[0].fail(exc)
            else:
                for call in batch:  # each alone: the fault is one item's, or it is every item's again
                    self._run([call])
            return
        except BaseException as exc:  # an interrupt: every caller of the batch hears of it, none waits forever
            for call in batch:
                call.fail(exc)
            raise
        for call, result in zip(batch, results, strict=True):
            call.result, call.done = result, True


class _Call:
    __slots__ = ("item", "result", "error", "done", "wake")

    def __init__(self, item) -> None:
        self.item, self.result, self.error, self.done = item, None, None, False
        self.wake = threading.Event()

    def fail(self, error: BaseException) -> None:
        self.error, self.done = error, True
