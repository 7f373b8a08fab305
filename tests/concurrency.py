"""``together(n, work)``: ``work(0)`` … ``work(n - 1)`` started at the same moment in ``n`` threads (a barrier), for
the tests of what happens when requests arrive at once; returns each call's result and every error raised."""

from __future__ import annotations

import threading


def together(n: int, work) -> tuple[list, list[BaseException]]:
    results: list = [None] * n
    errors: list[BaseException] = []
    start = threading.Barrier(n)

    def run(k: int) -> None:
        start.wait()
        try:
            results[k] = work(k)
        except BaseException as exc:  # noqa: BLE001 - the caller's assertion reads it
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
