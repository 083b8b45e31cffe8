"""Run a workload on targets: in-process drivers or spawned worker processes."""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from collections.abc import Callable
from typing import Any

from objstore.bench import results
from objstore.bench._worker import BARRIER_TIMEOUT, worker_main
from objstore.bench.engine import AIO_OPS, candidate_drivers, new_prefix, run_in_process
from objstore.bench.record import Partial
from objstore.bench.targets import BenchTarget, fingerprint
from objstore.bench.workload import Workload
from objstore.errors import BackendError

Progress = Callable[[int, float], None]
"""Called about ten times a second with (operations done, seconds since start)."""

START_DELAY_NS = 20_000_000


def split(total: int, parts: int) -> list[int]:
    """``total`` spread over ``parts`` as evenly as possible (each at least 1)."""
    return [max(1, total // parts + (1 if i < total % parts else 0)) for i in range(parts)]


def run_target(
    target: BenchTarget,
    workload: Workload,
    *,
    repetition: int = 0,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run ``workload`` once on ``target``; return the run's JSON record.

    The run uses its own key prefix and deletes everything under it afterwards.
    """
    target.prepare()
    store = target.open()
    try:
        describe = store.describe()
        config = target.redacted_config()
        candidates = candidate_drivers(workload, store)
        prefix = new_prefix()
        started = time.time()
        extra: dict[str, Any] = {"prefix": prefix}
        if candidates == ["process"]:
            driver = "process"
            inner = "aio" if store.capabilities.aio and set(workload.mix) <= AIO_OPS else "threads"
            partial, verify, removed, nproc = run_processes(
                target, workload, prefix, inner, store.capabilities.thread_safe, progress
            )
            extra["processes"] = nproc
            extra["inner_driver"] = inner
        else:
            result = run_in_process(store, workload, candidates, prefix, on_progress=progress)
            partial, fx, driver = result.partial, result.fixture, result.driver
            if result.calibration:
                extra["driver_calibration"] = result.calibration
            try:
                verify = fx.verify_all() if workload.verify else None
            finally:
                removed = fx.cleanup()
        extra["cleaned_up"] = removed
        if verify is not None:
            extra["verify"] = verify
        return results.run_json(
            partial,
            label=target.label,
            backend=target.backend,
            repetition=repetition,
            driver=driver,
            describe=describe,
            config=config,
            fingerprint=fingerprint(describe, config),
            interval=workload.interval,
            started=started,
            extra=extra,
        )
    finally:
        store.close()


def run_processes(
    target: BenchTarget,
    workload: Workload,
    prefix: str,
    inner: str,
    thread_safe: bool,
    progress: Progress | None,
) -> tuple[Partial, dict[str, int] | None, int, int]:
    """Spawn workers (never fork: the Go runtime does not survive it), start them together,
    merge what they measured. Returns (partial, verify totals, objects removed, workers)."""
    nproc = workload.processes or min(workload.concurrency, os.cpu_count() or 1)
    if not thread_safe and inner == "threads":
        nproc = workload.concurrency  # one op in flight per process
    nproc = max(1, min(nproc, workload.concurrency))
    depths = split(workload.concurrency, nproc)
    objects = split(workload.objects, nproc)
    ctx = multiprocessing.get_context("spawn")
    ready, go = ctx.Semaphore(0), ctx.Event()
    t0 = ctx.Value("q", 0, lock=False)
    counters = ctx.Array("q", nproc, lock=False)
    outbox = ctx.Queue()
    procs = [
        ctx.Process(
            target=worker_main,
            args=(
                target,
                workload.to_json(),
                f"{prefix}p{p}/",
                p,
                nproc,
                depths[p],
                objects[p],
                inner,
                ready,
                go,
                t0,
                counters,
                outbox,
            ),
            name=f"objstore-bench-{p}",
            daemon=True,
        )
        for p in range(nproc)
    ]
    for proc in procs:
        proc.start()
    got: dict[int, tuple[str, Any, Any, int]] = {}
    try:
        # Wait until every worker has opened its store and preloaded its keys, then give
        # them one common start time; a worker failing during set-up reports on the queue.
        deadline = time.monotonic() + BARRIER_TIMEOUT
        waiting = nproc
        while waiting and time.monotonic() < deadline:
            if ready.acquire(timeout=0.1):
                waiting -= 1
            elif any(p.exitcode is not None for p in procs):
                break
        t0.value = time.perf_counter_ns() + START_DELAY_NS
        go.set()
        start_ns = t0.value
        while len(got) < nproc:
            try:
                index, status, payload, verify, removed = outbox.get(timeout=0.1)
                got[index] = (status, payload, verify, removed)
            except queue.Empty:
                dead = [p for n, p in enumerate(procs) if n not in got and p.exitcode is not None]
                if dead:
                    time.sleep(0.2)  # a result may still be in the pipe
                    while not outbox.empty():
                        index, status, payload, verify, removed = outbox.get()
                        got[index] = (status, payload, verify, removed)
                    lost = [p.name for n, p in enumerate(procs) if n not in got and p.exitcode]
                    if lost:
                        raise BackendError(
                            f"bench worker(s) {lost} died without a result"
                        ) from None
            if progress is not None:
                progress(sum(counters), (time.perf_counter_ns() - start_ns) / 1e9)
    finally:
        for proc in procs:
            proc.join(5)
            if proc.is_alive():
                proc.terminate()
    failures = [f"worker {i}: {v[1]}" for i, v in sorted(got.items()) if v[0] != "ok"]
    if failures:
        raise BackendError("; ".join(failures), backend=target.backend, op="bench")
    merged: Partial | None = None
    verify_total: dict[str, int] | None = None
    removed_total = 0
    for _index, (_status, wire, verify, removed) in sorted(got.items()):
        part = Partial.from_wire(wire)
        if merged is None:
            merged = part
        else:
            merged.merge(part)
        removed_total += removed
        if verify is not None:
            verify_total = verify_total or {}
            for key, value in verify.items():
                verify_total[key] = verify_total.get(key, 0) + value
    assert merged is not None
    return merged, verify_total, removed_total, nproc
