#!/usr/bin/env python3
"""RSS of a process doing many 4 KiB put/get calls through the Go bridge (issue 4's leak check).

Reports RSS every tenth of the run; a flat line after warm-up means no memory is kept per
call (Go- or C-side). A report, not a timed test:

    .venv/bin/python bench/gobridge_leak.py [--ops 100000] [--config configs/gobridge-local.toml]
"""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path

import objstore

ROOT = Path(__file__).resolve().parents[1]


def rss_kib() -> int:
    """Resident set size of this process from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("VmRSS not found")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "gobridge-local.toml")
    parser.add_argument("--ops", type=int, default=100_000, help="put+get pairs")
    parser.add_argument("--keys", type=int, default=100, help="distinct keys cycled through")
    args = parser.parse_args()
    prefix = f"bench-leak-{uuid.uuid4().hex[:8]}/"
    data = bytes(range(256)) * 16  # 4 KiB with NULs
    step = max(1, args.ops // 10)
    samples: list[tuple[int, int]] = []
    with objstore.open(config=args.config) as store:
        for i in range(args.ops):
            key = f"{prefix}{i % args.keys}"
            store.put(key, data)
            if store.get(key) != data:
                raise SystemExit(f"data mismatch at op {i}")
            if i % step == 0 or i == args.ops - 1:
                samples.append((i + 1, rss_kib()))
                print(f"{i + 1:>8} ops  RSS {samples[-1][1]:>8} KiB", flush=True)
        for key in list(store.list(prefix)):
            store.delete(key)
    base = samples[1][1] if len(samples) > 2 else samples[0][1]  # after warm-up
    growth = samples[-1][1] - base
    per_op = growth * 1024 / max(1, samples[-1][0] - samples[1][0]) if len(samples) > 2 else 0.0
    print(
        f"RSS after warm-up {base} KiB, at the end {samples[-1][1]} KiB: "
        f"{growth:+} KiB ({per_op:.2f} bytes per put+get)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
