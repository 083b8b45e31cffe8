"""CLI commands of the benchmark: bench, compare, report."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from objstore.errors import ObjstoreError


def _options(pairs: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"expected KEY=VALUE, not {pair!r}", param_hint="--option")
        out[name.strip()] = value
    return out


def _stdout() -> Console:
    """Console for tables: wide enough for every column when stdout is a file or pipe."""
    return Console() if sys.stdout.isatty() else Console(width=200)


def fmt_latency(us: float) -> str:
    from objstore.bench.report import fmt_latency as fmt

    return fmt(us)


def results_table(runs: list[dict[str, Any]], title: str) -> Table:
    """The per-backend, per-operation summary printed after a run."""
    table = Table(title=title, title_justify="left")
    for col in ("backend", "op", "driver"):
        table.add_column(col)
    for col in ("ops/s", "MiB/s", "min", "p50", "p90", "p99", "p99.9", "max", "errors"):
        table.add_column(col, justify="right")
    reps = max((r["repetition"] for r in runs), default=0) + 1
    for run in runs:
        name = run["label"] if reps == 1 else f"{run['label']} #{run['repetition']}"
        entries = list(run["ops"].items())
        if len(entries) > 1:
            entries.append(("total", run["total"]))
        for op, e in entries:
            lat = e["latency_us"]
            errors = ", ".join(f"{k} {v}" for k, v in e["errors"].items()) or "0"
            style = "bold" if op == "total" else None
            table.add_row(
                name,
                op,
                run["driver"],
                f"{e['ops_per_s']:,.0f}",
                f"{e['mib_per_s']:,.2f}",
                *(fmt_latency(lat[k]) for k in ("min", "p50", "p90", "p99", "p99_9", "max")),
                errors,
                style=style,
            )
    return table


class _LiveProgress:
    """A rich progress bar per run with live ops/s (on stderr, so stdout stays clean)."""

    def __init__(
        self, progress: Progress, task: TaskID, total_s: float | None, total_ops: int | None
    ):
        self.progress, self.task = progress, task
        self.total_s, self.total_ops = total_s, total_ops
        self.last = (0, time.monotonic())
        self.rate = 0.0

    def __call__(self, done: int, elapsed: float) -> None:
        now = time.monotonic()
        prev_done, prev_t = self.last
        if now - prev_t >= 0.25:
            self.rate = (done - prev_done) / (now - prev_t)
            self.last = (done, now)
        completed = (
            min(elapsed, self.total_s) if self.total_s else min(done, self.total_ops or done)
        )
        self.progress.update(
            self.task, completed=completed, ops=f"{done:,} ops", rate=f"{self.rate:,.0f} ops/s"
        )


@click.command("bench")
@click.option("-b", "--backend", "backends", multiple=True, help="Backend name (repeatable).")
@click.option("-c", "--config", "configs", multiple=True, help="Config file (repeatable).")
@click.option(
    "-o",
    "--option",
    "option_pairs",
    multiple=True,
    help="KEY=VALUE backend option for every target.",
)
@click.option(
    "--mix", help="Operations with weights, e.g. put=1,get=3 (put get get-range delete list stat)."
)
@click.option("--mode", help="put write mode: wf (default), w, wa, create.")
@click.option("--size", help="Object size, e.g. 4KiB, 4MiB (default 4KiB).")
@click.option("--range-size", help="Bytes per get-range (default size/4).")
@click.option("--objects", type=int, help="Distinct objects the ops cycle over (default 64).")
@click.option("--duration", help="Measured time, e.g. 10s (default 5s).")
@click.option("--ops", type=int, help="Measured operation count instead of a duration.")
@click.option("--warmup", help="Warm-up before measuring, e.g. 1s (default 1s).")
@click.option(
    "-t", "--concurrency", type=int, help="Operations in flight (closed loop; default 1)."
)
@click.option(
    "--rate", type=float, help="Open loop: target ops/s; latency counts from intended start."
)
@click.option(
    "--workers",
    "driver",
    type=click.Choice(["auto", "aio", "threads", "process"]),
    help="How ops are put in flight (default auto: aio where native, else threads).",
)
@click.option("--processes", type=int, help="Worker processes for --workers process.")
@click.option(
    "--fresh", is_flag=True, help="Every put writes a new object (like rados bench write)."
)
@click.option(
    "--verify", is_flag=True, help="Check read data and read every object back at the end."
)
@click.option("--interval", help="Throughput-over-time bucket width (default 1s).")
@click.option("--seed", type=int)
@click.option("--repeat", type=int, help="Repetitions per backend (for objstore compare).")
@click.option("--quick", is_flag=True, help="A ~1.5 s per backend mixed 4KiB preset.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the result JSON here.")
@click.option(
    "--report", "report_path", type=click.Path(dir_okay=False), help="Also write the HTML report."
)
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def bench(
    backends: tuple[str, ...],
    configs: tuple[str, ...],
    option_pairs: tuple[str, ...],
    mix: str | None,
    mode: str | None,
    size: str | None,
    range_size: str | None,
    objects: int | None,
    duration: str | None,
    ops: int | None,
    warmup: str | None,
    concurrency: int | None,
    rate: float | None,
    driver: str | None,
    processes: int | None,
    fresh: bool,
    verify: bool,
    interval: str | None,
    seed: int | None,
    repeat: int | None,
    quick: bool,
    out: str | None,
    report_path: str | None,
    no_progress: bool,
) -> None:
    """Run one workload on one or more backends and report latency percentiles and throughput.

    \b
    objstore bench -b memory -b posix --quick --out out/bench.json --report out/report.html
    objstore bench -c configs/rados-local.toml --mix put --size 4MiB -t 16 --duration 10s
    objstore bench -b memory --mix put=1,get=3 --rate 2000 --duration 5s
    """
    from objstore.bench import results
    from objstore.bench.runner import run_target
    from objstore.bench.targets import BenchTarget
    from objstore.bench.workload import build_workload

    err = Console(stderr=True)
    try:
        workload = build_workload(
            mix=mix,
            size=size,
            objects=objects,
            mode=mode,
            range_size=range_size,
            duration=duration,
            ops=ops,
            warmup=warmup,
            concurrency=concurrency,
            rate=rate,
            driver=driver,
            processes=processes,
            verify=verify,
            fresh=fresh,
            interval=interval,
            seed=seed,
            repeat=repeat,
            quick=quick,
        )
        extra = _options(option_pairs)
        targets = [BenchTarget.from_name(name, extra) for name in backends]
        targets += [BenchTarget.from_config(path, extra) for path in configs]
    except ObjstoreError as exc:
        raise click.UsageError(str(exc)) from exc
    if not targets:
        raise click.UsageError("name at least one --backend or --config")
    err.print(f"[bold]workload[/]: {workload.describe()}")
    runs: list[dict[str, Any]] = []
    failures: list[dict[str, str]] = []
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[ops]}"),
        TextColumn("[cyan]{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=err,
        disable=no_progress,
        transient=False,
    )
    total_s = workload.warmup + workload.duration if workload.duration else None
    try:
        with progress:
            # Repetitions interleave backends (A B A B ...) so slow drift hits all alike.
            for rep in range(workload.repeat):
                for target in list(targets):
                    if any(f["label"] == target.label for f in failures):
                        continue
                    name = target.label if workload.repeat == 1 else f"{target.label} #{rep}"
                    task = progress.add_task(
                        f"{name:>12}", total=total_s or workload.ops, ops="", rate=""
                    )
                    live = _LiveProgress(progress, task, total_s, workload.ops)
                    try:
                        run = run_target(target, workload, repetition=rep, progress=live)
                    except ObjstoreError as exc:
                        failures.append({"label": target.label, "error": str(exc)})
                        progress.update(task, description=f"[red]{name:>12} failed")
                        continue
                    progress.update(task, completed=total_s or workload.ops)
                    runs.append(run)
    finally:
        for target in targets:
            target.release()
    for failure in failures:
        err.print(f"[red]{failure['label']}: {failure['error']}[/]")
    if runs:
        _stdout().print(results_table(runs, f"objstore bench: {workload.describe()}"))
    doc = results.document(workload.to_json(), runs)
    if failures:
        doc["failures"] = failures
    if out:
        results.save(doc, out)
        err.print(f"result: {out}")
    if report_path and runs:
        from objstore.bench.report import render

        path = Path(report_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render([doc]))
        err.print(f"report: {report_path}")
    if failures:
        sys.exit(1)


@click.command("compare")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--side", "sides", multiple=True, help="NAME=FILE[,FILE...]: runs forming one side.")
@click.option("--baseline", help="Side every other side is divided by (default: the first).")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.option("--seed", type=int, default=0, help="Bootstrap random seed.")
def compare(
    files: tuple[str, ...], sides: tuple[str, ...], baseline: str | None, as_json: bool, seed: int
) -> None:
    """Ratios between benchmark results, with 95 % bootstrap confidence intervals.

    Each backend label in each FILE is one side (its repetitions are its samples);
    --side groups several files into one side. A verdict (better/worse) is printed only
    where the interval excludes 1; one run per side gives a ratio but no verdict.
    """
    from objstore.bench.compare import MIN_RUNS, compare_sides, load_sides
    from objstore.bench.results import SchemaError

    try:
        all_sides = load_sides(files, sides)
    except (SchemaError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    if len(all_sides) < 2:
        raise click.UsageError("need at least two sides (two labels, two files or --side)")
    base = all_sides[0]
    if baseline is not None:
        matches = [s for s in all_sides if s.name == baseline]
        if not matches:
            raise click.UsageError(
                f"no side named {baseline!r}; have {[s.name for s in all_sides]}"
            )
        base = matches[0]
    report: list[dict[str, Any]] = []
    console = _stdout()
    for side in all_sides:
        if side is base:
            continue
        rows = compare_sides(base, side, seed=seed)
        report.append(
            {"baseline": base.name, "side": side.name, "rows": [r.__dict__ for r in rows]}
        )
        if as_json:
            continue
        table = Table(
            title=f"{side.name} vs {base.name} (ratio = {side.name} / {base.name}; "
            f"n = {len(side.runs)} vs {len(base.runs)} runs)",
            title_justify="left",
        )
        for col in ("op", "metric"):
            table.add_column(col)
        for col in (base.name, side.name, "ratio", "95% CI", "verdict"):
            table.add_column(col, justify="right")
        for r in rows:
            latency = r.metric.startswith("p")
            show = fmt_latency if latency else (lambda v: f"{v:,.1f}")
            ci = f"{r.low:.3f}-{r.high:.3f}" if r.low is not None and r.high is not None else "-"
            colour = {"better": "green", "worse": "red"}.get(r.verdict)
            text = f"[{colour}]{r.verdict}[/]" if colour else r.verdict
            ratio = f"{r.ratio:.3f}" if r.ratio is not None else "-"
            table.add_row(r.op, r.metric, show(r.baseline_mean), show(r.mean), ratio, ci, text)
        console.print(table)
    if as_json:
        click.echo(json.dumps(report, indent=1))
    elif any(min(len(s.runs), len(base.runs)) < MIN_RUNS for s in all_sides):
        Console(stderr=True).print(
            f"[yellow]fewer than {MIN_RUNS} runs on a side: no intervals, so no verdicts "
            "(use objstore bench --repeat 5)[/]"
        )


@click.command("report")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o", "--output", default="report.html", show_default=True, type=click.Path(dir_okay=False)
)
@click.option("--title", default="objstore bench report", show_default=True)
def report(files: tuple[str, ...], output: str, title: str) -> None:
    """Write a self-contained HTML page (latency CDFs, throughput over time) for result FILES."""
    from objstore.bench.report import render
    from objstore.bench.results import SchemaError, load

    try:
        docs = [load(path) for path in files]
    except SchemaError as exc:
        raise click.UsageError(str(exc)) from exc
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(docs, title=title))
    click.echo(f"report: {output}")


COMMANDS: list[click.Command] = [bench, compare, report]
