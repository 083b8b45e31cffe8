"""Raw per-operation records and their reduction into per-op histograms and time series.

Drivers do as little as possible per operation: they append five integers to
:class:`Recorder` arrays. Everything else (warm-up cut, histograms, errors by class,
throughput per interval) happens after the run in :func:`summarize`, so the hot loop
stays short and the same reduction serves every driver.
"""

from __future__ import annotations

import threading
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from objstore.bench import hist


class VerifyMismatch(Exception):
    """Data read back differs from what the benchmark wrote (``--verify``)."""


class ErrorNames:
    """Error class name <-> small int, shared by a run's threads (index 0 means success)."""

    def __init__(self) -> None:
        self.names: list[str] = [""]
        self._index: dict[str, int] = {}
        self._lock = threading.Lock()

    def index(self, exc: BaseException) -> int:
        name = type(exc).__name__
        found = self._index.get(name)
        if found is not None:
            return found
        with self._lock:
            found = self._index.get(name)
            if found is None:
                found = len(self.names)
                self.names.append(name)
                self._index[name] = found
            return found


class Recorder:
    """One driver thread's raw records: op code, start (intended start in open loop), end,
    bytes moved and error index."""

    __slots__ = ("code", "end", "err", "nbytes", "start")

    def __init__(self) -> None:
        self.code = array("b")
        self.start = array("q")
        self.end = array("q")
        self.nbytes = array("q")
        self.err = array("h")

    def __len__(self) -> int:
        return len(self.end)


@dataclass
class OpAgg:
    """Aggregated results of one operation type."""

    hist: Any = field(default_factory=hist.new_histogram)
    count: int = 0
    bytes: int = 0
    latency_sum_ns: int = 0
    """Sum of recorded latencies, for the mean (hdrh's own mean walks every bucket: slow)."""
    errors: Counter[str] = field(default_factory=Counter)
    series_ops: list[int] = field(default_factory=list)
    series_bytes: list[int] = field(default_factory=list)

    def add_series(self, ops: list[int], nbytes: list[int]) -> None:
        for target, source in ((self.series_ops, ops), (self.series_bytes, nbytes)):
            if len(target) < len(source):
                target.extend([0] * (len(source) - len(target)))
            for i, value in enumerate(source):
                target[i] += value

    def merge(self, other: OpAgg) -> None:
        self.hist.add(other.hist)
        self.count += other.count
        self.bytes += other.bytes
        self.latency_sum_ns += other.latency_sum_ns
        self.errors.update(other.errors)
        self.add_series(other.series_ops, other.series_bytes)


@dataclass
class Partial:
    """What one driver (or one worker process) measured."""

    ops: dict[str, OpAgg]
    measure_start_ns: int
    last_end_ns: int
    warmup_ops: int = 0
    cpu_s: float = 0.0
    """CPU time (user + system, all threads) this process spent while the driver ran."""

    def merge(self, other: Partial) -> None:
        for name, agg in other.ops.items():
            self.ops.setdefault(name, OpAgg()).merge(agg)
        self.measure_start_ns = min(self.measure_start_ns, other.measure_start_ns)
        self.last_end_ns = max(self.last_end_ns, other.last_end_ns)
        self.warmup_ops += other.warmup_ops
        self.cpu_s += other.cpu_s

    def to_wire(self) -> dict[str, Any]:
        """A picklable, JSON-able form (histograms encoded) for crossing process boundaries."""
        return {
            "measure_start_ns": self.measure_start_ns,
            "last_end_ns": self.last_end_ns,
            "warmup_ops": self.warmup_ops,
            "cpu_s": self.cpu_s,
            "ops": {
                name: {
                    "hist": hist.encode(agg.hist),
                    "count": agg.count,
                    "bytes": agg.bytes,
                    "latency_sum_ns": agg.latency_sum_ns,
                    "errors": dict(agg.errors),
                    "series_ops": agg.series_ops,
                    "series_bytes": agg.series_bytes,
                }
                for name, agg in self.ops.items()
            },
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Partial:
        ops = {
            name: OpAgg(
                hist=hist.decode(item["hist"]),
                count=item["count"],
                bytes=item["bytes"],
                latency_sum_ns=item["latency_sum_ns"],
                errors=Counter(item["errors"]),
                series_ops=list(item["series_ops"]),
                series_bytes=list(item["series_bytes"]),
            )
            for name, item in data["ops"].items()
        }
        return cls(
            ops, data["measure_start_ns"], data["last_end_ns"], data["warmup_ops"], data["cpu_s"]
        )


def summarize(
    recorders: list[Recorder],
    op_names: list[str],
    errors: ErrorNames,
    measure_start_ns: int,
    interval_ns: int,
) -> Partial:
    """Reduce raw records: drop warm-up (started before ``measure_start_ns``), histogram the
    latency (end - start) of successful ops, count errors by class, bucket completions
    into ``interval_ns``-wide throughput buckets."""
    latencies: dict[int, list[int]] = {}
    aggs: dict[int, OpAgg] = {}
    warmup = 0
    last_end = measure_start_ns
    for rec in recorders:
        for code, start, end, nbytes, err in zip(
            rec.code, rec.start, rec.end, rec.nbytes, rec.err, strict=True
        ):
            if start < measure_start_ns:
                warmup += 1
                continue
            agg = aggs.get(code)
            if agg is None:
                agg = aggs[code] = OpAgg()
                latencies[code] = []
            last_end = max(last_end, end)
            if err:
                agg.errors[errors.names[err]] += 1
                continue
            latencies[code].append(end - start)
            agg.count += 1
            agg.bytes += nbytes
            bucket = max(0, (end - measure_start_ns) // interval_ns)
            series = agg.series_ops
            if bucket >= len(series):
                grow = bucket + 1 - len(series)
                series.extend([0] * grow)
                agg.series_bytes.extend([0] * grow)
            series[bucket] += 1
            agg.series_bytes[bucket] += nbytes
    for code, agg in aggs.items():
        hist.record_all(agg.hist, latencies[code])
        agg.latency_sum_ns = sum(latencies[code])
    return Partial(
        # Codes index op_names (the mix's order): report ops in that order.
        {op_names[code]: aggs[code] for code in sorted(aggs)},
        measure_start_ns,
        last_end,
        warmup,
    )
