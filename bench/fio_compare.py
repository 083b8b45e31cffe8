#!/usr/bin/env python3
"""fio's rados and gfapi engines vs ``objstore bench`` on the rados and gluster backends.

Same local clusters, same session, tools alternated per round. For each engine, block size
(4 KiB, 4 MiB), depth (1, 16) and direction (write, read) it prints ops/s, MiB/s, p99
latency and client CPU per op of both, and objstore's ratio to fio.

    .venv/bin/python bench/fio_compare.py                 # 5 s per cell
    .venv/bin/python bench/fio_compare.py --engines rados --sizes 4KiB --depths 16

What is compared is not identical, and that is the point: fio writes ``bs``-sized blocks at
successive offsets of one pre-opened object/file; objstore writes whole objects
(``put`` mode ``w`` at offset 0 here, the closest to fio) through its key/error/validation
layers and opens each gluster file per operation. Reads: fio reads blocks of its laid-out
file; objstore reads whole objects of ``bs`` bytes.

Skips (exit 0) with a message when configs/rados-local.toml / configs/gluster-local.toml
are missing or their cluster does not answer.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rados_bench_compare import MIB, ROOT, cpu_seconds, objstore_bench, rados_args, reachable

from objstore.bench.units import format_size, parse_size
from objstore.config import load_config, reveal


def fio_engine_args(engine: str, config: Path, depth: int) -> list[str]:
    opts = load_config(config).options
    if engine == "rados":
        user = str(opts.get("user", "client.admin")).removeprefix("client.")
        args = [
            "--ioengine=rados",
            f"--clientname={user}",
            f"--pool={opts.get('pool', 'objstore')}",
        ]
        if opts.get("conffile"):
            args.append(f"--conf={reveal(opts['conffile'])}")
        return args
    # gfapi is synchronous; gfapi_async keeps `iodepth` requests in flight.
    return [
        f"--ioengine={'gfapi_async' if depth > 1 else 'gfapi'}",
        f"--volume={opts.get('volume', 'objstore')}",
        f"--brick={opts.get('host', 'localhost')}",
    ]


def fio(
    engine: str, config: Path, rw: str, bs: int, depth: int, seconds: float
) -> dict[str, float]:
    size = 32 * MIB if bs <= 64 * 1024 else 128 * MIB
    name = f"objstore-fio-{engine}-{bs}"
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            "fio",
            f"--name={name}",
            *fio_engine_args(engine, config, depth),
            f"--rw={rw}",
            f"--bs={bs}",
            f"--size={size}",
            f"--iodepth={depth}",
            f"--runtime={seconds:g}",
            "--time_based",
            "--unlink=1",
            "--output-format=json",
            f"--output={tmp}/out.json",
        ]
        before = cpu_seconds(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=seconds + 300, check=False
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}: {proc.stderr.strip()[-400:]}")
        # fio's own usr/sys_cpu covers the job thread only, not librados/gfapi threads:
        # take the child's whole rusage (it includes laying out the file before reads).
        cpu_s = cpu_seconds(resource.RUSAGE_CHILDREN) - before
        data = json.loads(Path(tmp, "out.json").read_text())
    if engine == "rados":
        # fio's rados engine ignores --unlink: remove its object (jobname.jobnum.filenum).
        base, pool = rados_args(config)
        subprocess.run(
            [*base, "-p", pool, "rm", f"{name}.0.0"], capture_output=True, timeout=60, check=False
        )
    job = data["jobs"][0]
    side = job["write" if rw == "write" else "read"]
    ops = side["total_ios"]
    pct = side["clat_ns"].get("percentile", {})
    return {
        "ops_per_s": side["iops"],
        "mib_per_s": side["bw_bytes"] / MIB,
        "p99_us": pct.get("99.000000", 0) / 1e3,
        "cpu_us_per_op": cpu_s / max(ops, 1) * 1e6,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rados-config", type=Path, default=ROOT / "configs/rados-local.toml")
    parser.add_argument("--gluster-config", type=Path, default=ROOT / "configs/gluster-local.toml")
    parser.add_argument("--engines", default="rados,gfapi")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--sizes", default="4KiB,4MiB")
    parser.add_argument("--depths", default="1,16")
    parser.add_argument("--phases", default="write,read")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if shutil.which("fio") is None:
        print("SKIP: fio is not installed (apt-get install fio)")
        return 0
    engines: list[tuple[str, Path]] = []
    for engine in args.engines.split(","):
        config = args.rados_config if engine == "rados" else args.gluster_config
        why = reachable(config)
        if why:
            print(f"SKIP {engine}: {why}")
        else:
            engines.append((engine, config))
    rows: list[dict[str, Any]] = []
    for engine, config in engines:
        backend = load_config(config).backend
        for bs in (parse_size(s) for s in args.sizes.split(",")):
            for depth in (int(d) for d in args.depths.split(",")):
                for phase in args.phases.split(","):
                    cell: dict[str, list[dict[str, float]]] = {}
                    for _ in range(args.rounds):
                        cell.setdefault(f"fio {engine}", []).append(
                            fio(engine, config, phase, bs, depth, args.duration)
                        )
                        op = "put" if phase == "write" else "get"
                        objects = 256 if bs <= 64 * 1024 else 32
                        cell.setdefault(f"objstore {backend}", []).append(
                            objstore_bench(
                                config, op, args.duration, bs, depth, "auto", objects, mode="w"
                            )
                        )
                    ref = statistics.median(m["ops_per_s"] for m in cell[f"fio {engine}"])
                    print(
                        f"\n{engine}: {phase} {format_size(bs)} x{depth} in flight "
                        f"({args.rounds} round(s) of {args.duration:g} s, medians)"
                    )
                    print(
                        f"  {'tool':<18}{'ops/s':>10}{'MiB/s':>10}{'p99':>11}"
                        f"{'cpu us/op':>11}{'ratio':>8}"
                    )
                    for label, ms in cell.items():
                        ops = statistics.median(m["ops_per_s"] for m in ms)
                        mib = statistics.median(m["mib_per_s"] for m in ms)
                        p99 = statistics.median(m["p99_us"] for m in ms)
                        cpu = statistics.median(m["cpu_us_per_op"] for m in ms)
                        ratio = ops / ref if ref else float("nan")
                        print(
                            f"  {label:<18}{ops:>10.1f}{mib:>10.2f}{p99:>9.0f}us"
                            f"{cpu:>11.0f}{ratio:>8.2f}"
                        )
                        rows.append(
                            {
                                "engine": engine,
                                "phase": phase,
                                "size": bs,
                                "depth": depth,
                                "tool": label,
                                "ops_per_s": ops,
                                "mib_per_s": mib,
                                "p99_us": p99,
                                "cpu_us_per_op": cpu,
                                "ratio_vs_fio": ratio,
                                "rounds": ms,
                            }
                        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
