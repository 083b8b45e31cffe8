"""``objstore check``: run the conformance cases (and optionally the oracle) on backends."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from objstore.cases import FEATURES, select
from objstore.cases.runner import CaseRunner, Outcome, summarize
from objstore.testing.targets import Target, discover

console = Console()


def _targets(ctx: click.Context, names: tuple[str, ...]) -> list[Target]:
    root = ctx.find_root().obj or {}
    wanted = list(names)
    if root.get("config"):
        wanted.append(root["config"])
    if root.get("backend"):
        wanted.append(root["backend"])
    if not wanted:
        wanted = ["memory", "posix"]
    return discover(wanted)


@click.command()
@click.option(
    "-b",
    "--backend",
    "names",
    multiple=True,
    metavar="NAME|CONFIG",
    help="Backend name or config file to check (repeatable; default: memory and posix).",
)
@click.option(
    "-k",
    "--case",
    "patterns",
    multiple=True,
    metavar="NAME",
    help="Only cases whose name starts with NAME (repeatable).",
)
@click.option(
    "--feature",
    "features",
    multiple=True,
    type=click.Choice(FEATURES),
    help="Only cases of this feature (repeatable).",
)
@click.option("--no-slow", is_flag=True, help="Skip slow cases (64 MiB streams).")
@click.option("--oracle", is_flag=True, help="Run the differential oracle instead of the cases.")
@click.option(
    "--examples",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="Oracle: random operation sequences to try.",
)
@click.option("--seed", type=int, default=None, help="Oracle: random seed, to reproduce a run.")
@click.option(
    "--max-steps",
    type=click.IntRange(min=1),
    default=None,
    help="Oracle: most operations per sequence (default: the oracle's own).",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False),
    help="Also write every outcome to this JSON file.",
)
@click.option(
    "-v", "--verbose", is_flag=True, help="List every failing and skipped case with its reason."
)
@click.pass_context
def check(
    ctx: click.Context,
    names: tuple[str, ...],
    patterns: tuple[str, ...],
    features: tuple[str, ...],
    no_slow: bool,
    oracle: bool,
    examples: int,
    seed: int | None,
    max_steps: int | None,
    json_out: str | None,
    verbose: bool,
) -> None:
    """Check backends against the objstore spec and print a feature x backend table.

    Runs every conformance case (each in its own key prefix, cleaned up after) on each
    backend. With --oracle, runs random operation sequences against the reference
    model instead and prints any divergence as a minimal reproducing sequence.
    """
    targets = _targets(ctx, names)
    if oracle:
        _run_oracle(targets, examples, seed, max_steps)
        return
    cases = select(patterns or None, features or None, include_slow=not no_slow)
    outcomes: list[Outcome] = []
    unavailable: dict[str, str] = {}
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[current]}"),
        console=console,
        transient=True,
    ) as progress:
        for target in targets:
            store, reason = target.open_or_reason()
            if store is None:
                unavailable[target.id] = reason or "unavailable"
                continue
            task = progress.add_task(target.describe(), total=len(cases), current="")
            with store:
                runner = CaseRunner(store)
                for case in cases:
                    progress.update(task, current=case.name)
                    outcome = runner.run(case)
                    outcomes.append(
                        Outcome(
                            outcome.case,
                            outcome.feature,
                            target.id,
                            outcome.status,
                            outcome.message,
                            outcome.seconds,
                        )
                    )
                    progress.advance(task)
    _print_table(outcomes, [t.id for t in targets if t.id not in unavailable], features or FEATURES)
    failures = [o for o in outcomes if o.status == "failed"]
    for target in targets:
        if target.id in unavailable:
            required = target.must_run
            colour = "red" if required else "yellow"
            note = " (CI=true: a cluster backend must run)" if required else ""
            console.print(
                f"[{colour}]{target.id}: not run: {unavailable[target.id]}{note}[/]",
                highlight=False,
            )
            if required:
                failures.append(Outcome("<open>", "-", target.id, "failed", unavailable[target.id]))
    for outcome in failures[:50]:
        console.print(
            f"[red]FAIL[/] {outcome.backend} {outcome.case}: {outcome.message}", highlight=False
        )
    if len(failures) > 50:
        console.print(f"... and {len(failures) - 50} more failures")
    if verbose:
        for outcome in outcomes:
            if outcome.status == "skipped":
                console.print(
                    f"[dim]SKIP {outcome.backend} {outcome.case}: {outcome.message}[/]",
                    highlight=False,
                )
    if json_out:
        Path(json_out).write_text(json.dumps([o.__dict__ for o in outcomes], indent=1))
    passed = sum(o.status == "passed" for o in outcomes)
    skipped = sum(o.status == "skipped" for o in outcomes)
    click.echo(f"{passed} passed, {len(failures)} failed, {skipped} skipped")
    if failures or (unavailable and names):
        sys.exit(1)


def _print_table(
    outcomes: list[Outcome], backends: list[str], features: tuple[str, ...] | list[str]
) -> None:
    counts = summarize(outcomes)
    table = Table(title="objstore conformance (passed / failed / skipped)")
    table.add_column("feature")
    for backend in backends:
        table.add_column(backend, justify="center")
    for feature in features:
        row = [feature]
        for backend in backends:
            c = counts.get((backend, feature))
            if not c:
                row.append("-")
                continue
            cell = f"[green]{c['passed']}[/]"
            cell += f" / [red]{c['failed']}[/]" if c["failed"] else " / 0"
            cell += f" / [dim]{c['skipped']}[/]"
            row.append(cell)
        table.add_row(*row)
    console.print(table)


def _run_oracle(
    targets: list[Target], examples: int, seed: int | None, max_steps: int | None
) -> None:
    try:
        from objstore.testing.oracle import run_oracle
    except ImportError as exc:
        raise click.ClickException(f"the oracle is not available: {exc}") from exc
    failed = 0
    for target in targets:
        if target.skip_reason:
            console.print(f"[yellow]{target.id}: not run: {target.skip_reason}[/]")
            failed += target.must_run
            continue
        if max_steps is None:
            result = run_oracle(target, examples=examples, seed=seed)
        else:
            result = run_oracle(target, examples=examples, seed=seed, max_steps=max_steps)
        if result.passed:
            console.print(f"[green]{target.id}: no divergence in {result.examples} examples[/]")
        else:
            failed += 1
            console.print(f"[red]{target.id}: divergence from the spec model:[/]\n{result.report}")
    click.echo(f"{len(targets) - failed} passed, {failed} failed")
    if failed:
        sys.exit(1)
