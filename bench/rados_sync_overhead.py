"""Overhead of the rados backend over raw python-rados: sync 4 KiB put and get, one run.

Both paths use the same cluster, pool, user and object size. They alternate in short
rounds (backend, raw, backend, raw...) so drift on a noisy 2-core machine hits both
alike; the ratio is the median over round pairs of (backend mean / raw mean). A second
figure, the objstore layers' own cost per call, is measured against a stand-in ioctx
that returns at once; it is what the ratio would show on a quiet machine. Target: <= 1.05.

    .venv/bin/python bench/rados_sync_overhead.py [--config configs/rados-local.toml]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import objstore  # noqa: E402
from objstore.config import load_config  # noqa: E402

SIZE = 4096


def _raw(options: dict[str, Any]) -> tuple[Any, Any]:
    import rados

    conf = {"keyring": options["keyring"]}
    cluster = rados.Rados(conffile=options["conffile"], name=options["user"], conf=conf)
    cluster.connect()
    return cluster, cluster.open_ioctx(options["pool"])


def _round(op: Callable[[int], object], count: int) -> float:
    started = time.perf_counter()
    for i in range(count):
        op(i)
    return (time.perf_counter() - started) / count


class _InstantIoctx:
    """Answers at once, so timing the store against it isolates objstore's own cost."""

    def read(self, key: str, length: int, offset: int) -> bytes:
        return b"x" * length

    def write_full(self, key: str, data: bytes) -> int:
        return 0


def _layer_cost(store: objstore.Store, data: bytes, count: int = 50000) -> dict[str, float]:
    backend: Any = store.backend
    real, backend._ioctx = backend._ioctx, _InstantIoctx()
    try:
        return {
            "put": _round(lambda i: store.put("bench-layer", data), count),
            "get": _round(lambda i: store.get("bench-layer", 0, SIZE), count),
        }
    finally:
        backend._ioctx = real


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "configs" / "rados-local.toml"))
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--ops", type=int, default=50, help="operations per round")
    args = parser.parse_args()

    options = load_config(args.config).options
    data = os.urandom(SIZE)
    keys = [f"bench-overhead-{i}" for i in range(args.ops)]
    store = objstore.open(config=args.config)
    cluster, ioctx = _raw(options)
    try:
        paths: dict[str, dict[str, Callable[[int], object]]] = {
            "put": {
                "objstore": lambda i: store.put(keys[i], data),
                "python-rados": lambda i: ioctx.write_full(keys[i], data),
            },
            "get": {
                "objstore": lambda i: store.get(keys[i], 0, SIZE),
                "python-rados": lambda i: ioctx.read(keys[i], SIZE, 0),
            },
        }
        for i in range(args.ops):  # warm up and make the objects the gets read
            ioctx.write_full(keys[i], data)
        print(f"rados sync {SIZE} B, {args.rounds} rounds x {args.ops} ops per path")
        print(f"{'op':4} {'objstore us/op':>15} {'python-rados us/op':>19} {'ratio':>7}")
        ratios = {}
        for op, impls in paths.items():
            times: dict[str, list[float]] = {name: [] for name in impls}
            for r in range(args.rounds):
                order = list(impls) if r % 2 == 0 else list(reversed(impls))
                for name in order:
                    times[name].append(_round(impls[name], args.ops))
            ours = statistics.median(times["objstore"])
            raw = statistics.median(times["python-rados"])
            ratios[op] = statistics.median(
                a / b for a, b in zip(times["objstore"], times["python-rados"], strict=True)
            )
            print(f"{op:4} {ours * 1e6:15.1f} {raw * 1e6:19.1f} {ratios[op]:7.3f}")
        verdict = "OK" if max(ratios.values()) <= 1.05 else "ABOVE TARGET"
        print(f"target <= 1.05x: {verdict} (load average {os.getloadavg()[0]:.1f})")
        layers = _layer_cost(store, data)
        for op, cost in layers.items():
            print(f"objstore layers alone, {op}: {cost * 1e6:.1f} us/call")
    finally:
        for key in keys:
            ioctx.remove_object(key)
        ioctx.close()
        cluster.shutdown()
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
