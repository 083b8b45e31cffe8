"""CLI commands of the test harness other than ``check``: ``ftest`` (avocado) and ``divergence``.

``objstore/cli.py`` adds every command in :data:`COMMANDS` to the ``objstore`` group.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from objstore.cases import FEATURES

console = Console(width=max(Console().width, 100))


def _root_choices(ctx: click.Context) -> tuple[list[str], list[str]]:
    """Backends and configs named on the main group (``objstore -b X -c Y ftest``)."""
    root = ctx.find_root().obj or {}
    backends = [root["backend"]] if root.get("backend") else []
    configs = [root["config"]] if root.get("config") else []
    return backends, configs


@click.command()
@click.option(
    "-b",
    "--backend",
    "backends",
    multiple=True,
    metavar="NAME",
    help="Backend variant to run (memory, posix, rados, rbd, gobridge, gluster, daos; "
    "repeatable; default: all).",
)
@click.option(
    "-c",
    "--config",
    "configs",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Also run on the store this config file describes (repeatable).",
)
@click.option(
    "--results",
    "results",
    type=click.Path(file_okay=False),
    default=None,
    help="Directory for results.json, results.xml and results.html "
    "(default: ftest-results/<timestamp>).",
)
@click.option("--no-slow", is_flag=True, help="Skip slow cases (64 MiB streams).")
@click.option(
    "-t", "--tag", "tags", multiple=True, help="Only avocado tests with this tag (e.g. metadata)."
)
@click.pass_context
def ftest(
    ctx: click.Context,
    backends: tuple[str, ...],
    configs: tuple[str, ...],
    results: str | None,
    no_slow: bool,
    tags: tuple[str, ...],
) -> None:
    """Run the avocado conformance suite (ftests/) through avocado's Job API.

    One avocado test per feature per backend, run one at a time. Prints a backend x
    feature matrix and a closing ``N passed, N failed`` line counting cases. A backend
    unavailable here is CANCELled (counted as skipped); with CI=true a cancelled cluster
    backend fails. Exits 1 when anything failed.
    """
    from objstore.testing.avocado_runner import BACKENDS, run_job

    root_backends, root_configs = _root_choices(ctx)
    chosen = list(backends) + root_backends
    config_list = list(configs) + root_configs
    if not chosen and not config_list:
        chosen = list(BACKENDS)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    results_dir = Path(results) if results else Path("ftest-results") / stamp
    try:
        report = run_job(
            chosen, config_list, results_dir.resolve(), not no_slow, list(tags) or None
        )
    except ImportError as exc:
        raise click.ClickException(f"avocado is not usable here: {exc}") from exc
    backends_seen = list(dict.fromkeys(t["backend"] for t in report.tests))
    features_seen = [f for f in FEATURES if any(t["feature"] == f for t in report.tests)]
    counted: dict[tuple[str, str], list[int]] = {}
    for outcome in report.outcomes:
        cell = counted.setdefault((outcome.backend, outcome.feature), [0, 0, 0])
        cell[("passed", "failed", "skipped").index(outcome.status)] += 1
    cells: dict[tuple[str, str], str] = {}
    failed_tests_without_cases = 0
    for test in report.tests:
        backend, feature, status = test["backend"], test["feature"], test["status"]
        p, f, s = counted.get((backend, feature), [0, 0, 0])
        if status == "CANCEL":
            text = "[yellow]CANCEL[/]"
        elif status == "PASS":
            text = f"[green]{p}[/]/0/[dim]{s}[/]"
        else:
            text = f"[red]{status} {p}/{f}/{s}[/]"
            if not f:
                failed_tests_without_cases += 1
        cells[(backend, feature)] = text
    # Features down, backends across: seven backends fit an 80-column terminal.
    table = Table(title="objstore ftest: cases passed/failed/skipped (one avocado test per cell)")
    table.add_column("feature")
    for backend in backends_seen:
        table.add_column(backend, justify="center")
    for feature in features_seen:
        table.add_row(feature, *(cells.get((b, feature), "-") for b in backends_seen))
    console.print(table)
    for test in report.tests:
        if test["status"] == "CANCEL":
            console.print(
                f"[yellow]CANCEL[/] {test['backend']}: {test['fail_reason']}", highlight=False
            )
    failures = [o for o in report.outcomes if o.status == "failed"]
    for outcome in failures[:50]:
        first = outcome.message.splitlines()[0] if outcome.message else ""
        console.print(f"[red]FAIL[/] {outcome.backend} {outcome.case}: {first}", highlight=False)
    for test in report.tests:
        if test["status"] not in ("PASS", "CANCEL") and not any(
            o.backend == test["backend"] and o.feature == test["feature"] and o.status == "failed"
            for o in report.outcomes
        ):
            console.print(
                f"[red]{test['status']}[/] {test['id']}: {test['fail_reason']}", highlight=False
            )
    tests = report.test_counts()
    passed = sum(o.status == "passed" for o in report.outcomes)
    skipped = sum(o.status == "skipped" for o in report.outcomes)
    failed = len(failures) + failed_tests_without_cases
    console.print(
        f"avocado: {len(report.tests)} tests: "
        + ", ".join(f"{n} {status}" for status, n in sorted(tests.items()))
        + f" (CANCEL counts as skipped); cases skipped: {skipped}",
        highlight=False,
    )
    console.print(
        f"results: {report.results_dir}/results.json, results.xml, results.html", highlight=False
    )
    click.echo(f"{passed} passed, {failed} failed")
    if failed or report.exit_code:
        sys.exit(1)


@click.command()
@click.option(
    "-b",
    "--backend",
    "names",
    multiple=True,
    metavar="NAME|CONFIG",
    help="Backend name or config file to probe (repeatable; default: every available backend).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the Markdown matrix here (e.g. docs/divergence.md); default: print it.",
)
@click.pass_context
def divergence(ctx: click.Context, names: tuple[str, ...], out: str | None) -> None:
    """Probe backends for edge behaviours and write the semantic divergence matrix.

    Each behaviour (read past the end, offset write beyond the end, append to a missing
    object, empty objects, delete of a missing object, create races, xattrs kept by wf,
    key limits...) is shown with what the spec says and what each backend does; each
    difference is marked as declared by a capability or as a divergence. Exits 1 when
    there is a divergence.
    """
    from objstore.testing.divergence import Finding, probe_store, render_markdown
    from objstore.testing.targets import discover

    root_backends, root_configs = _root_choices(ctx)
    wanted = list(names) + root_backends + root_configs
    targets = discover(wanted or None)
    results: dict[str, dict[str, Finding]] = {}
    notes: dict[str, str] = {}
    not_run: dict[str, str] = {}
    for target in targets:
        store, reason = target.open_or_reason()
        if store is None:
            not_run[target.id] = reason or "unavailable"
            continue
        with store:
            console.print(f"probing {target.describe()}", highlight=False)
            results[target.id] = probe_store(store)
            off = [name for name, on in store.capabilities.flags().items() if not on]
            limits = [f"{k}={v}" for k, v in store.capabilities.limits().items() if v]
            notes[target.id] = (
                f"{target.describe()}; capabilities off: {', '.join(off) or 'none'}"
                + (f"; limits: {', '.join(limits)}" if limits else "")
            )
    text = render_markdown(results, notes, not_run)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text)
        console.print(f"wrote {out}", highlight=False)
    else:
        click.echo(text)
    count = sum(f.verdict == "divergence" for r in results.values() for f in r.values())
    click.echo(f"{len(results)} backends probed, {count} divergence(s)")
    if count:
        sys.exit(1)


COMMANDS: list[click.Command] = [ftest, divergence]
