#!/usr/bin/env python3
"""Compare the gobridge backend with the rados backend in one run, on one cluster.

Per-operation latency of 4 KiB put and get, and of 4 MiB get (``get`` returning new bytes
and ``get_into`` a reused buffer), interleaved in rounds so both backends see the same
cluster weather. Prints each ratio gobridge / rados against the targets of issue 4:
4 KiB put/get <= 1.10x, 4 MiB get <= 1.0x.

    .venv/bin/python bench/gobridge_vs_rados.py [--config configs/gobridge-local.toml]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import objstore
from objstore.store import Store

ROOT = Path(__file__).resolve().parents[1]
KiB, MiB = 1024, 1024 * 1024


def per_op(fn: Callable[[int], object], n: int) -> float:
    """Seconds per call of fn(i) over n calls."""
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return (time.perf_counter() - start) / n


def compare(
    name: str,
    stores: dict[str, Store],
    make: Callable[[Store], Callable[[int], object]],
    n: int,
    rounds: int,
) -> dict[str, float]:
    """Median seconds per op for each store, alternating the order every round."""
    samples: dict[str, list[float]] = {label: [] for label in stores}
    labels = list(stores)
    for label in labels:  # warm-up round, not counted (first writes allocate on the osd)
        per_op(make(stores[label]), n)
    for r in range(rounds):
        for label in labels if r % 2 == 0 else reversed(labels):
            samples[label].append(per_op(make(stores[label]), n))
    return {label: statistics.median(values) for label, values in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "gobridge-local.toml")
    parser.add_argument(
        "--rados-config", type=Path, default=None, help="default: rados-local.toml next to --config"
    )
    parser.add_argument("--ops", type=int, default=300, help="4 KiB ops per round")
    parser.add_argument("--big-ops", type=int, default=20, help="4 MiB gets per round")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    rados_config = args.rados_config or args.config.with_name("rados-local.toml")
    prefix = f"bench-gb-{uuid.uuid4().hex[:8]}/"
    small, big = b"s" * (4 * KiB), bytes(range(256)) * (4 * MiB // 256)
    results: list[tuple[str, float, float, float]] = []
    with objstore.open(config=args.config) as gb, objstore.open(config=rados_config) as rd:
        stores = {"gobridge": gb, "rados": rd}
        print(f"gobridge: {gb.describe().get('library')}  rados: {rd.describe().get('librados')}")
        for label, store in stores.items():
            for i in range(args.ops):
                store.put(f"{prefix}{label}/s{i}", small)
            store.put(f"{prefix}{label}/big", big)

        def put4k(store: Store) -> Callable[[int], object]:
            base = f"{prefix}{store.name}/s"
            return lambda i: store.put(f"{base}{i}", small)

        def get4k(store: Store) -> Callable[[int], object]:
            base = f"{prefix}{store.name}/s"
            return lambda i: store.get(f"{base}{i}")

        def get4m(store: Store) -> Callable[[int], object]:
            key = f"{prefix}{store.name}/big"
            return lambda i: store.get(key)

        def get4m_into(store: Store) -> Callable[[int], object]:
            key, buf = f"{prefix}{store.name}/big", bytearray(4 * MiB)
            return lambda i: store.get_into(key, buf)

        cases = [
            ("4 KiB put", put4k, args.ops, 1.10),
            ("4 KiB get", get4k, args.ops, 1.10),
            ("4 MiB get", get4m, args.big_ops, 1.0),
            ("4 MiB get_into", get4m_into, args.big_ops, 1.0),
        ]
        for name, make, n, target in cases:
            med = compare(name, stores, make, n, args.rounds)
            results.append((name, med["gobridge"], med["rados"], target))
        for label, store in stores.items():
            for key in list(store.list(f"{prefix}{label}/")):
                store.delete(key)

    print(f"{'case':<16}{'gobridge':>12}{'rados':>12}{'ratio':>8}{'target':>8}")
    failed = 0
    for name, g, r, target in results:
        ratio = g / r
        verdict = "ok" if ratio <= target else "OVER"
        failed += ratio > target
        print(
            f"{name:<16}{g * 1e6:>10.0f}us{r * 1e6:>10.0f}us{ratio:>8.2f}{target:>7.2f}x {verdict}"
        )
    print("(median of rounds; a noisy 2-core machine: compare only within one run)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
