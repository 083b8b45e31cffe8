"""``objstore compare``: ratios between runs, with bootstrap confidence intervals.

Each *side* is a set of runs (repetitions in one file, or several files). For every
operation and metric the ratio of means (side / baseline) gets a percentile-bootstrap
confidence interval, resampling the runs of each side with replacement. A verdict is
given only when the interval excludes 1; with fewer than :data:`MIN_RUNS` runs on a side
there is no interval and so no verdict.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from objstore.bench.results import load

MIN_RUNS = 2
ITERATIONS = 2000
CONFIDENCE = 0.95

METRICS: tuple[tuple[str, str, bool], ...] = (
    ("ops/s", "ops_per_s", True),
    ("MiB/s", "mib_per_s", True),
    ("p50", "p50", False),
    ("p90", "p90", False),
    ("p99", "p99", False),
    ("p99.9", "p99_9", False),
)
"""(display name, field, higher is better). Latency fields live under ``latency_us``."""


@dataclass
class Side:
    """Runs that count as repetitions of one configuration."""

    name: str
    runs: list[dict[str, Any]]


@dataclass
class Comparison:
    """One metric of one operation, side vs baseline."""

    op: str
    metric: str
    baseline_mean: float
    mean: float
    ratio: float | None
    low: float | None
    high: float | None
    verdict: str
    n_baseline: int
    n: int


def metric_value(run: dict[str, Any], op: str, field: str) -> float | None:
    entry = run["total"] if op == "total" else run["ops"].get(op)
    if entry is None:
        return None
    if field in ("ops_per_s", "mib_per_s"):
        return float(entry[field])
    if entry["count"] == 0:
        return None
    return float(entry["latency_us"][field])


def bootstrap_ratio(
    baseline: Sequence[float],
    other: Sequence[float],
    *,
    iterations: int = ITERATIONS,
    confidence: float = CONFIDENCE,
    seed: int = 0,
) -> tuple[float | None, float | None, float | None]:
    """(ratio of means, low, high) of ``other / baseline``; the interval is None below
    :data:`MIN_RUNS` values per side, the ratio None when the baseline mean is 0."""
    mean_a, mean_b = statistics.fmean(baseline), statistics.fmean(other)
    if mean_a == 0:
        return None, None, None
    ratio = mean_b / mean_a
    if len(baseline) < MIN_RUNS or len(other) < MIN_RUNS:
        return ratio, None, None
    rng = random.Random(seed)
    choices = rng.choices
    ratios: list[float] = []
    na, nb = len(baseline), len(other)
    for _ in range(iterations):
        a = sum(choices(baseline, k=na))
        if a > 0:
            ratios.append(sum(choices(other, k=nb)) * na / (a * nb))
    if not ratios:
        return ratio, None, None
    ratios.sort()
    tail = (1 - confidence) / 2
    low = ratios[int(tail * (len(ratios) - 1))]
    high = ratios[int((1 - tail) * (len(ratios) - 1))]
    return ratio, low, high


def verdict(low: float | None, high: float | None, higher_is_better: bool) -> str:
    """``better``/``worse`` only when the interval excludes 1; else ``~`` (no difference
    shown) or ``n/a`` (too few runs for an interval)."""
    if low is None or high is None:
        return "n/a"
    if low > 1:
        return "better" if higher_is_better else "worse"
    if high < 1:
        return "worse" if higher_is_better else "better"
    return "~"


def compare_sides(baseline: Side, side: Side, *, seed: int = 0) -> list[Comparison]:
    """Every metric of every operation both sides ran (plus ``total``)."""
    ops = [op for op in baseline.runs[0]["ops"] if all(op in r["ops"] for r in side.runs)]
    out: list[Comparison] = []
    for op in [*ops, "total"]:
        for display, field, higher in METRICS:
            a = [v for r in baseline.runs if (v := metric_value(r, op, field)) is not None]
            b = [v for r in side.runs if (v := metric_value(r, op, field)) is not None]
            if not a or not b:
                continue
            if field == "mib_per_s" and not any(a) and not any(b):
                continue  # stat, list, delete move no data
            ratio, low, high = bootstrap_ratio(a, b, seed=seed)
            out.append(
                Comparison(
                    op=op,
                    metric=display,
                    baseline_mean=statistics.fmean(a),
                    mean=statistics.fmean(b),
                    ratio=ratio,
                    low=low,
                    high=high,
                    verdict=verdict(low, high, higher) if ratio is not None else "n/a",
                    n_baseline=len(a),
                    n=len(b),
                )
            )
    return out


def load_sides(files: Sequence[str], explicit: Sequence[str] = ()) -> list[Side]:
    """Sides from positional files (each label in each file is a side) and from
    ``NAME=FILE[,FILE...]`` specs (all runs of those files form one side)."""
    sides: list[Side] = []
    for spec in explicit:
        name, sep, paths = spec.partition("=")
        if not sep or not paths:
            raise ValueError(f"--side wants NAME=FILE[,FILE...], not {spec!r}")
        runs = [run for path in paths.split(",") for run in load(path)["runs"]]
        sides.append(Side(name, runs))
    grouped: list[tuple[str, str, list[dict[str, Any]]]] = []
    for path in files:
        by_label: dict[str, list[dict[str, Any]]] = {}
        for run in load(path)["runs"]:
            by_label.setdefault(run["label"], []).append(run)
        grouped.extend((Path(path).stem, label, runs) for label, runs in by_label.items())
    labels = [label for _, label, _ in grouped]
    for stem, label, runs in grouped:
        name = label if labels.count(label) == 1 else f"{stem}:{label}"
        sides.append(Side(name, runs))
    return sides
