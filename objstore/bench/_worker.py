"""Entry point of spawned benchmark worker processes (``--workers process``).

Kept in its own small module: a spawned child imports it fresh, so it must not drag in
the CLI or anything that starts threads at import time.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

BARRIER_TIMEOUT = 300.0


def worker_main(
    target: Any,
    workload_json: dict[str, Any],
    prefix: str,
    index: int,
    nworkers: int,
    depth: int,
    objects: int,
    kind: str,
    ready: Any,
    go: Any,
    t0: Any,
    counters: Any,
    results: Any,
) -> None:
    """Open the target, preload this worker's share of keys, wait for the common start,
    run ``kind`` (threads or aio) with ``depth`` in flight, and send back the reduced result."""
    from objstore.bench.engine import Clock, Fixture, make_driver
    from objstore.bench.workload import Workload

    store = None
    fx = None
    try:
        workload = Workload.from_json({**workload_json, "concurrency": depth, "objects": objects})
        store = target.open()
        fx = Fixture.build(store, workload, prefix, objects)
        if workload.needs_preload:
            fx.preload(depth)
        ready.release()
        if not go.wait(BARRIER_TIMEOUT):
            raise TimeoutError("no start signal from the parent")
        # Open loop: worker p takes every nworkers-th slot of the global schedule.
        offset = 0 if workload.rate is None else int(index * 1e9 / workload.rate)
        clock = Clock.start(workload, t0_ns=t0.value + offset, share=nworkers)
        driver = make_driver(kind, fx, clock, depth)
        done = threading.Event()

        def report_progress() -> None:
            while not done.wait(0.1):
                counters[index] = driver.completed()

        reporter = threading.Thread(target=report_progress, daemon=True)
        reporter.start()
        try:
            driver.run_measured()
        finally:
            done.set()
            counters[index] = driver.completed()
        partial = driver.partial(workload.interval)
        verify = fx.verify_all() if workload.verify else None
        removed = fx.cleanup()
        results.put((index, "ok", partial.to_wire(), verify, removed))
    except BaseException as exc:
        if fx is not None:
            with contextlib.suppress(Exception):
                fx.cleanup()
        results.put((index, "error", f"{type(exc).__name__}: {exc}", None, 0))
    finally:
        if store is not None:
            store.close()
        time.sleep(0)  # let the queue's feeder thread flush before exit
