"""Latency histograms: HdrHistogram in nanoseconds, summaries, encoding and CDF points."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from hdrh.histogram import HdrHistogram

LOWEST_NS = 1
HIGHEST_NS = 3_600_000_000_000
"""One hour: an open-loop run behind a stalled backend can see very long latencies."""
SIGNIFICANT_DIGITS = 3

PERCENTILES: dict[str, float] = {"p50": 50.0, "p90": 90.0, "p99": 99.0, "p99_9": 99.9}
"""Summary percentiles reported per operation (the key is the JSON field name)."""

CDF_PERCENTILES: tuple[float, ...] = (
    *(float(p) for p in range(0, 90, 2)),
    *(90 + i * 0.5 for i in range(18)),
    99.0,
    99.25,
    99.5,
    99.75,
    99.9,
    99.95,
    99.99,
    99.999,
    100.0,
)


def new_histogram() -> Any:
    """An empty latency histogram (nanoseconds, 3 significant digits, up to an hour)."""
    return HdrHistogram(LOWEST_NS, HIGHEST_NS, SIGNIFICANT_DIGITS)


def record_all(hist: Any, latencies_ns: Iterable[int]) -> None:
    """Record many latencies; equal values are recorded once with a count (the hdrh package
    is pure Python, so this halves post-processing time on fast backends)."""
    for value, count in Counter(latencies_ns).items():
        hist.record_value(min(max(value, LOWEST_NS), HIGHEST_NS), count)


def encode(hist: Any) -> str:
    """The histogram as HdrHistogram's compressed base64 text (mergeable later)."""
    raw = hist.encode()
    return raw.decode("ascii") if isinstance(raw, bytes) else str(raw)


def decode(text: str) -> Any:
    return HdrHistogram.decode(text.encode("ascii"))


def merge(texts: Iterable[str]) -> Any:
    """One histogram holding every encoded histogram in ``texts``."""
    hist = new_histogram()
    for text in texts:
        hist.add(decode(text))
    return hist


def summary_us(hist: Any, sum_ns: int | None = None) -> dict[str, float]:
    """min, p50, p90, p99, p99.9 and max in microseconds (empty -> zeros); also the mean
    when ``sum_ns`` (the exact sum of the recorded latencies) is given."""
    total = hist.get_total_count()
    if total == 0:
        return {"min": 0.0, **dict.fromkeys(PERCENTILES, 0.0), "max": 0.0}
    values = hist.get_percentile_to_value_dict(list(PERCENTILES.values()))
    out = {"min": hist.get_min_value() / 1e3}
    if sum_ns is not None:
        out["mean"] = round(sum_ns / total / 1e3, 3)
    for name, pct in PERCENTILES.items():
        out[name] = values[pct] / 1e3
    out["max"] = hist.get_max_value() / 1e3
    return out


def cdf_points_us(hist: Any) -> list[tuple[float, float]]:
    """(latency in us, cumulative fraction) pairs for a CDF plot."""
    if hist.get_total_count() == 0:
        return []
    values = hist.get_percentile_to_value_dict(list(CDF_PERCENTILES))
    return [(values[p] / 1e3, p / 100.0) for p in CDF_PERCENTILES]
