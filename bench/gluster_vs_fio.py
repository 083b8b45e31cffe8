"""Gluster backend vs fio's gfapi engine: 4 MiB sequential writes, in one run.

Usage (the volume from ``objstore cluster gluster up``)::

    .venv/bin/python bench/gluster_vs_fio.py [--config configs/gluster-local.toml] [--mib 256]

Both sides write ``--mib`` MiB in 4 MiB blocks to one new file through libgfapi: fio with
``ioengine=gfapi`` (one open file, sequential ``glfs_pwrite``), objstore with
``Store.put_stream(mode="w")`` (one open fd, sequential ``glfs_pwrite``) and, for
reference, one ``put(mode="w", offset=...)`` per block (open + pwrite + close each).
Each side runs ``--repeat`` times; the best MB/s counts. The target is >= 0.8x of fio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import objstore
from objstore.config import load_config

BLOCK = 4 * 1024 * 1024
ROOT = Path(__file__).resolve().parents[1]


SETTLE_SECONDS = 2.0


def fio_mbps(volume: str, host: str, mib: int) -> float:
    """MB/s (10^6) of fio's gfapi engine writing ``mib`` MiB in 4 MiB blocks."""
    name = f"fio-bench-{uuid.uuid4().hex[:8]}"
    cmd = [
        "fio",
        f"--name={name}",
        "--ioengine=gfapi",
        f"--volume={volume}",
        f"--brick={host}",
        "--rw=write",
        f"--bs={BLOCK}",
        f"--size={mib}M",
        f"--filename={name}",
        "--numjobs=1",
        "--unlink=1",
        "--output-format=json",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"fio failed: {done.stderr.strip() or done.stdout.strip()}")
    start = done.stdout.find("{")  # fio may print gfapi log lines before the JSON
    job = json.loads(done.stdout[start:])["jobs"][0]["write"]
    return float(job["bw_bytes"]) / 1e6


def objstore_mbps(store: objstore.Store, mib: int, per_op: bool) -> float:
    key = f"bench-{uuid.uuid4().hex[:8]}"
    block = (bytes(range(256)) * (BLOCK // 256))[:BLOCK]
    count = mib * 1024 * 1024 // BLOCK
    started = time.perf_counter()
    if per_op:
        for i in range(count):
            store.put(key, block, "w", offset=i * BLOCK)
    else:
        store.put_stream(key, (block for _ in range(count)), "w", chunk_size=BLOCK)
    elapsed = time.perf_counter() - started
    assert store.stat(key).size == count * BLOCK
    store.delete(key)
    return count * BLOCK / elapsed / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "configs" / "gluster-local.toml"))
    parser.add_argument("--mib", type=int, default=256, help="MiB written per run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--target", type=float, default=0.8, help="minimum ratio to pass")
    args = parser.parse_args()
    if shutil.which("fio") is None:
        raise SystemExit("fio not found: apt-get install fio")
    cfg = load_config(args.config)
    volume, host = cfg.options["volume"], cfg.options.get("host", "localhost")
    results: dict[str, list[float]] = {"fio": [], "stream": [], "per_op": []}
    with objstore.open(config=args.config) as store:
        runs: dict[str, Callable[[], float]] = {
            "fio": lambda: fio_mbps(volume, host, args.mib),
            "stream": lambda: objstore_mbps(store, args.mib, per_op=False),
            "per_op": lambda: objstore_mbps(store, args.mib, per_op=True),
        }
        order = list(runs)
        for repeat in range(args.repeat):
            # Rotate who goes first: a run right after another one's 256 MiB unlink (fio's
            # --unlink, our delete) pays for that cleanup on the brick, and so would always
            # be the same side. Settle between runs for the same reason.
            for name in order[repeat % 3 :] + order[: repeat % 3]:
                os.sync()
                time.sleep(SETTLE_SECONDS)
                results[name].append(runs[name]())
    fio, ours, per_op = results["fio"], results["stream"], results["per_op"]
    best_fio, best_ours, best_op = max(fio), max(ours), max(per_op)
    ratio = best_ours / best_fio
    print(f"4 MiB sequential writes, {args.mib} MiB per run, best of {args.repeat}:")
    print(f"  fio gfapi engine:           {best_fio:8.1f} MB/s   runs {[round(x) for x in fio]}")
    print(f"  objstore put_stream (w):    {best_ours:8.1f} MB/s   runs {[round(x) for x in ours]}")
    print(f"  objstore put per block (w): {best_op:8.1f} MB/s   runs {[round(x) for x in per_op]}")
    median_ratio = statistics.median(ours) / statistics.median(fio)
    print(f"median ratio objstore/fio = {median_ratio:.2f}x")
    verdict = "PASS" if ratio >= args.target else "FAIL"
    print(f"ratio objstore/fio = {ratio:.2f}x (target >= {args.target}x): {verdict}")
    return 0 if ratio >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
