#!/usr/bin/env python3
"""``rados bench`` vs ``objstore bench`` on the same local cluster, in the same session.

For 4 KiB and 4 MiB objects, 1 and 16 in flight, write and read, this runs ``rados bench``
and then ``objstore bench`` on the rados backend (and the gobridge backend when its config
exists), alternating the tools in every round so that drift on a shared machine hits both.
It prints ops/s, MiB/s and client CPU per operation of each, and the ratio to rados bench.

Targets (issue 8): objstore/rados >= 0.95x rados bench ops/s for 4 KiB writes with 16 in
flight and >= 0.95x MiB/s for 4 MiB writes.

    .venv/bin/python bench/rados_bench_compare.py                 # 5 s per cell, 1 round
    .venv/bin/python bench/rados_bench_compare.py --rounds 3 --json out/rados-compare.json

Reads the cluster configs configs/rados-local.toml and configs/gobridge-local.toml written
by ``objstore cluster ceph up``; skips (exit 0) with a message when the cluster is not up.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from objstore.bench.runner import run_target  # noqa: E402
from objstore.bench.targets import BenchTarget  # noqa: E402
from objstore.bench.units import format_size, parse_size  # noqa: E402
from objstore.bench.workload import build_workload  # noqa: E402
from objstore.config import load_config, reveal  # noqa: E402
from objstore.errors import ObjstoreError  # noqa: E402

MIB = 1024 * 1024


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def rados_args(config: Path) -> tuple[list[str], str]:
    """Global ``rados`` CLI arguments for the cluster and user in a rados config."""
    opts = load_config(config).options
    args = ["rados"]
    if opts.get("conffile"):
        args += ["-c", str(reveal(opts["conffile"]))]
    user = str(opts.get("user", "client.admin"))
    args += ["--name", user if "." in user else f"client.{user}"]
    if opts.get("keyring"):
        args += ["--keyring", str(reveal(opts["keyring"]))]
    return args, str(opts.get("pool", "objstore"))


def _field(out: str, name: str) -> float:
    # `rados bench --format json` interleaves its clean-up messages with the JSON on stdout,
    # so the document is not always parseable: pick the summary fields out directly.
    match = re.search(rf'"{name}":"?([0-9.]+)"?', out)
    if not match:
        raise RuntimeError(f"rados bench output lacks {name}: {out[-400:]}")
    return float(match.group(1))


def rados_bench(
    base: list[str], pool: str, phase: str, seconds: float, size: int, depth: int, run: str
) -> dict[str, float]:
    cmd = [
        *base,
        "-p",
        pool,
        "bench",
        str(round(seconds)),
        phase,
        "-t",
        str(depth),
        "--run-name",
        run,
        "--format",
        "json",
        "--no-cleanup",
    ]
    if phase == "write":
        cmd += ["-b", str(size)]
    before = cpu_seconds(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120, check=False)
    cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - before
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.strip()[-400:]}")
    made = _field(proc.stdout, "total_writes_made" if phase == "write" else "total_reads_made")
    elapsed = _field(proc.stdout, "total_time_run")
    return {
        "ops_per_s": made / elapsed,
        "mib_per_s": made * size / elapsed / MIB,
        "cpu_us_per_op": cpu / max(made, 1) * 1e6,
        "ops": made,
    }


def rados_cleanup(base: list[str], pool: str, run: str) -> None:
    subprocess.run(
        [*base, "-p", pool, "cleanup", "--run-name", run],
        capture_output=True,
        timeout=300,
        check=False,
    )


def objstore_bench(
    config: Path,
    op: str,
    seconds: float,
    size: int,
    depth: int,
    driver: str,
    objects: int,
    mode: str | None = None,
    fresh: bool = False,
) -> dict[str, float]:
    workload = build_workload(
        mix=op,
        size=size,
        concurrency=depth,
        duration=seconds,
        warmup=0.5,
        objects=objects,
        driver=driver,
        interval=1.0,
        mode=mode,
        fresh=fresh,
    )
    target = BenchTarget.from_config(str(config))
    run = run_target(target, workload)
    entry = run["ops"][op]
    return {
        "ops_per_s": entry["ops_per_s"],
        "mib_per_s": entry["mib_per_s"],
        # Process CPU while the driver ran (set-up and clean-up excluded), per operation.
        "cpu_us_per_op": run["client_cpu_us_per_op"],
        "ops": entry["count"],
        "p99_us": entry["latency_us"]["p99"],
        "errors": sum(entry["errors"].values()),
        "driver": run["driver"],
    }


def reachable(config: Path) -> str | None:
    """None when a store opens with ``config``, else why not."""
    if not config.is_file():
        kind = "gluster" if "gluster" in config.name else "ceph"
        return f"{config} does not exist (start the cluster: objstore cluster {kind} up)"
    try:
        import objstore

        with objstore.open(config=config) as store:
            store.describe()
    except ObjstoreError as exc:
        return f"cannot open {config}: {exc}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "configs/rados-local.toml")
    parser.add_argument("--gobridge", type=Path, default=ROOT / "configs/gobridge-local.toml")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per cell")
    parser.add_argument("--rounds", type=int, default=1, help="alternations per cell (median)")
    parser.add_argument("--sizes", default="4KiB,4MiB")
    parser.add_argument("--depths", default="1,16")
    parser.add_argument("--phases", default="write,read")
    parser.add_argument("--drivers", default="auto", help="objstore drivers, e.g. auto,threads")
    parser.add_argument("--json", type=Path, help="also write all measurements here")
    args = parser.parse_args(argv)

    if shutil.which("rados") is None:
        print("SKIP: the rados CLI is not installed (apt-get install ceph-common)")
        return 0
    why = reachable(args.config)
    if why:
        print(f"SKIP: {why}")
        return 0
    targets = [("rados", args.config)]
    gb_why = reachable(args.gobridge)
    if gb_why is None:
        targets.append(("gobridge", args.gobridge))
    else:
        print(f"note: gobridge not measured: {gb_why}")
    base, pool = rados_args(args.config)
    drivers = args.drivers.split(",")
    rows: list[dict[str, Any]] = []
    for size in (parse_size(s) for s in args.sizes.split(",")):
        for depth in (int(d) for d in args.depths.split(",")):
            for phase in args.phases.split(","):
                cell: dict[str, list[dict[str, float]]] = {}
                for rnd in range(args.rounds):
                    run_name = f"objstore-cmp-{int(time.time())}-{rnd}"
                    try:
                        if phase == "read":
                            # rados bench seq reads what a write run left behind.
                            rados_bench(base, pool, "write", args.duration, size, depth, run_name)
                        cell.setdefault("rados bench", []).append(
                            rados_bench(
                                base,
                                pool,
                                "write" if phase == "write" else "seq",
                                args.duration,
                                size,
                                depth,
                                run_name,
                            )
                        )
                    finally:
                        rados_cleanup(base, pool, run_name)
                    objects = 256 if size <= 64 * 1024 else 32
                    for name, config in targets:
                        for driver in drivers:
                            label = name if driver == "auto" else f"{name}/{driver}"
                            cell.setdefault(label, []).append(
                                objstore_bench(
                                    config,
                                    "put" if phase == "write" else "get",
                                    args.duration,
                                    size,
                                    depth,
                                    driver,
                                    objects,
                                    # rados bench write creates a new object per op.
                                    fresh=phase == "write",
                                )
                            )
                ref_ops = statistics.median(m["ops_per_s"] for m in cell["rados bench"])
                ref_mib = statistics.median(m["mib_per_s"] for m in cell["rados bench"])
                print(
                    f"\n{phase} {format_size(size)} x{depth} in flight "
                    f"({args.rounds} round(s) of {args.duration:g} s, medians)"
                )
                print(f"  {'tool':<22}{'ops/s':>10}{'MiB/s':>10}{'cpu us/op':>11}{'ratio':>8}")
                for label, ms in cell.items():
                    ops = statistics.median(m["ops_per_s"] for m in ms)
                    mib = statistics.median(m["mib_per_s"] for m in ms)
                    cpu = statistics.median(m["cpu_us_per_op"] for m in ms)
                    ratio = ops / ref_ops if ref_ops else float("nan")
                    print(f"  {label:<22}{ops:>10.1f}{mib:>10.2f}{cpu:>11.0f}{ratio:>8.2f}")
                    rows.append(
                        {
                            "phase": phase,
                            "size": size,
                            "depth": depth,
                            "tool": label,
                            "ops_per_s": ops,
                            "mib_per_s": mib,
                            "cpu_us_per_op": cpu,
                            "ratio_vs_rados_bench": ratio,
                            "rounds": ms,
                            "reference_mib_per_s": ref_mib,
                        }
                    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
