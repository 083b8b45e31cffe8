"""The benchmark engine: prepare a key set, drive operations, reduce the records.

Three drivers put operations in flight (``Workload.driver``):

``aio``
    One submitter thread keeps ``concurrency`` operations in flight through the backend's
    native asynchronous path (:meth:`Backend.aio_write`/``aio_read``; python-rados aio).
    Completion callbacks only push ``(slot, end_ns, error, data)`` on a
    :class:`queue.SimpleQueue` (a C-level queue, ~0.2 us); the submitter records and
    refills the slot. Payloads, keys and the op sequence are built before the clock starts.
``threads``
    ``concurrency`` threads, each doing one blocking call at a time. Right for backends
    whose calls release the GIL (ctypes bridges, file I/O, librados sync calls).
``process``
    Spawned worker processes (never forked: the Go runtime in gobridge does not survive
    ``fork``), each running the threads (or aio) driver on its own share of the
    concurrency and key set; their histograms are merged.

``auto`` measures: when both ``aio`` (native async path, put/get/get-range mix) and
``threads`` (thread-safe backend) apply, each runs a slice of the warm-up and the faster one
runs the measured phase (:func:`run_in_process`); a backend with neither gets ``process``.

Open loop (``rate`` set): operation ``i`` is *intended* to start at ``t0 + i / rate``.
Its latency is measured from that intended start, not from when a free worker got to it,
so a stall that delays later operations shows up in their latencies (no coordinated
omission).
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import math
import os
import queue
import random
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from objstore.bench.record import ErrorNames, Partial, Recorder, VerifyMismatch, summarize
from objstore.bench.workload import Workload
from objstore.errors import InvalidArgument, NotFound, ObjstoreError
from objstore.spec import WriteMode
from objstore.store import Store

AIO_OPS = frozenset({"put", "get", "get-range"})
MAX_PAYLOAD_BYTES = 256 * 1024 * 1024
MAX_PAYLOADS = 16
NEVER = 1 << 62

OpFunc = Callable[[int], int]
"""Runs operation number ``i``; returns the bytes moved; raises on failure."""


def new_prefix() -> str:
    """A key prefix unique to one run, so runs never see each other's objects."""
    return f"objstore-bench-{time.strftime('%Y%m%dT%H%M%S')}-{os.urandom(4).hex()}/"


def candidate_drivers(workload: Workload, store: Store) -> list[str]:
    """Drivers that can run ``workload`` on ``store``; ``auto`` measures them in warm-up.

    ``aio`` when the backend has a native async path and the mix is put/get/get-range;
    ``threads`` when the backend is thread-safe (or one op is in flight); ``process``
    only when neither applies.
    """
    if workload.driver != "auto":
        return [workload.driver]
    caps = store.capabilities
    out = []
    if caps.aio and set(workload.mix) <= AIO_OPS:
        out.append("aio")
    if caps.thread_safe or workload.concurrency == 1:
        out.append("threads")
    return out or ["process"]


@dataclass
class InProcessRun:
    """What :func:`run_in_process` returns."""

    partial: Partial
    fixture: Fixture
    driver: str
    calibration: dict[str, float]
    """ops/s each candidate driver reached in its warm-up slice (``auto`` with several)."""


@dataclass
class Fixture:
    """Everything built before the clock starts: keys, payloads, checksums, op functions."""

    store: Store
    workload: Workload
    prefix: str
    objects: int
    keys: list[str] = field(default_factory=list)
    payloads: list[bytes] = field(default_factory=list)
    checksums: list[int] = field(default_factory=list)
    range_offsets: list[int] = field(default_factory=list)
    op_names: list[str] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)
    funcs: list[OpFunc] = field(default_factory=list)
    after: list[OpFunc | None] = field(default_factory=list)

    @classmethod
    def build(cls, store: Store, workload: Workload, prefix: str, objects: int) -> Fixture:
        fx = cls(store, workload, prefix, objects)
        fx.keys = [f"{prefix}o{i:08d}" for i in range(objects)]
        count = max(1, min(MAX_PAYLOADS, objects, MAX_PAYLOAD_BYTES // max(1, workload.size)))
        rng = random.Random(workload.seed)
        fx.payloads = [rng.randbytes(workload.size) for _ in range(count)]
        fx.checksums = [zlib.crc32(p) for p in fx.payloads]
        span = max(0, workload.size - workload.effective_range)
        fx.range_offsets = [rng.randint(0, span) for _ in range(1024)]
        fx.op_names = list(workload.mix)
        index = {name: n for n, name in enumerate(fx.op_names)}
        fx.codes = [index[name] for name in workload.schedule()]
        fx.funcs = [fx._op(name) for name in fx.op_names]
        fx.after = [fx._reput if name == "delete" else None for name in fx.op_names]
        return fx

    # -- the operations: minimal work, everything looked up in pre-built lists --------

    def _op(self, name: str) -> OpFunc:
        store, keys, n, payloads = self.store, self.keys, self.objects, self.payloads
        npay, checksums, verify = len(payloads), self.checksums, self.workload.verify
        size, mode = self.workload.size, self.workload.mode
        if name == "put":
            if self.workload.fresh_keys:
                prefix = self.prefix

                def put_fresh(i: int) -> int:
                    store.put(f"{prefix}n{i}", payloads[i % npay], mode)
                    return size

                return put_fresh

            def put(i: int) -> int:
                store.put(keys[i % n], payloads[i % npay], mode)
                return size

            return put
        if name == "get":

            def get(i: int) -> int:
                k = i % n
                data = store.get(keys[k])
                if verify and zlib.crc32(data) != checksums[k % npay]:
                    raise VerifyMismatch(keys[k])
                return len(data)

            return get
        if name == "get-range":
            offsets, length = self.range_offsets, self.workload.effective_range

            def get_range(i: int) -> int:
                k = i % n
                off = offsets[i % 1024]
                data = store.get(keys[k], off, length)
                if verify and data != payloads[k % npay][off : off + length]:
                    raise VerifyMismatch(keys[k])
                return len(data)

            return get_range
        if name == "stat":

            def stat(i: int) -> int:
                st = store.stat(keys[i % n])
                if verify and st.size != size:
                    raise VerifyMismatch(keys[i % n])
                return 0

            return stat
        if name == "delete":

            def delete(i: int) -> int:
                store.delete(keys[i % n])
                return 0

            return delete
        if name == "list":
            prefix = self.prefix

            def list_(i: int) -> int:
                found = sum(1 for _ in store.list(prefix))
                if verify and found < n:
                    raise VerifyMismatch(f"list found {found} of {n} keys")
                return 0

            return list_
        raise InvalidArgument(f"unknown operation {name!r}")

    def _reput(self, i: int) -> int:
        """After a timed delete, put the object back (untimed) so the key set stays whole."""
        k = i % self.objects
        self.store.put(self.keys[k], self.payloads[k % len(self.payloads)], WriteMode.WRITE_FULL)
        return 0

    # -- set-up and tear-down ------------------------------------------------------------

    def preload(self, threads: int) -> None:
        """Write every object once (untimed) so reads, stats and deletes find them."""

        def put(k: int) -> None:
            self.store.put(
                self.keys[k], self.payloads[k % len(self.payloads)], WriteMode.WRITE_FULL
            )

        if threads <= 1 or not self.store.capabilities.thread_safe:
            for k in range(self.objects):
                put(k)
            return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(put, range(self.objects)))

    def verify_all(self) -> dict[str, int]:
        """Read every object back and compare checksums (``--verify``), like fio's verify."""
        checked = mismatched = missing = 0
        for k, key in enumerate(self.keys):
            try:
                data = self.store.get(key)
            except NotFound:
                missing += 1
                continue
            checked += 1
            if zlib.crc32(data) != self.checksums[k % len(self.payloads)]:
                mismatched += 1
        return {"checked": checked, "mismatched": mismatched, "missing": missing}

    def cleanup(self, threads: int = 16) -> int:
        """Delete every object under this run's prefix; return how many were removed.

        Runs with fresh keys leave thousands of objects: delete them from a thread pool
        where the backend allows it.
        """
        keys = list(self.store.list(self.prefix))

        def delete(key: str) -> int:
            try:
                self.store.delete(key)
            except NotFound:
                return 0
            return 1

        if threads <= 1 or len(keys) < 64 or not self.store.capabilities.thread_safe:
            return sum(delete(key) for key in keys)
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=threads) as pool:
            return sum(pool.map(delete, keys))


@dataclass
class Clock:
    """When the run starts, when warm-up ends and when the measured phase stops."""

    t0_ns: int
    warm_end_ns: int
    end_ns: int
    """Duration mode: no operation starts at or after this. Ops mode: NEVER."""
    ops_limit: int
    """Ops mode: measured operations to run. Duration mode: 0."""
    period_ns: float
    """Open loop: ns between intended starts. Closed loop: 0."""

    @classmethod
    def start(cls, workload: Workload, *, t0_ns: int | None = None, share: int = 1) -> Clock:
        t0 = time.perf_counter_ns() if t0_ns is None else t0_ns
        warm_end = t0 + int(workload.warmup * 1e9)
        end = NEVER if workload.duration is None else warm_end + int(workload.duration * 1e9)
        limit = 0 if workload.ops is None else max(1, math.ceil(workload.ops / share))
        period = 0.0 if workload.rate is None else 1e9 / (workload.rate / share)
        return cls(t0, warm_end, end, limit, period)


class Driver:
    """Base of the drivers: holds the recorders the progress display polls."""

    def __init__(self, fixture: Fixture, clock: Clock, depth: int) -> None:
        self.fx = fixture
        self.clock = clock
        self.depth = depth
        self.errors = ErrorNames()
        self.recorders: list[Recorder] = []
        self.stop = threading.Event()
        self.cpu_s = 0.0
        """Process CPU time while :meth:`run` ran (client cost per op = cpu_s / ops)."""
        self.index_base = 0
        """First operation number: later drivers on one fixture continue the numbering, so
        fresh keys stay fresh after a calibration slice."""

    def completed(self) -> int:
        """Operations finished so far (read from other threads for the progress bar)."""
        return sum(len(r) for r in self.recorders)

    def run(self) -> None:
        raise NotImplementedError

    def run_measured(self) -> None:
        """:meth:`run`, recording the process CPU time it took."""
        before = time.process_time()
        try:
            self.run()
        finally:
            self.cpu_s = time.process_time() - before

    def partial(self, interval: float) -> Partial:
        part = summarize(
            self.recorders,
            self.fx.op_names,
            self.errors,
            self.clock.warm_end_ns,
            max(1, int(interval * 1e9)),
        )
        part.cpu_s = self.cpu_s
        return part


class ThreadDriver(Driver):
    """``depth`` threads, each with one blocking operation at a time."""

    def run(self) -> None:
        self.recorders = [Recorder() for _ in range(self.depth)]
        counter = itertools.count(self.index_base)
        measured = itertools.count()
        threads = [
            threading.Thread(
                target=self._loop, args=(rec, counter, measured), name=f"bench-{n}", daemon=True
            )
            for n, rec in enumerate(self.recorders)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def _loop(
        self, rec: Recorder, counter: itertools.count[int], measured: itertools.count[int]
    ) -> None:
        fx, clock = self.fx, self.clock
        funcs, after, codes, ncodes = fx.funcs, fx.after, fx.codes, len(fx.codes)
        t0, warm_end, end_at = clock.t0_ns, clock.warm_end_ns, clock.end_ns
        limit, period = clock.ops_limit, clock.period_ns
        add_code, add_start, add_end = rec.code.append, rec.start.append, rec.end.append
        add_bytes, add_err = rec.nbytes.append, rec.err.append
        error_index, stop = self.errors.index, self.stop
        ns, sleep = time.perf_counter_ns, time.sleep
        base = self.index_base  # the schedule counts from this run's first op
        while not stop.is_set():
            i = next(counter)
            code = codes[i % ncodes]
            if period:
                # Open loop: the op's clock starts at its slot in the schedule, even if
                # every thread was busy when that moment passed.
                start = t0 + int((i - base) * period)
                if start >= end_at:
                    break
                wait = start - ns()
                if wait > 0:
                    sleep(wait / 1e9)
            else:
                start = ns()
                if start >= end_at:
                    break
            if limit and start >= warm_end and next(measured) >= limit:
                break
            try:
                nbytes = funcs[code](i)
                err = 0
            except Exception as exc:  # every failure is a data point, by class
                nbytes = 0
                err = error_index(exc)
            done = ns()
            add_code(code)
            add_start(start)
            add_end(done)
            add_bytes(nbytes)
            add_err(err)
            fn = after[code]
            if fn is not None and not err:
                with contextlib.suppress(Exception):
                    fn(i)


class AioDriver(Driver):
    """One submitter keeping ``depth`` native asynchronous operations in flight."""

    def run(self) -> None:
        fx, clock, depth = self.fx, self.clock, self.depth
        backend = fx.store.backend
        rec = Recorder()
        self.recorders = [rec]
        done_q: queue.SimpleQueue[tuple[int, int, Any, Any]] = queue.SimpleQueue()
        put_done, ns = done_q.put, time.perf_counter_ns

        # One callback object per slot, made once: no closure allocation per operation.
        def write_cb(slot: int) -> Callable[[Any], None]:
            def cb(err: Any) -> None:
                put_done((slot, ns(), err, None))

            return cb

        def read_cb(slot: int) -> Callable[[Any, Any], None]:
            def cb(data: Any, err: Any) -> None:
                put_done((slot, ns(), err, data))

            return cb

        wcbs = [write_cb(s) for s in range(depth)]
        rcbs = [read_cb(s) for s in range(depth)]
        names = fx.op_names
        is_put = [n == "put" for n in names]
        is_range = [n == "get-range" for n in names]
        keys, nkeys, payloads, npay = fx.keys, fx.objects, fx.payloads, len(fx.payloads)
        codes, ncodes = fx.codes, len(fx.codes)
        offsets, rlen, size = fx.range_offsets, fx.workload.effective_range, fx.workload.size
        mode, verify, checksums = fx.workload.mode, fx.workload.verify, fx.checksums
        fresh, prefix = fx.workload.fresh_keys, fx.prefix
        aio_write, aio_read = backend.aio_write, backend.aio_read
        slot_i = [0] * depth
        slot_start = [0] * depth
        slot_code = [0] * depth
        add_code, add_start, add_end = rec.code.append, rec.start.append, rec.end.append
        add_bytes, add_err = rec.nbytes.append, rec.err.append
        error_index = self.errors.index
        t0, warm_end, end_at = clock.t0_ns, clock.warm_end_ns, clock.end_ns
        limit, period = clock.ops_limit, clock.period_ns
        measured = 0

        def finish(slot: int, end: int, err: Any, data: Any) -> None:
            code = slot_code[slot]
            if err is not None:
                nbytes, e = 0, error_index(err)
            elif is_put[code]:
                nbytes, e = size, 0
            else:
                nbytes, e = len(data), 0
                if verify:
                    k = slot_i[slot] % nkeys
                    if is_range[code]:
                        off = offsets[slot_i[slot] % 1024]
                        ok = data == payloads[k % npay][off : off + rlen]
                    else:
                        ok = zlib.crc32(data) == checksums[k % npay]
                    if not ok:
                        nbytes, e = 0, error_index(VerifyMismatch(keys[k]))
            add_code(code)
            add_start(slot_start[slot])
            add_end(end)
            add_bytes(nbytes)
            add_err(e)

        def submit(slot: int, i: int, start: int) -> bool:
            """Start op ``i`` in ``slot``; False when it failed synchronously (recorded)."""
            code = codes[i % ncodes]
            slot_i[slot], slot_start[slot], slot_code[slot] = i, start, code
            try:
                if is_put[code]:
                    key = f"{prefix}n{i}" if fresh else keys[i % nkeys]
                    aio_write(key, payloads[i % npay], mode, 0, wcbs[slot])
                elif is_range[code]:
                    aio_read(keys[i % nkeys], offsets[i % 1024], rlen, rcbs[slot])
                else:
                    aio_read(keys[i % nkeys], 0, size, rcbs[slot])
            except Exception as exc:
                finish(slot, ns(), exc, None)
                return False
            return True

        i = self.index_base
        inflight = 0
        free = list(range(depth))
        stop = self.stop
        while not stop.is_set():
            start = t0 + int((i - self.index_base) * period) if period else ns()
            if start >= end_at:
                break
            if limit and start >= warm_end:
                if measured >= limit:
                    break
                measured += 1
            # Wait for a free slot (closed loop) or for the intended start (open loop),
            # recording completions meanwhile.
            while True:
                if free:
                    if not period:
                        break
                    wait = start - ns()
                    if wait <= 0:
                        break
                    try:
                        item = done_q.get(timeout=wait / 1e9)
                    except queue.Empty:
                        break
                else:
                    item = done_q.get()
                finish(*item)
                free.append(item[0])
                inflight -= 1
            slot = free.pop()
            if not period:
                start = ns()
            if submit(slot, i, start):
                inflight += 1
            else:
                free.append(slot)
            i += 1
        while inflight:
            item = done_q.get()
            finish(*item)
            inflight -= 1
        backend.aio_flush()


class AioHandle(Protocol):
    """What an optional ``Backend.aio_write_handle(key, data, mode, offset)`` returns: a
    started write with no Python callback. See :class:`PollDriver`."""

    def wait(self) -> None:
        """Block until the write completes (without holding the GIL)."""

    def is_complete(self) -> bool:
        """True once the write has completed."""

    def error(self) -> ObjstoreError | None:
        """None on success, else the taxonomy error (only after completion)."""


def has_handle_writes(store: Store) -> bool:
    """The backend offers callback-free asynchronous writes (``aio_write_handle``)."""
    return callable(getattr(store.backend, "aio_write_handle", None))


class PollDriver(Driver):
    """``depth`` callback-free writes in flight; the submitter waits on the oldest handle.

    A Python completion callback must take the GIL on a native thread for every operation;
    on python-rados that hand-off costs more client CPU than the write itself
    (docs/benchmarking.md: ~60 vs ~110-150 us/op for 4 KiB). Here nothing calls into
    Python: the submitter blocks in ``wait()`` on the oldest write (GIL released), then
    harvests *every* completed handle in the ring and refills it. A write that finished
    while the submitter waited on an older one is stamped when harvested, so its latency
    is an upper bound (never an understatement). Closed loop, put-only mixes.
    """

    def run(self) -> None:
        fx, clock, depth = self.fx, self.clock, self.depth
        start_write = fx.store.backend.aio_write_handle  # type: ignore[attr-defined]
        rec = Recorder()
        self.recorders = [rec]
        keys, nkeys, payloads, npay = fx.keys, fx.objects, fx.payloads, len(fx.payloads)
        mode, size, fresh, prefix = (
            fx.workload.mode,
            fx.workload.size,
            fx.workload.fresh_keys,
            fx.prefix,
        )
        add_code, add_start, add_end = rec.code.append, rec.start.append, rec.end.append
        add_bytes, add_err = rec.nbytes.append, rec.err.append
        error_index = self.errors.index
        warm_end, end_at, limit = clock.warm_end_ns, clock.end_ns, clock.ops_limit
        ns, stop = time.perf_counter_ns, self.stop
        ring: list[tuple[Any, int]] = []
        i = self.index_base
        measured = 0
        running = True

        def submit() -> bool:
            nonlocal i, measured
            start = ns()
            if start >= end_at or stop.is_set():
                return False
            if limit and start >= warm_end:
                if measured >= limit:
                    return False
                measured += 1
            key = f"{prefix}n{i}" if fresh else keys[i % nkeys]
            try:
                ring.append((start_write(key, payloads[i % npay], mode, 0), start))
            except Exception as exc:
                add_code(0)
                add_start(start)
                add_end(ns())
                add_bytes(0)
                add_err(error_index(exc))
            i += 1
            return True

        while running and len(ring) < depth:
            running = submit()
        while ring:
            ring[0][0].wait()
            now = ns()
            still: list[tuple[Any, int]] = []
            for handle, start in ring:
                if handle.is_complete():
                    err = handle.error()
                    add_code(0)
                    add_start(start)
                    add_end(now)
                    add_bytes(0 if err is not None else size)
                    add_err(0 if err is None else error_index(err))
                else:
                    still.append((handle, start))
            ring = still
            while running and len(ring) < depth:
                running = submit()


def make_driver(kind: str, fixture: Fixture, clock: Clock, depth: int) -> Driver:
    if kind == "aio" and (
        fixture.op_names == ["put"] and not clock.period_ns and has_handle_writes(fixture.store)
    ):
        return PollDriver(fixture, clock, depth)
    if kind == "aio":
        if not fixture.store.capabilities.aio:
            raise InvalidArgument(f"backend {fixture.store.name} has no native aio path")
        extra = set(fixture.op_names) - AIO_OPS
        if extra:
            raise InvalidArgument(
                f"the aio driver runs put/get/get-range only, not {sorted(extra)}"
            )
        return AioDriver(fixture, clock, depth)
    if kind == "threads":
        if depth > 1 and not fixture.store.capabilities.thread_safe:
            raise InvalidArgument(
                f"backend {fixture.store.name} is not thread-safe; use --workers process "
                "or --concurrency 1"
            )
        return ThreadDriver(fixture, clock, depth)
    raise InvalidArgument(f"unknown in-process driver {kind!r}")


def run_in_process(
    store: Store,
    workload: Workload,
    kind: str | list[str],
    prefix: str,
    *,
    on_progress: Callable[[int, float], None] | None = None,
) -> InProcessRun:
    """Prepare, drive and reduce one run inside this process. Does not clean up.

    ``kind`` may list several drivers: then the warm-up is cut into one slice per
    candidate plus a final one; each candidate runs closed loop in its slice and the one
    with the most ops/s runs the measured phase (throughput of aio vs threads differs by
    backend and by operation: see docs/benchmarking.md).
    """
    candidates = [kind] if isinstance(kind, str) else list(kind)
    fx = Fixture.build(store, workload, prefix, workload.objects)
    try:
        return _drive_fixture(fx, workload, candidates, on_progress)
    except BaseException:
        with contextlib.suppress(Exception):
            fx.cleanup()
        raise


def _drive_fixture(
    fx: Fixture,
    workload: Workload,
    candidates: list[str],
    on_progress: Callable[[int, float], None] | None,
) -> InProcessRun:
    if workload.needs_preload:
        fx.preload(min(workload.concurrency, 16))
    started = time.perf_counter_ns()
    done_before = 0

    def progress(done: int, _elapsed: float) -> None:
        if on_progress is not None:
            on_progress(done_before + done, (time.perf_counter_ns() - started) / 1e9)

    calibration: dict[str, float] = {}
    chosen = candidates[0]
    if len(candidates) > 1 and workload.warmup > 0:
        slice_s = workload.warmup / (len(candidates) + 1)
        # ABBA order, half a slice each time: whoever runs first meets a cold cluster, and
        # that bias must not decide the driver.
        order = candidates + candidates[::-1]
        completed = dict.fromkeys(candidates, 0)
        seconds = dict.fromkeys(candidates, 0.0)
        for candidate in order:
            now = time.perf_counter_ns()
            clock = Clock(now, now, now + int(slice_s / 2 * 1e9), 0, 0.0)
            trial = make_driver(candidate, fx, clock, workload.concurrency)
            trial.index_base = done_before
            drive(trial, progress)
            seconds[candidate] += max(1e-9, (time.perf_counter_ns() - now) / 1e9)
            completed[candidate] += trial.completed()
            done_before += trial.completed()
        calibration = {c: round(completed[c] / seconds[c], 1) for c in candidates}
        chosen = max(candidates, key=lambda c: calibration[c])
        workload = dataclasses.replace(workload, warmup=slice_s)
    clock = Clock.start(workload)
    driver = make_driver(chosen, fx, clock, workload.concurrency)
    driver.index_base = done_before
    drive(driver, progress)
    return InProcessRun(driver.partial(workload.interval), fx, chosen, calibration)


def drive(driver: Driver, on_progress: Callable[[int, float], None] | None) -> None:
    """Run ``driver`` on a thread; poll it for progress (ops done, seconds since start)."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            driver.run_measured()
        except BaseException as exc:  # surfaced to the caller below
            failure.append(exc)

    thread = threading.Thread(target=target, name="bench-driver", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.1)
            if on_progress is not None:
                on_progress(driver.completed(), (time.perf_counter_ns() - driver.clock.t0_ns) / 1e9)
    except KeyboardInterrupt:
        driver.stop.set()
        thread.join()
        raise
    if failure:
        raise failure[0]
