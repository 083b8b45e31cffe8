"""Per-operation overhead of objstore's core on the memory backend.

Compares, in one process, ``Store.put``/``Store.get`` on the memory backend with a raw
locked dict doing the same work, and with a pass-through ``Layer`` added. Reports time per
op and the overhead in microseconds (target: at most 5 us per op) and as a ratio. Figures
are medians of several rounds, because these machines are noisy.

    python bench/core_overhead.py [--ops 200000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable

import objstore
from objstore.layers import Layer

SIZE = 4096


def per_op(fn: Callable[[int], None], ops: int, rounds: int) -> float:
    """Median seconds per op over ``rounds`` runs of ``ops`` calls."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn(ops)
        samples.append((time.perf_counter() - start) / ops)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--target-us", type=float, default=5.0)
    args = parser.parse_args()
    payload = bytes(range(256)) * (SIZE // 256)
    keys = [f"key-{i % 1000}" for i in range(args.ops)]

    raw: dict[str, bytearray] = {}
    lock = threading.Lock()

    def raw_put(n: int) -> None:
        for key in keys[:n]:
            with lock:
                raw[key] = bytearray(payload)

    def raw_get(n: int) -> None:
        for key in keys[:n]:
            with lock:
                bytes(raw[key])

    store = objstore.open("memory")
    layered = objstore.open("memory").with_layers(Layer())

    def store_put(s: objstore.Store) -> Callable[[int], None]:
        def run(n: int) -> None:
            put = s.put
            for key in keys[:n]:
                put(key, payload)

        return run

    def store_get(s: objstore.Store) -> Callable[[int], None]:
        def run(n: int) -> None:
            get = s.get
            for key in keys[:n]:
                get(key)

        return run

    results = {
        "put": (
            per_op(raw_put, args.ops, args.rounds),
            per_op(store_put(store), args.ops, args.rounds),
            per_op(store_put(layered), args.ops, args.rounds),
        ),
        "get": (
            per_op(raw_get, args.ops, args.rounds),
            per_op(store_get(store), args.ops, args.rounds),
            per_op(store_get(layered), args.ops, args.rounds),
        ),
    }
    failed = False
    print(f"memory backend vs raw dict, {SIZE}-byte values, {args.ops} ops x {args.rounds} rounds")
    columns = ("raw dict", "objstore", "+layer", "overhead", "ratio", "layer cost")
    print(f"{'op':<4} " + " ".join(f"{c:>10}" for c in columns))
    for op, (raw_s, store_s, layer_s) in results.items():
        overhead = (store_s - raw_s) * 1e6
        failed |= overhead > args.target_us
        print(
            f"{op:<4} {raw_s * 1e6:>8.2f}us {store_s * 1e6:>8.2f}us {layer_s * 1e6:>8.2f}us "
            f"{overhead:>8.2f}us {store_s / raw_s:>6.2f}x {(layer_s - store_s) * 1e6:>8.2f}us"
        )
    verdict = "within" if not failed else "OVER"
    print(f"overhead per op is {verdict} the {args.target_us:g} us target")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
