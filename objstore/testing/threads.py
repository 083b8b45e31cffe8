"""Starting many threads at the same instant, for concurrency cases and tests."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_threads(
    count: int, target: Callable[[int], None], timeout: float = 300.0
) -> list[BaseException]:
    """Run ``target(i)`` for i in range(count) on threads released by one barrier.

    Returns every exception the threads raised (an empty list when all succeeded), so the
    caller decides how to report them. A thread still running after ``timeout`` seconds
    is an AssertionError: a hang must fail, never stall the suite.
    """
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def body(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            target(i)
        except BaseException as exc:  # collected for the caller
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), f"threads still running after {timeout:g} s"
    return errors


def run_threads_or_raise(count: int, target: Callable[[int], None], timeout: float = 300.0) -> None:
    """:func:`run_threads`, re-raising the first exception a thread raised."""
    errors = run_threads(count, target, timeout)
    if errors:
        raise errors[0]
