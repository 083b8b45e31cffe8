"""The result file: a versioned JSON document (schema in ``docs/benchmarking.md``).

::

    {
      "schema": "objstore-bench", "version": 1,
      "created": "2024-...Z", "objstore_version": "0.1.0",
      "host": {"hostname", "platform", "python", "cpus"},
      "workload": {...Workload.to_json()...},
      "runs": [ {one backend, one repetition; see run_json()} ]
    }
"""

from __future__ import annotations

import json
import os
import platform
import socket
import sys
import time
from pathlib import Path
from typing import Any

from objstore.bench import hist
from objstore.bench.record import OpAgg, Partial

SCHEMA = "objstore-bench"
SCHEMA_VERSION = 1
MIB = 1024 * 1024

RUN_KEYS = (
    "label",
    "backend",
    "repetition",
    "driver",
    "describe",
    "config",
    "fingerprint",
    "window_s",
    "ops",
    "total",
    "intervals",
)
OP_KEYS = ("count", "bytes", "ops_per_s", "mib_per_s", "latency_us", "errors", "histogram")


class SchemaError(ValueError):
    """A result file that is not an objstore bench result of a version this code reads."""


def host_info() -> dict[str, Any]:
    return {
        "hostname": socket.gethostname(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count() or 0,
    }


def op_json(agg: OpAgg, window_s: float) -> dict[str, Any]:
    """One operation's figures: throughput over the measured window and latency summary."""
    window = max(window_s, 1e-9)
    return {
        "count": agg.count,
        "bytes": agg.bytes,
        "ops_per_s": round(agg.count / window, 3),
        "mib_per_s": round(agg.bytes / window / MIB, 3),
        "latency_us": hist.summary_us(agg.hist, agg.latency_sum_ns),
        "errors": dict(sorted(agg.errors.items())),
        "histogram": hist.encode(agg.hist),
    }


def run_json(
    partial: Partial,
    *,
    label: str,
    backend: str,
    repetition: int,
    driver: str,
    describe: dict[str, str],
    config: dict[str, Any],
    fingerprint: str,
    interval: float,
    started: float,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One backend x one repetition, ready for the result file."""
    window_s = max(0.0, (partial.last_end_ns - partial.measure_start_ns) / 1e9)
    total = OpAgg()
    for agg in partial.ops.values():
        total.merge(agg)
    return {
        "label": label,
        "backend": backend,
        "repetition": repetition,
        "driver": driver,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "describe": describe,
        "config": config,
        "fingerprint": fingerprint,
        "window_s": round(window_s, 6),
        "warmup_ops": partial.warmup_ops,
        "client_cpu_s": round(partial.cpu_s, 4),
        "client_cpu_us_per_op": round(
            partial.cpu_s
            * 1e6
            / max(1, partial.warmup_ops + total.count + sum(total.errors.values())),
            2,
        ),
        "ops": {name: op_json(agg, window_s) for name, agg in partial.ops.items()},
        "total": op_json(total, window_s),
        "intervals": {
            "width_s": interval,
            "ops": {name: agg.series_ops for name, agg in partial.ops.items()},
            "bytes": {name: agg.series_bytes for name, agg in partial.ops.items()},
        },
        **(extra or {}),
    }


def document(workload: dict[str, Any], runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole result file."""
    from objstore import __version__

    return {
        "schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "objstore_version": __version__,
        "host": host_info(),
        "workload": workload,
        "runs": runs,
    }


def validate(doc: Any, where: str = "result") -> dict[str, Any]:
    """Check ``doc`` is a result of this schema version; return it. Raises SchemaError."""
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise SchemaError(f'{where}: not an objstore bench result (no "schema": "{SCHEMA}")')
    version = doc.get("version")
    if version != SCHEMA_VERSION:
        raise SchemaError(
            f"{where}: schema version {version!r}; this objstore reads {SCHEMA_VERSION}"
        )
    for key in ("workload", "runs", "host"):
        if key not in doc:
            raise SchemaError(f"{where}: missing {key!r}")
    for n, run in enumerate(doc["runs"]):
        missing = [k for k in RUN_KEYS if k not in run]
        if missing:
            raise SchemaError(f"{where}: runs[{n}] lacks {missing}")
        for name, op in {**run["ops"], "total": run["total"]}.items():
            lacking = [k for k in OP_KEYS if k not in op]
            if lacking:
                raise SchemaError(f"{where}: runs[{n}].ops[{name!r}] lacks {lacking}")
    return doc


def save(doc: dict[str, Any], path: str | os.PathLike[str]) -> None:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1) + "\n")


def load(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SchemaError(f"{path}: {exc}") from exc
    return validate(doc, str(path))
